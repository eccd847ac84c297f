// Golden tests of the SQL compiler, Arroyo style: one folder per case in test/golden/sql/cases
// with query.sql and expected.json (the pruned columns per db.table and the primary keys, written
// by hand). A case expected to fail says so in expected.json ("error": {code, message}).
// Every successful case's unchanged query must also run on embedded ClickHouse (chdb) against
// the generated DDL with the generated settings (empty tables).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../../src/adapters/clickhouse/clickhouse.js';
import { Catalog, loadCatalogFile } from '../../../src/stages/sqlgen/catalog.js';
import { compileSyncPlan } from '../../../src/stages/sqlgen/compile.js';
import { SqlGenError } from '../../../src/stages/sqlgen/errors.js';
import type { SyncPlan } from '../../../src/stages/sqlgen/plan.js';

const GOLDEN = join(import.meta.dirname, '../../golden/sql');
const catalog = new Catalog(loadCatalogFile(join(GOLDEN, 'catalog.json')));

interface Expected {
  defaultDatabase?: string | null;
  tables?: Record<string, { columns: string[]; primaryKey: string[] }>;
  error?: { code: string; message: string };
  /** Names of the checks expected to fail (warnings about possible result differences). */
  warnings?: string[];
  /** ClickHouse settings the plan must carry (a subset check). */
  settings?: Record<string, string | number>;
}

const cases = readdirSync(join(GOLDEN, 'cases'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function load(name: string): { query: string; expected: Expected } {
  const dir = join(GOLDEN, 'cases', name);
  return { query: readFileSync(join(dir, 'query.sql'), 'utf8'), expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected };
}

function compile(query: string, expected: Expected): SyncPlan {
  return compileSyncPlan(query, { catalog, defaultDatabase: expected.defaultDatabase ?? null });
}

describe('golden SQL cases', () => {
  it('has the 22 TPC-H queries and at least 8 operational ones', () => {
    expect(cases.filter((c) => /^tpch-q\d\d$/.test(c))).toHaveLength(22);
    expect(cases.filter((c) => c.startsWith('ops-')).length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases)('%s', (name) => {
    const { query, expected } = load(name);
    if (expected.error) {
      let caught: unknown;
      try {
        compile(query, expected);
      } catch (err) {
        caught = err;
      }
      expect(caught, 'the compiler should refuse this query').toBeInstanceOf(SqlGenError);
      expect((caught as SqlGenError).code).toBe(expected.error.code);
      expect((caught as Error).message).toContain(expected.error.message);
      return;
    }
    const plan = compile(query, expected);
    const got = Object.fromEntries(plan.tables.map((t) => [`${t.database}.${t.table}`, { columns: t.columns.map((c) => c.name), primaryKey: t.primaryKey }]));
    expect(got).toEqual(expected.tables);
    expect(plan.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(expected.warnings ?? []);
    if (expected.settings) expect(plan.clickhouseSettings).toMatchObject(expected.settings);
    // Every needed column carries a reason; primary key columns say so.
    for (const t of plan.tables) {
      for (const c of t.columns) expect(c.reasons.length).toBeGreaterThan(0);
      for (const k of t.primaryKey) expect(t.columns.find((c) => c.name === k)?.reasons).toContain('primary key');
    }
  });
});

describe('golden queries run unchanged on ClickHouse (chdb) against the generated DDL', () => {
  let dir: string;
  let client: ClickHouseClient;
  const defaults = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pd-sqlgen-golden-'));
    client = createClickHouse({ username: 'default', password: '', database: 'default', chdbPath: dir }).client;
    // Settings persist in the embedded session: remember the defaults to restore after each case.
    const names = new Set<string>();
    for (const name of cases) {
      const { query, expected } = load(name);
      if (!expected.error) for (const k of Object.keys(compile(query, expected).clickhouseSettings)) names.add(k);
    }
    const rs = await client.query({ query: 'SELECT name, default FROM system.settings WHERE name IN {names:Array(String)}', query_params: { names: [...names] }, format: 'JSONEachRow' });
    for (const r of await rs.json<{ name: string; default: string }>()) defaults.set(r.name, r.default);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(cases.filter((c) => !load(c).expected.error))('%s', async (name) => {
    const { query, expected } = load(name);
    const plan = compile(query, expected);
    for (const db of new Set(plan.tables.map((t) => t.clickhouse.database))) await client.command({ query: `DROP DATABASE IF EXISTS \`${db}\`` });
    for (const statement of plan.clickhouseStatements ?? []) await client.command({ query: statement });
    await client.command({ query: `USE \`${plan.defaultDatabase ?? 'default'}\`` });
    try {
      const rs = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: plan.clickhouseSettings as Record<string, never> });
      const rows = await rs.json<Record<string, unknown>>();
      // Empty tables: aggregates without GROUP BY give one row, everything else none.
      expect(rows.length).toBeLessThanOrEqual(1);
    } finally {
      for (const k of Object.keys(plan.clickhouseSettings)) {
        const d = defaults.get(k);
        if (d !== undefined) await client.command({ query: `SET ${k} = ${/^-?\d+$/.test(d) ? d : `'${d.replaceAll("'", "''")}'`}` });
      }
    }
  }, 30_000);
});
