import type { Stage, StageOutput } from '../../core/stage.js';
import type { ValueDecoder } from '../../adapters/schema-registry/value-decoder.js';
import type { ConsumedRecord } from '../../ports/broker.js';
import { normaliseJobLogEvent } from './normalise.js';

export const INGEST_SINKS = { mysql: 'mysql.job_log_events', clickhouse: 'clickhouse.job_log_events' } as const;

/**
 * job-logs → job-events (+ MySQL and ClickHouse rows): decode JSON or registry-framed values,
 * validate against the input contract, normalise time and level, fix the event's identity.
 */
/** Read-only view of the job catalog used for enrichment. */
export interface JobLookup {
  get(jobId: string): { job_name: string | null; job_type: string | null; job_config: unknown } | undefined;
}

export function createIngestStage(decoder: ValueDecoder, catalog?: JobLookup, now: () => Date = () => new Date()): Stage {
  return {
    name: 'ingest',
    input: 'job-logs',
    outputs: { topics: ['job-events'], sinks: [INGEST_SINKS.mysql, INGEST_SINKS.clickhouse] },
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
        now(),
      );
      // The registry is the source of truth for a known job's name, type and config.
      const job = catalog?.get(event.job_id);
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
    },
  };
}
