// Sync executor throughput: change records applied per second from a Debezium topic into the
// embedded ClickHouse (decode, map, insert, commit), on the local stack.
//   npx tsx bench/sync-executor.ts [--rows 100000]
// Loads a MariaDB table of --rows rows, waits until Debezium has put every row on its topic (not
// timed), then times the executor from start to caught up, and checks ClickHouse holds the rows.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { createClickHouse } from '../src/adapters/clickhouse/clickhouse.js';
import { createBroker } from '../src/adapters/kafka/create-broker.js';
import { cdcTopic } from '../src/cdc/debezium-connector.js';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { Catalog } from '../src/stages/sqlgen/catalog.js';
import { compileSyncPlan } from '../src/stages/sqlgen/compile.js';
import { readMysqlCatalog } from '../src/adapters/mysql/source-catalog.js';
import { syncExecutorFromConfig } from '../src/stages/sync/sync-executor.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
const rows = Number(values.rows);
const id = Math.random().toString(16).slice(2, 10);
const db = `bench_sync_${id}`;
const chdbPath = join(PACKAGE_ROOT, '.stack', `chdb-bench-sync-${id}`);
const config = loadConfig({ ...process.env, PD_CHDB_PATH: chdbPath, PD_TOPIC_PREFIX: `bench-sync-${id}.`, LOG_LEVEL: 'warn' });
const logger = createLogger('warn');
const conn = await mysql.createConnection(config.mysql.url);
const broker = await createBroker(config.kafka, logger);
const { client } = createClickHouse(config.clickhouse);

try {
  await conn.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
  await conn.query(`CREATE TABLE \`${db}\`.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(12,2) NOT NULL, status VARCHAR(20) NOT NULL, placed_at DATETIME(3) NOT NULL, note VARCHAR(200) NULL)`);
  for (let start = 0; start < rows; start += 5000) {
    const batch = Array.from({ length: Math.min(5000, rows - start) }, (_, i) => {
      const n = start + i + 1;
      return [n, n % 997, ((n * 7919) % 100000) / 100, ['new', 'paid', 'shipped'][n % 3], `2024-01-01 00:00:00.${String(n % 1000).padStart(3, '0')}`, n % 10 === 0 ? null : `order ${n}`];
    });
    await conn.query(`INSERT INTO \`${db}\`.orders VALUES ?`, [batch]);
  }
  const topic = cdcTopic(db, 'orders');
  const admin = broker.admin();
  await admin.connect();
  process.stderr.write(`waiting for Debezium to put ${rows} rows on ${topic} …\n`);
  for (;;) {
    const topics = await admin.listTopics();
    const end = topics.includes(topic) ? (await admin.topicEndOffsets(topic)).reduce((n, p) => n + Number(p.offset), 0) : 0;
    if (end >= rows) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await admin.disconnect();

  const catalog = Catalog.merge([await readMysqlCatalog({ name: 'local', url: config.mysql.url, databases: [db] })]);
  const plan = compileSyncPlan(`SELECT status, count(*) AS orders, sum(amount) AS total FROM \`${db}\`.orders GROUP BY status`, { catalog, source: 'kafka-debezium-json' });
  const executor = syncExecutorFromConfig({
    plan,
    name: `bench-${id}`,
    broker,
    clickhouse: client,
    config,
    logger,
    onFatal: (err) => {
      throw err;
    },
  });
  const started = performance.now();
  await executor.start();
  await executor.waitCaughtUp(600_000);
  const seconds = (performance.now() - started) / 1000;
  await executor.stop();
  const rs = await client.query({ query: `SELECT count() AS n FROM \`${db}\`.orders FINAL`, format: 'JSONEachRow' });
  const synced = Number((await rs.json<{ n: string }>())[0]!.n);
  if (synced !== rows) throw new Error(`ClickHouse holds ${synced} rows, expected ${rows}`);
  const columns = plan.tables[0]!.columns.map((c) => c.name).join(', ');
  process.stdout.write(`sync executor: ${rows} change records in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds)} records/s (columns synced: ${columns}; start-up and group join included)\n`);
} finally {
  await client.close();
  rmSync(chdbPath, { recursive: true, force: true });
  await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await conn.end();
}
process.exit(0);
