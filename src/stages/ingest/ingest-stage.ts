import type { Counter } from 'prom-client';
import type { PartitionState, Stage, StageOutput } from '../../core/stage.js';
import type { ValueDecoder } from '../../adapters/schema-registry/value-decoder.js';
import type { ConsumedRecord } from '../../ports/broker.js';
import { isErrorBearing } from './error-bearing.js';
import { LineJoiner, type JoinLimits } from './line-joiner.js';
import { normaliseJobLogEvent, type JobEvent } from './normalise.js';

export const INGEST_SINKS = { mysql: 'mysql.job_log_events', clickhouse: 'clickhouse.job_log_events' } as const;

/** Read-only view of the job catalog used for enrichment. */
export interface JobLookup {
  get(jobId: string): { job_name: string | null; job_type: string | null; job_config: unknown } | undefined;
}

export interface IngestOptions {
  join: JoinLimits;
  /** The job catalog; without it events keep the producer's job name and type. */
  jobs?: JobLookup;
  /** pd_ingest_events_total{outcome}; optional for tests. */
  counter?: Counter<'outcome'>;
  now?: () => number;
}

/**
 * job-logs → job-events (+ MySQL and ClickHouse rows): decode JSON or registry-framed values,
 * validate against the input contract, normalise time and level, join one-line-per-message
 * traces back together, enrich from the job catalog, and pass on only error-bearing events.
 */
export function createIngestStage(decoder: ValueDecoder, options: IngestOptions): Stage {
  const joiner = new LineJoiner(options.join);
  const now = options.now ?? Date.now;

  /** A completed event: enriched and forwarded, or counted as chatter. */
  const emit = (event: JobEvent): StageOutput[] => {
    const joined = Number(event.attributes.joined_lines ?? 1) - 1;
    if (joined > 0) options.counter?.inc({ outcome: 'joined' }, joined);
    if (!isErrorBearing(event)) {
      options.counter?.inc({ outcome: 'filtered' });
      return [];
    }
    options.counter?.inc({ outcome: 'forwarded' });
    // The registry is the source of truth for a known job's name, type and config.
    const job = options.jobs?.get(event.job_id);
    if (job) {
      event.job_name = job.job_name ?? event.job_name;
      event.job_type = job.job_type ?? event.job_type;
      event.job_config = job.job_config ?? null;
    }
    return [
      { kind: 'record', topic: 'job-events', key: event.job_id, value: JSON.stringify(event), headers: { 'pd.event_id': event.event_id } },
      { kind: 'row', sink: INGEST_SINKS.mysql, row: event },
      { kind: 'row', sink: INGEST_SINKS.clickhouse, row: event },
    ];
  };

  const state: PartitionState = {
    changelog: 'ingest-joins',
    // A pending trace is flushed at most a quarter window late.
    punctuateEveryMs: Math.max(50, Math.floor(options.join.windowMs / 4)),
    restore: (partition, entries) => joiner.restore(partition, entries, now()),
    drop: (partition) => joiner.drop(partition),
    takeChanges: (partition) => joiner.takeChanges(partition),
    due: (partition, nowMs, final) => joiner.due(partition, nowMs, final).flatMap(emit),
  };

  return {
    name: 'ingest',
    input: 'job-logs',
    outputs: { topics: ['job-events'], sinks: [INGEST_SINKS.mysql, INGEST_SINKS.clickhouse] },
    state,
    async process(record: ConsumedRecord): Promise<StageOutput[]> {
      const decoded = await decoder.decode(record.value);
      const event = normaliseJobLogEvent(
        decoded.value,
        {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          timestampMs: Number(record.timestamp),
          format: decoded.format,
          schemaId: decoded.schemaId,
        },
        new Date(now()),
      );
      return joiner.add(record.partition, event, now()).flatMap(emit);
    },
  };
}
