import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric of the engine, on one registry served at /metrics. Labels stay bounded. */
export class PipelineMetrics {
  readonly registry = new Registry();

  readonly recordsIn = new Counter({ name: 'pd_records_in_total', help: 'Records consumed by a stage', labelNames: ['stage'], registers: [this.registry] });
  readonly recordsOut = new Counter({ name: 'pd_records_out_total', help: 'Records produced by a stage, per logical topic', labelNames: ['stage', 'topic'], registers: [this.registry] });
  readonly rowsWritten = new Counter({ name: 'pd_sink_rows_total', help: 'Rows written to a sink', labelNames: ['stage', 'sink'], registers: [this.registry] });
  readonly dlq = new Counter({ name: 'pd_dlq_total', help: 'Records sent to a DLQ, by reason', labelNames: ['stage', 'reason'], registers: [this.registry] });
  readonly transientErrors = new Counter({ name: 'pd_transient_errors_total', help: 'Transient failures (retried), by dependency', labelNames: ['stage', 'dependency'], registers: [this.registry] });
  readonly partitionsPaused = new Gauge({ name: 'pd_partitions_paused', help: 'Partitions paused after exhausting retries', labelNames: ['stage'], registers: [this.registry] });
  readonly lag = new Gauge({ name: 'pd_consumer_lag', help: 'Records behind the partition end, at the last batch', labelNames: ['stage', 'partition'], registers: [this.registry] });
  readonly ingestEvents = new Counter({
    name: 'pd_ingest_events_total',
    help: 'Ingested log lines by outcome: forwarded (error-bearing), filtered (no error), joined (a continuation line merged into the event before it)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly classifyReview = new Counter({ name: 'pd_classify_review_total', help: 'Classified errors flagged for review (no rule names them, or low confidence), by error_type', labelNames: ['error_type'], registers: [this.registry] });
  readonly llmCalls = new Counter({ name: 'pd_llm_calls_total', help: 'Generator calls by provider and outcome (ok, failed)', labelNames: ['provider', 'outcome'], registers: [this.registry] });
  readonly llmTokens = new Counter({ name: 'pd_llm_tokens_total', help: 'LLM tokens by kind (prompt, completion)', labelNames: ['kind'], registers: [this.registry] });
  readonly diagnosisCache = new Counter({ name: 'pd_diagnosis_cache_total', help: 'Diagnosis cache lookups by outcome (hit, miss)', labelNames: ['outcome'], registers: [this.registry] });
  readonly diagnoses = new Counter({ name: 'pd_diagnoses_total', help: 'Exceptions diagnosed, by provider and whether degraded', labelNames: ['provider', 'degraded'], registers: [this.registry] });
  readonly diagnoseFailures = new Counter({ name: 'pd_diagnose_failures_total', help: 'Diagnosis attempts that failed and were given back (retried later, or failed for good)', labelNames: ['final'], registers: [this.registry] });
  readonly scheduledRuns = new Counter({ name: 'pd_scheduled_runs_total', help: 'Scheduled job runs this instance executed, by job and outcome (succeeded, failed)', labelNames: ['job', 'outcome'], registers: [this.registry] });
  readonly scheduledRunSeconds = new Histogram({
    name: 'pd_scheduled_run_duration_seconds',
    help: 'Duration of the scheduled job runs this instance executed',
    labelNames: ['job'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly scheduledLastSuccess = new Gauge({ name: 'pd_scheduled_last_success_timestamp_seconds', help: 'Unix time of the last successful run of a job: any instance\'s as of this one\'s start (scheduled_runs), then this instance\'s own (alert on the max over instances)', labelNames: ['job'], registers: [this.registry] });
  readonly batchSeconds = new Histogram({
    name: 'pd_batch_duration_seconds',
    help: 'Time to process and commit one batch',
    labelNames: ['stage'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly latencySeconds = new Histogram({
    name: 'pd_record_latency_seconds',
    help: 'From the input record timestamp to the commit of its outputs',
    labelNames: ['stage'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pd_' });
  }
}
