import { afterAll, describe, expect, it } from 'vitest';
import { MysqlJobLogEventsSink } from '../../src/adapters/mysql/job-log-events-sink.js';
import { createMysqlPool, migrateMysql } from '../../src/adapters/mysql/mysql.js';
import { TransientError } from '../../src/core/errors.js';
import { normaliseJobLogEvent } from '../../src/stages/ingest/normalise.js';
import { quietLogger, testConfig, uniqueSuffix } from '../support/integration.js';

describe('MySQL adapter against the local MariaDB', () => {
  const config = testConfig();
  const pool = createMysqlPool(config.mysql.url, 2);
  const runId = uniqueSuffix();
  afterAll(async () => {
    await pool.end();
  });

  const event = (i: number, extra: Record<string, unknown> = {}) =>
    normaliseJobLogEvent(
      { job_id: `job-${runId}`, timestamp: 1795162502118 + i, message: `line ${i}`, attributes: { run_id: runId }, ...extra },
      { topic: 't', partition: 0, offset: String(i), timestampMs: 0, format: 'json', schemaId: null },
    );

  it('applies migrations once (a second run is a no-op) and records them', async () => {
    await migrateMysql(config.mysql.url, quietLogger).catch((err) => {
      throw new Error(`MariaDB at ${config.mysql.url.replace(/:[^:@/]*@/, ':***@')} is not reachable (run \`pipeline-doctor stack up\`): ${err}`);
    });
    expect(await migrateMysql(config.mysql.url, quietLogger)).toEqual([]);
    const [rows] = await pool.query('SELECT name FROM schema_migrations');
    expect((rows as { name: string }[]).map((r) => r.name)).toContain('0001-job-log-events.sql');
  });

  it('writes idempotently on event_id and keeps hostile text verbatim', async () => {
    const sink = new MysqlJobLogEventsSink(pool);
    const hostile = "x'); DROP TABLE job_log_events; -- \u0000 ✓ 日本語 \u{1F600}";
    const events = [event(1), event(2, { job_name: hostile, message: hostile }), event(3, { stack_trace: 'java.lang.OutOfMemoryError\n\tat x' })];
    await sink.write(events);
    await sink.write(events); // redelivery
    await sink.write([events[0]!]);
    const [rows] = await pool.query("SELECT event_id, job_name, message, level, event_time FROM job_log_events WHERE JSON_VALUE(attributes, '$.run_id') = ? ORDER BY event_time", [runId]);
    const list = rows as { event_id: string; job_name: string | null; message: string; event_time: string }[];
    expect(list).toHaveLength(3);
    expect(list[1]!.job_name).toBe(hostile);
    expect(list[1]!.message).toBe(hostile);
    expect(list[0]!.event_time).toBe('2026-11-20 08:15:02.119'); // UTC, not the server zone
  });

  it('splits large batches under the packet limit', async () => {
    const sink = new MysqlJobLogEventsSink(pool);
    const big = Array.from({ length: 40 }, (_, i) => event(100 + i, { message: 'y'.repeat(300_000) }));
    await sink.write(big);
    const [rows] = await pool.query("SELECT COUNT(*) AS n FROM job_log_events WHERE JSON_VALUE(attributes, '$.run_id') = ? AND LENGTH(message) = 300000", [runId]);
    expect(Number((rows as { n: string }[])[0]!.n)).toBe(40);
  });

  it('reports an unreachable server as transient', async () => {
    const down = createMysqlPool('mysql://pd:pd@127.0.0.1:1/pipeline_doctor', 1);
    const error = await new MysqlJobLogEventsSink(down).write([event(9)]).catch((e: unknown) => e);
    await down.end();
    expect(error).toBeInstanceOf(TransientError);
  });
});
