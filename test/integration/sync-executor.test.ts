// The sync executor on the real stack: MariaDB rows → Debezium (Kafka Connect) → cdc.local.<db>.<table>
// → SyncExecutor (the engine's runner) → ClickHouse (embedded chdb) ReplacingMergeTree tables.
// The plan here is written by hand (the compiler has its own tests); the end-to-end test over
// the golden queries uses the compiler's plans.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../src/adapters/clickhouse/clickhouse.js';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { cdcTopic } from '../../src/cdc/debezium-connector.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import type { Broker } from '../../src/ports/broker.js';
import type { PlannedTable, SyncPlan } from '../../src/stages/sqlgen/plan.js';
import { SyncExecutor, syncExecutorFromConfig } from '../../src/stages/sync/sync-executor.js';
import { syncInputName } from '../../src/stages/sync/sync-stage.js';
import { MYSQL_URL } from '../../src/stack/index.js';
import { quietLogger, testConfig, uniqueSuffix, waitFor } from '../support/integration.js';

const suffix = uniqueSuffix();
const db = `itsync_${suffix}`;
const chdbPath = join(PACKAGE_ROOT, '.stack', `chdb-itsync-${suffix}`);
const config = testConfig({ PD_CHDB_PATH: chdbPath, PD_TOPIC_PREFIX: `it-sync-${suffix}.` });

const column = (name: string, mysqlType: string, clickhouseType: string, nullable = false) => ({ name, mysqlType, flinkType: '', clickhouseType, nullable, reasons: ['projection'] });
// `secret` is in the source table but not in the plan: it must never reach ClickHouse.
const orders: PlannedTable = {
  server: 'main',
  database: db,
  table: 'orders',
  columns: [
    column('id', 'int(11)', 'Int32'),
    column('amount', 'decimal(12,2)', 'Decimal(12, 2)'),
    column('placed_at', 'datetime(3)', 'DateTime64(3)'),
    column('ship_date', 'date', 'Nullable(Date32)', true),
    column('paid', 'tinyint(1)', 'Int8'),
    column('note', 'varchar(200)', 'Nullable(String)', true),
  ],
  primaryKey: ['id'],
  cdcTopic: cdcTopic(db, 'orders'),
  clickhouse: { database: db, table: 'orders' },
};
const plan: SyncPlan = {
  query: `SELECT id, amount, placed_at, ship_date, paid, note FROM ${db}.orders`,
  defaultDatabase: db,
  tables: [orders],
  flinkSql: '',
  clickhouseSql: `CREATE DATABASE IF NOT EXISTS \`${db}\`;
CREATE TABLE IF NOT EXISTS \`${db}\`.\`orders\` (
  id Int32, amount Decimal(12, 2), placed_at DateTime64(3), ship_date Nullable(Date32), paid Int8, note Nullable(String),
  _version UInt64 MATERIALIZED toUnixTimestamp64Nano(now64(9)), _is_deleted UInt8 MATERIALIZED 0
) ENGINE = ReplacingMergeTree(_version, _is_deleted) ORDER BY (id);
`,
  clickhouseSettings: { final: 1 },
  source: 'kafka-debezium-json',
  path: 'compiler',
  checks: [],
  elapsedMs: 0,
};

let conn: mysql.Connection;
let broker: Broker;
const clickhouse = createClickHouse(config.clickhouse).client;
const executors: SyncExecutor[] = [];

function executor(): SyncExecutor {
  const e = syncExecutorFromConfig({
    plan,
    name: `it-${suffix}`,
    broker,
    clickhouse,
    config,
    logger: quietLogger,
    onFatal: (err) => {
      throw err;
    },
  });
  executors.push(e);
  return e;
}

type Row = { id: number; amount: string; placed_at: string; ship_date: string | null; paid: number; note: string | null };
const canonical = (rows: Record<string, unknown>[]): Row[] =>
  rows
    .map((r) => ({
      id: Number(r.id),
      amount: Number(r.amount).toFixed(2),
      placed_at: String(r.placed_at).slice(0, 23),
      ship_date: r.ship_date === null ? null : String(r.ship_date).slice(0, 10),
      paid: Number(r.paid),
      note: r.note === null ? null : String(r.note),
    }))
    .sort((a, b) => a.id - b.id);

async function mariaRows(): Promise<Row[]> {
  const [rows] = await conn.query({ sql: `SELECT id, amount, DATE_FORMAT(placed_at, '%Y-%m-%d %H:%i:%s.%f') AS placed_at, ship_date, paid, note FROM \`${db}\`.orders`, dateStrings: true });
  return canonical(rows as Record<string, unknown>[]);
}

async function clickhouseRows(): Promise<Row[]> {
  const rs = await clickhouse.query({
    query: `SELECT id, toString(amount) AS amount, toString(placed_at) AS placed_at, toString(ship_date) AS ship_date, paid, note FROM \`${db}\`.orders`,
    format: 'JSONEachRow',
    clickhouse_settings: { final: 1 },
  });
  return canonical(await rs.json());
}

const sameRows = () => waitFor('ClickHouse to hold the rows MariaDB holds', async () => {
  const [expected, actual] = [await mariaRows(), await clickhouseRows()];
  return JSON.stringify(expected) === JSON.stringify(actual) ? actual : undefined;
}, 90_000, 500);

beforeAll(async () => {
  conn = await mysql.createConnection(MYSQL_URL);
  await conn.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
  // `secret` is not planned; a hostile note must round-trip verbatim.
  await conn.query(`CREATE TABLE \`${db}\`.orders (id INT PRIMARY KEY, amount DECIMAL(12,2) NOT NULL, placed_at DATETIME(3) NOT NULL, ship_date DATE NULL, paid TINYINT(1) NOT NULL, note VARCHAR(200) NULL, secret VARCHAR(50))`);
  const values = Array.from({ length: 200 }, (_, i) => [i + 1, (i * 13.37).toFixed(2), `2024-01-01 00:00:00.${String(i).padStart(3, '0')}`, i % 7 === 0 ? null : `2024-02-${String((i % 28) + 1).padStart(2, '0')}`, i % 2, i % 5 === 0 ? null : `note ${i}; '); DROP TABLE x; -- ✓`, 'pw']);
  await conn.query(`INSERT INTO \`${db}\`.orders VALUES ?`, [values]);
  broker = await createBroker(config.kafka, quietLogger);
}, 60_000);

afterAll(async () => {
  for (const e of executors) await e.stop().catch(() => undefined);
  await clickhouse.close();
  rmSync(chdbPath, { recursive: true, force: true });
  await conn?.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await conn?.end();
  const admin = broker?.admin();
  if (admin) {
    await admin.connect();
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(cdcTopic(db, '')) || t.startsWith(config.topicPrefix));
    if (ours.length > 0) await admin.deleteTopics(ours).catch(() => undefined);
    await admin.disconnect();
  }
}, 60_000);

describe('sync executor (real MariaDB → Debezium → Kafka → ClickHouse)', () => {
  it('copies the snapshot: only the planned columns, values as MariaDB returns them', async () => {
    const e = executor();
    await e.start();
    const rows = await sameRows();
    expect(rows).toHaveLength(200);
    expect(rows.find((r) => r.id === 3)?.note).toBe("note 2; '); DROP TABLE x; -- ✓");
    const rs = await clickhouse.query({ query: `SELECT name FROM system.columns WHERE database = {db:String} AND table = 'orders'`, query_params: { db }, format: 'JSONEachRow' });
    expect((await rs.json<{ name: string }>()).map((c) => c.name)).not.toContain('secret');
    const progress = await e.waitCaughtUp(30_000);
    expect(progress[0]!.applied).toBeGreaterThanOrEqual(200);
  }, 120_000);

  it('follows updates, NULLs, a primary-key change, deletes and inserts', async () => {
    await conn.query(`UPDATE \`${db}\`.orders SET amount = amount + 1, note = NULL WHERE id <= 20`);
    await conn.query(`UPDATE \`${db}\`.orders SET ship_date = NULL, paid = 1 - paid WHERE id BETWEEN 21 AND 30`);
    await conn.query(`UPDATE \`${db}\`.orders SET id = 1005 WHERE id = 5`);
    await conn.query(`DELETE FROM \`${db}\`.orders WHERE id BETWEEN 100 AND 119`);
    await conn.query(`INSERT INTO \`${db}\`.orders VALUES (5000, 1.50, '2024-06-01 12:00:00.250', '2024-06-02', 1, 'late', 'x'), (5001, 0.00, '2024-06-01 12:00:01', NULL, 0, NULL, NULL)`);
    const rows = await sameRows();
    expect(rows).toHaveLength(200 - 20 + 2);
    expect(rows.some((r) => r.id === 5)).toBe(false);
    expect(rows.find((r) => r.id === 1005)).toBeDefined();
    expect(rows.find((r) => r.id === 5000)?.placed_at).toBe('2024-06-01 12:00:00.250');
  }, 120_000);

  it('resumes after a restart without re-applying, and keeps up afterwards', async () => {
    await executors[0]!.stop();
    const before = await executors[0]!.progress();
    await conn.query(`UPDATE \`${db}\`.orders SET amount = 7.77 WHERE id = 1005`);
    const e = executor();
    await e.start();
    const rows = await sameRows();
    expect(rows.find((r) => r.id === 1005)?.amount).toBe('7.77');
    const after = await e.waitCaughtUp(30_000);
    // Resumed from the committed offsets: only the new change events were read again.
    expect(after[0]!.applied - before[0]!.applied).toBeLessThanOrEqual(after[0]!.available - before[0]!.available);
  }, 120_000);

  it('sends an undecodable change event to the DLQ with its reason and goes on', async () => {
    const producer = broker.producer();
    await producer.connect();
    await producer.send([{ topic: orders.cdcTopic, messages: [{ key: '{"id":1}', value: '{"op":"c","after":' }] }]);
    await producer.disconnect();
    await conn.query(`UPDATE \`${db}\`.orders SET note = 'after the bad record' WHERE id = 1`);
    const rows = await sameRows();
    expect(rows.find((r) => r.id === 1)?.note).toBe('after the bad record');
    const admin = broker.admin();
    await admin.connect();
    const dlq = `${config.topicPrefix}${syncInputName(orders)}.dlq`;
    const ends = await waitFor('the DLQ record', async () => {
      const offsets = await admin.topicEndOffsets(dlq);
      return offsets.reduce((n, p) => n + Number(p.offset), 0) >= 1 ? offsets : undefined;
    }, 30_000);
    await admin.disconnect();
    expect(ends.length).toBeGreaterThan(0);
  }, 120_000);
});
