// The SQL compiler against real systems: the catalog read from the stack's MariaDB
// information_schema is the golden catalog.json, every golden query is accepted by MariaDB as
// written, and Flink's own planner accepts every generated script (both source connectors).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFlinkScripts } from '../../src/adapters/flink/flink-sql-checker.js';
import { readMysqlCatalog } from '../../src/adapters/mysql/source-catalog.js';
import { Catalog, loadCatalogFile } from '../../src/stages/sqlgen/catalog.js';
import { compileSyncPlan } from '../../src/stages/sqlgen/compile.js';
import { CatalogError } from '../../src/stages/sqlgen/errors.js';
import { testConfig } from '../support/integration.js';

const GOLDEN = join(import.meta.dirname, '../golden/sql');
const url = new URL(testConfig().mysql.url);
url.pathname = '/';
const serverUrl = url.toString();

describe('SQL compiler sources on MariaDB', () => {
  let conn: mysql.Connection;

  beforeAll(async () => {
    conn = await mysql.createConnection({ uri: serverUrl });
    // The schema files are idempotent (IF NOT EXISTS): load them in case no other test did.
    for (const file of readdirSync(join(GOLDEN, 'schema')).filter((f) => f.endsWith('.sql')).sort()) {
      const sql = readFileSync(join(GOLDEN, 'schema', file), 'utf8').replace(/^\s*--.*$/gm, '');
      for (const statement of sql.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) await conn.query(statement);
    }
  });

  afterAll(async () => {
    await conn?.end();
  });

  it('reads the catalog from information_schema exactly as test/golden/sql/catalog.json has it', async () => {
    const live = await readMysqlCatalog({ name: 'local', url: serverUrl, databases: ['crm', 'shop', 'tpch'] });
    const golden = loadCatalogFile(join(GOLDEN, 'catalog.json'));
    expect(live.servers).toEqual([{ name: 'local', host: url.hostname, port: Number(url.port || 3306) }]);
    expect(live.tables).toEqual(golden.tables);
  });

  it('accepts every golden query as written (EXPLAIN on MariaDB)', async () => {
    const cases = readdirSync(join(GOLDEN, 'cases')).sort();
    let explained = 0;
    for (const name of cases) {
      const expected = JSON.parse(readFileSync(join(GOLDEN, 'cases', name, 'expected.json'), 'utf8')) as { defaultDatabase?: string | null; error?: unknown };
      if (expected.error) continue;
      const query = readFileSync(join(GOLDEN, 'cases', name, 'query.sql'), 'utf8');
      await conn.query(expected.defaultDatabase ? `USE \`${expected.defaultDatabase}\`` : 'USE information_schema');
      await expect(conn.query(`EXPLAIN ${query}`), name).resolves.toBeDefined();
      explained++;
    }
    expect(explained).toBeGreaterThanOrEqual(30);
  });

  it('says which database is missing, and never shows the password', async () => {
    await expect(readMysqlCatalog({ name: 'local', url: serverUrl, databases: ['no_such_db_pd'] })).rejects.toThrow(/no tables visible in no_such_db_pd/);
    const bad = new URL(serverUrl);
    bad.password = 'wrong-secret';
    const err = await readMysqlCatalog({ name: 'local', url: bad.toString() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CatalogError);
    expect((err as Error).message).toMatch(/cannot connect/);
    expect((err as Error).message).not.toContain('wrong-secret');
  });
});

describe('generated Flink SQL', () => {
  it('is accepted by Flink 1.20\'s planner for every golden case, with mysql-cdc and with kafka + debezium-json', async () => {
    const catalog = new Catalog(loadCatalogFile(join(GOLDEN, 'catalog.json')));
    const scripts: { name: string; sql: string }[] = [];
    for (const name of readdirSync(join(GOLDEN, 'cases')).sort()) {
      const expected = JSON.parse(readFileSync(join(GOLDEN, 'cases', name, 'expected.json'), 'utf8')) as { defaultDatabase?: string | null; error?: unknown };
      if (expected.error) continue;
      const query = readFileSync(join(GOLDEN, 'cases', name, 'query.sql'), 'utf8');
      for (const source of ['mysql-cdc', 'kafka-debezium-json'] as const) {
        const plan = compileSyncPlan(query, { catalog, defaultDatabase: expected.defaultDatabase ?? null, source, sink: { batchSize: 1000, flushInterval: '1s', maxRetries: 3, ignoreDelete: false } });
        scripts.push({ name: `${name} (${source})`, sql: plan.flinkSql });
      }
    }
    const verdicts = await checkFlinkScripts(scripts);
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    expect(verdicts).toHaveLength(scripts.length);
    expect(scripts.length).toBeGreaterThanOrEqual(60);
  }, 600_000);
});
