import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/paths.js';
import type { SyncPlan } from '../../../src/stages/sqlgen/plan.js';

const CATALOG = join(PACKAGE_ROOT, 'test/golden/sql/catalog.json');
const dir = mkdtempSync(join(tmpdir(), 'pd-sql-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command as users run it (no services: the catalog comes from the golden file). */
function sql(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'pipeline-doctor.js'), 'sql', ...args], { input, encoding: 'utf8', env: { ...process.env, PD_FROM_SOURCE: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pipeline-doctor sql generate', () => {
  it('reads the query from a file and writes flink.sql, clickhouse.sql and report.json', () => {
    const query = join(dir, 'q.sql');
    writeFileSync(query, 'select n_name, count(*) from nation join region on r_regionkey = n_regionkey group by n_name');
    const out = join(dir, 'out');
    const r = sql(['generate', query, '--catalog', CATALOG, '--default-database', 'tpch', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^sql generate: 2 tables, 4 columns \(tpch\.nation:3 tpch\.region:1\), source mysql-cdc, [\d.]+ ms → /);
    const plan = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as SyncPlan;
    expect(plan.path).toBe('compiler');
    expect(plan.defaultDatabase).toBe('tpch');
    expect(readFileSync(join(out, 'flink.sql'), 'utf8')).toBe(plan.flinkSql);
    expect(readFileSync(join(out, 'clickhouse.sql'), 'utf8')).toBe(plan.clickhouseSql);
  });

  it('reads stdin and prints the plan JSON with --source kafka', () => {
    const r = sql(['generate', '--catalog', CATALOG, '--source', 'kafka', '--cdc-topic-prefix', 'cdc.x'], 'select email from shop.customers');
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as SyncPlan;
    expect(plan.source).toBe('kafka-debezium-json');
    expect(plan.tables.map((t) => t.cdcTopic)).toEqual(['cdc.x.shop.customers']);
    expect(r.stderr).toMatch(/^sql generate: 1 tables/);
  });

  it('exits 2 with a clear message for a query it refuses, and writes nothing', () => {
    const out = join(dir, 'refused');
    const r = sql(['generate', '--catalog', CATALOG, '--out', out], 'drop table shop.customers');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error \(not_select\): only SELECT queries can be compiled; this is a DROP statement/);
    expect(existsSync(out)).toBe(false);
  });

  it('says what is missing without a catalog, and refuses a bad --mysql argument without echoing the password', () => {
    const none = sql(['generate'], 'select 1');
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no catalog: give --mysql/);
    const bad = sql(['generate', '--mysql', 'mysql://u:secret@h:3306'], 'select 1');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--mysql expects name=mysql:/);
    expect(bad.stderr).not.toContain('secret');
  });
});
