import type { ClickHouseClient } from '@clickhouse/client';
import type { Sink } from '../../core/stage.js';
import type { JobEvent } from '../../stages/ingest/normalise.js';
import { toSqlDateTime } from '../mysql/job-log-events-sink.js';
import { withClickHouseRetryClass } from './clickhouse.js';

/** Batched inserts; replays collapse by ReplacingMergeTree and the insert de-duplication token. */
export class ClickHouseJobLogEventsSink implements Sink {
  readonly name = 'clickhouse.job_log_events';

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  async write(rows: unknown[], batchId: string): Promise<void> {
    const values = (rows as JobEvent[]).map((e) => ({
      event_id: e.event_id,
      job_id: e.job_id,
      job_name: e.job_name,
      job_type: e.job_type,
      cluster: e.cluster,
      env: e.env,
      host: e.host,
      task: e.task,
      thread: e.thread,
      level: e.level,
      event_time: toSqlDateTime(e.timestamp),
      message: e.message,
      stack_trace: e.stack_trace,
      attributes: e.attributes,
      source_topic: e.source.topic,
      source_partition: e.source.partition,
      source_offset: e.source.offset,
      ingested_at: toSqlDateTime(e.ingested_at),
    }));
    await withClickHouseRetryClass('insert job_log_events', () =>
      this.client.insert({
        table: `${this.database}.job_log_events`,
        values,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: batchId, insert_deduplicate: 1 },
      }),
    );
  }

  async close(): Promise<void> {}
}
