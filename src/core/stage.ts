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
  /** Optional: state kept between records of a partition (e.g. a pending multi-line join). */
  readonly state?: PartitionState;
  /** Optional: releases what the stage holds, after its last output was delivered. */
  close?(): Promise<void>;
}

/**
 * State a stage keeps per input partition between records, Kafka Streams style: every change is
 * written to a compacted changelog topic (one changelog partition per input partition) in the
 * same transaction as the outputs and input offsets, and read back when a partition is (re)gained
 * or a failed chunk's changes must be undone. The runner calls these under the partition's lock.
 */
export interface PartitionState {
  /** Logical compacted topic from topics/, with at least as many partitions as the input. */
  readonly changelog: string;
  /** How often the runner asks for outputs that became due by time alone. */
  readonly punctuateEveryMs: number;
  /** Replaces the partition's state with the changelog's committed entries. */
  restore(partition: number, entries: ReadonlyMap<string, Buffer>): void;
  /** Forgets the partition: revoked, or holding changes that were never committed. */
  drop(partition: number): void;
  /** Changelog records for the changes since the last call (value null deletes the key). */
  takeChanges(partition: number): { key: string; value: string | null }[];
  /** Outputs due by time (e.g. a join window passed), or every pending one when `final`. */
  due(partition: number, nowMs: number, final: boolean): StageOutput[];
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
