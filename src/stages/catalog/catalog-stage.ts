import type { ValueDecoder } from '../../adapters/schema-registry/value-decoder.js';
import { PermanentError } from '../../core/errors.js';
import type { Stage, StageOutput } from '../../core/stage.js';
import type { ConsumedRecord } from '../../ports/broker.js';
import { parseChangeEvent } from '../../cdc/debezium-envelope.js';

/** What the catalog keeps per job: the registry row as the log enrichment needs it. */
export interface JobCatalogEntry {
  job_id: string;
  job_name: string | null;
  job_type: string | null;
  job_config: unknown;
  /** Source commit time of the change (ms), for "latest row wins" diagnostics. */
  changed_at_ms: number | null;
}

/** Debezium sends MySQL JSON columns as strings; the catalog keeps them parsed. */
function parseJsonColumn(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function toCatalogEntry(row: Record<string, unknown>, changedAtMs: number | null): JobCatalogEntry {
  const jobId = row.job_id;
  if (typeof jobId !== 'string' || jobId === '') throw new PermanentError('schema_violation', 'registry row has no job_id');
  return {
    job_id: jobId,
    job_name: typeof row.job_name === 'string' ? row.job_name : null,
    job_type: typeof row.job_type === 'string' ? row.job_type : null,
    job_config: parseJsonColumn(row.job_config),
    changed_at_ms: changedAtMs,
  };
}

/**
 * job-registry-cdc → job-catalog: the registry table as a compacted topic keyed by job_id
 * (the latest row wins; a delete writes a tombstone). Committed with the input offsets, so a
 * restart resumes where it stopped instead of re-reading the change stream.
 */
export function createCatalogStage(decoder: ValueDecoder): Stage {
  return {
    name: 'catalog',
    input: 'job-registry-cdc',
    outputs: { topics: ['job-catalog'], sinks: [] },
    async process(record: ConsumedRecord): Promise<StageOutput[]> {
      // Debezium's tombstone after a delete: the `d` event already removed the job.
      if (record.value === null || record.value.length === 0) return [];
      const change = parseChangeEvent((await decoder.decode(record.value)).value);
      if (change.op === 't') return []; // truncate: no row to carry
      const changedAt = typeof change.source.ts_ms === 'number' ? change.source.ts_ms : change.tsMs;
      if (change.op === 'd') {
        const { job_id } = toCatalogEntry(change.before!, changedAt);
        return [{ kind: 'record', topic: 'job-catalog', key: job_id, value: null }];
      }
      const entry = toCatalogEntry(change.after!, changedAt);
      const outputs: StageOutput[] = [];
      // A primary-key change arrives as an update whose before has the old id: drop the old entry.
      if (change.op === 'u' && change.before && change.before.job_id !== entry.job_id && typeof change.before.job_id === 'string') {
        outputs.push({ kind: 'record', topic: 'job-catalog', key: change.before.job_id, value: null });
      }
      outputs.push({ kind: 'record', topic: 'job-catalog', key: entry.job_id, value: JSON.stringify(entry) });
      return outputs;
    },
  };
}
