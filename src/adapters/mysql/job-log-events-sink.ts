import type { Pool } from 'mysql2/promise';
import type { Sink } from '../../core/stage.js';
import type { JobEvent } from '../../stages/ingest/normalise.js';
import { statementGroups, withMysqlRetryClass } from './mysql.js';

const COLUMNS = [
  'event_id', 'job_id', 'job_name', 'job_type', 'cluster', 'env', 'host', 'task', 'thread', 'level',
  'event_time', 'message', 'stack_trace', 'attributes', 'source_topic', 'source_partition', 'source_offset', 'ingested_at',
] as const;

/** "2026-11-20T08:15:02.118Z" → "2026-11-20 08:15:02.118" (DATETIME(3), UTC). */
export function toSqlDateTime(iso: string): string {
  return iso.slice(0, 23).replace('T', ' ');
}

function toRow(e: JobEvent): unknown[] {
  return [
    e.event_id, e.job_id, e.job_name, e.job_type, e.cluster, e.env, e.host, e.task, e.thread, e.level,
    toSqlDateTime(e.timestamp), e.message, e.stack_trace, JSON.stringify(e.attributes),
    e.source.topic, e.source.partition, e.source.offset, toSqlDateTime(e.ingested_at),
  ];
}

function approxBytes(e: JobEvent): number {
  return 512 + e.message.length * 2 + (e.stack_trace?.length ?? 0) * 2;
}

/** Idempotent on event_id: a replayed event is a no-op, the first write wins. */
export class MysqlJobLogEventsSink implements Sink {
  readonly name = 'mysql.job_log_events';

  constructor(private readonly pool: Pool) {}

  async write(rows: unknown[]): Promise<void> {
    for (const group of statementGroups(rows as JobEvent[], approxBytes)) {
      // Values are sent as escaped parameters by mysql2, never concatenated into the SQL text.
      await withMysqlRetryClass('insert job_log_events', () =>
        this.pool.query(`INSERT INTO job_log_events (${COLUMNS.join(', ')}) VALUES ? ON DUPLICATE KEY UPDATE event_id = event_id`, [group.map(toRow)]),
      );
    }
  }

  async close(): Promise<void> {}
}
