import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrateClickHouse } from '../../src/adapters/clickhouse/clickhouse.js';
import { ClickHouseJobLogEventsSink } from '../../src/adapters/clickhouse/job-log-events-sink.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { normaliseJobLogEvent } from '../../src/stages/ingest/normalise.js';
import { quietLogger, testConfig, uniqueSuffix } from '../support/integration.js';

/** The embedded engine (chdb) by default; the server when CLICKHOUSE_URL is set. */
describe('ClickHouse adapter (embedded chdb unless CLICKHOUSE_URL is set)', () => {
  const path = join(PACKAGE_ROOT, '.stack', `chdb-itc-${uniqueSuffix()}`);
  const config = testConfig({ PD_CHDB_PATH: path });
  const { client, mode } = createClickHouse(config.clickhouse);
  const db = config.clickhouse.database;
  afterAll(async () => {
    await client.close();
    if (mode === 'embedded') rmSync(path, { recursive: true, force: true });
  });

  const event = (i: number, extra: Record<string, unknown> = {}) =>
    normaliseJobLogEvent(
      { job_id: 'job-1', timestamp: Date.now() - i, message: `line ${i}`, ...extra },
      { topic: 't', partition: 0, offset: String(i), timestampMs: 0, format: 'json', schemaId: null },
    );
  const count = async (final: boolean) => {
    const rs = await client.query({ query: `SELECT count() AS n FROM ${db}.job_log_events ${final ? 'FINAL' : ''}`, format: 'JSONEachRow' });
    return Number((await rs.json<{ n: string }>())[0]!.n);
  };

  it('applies migrations once', async () => {
    const files = readdirSync(join(PACKAGE_ROOT, 'src', 'adapters', 'clickhouse', 'migrations')).filter((f) => f.endsWith('.sql')).sort();
    expect(files[0]).toBe('0001-job-log-events.sql');
    expect(await migrateClickHouse(client, db, quietLogger)).toEqual(files);
    expect(await migrateClickHouse(client, db, quietLogger)).toEqual([]);
  });

  it('drops a retried batch at insert time and collapses replays in other batches', async () => {
    const sink = new ClickHouseJobLogEventsSink(client, db);
    const events = Array.from({ length: 100 }, (_, i) => event(i, { attributes: { k: `v${i}` } }));
    await sink.write(events, 'p0-0-99');
    await sink.write(events, 'p0-0-99'); // same batch retried: de-duplicated by token
    expect(await count(false)).toBe(100);
    await sink.write(events.slice(0, 10), 'p0-0-9'); // a different batch repeating events
    expect(await count(true)).toBe(100);
    const rs = await client.query({ query: `SELECT attributes['k'] AS k, level, toString(event_time) AS t FROM ${db}.job_log_events FINAL WHERE message = 'line 7'`, format: 'JSONEachRow' });
    const [row] = await rs.json<{ k: string; level: string; t: string }>();
    expect(row).toMatchObject({ k: 'v7', level: 'UNKNOWN' });
    expect(row!.t).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
  });

  it('stores hostile strings verbatim', async () => {
    const hostile = "'); DROP TABLE job_log_events; -- \\ \u0000 ✓";
    await new ClickHouseJobLogEventsSink(client, db).write([event(1000, { job_name: hostile })], 'h');
    const rs = await client.query({ query: `SELECT job_name FROM ${db}.job_log_events WHERE job_name = {name:String}`, query_params: { name: hostile }, format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ job_name: hostile }]);
  });
});
