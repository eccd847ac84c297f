import type { ConsumedRecord } from '../ports/broker.js';

/**
 * A stage is a typed object: its input topic, the outputs it may emit, and a `process` function.
 * It never commits, retries or writes the DLQ: it throws PermanentError / TransientError and the
 * runner routes. Returning [] means "filtered on purpose".
 */
export type StageOutput =
  /** A record for a declared topic (logical name, e.g. "job-events"). */
  /** `value: null` is a tombstone (a delete on a compacted topic). */
  | { kind: 'record'; topic: string; key: string | null; value: string | Buffer | null; headers?: Record<string, string> }
  /** A row for a named sink (e.g. "mysql.job_log_events"); sinks are idempotent on the row's id. */
  | { kind: 'row'; sink: string; row: unknown };

export interface Stage {
  readonly name: string;
  /** Logical input topic from topics/. */
  readonly input: string;
  readonly outputs: { topics: readonly string[]; sinks: readonly string[] };
  process(record: ConsumedRecord): Promise<StageOutput[]> | StageOutput[];
  /** Optional: flushes stage state on shutdown (e.g. a pending multi-line join). */
  close?(): Promise<void>;
}

/**
 * A sink writes rows idempotently: writing the same rows twice leaves the same state.
 * Throws TransientError when a retry may succeed; anything else is a bug.
 */
export interface Sink {
  readonly name: string;
  /** `batchId` identifies the input range (topic-partition-first-last) for insert de-duplication. */
  write(rows: unknown[], batchId: string): Promise<void>;
  close(): Promise<void>;
}
