// Issue 6 end to end, for every golden query case: generate the plan from the live MariaDB
// catalog → Flink's planner accepts the script (both source kinds) → the sync executor applies it
// from real Debezium CDC into ClickHouse (a fresh embedded engine per case, so each case sees only
// the columns its own plan keeps) → the UNCHANGED query on ClickHouse returns MariaDB's rows; then
// a batch of updates, deletes, key changes and inserts on MariaDB → identical again after catch-up.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../src/adapters/clickhouse/clickhouse.js';
import { checkFlinkScripts } from '../../src/adapters/flink/flink-sql-checker.js';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { readMysqlCatalog } from '../../src/adapters/mysql/source-catalog.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import type { Broker } from '../../src/ports/broker.js';
import { readGoldenCases } from '../../src/sample/golden-cases.js';
import { applyMutationBatch, loadSourceData } from '../../src/sample/source-data.js';
import { Catalog } from '../../src/stages/sqlgen/catalog.js';
import { compileSyncPlan } from '../../src/stages/sqlgen/compile.js';
import type { SyncPlan } from '../../src/stages/sqlgen/plan.js';
import { syncExecutorFromConfig } from '../../src/stages/sync/sync-executor.js';
import { compareResults, orderOf, queryMysql } from '../support/result-compare.js';
import { quietLogger, testConfig, uniqueSuffix, waitFor } from '../support/integration.js';

const suffix = uniqueSuffix();
const config = testConfig({ PD_TOPIC_PREFIX: `it-e2e-${suffix}.` });
const url = config.mysql.url;
const cases = readGoldenCases().filter((c) => !c.expectsError);
const plans = new Map<string, SyncPlan>();
/** The same queries compiled for Flink CDC's mysql-cdc sources (only the Flink sources differ). */
const mysqlCdcPlans = new Map<string, SyncPlan>();
const chdbPath = (name: string) => join(PACKAGE_ROOT, '.stack', `chdb-e2e-${suffix}-${name}`);
// Exact numbers and UTC wall-clock times in the output, as the preview reads them.
const OUTPUT_SETTINGS = { output_format_json_quote_decimals: 1, output_format_json_quote_64bit_integers: 1, output_format_decimal_trailing_zeros: 1, session_timezone: 'UTC' };
let broker: Broker;


/**
 * Syncs one case's plan into its own embedded ClickHouse until the unchanged query returns what
 * MariaDB returns (Debezium may still be emitting the latest changes: poll), then stops.
 */
async function syncAndCompare(name: string, plan: SyncPlan, timeoutMs: number): Promise<{ rows: number }> {
  const { client } = createClickHouse({ ...config.clickhouse, chdbPath: chdbPath(name) });
  let fatal: unknown;
  const executor = syncExecutorFromConfig({
    plan,
    name: `e2e-${suffix}-${name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 64),
    broker,
    clickhouse: client,
    config,
    logger: quietLogger,
    onFatal: (err) => (fatal ??= err),
  });
  try {
    await executor.start();
    let last = '';
    const rows = await waitFor(
      `${name}: ClickHouse to return MariaDB's rows`,
      async () => {
        if (fatal) throw fatal;
        const expected = await queryMysql(url, plan.query, plan.defaultDatabase);
        await client.command({ query: `USE \`${plan.defaultDatabase ?? 'default'}\`` });
        const rs = await client.query({ query: plan.query.trim().replace(/;\s*$/, ''), format: 'JSONCompact', clickhouse_settings: { ...plan.clickhouseSettings, ...OUTPUT_SETTINGS } as never });
        const actual = (await rs.json<unknown[]>()) as unknown as { data: unknown[][] };
        const comparison = compareResults(expected.rows, actual.data, orderOf(plan.query, expected.columns));
        last = comparison.differences.slice(0, 3).join(' | ');
        if (fatal) throw fatal;
        return comparison.equal ? expected.rows.length : undefined;
      },
      timeoutMs,
      1000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last differences: ${last}`);
    });
    return { rows };
  } finally {
    await executor.stop();
    await client.close();
  }
}

beforeAll(async () => {
  // Fresh data: every row deleted and inserted again, so the CDC topics end in exactly this state.
  await loadSourceData({ mysqlUrl: url });
  const databases = [...new Set(cases.flatMap((c) => [...c.query.matchAll(/\b(tpch|shop|crm)\./g)].map((m) => m[1]!)).concat(cases.map((c) => c.defaultDatabase ?? 'tpch')))];
  const catalog = Catalog.merge([await readMysqlCatalog({ name: 'local', url, databases })]);
  for (const c of cases) {
    plans.set(c.name, compileSyncPlan(c.query, { catalog, defaultDatabase: c.defaultDatabase, source: 'kafka-debezium-json' }));
    mysqlCdcPlans.set(c.name, compileSyncPlan(c.query, { catalog, defaultDatabase: c.defaultDatabase, source: 'mysql-cdc' }));
  }
  broker = await createBroker(config.kafka, quietLogger);
}, 180_000);

afterAll(async () => {
  for (const c of cases) rmSync(chdbPath(c.name), { recursive: true, force: true });
  const admin = broker?.admin();
  if (admin) {
    await admin.connect();
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(config.topicPrefix));
    if (ours.length > 0) await admin.deleteTopics(ours).catch(() => undefined);
    await admin.disconnect();
  }
}, 60_000);

describe('query → Flink SQL + ClickHouse DDL → sync from real CDC → same rows as MariaDB', () => {
  it('has every golden case: TPC-H\'s 22 and at least 8 operational queries joining tables of two databases', () => {
    expect(cases.filter((c) => c.name.startsWith('tpch-'))).toHaveLength(22);
    // Our own operational queries: at least 8 join tables of the two databases.
    expect(cases.filter((c) => !c.name.startsWith('tpch-') && /\bshop\./.test(c.query) && /\bcrm\./.test(c.query)).length).toBeGreaterThanOrEqual(8);
  });

  it('Flink\'s planner accepts every generated script, with Kafka/Debezium and with mysql-cdc sources', async () => {
    const scripts = cases.flatMap((c) => [
      { name: `${c.name} (kafka)`, sql: plans.get(c.name)!.flinkSql },
      { name: `${c.name} (mysql-cdc)`, sql: mysqlCdcPlans.get(c.name)!.flinkSql },
    ]);
    expect(plans.get(cases[0]!.name)!.flinkSql).toContain("'format' = 'debezium-json'");
    expect(mysqlCdcPlans.get(cases[0]!.name)!.flinkSql).toContain("'connector' = 'mysql-cdc'");
    const results = await checkFlinkScripts(scripts);
    const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error}`);
    expect(failed).toEqual([]);
    expect(results).toHaveLength(scripts.length);
  }, 300_000);

  it('syncs every case from CDC: the unchanged query on ClickHouse returns MariaDB\'s rows', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      try {
        const { rows } = await syncAndCompare(c.name, plans.get(c.name)!, 90_000);
        expect(rows, `${c.name} returns rows on MariaDB`).toBeGreaterThan(0);
      } catch (err) {
        failures.push(`${c.name}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  }, 1_800_000);

  it('after updates, deletes, key changes and inserts on MariaDB, every case is identical again after catch-up', async () => {
    const report = await applyMutationBatch({ mysqlUrl: url });
    expect(report.statements.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const c of cases) {
      try {
        await syncAndCompare(c.name, plans.get(c.name)!, 90_000);
      } catch (err) {
        failures.push(`${c.name}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  }, 1_800_000);
});
