import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../src/adapters/clickhouse/clickhouse.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { readGoldenCases } from '../../src/sample/golden-cases.js';
import { connectSource, loadSourceData } from '../../src/sample/source-data.js';
import { TPCH_QUERIES } from '../../src/sample/tpch-queries.js';
import { PreviewError, PreviewWorker, planPreviewRequest, type PreviewSource } from '../../src/stages/sqlgen/preview.js';
import { compareResults, orderOf, queryMysql } from '../support/result-compare.js';
import { testConfig } from '../support/integration.js';

// The pull preview against the stack's MariaDB: for every golden query, ClickHouse (chdb, reading
// the live tables through mysql()) must return MariaDB's own rows.
const url = testConfig().mysql.url;
const sources: PreviewSource[] = [{ name: 'local', url }];


let worker: PreviewWorker;

beforeAll(async () => {
  // Load the source data unless another test (or `sql seed`) already did.
  const conn = await connectSource(url);
  let loaded = false;
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT (SELECT count(*) FROM tpch.lineitem) AS l, (SELECT count(*) FROM crm.tickets) AS t');
    loaded = Number(rows[0]!.l) > 0 && Number(rows[0]!.t) > 0;
  } catch {
    loaded = false;
  } finally {
    await conn.end();
  }
  if (!loaded) await loadSourceData({ mysqlUrl: url });
  worker = PreviewWorker.start();
}, 120_000);

afterAll(async () => {
  await worker?.close();
});

const golden = readGoldenCases().filter((c) => !c.expectsError);
const cases = golden.length > 0 ? golden : Object.entries(TPCH_QUERIES).map(([name, query]) => ({ name, query, defaultDatabase: 'tpch' }));

describe('pull preview = MariaDB', () => {
  it('has the golden cases: TPC-H\'s 22 and the operational ones', () => {
    expect(cases.filter((c) => c.name.startsWith('tpch-') || /^q\d\d$/.test(c.name))).toHaveLength(22);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const expected = await queryMysql(url, c.query, c.defaultDatabase);
    const { request, planned } = await planPreviewRequest(c.query, sources, { defaultDatabase: c.defaultDatabase });
    expect(planned).toBe(true);
    const result = await worker.preview(request);
    expect(result.columns.map((col) => col.name)).toEqual(expected.columns);
    expect(result.rowCount).toBeGreaterThan(0);
    const comparison = compareResults(expected.rows, result.rows, orderOf(c.query, expected.columns));
    expect(comparison.differences, `settings ${JSON.stringify(request.settings)}`).toEqual([]);
    expect(comparison.equal).toBe(true);
  }, 90_000);
});

describe('known differences from MySQL (PREVIEW_CAVEATS), shown on the live data', () => {
  const preview = async (query: string) => (await worker.preview({ query, sources })).rows;

  it('string equality: MariaDB pads with spaces, ClickHouse compares bytes', async () => {
    const sql = "SELECT count(*) AS n FROM shop.customers WHERE full_name = CONCAT((SELECT min(full_name) FROM shop.customers), ' ')";
    expect(Number((await queryMysql(url, sql, null)).rows[0]![0])).toBeGreaterThan(0);
    expect(Number((await preview(sql))[0]![0])).toBe(0);
  });

  it('NULLs sort first ascending in MariaDB, last in ClickHouse', async () => {
    const sql = 'SELECT country FROM shop.customers ORDER BY country LIMIT 1';
    expect((await queryMysql(url, sql, null)).rows[0]![0]).toBeNull();
    expect((await preview(sql))[0]![0]).not.toBeNull();
    // Saying NULLS FIRST is portable to ClickHouse only; MySQL has no such clause, so the
    // compiler's report is where this difference is flagged.
  });

  it('decimal literals: exact in MariaDB, Float64 in ClickHouse', async () => {
    const sql = 'SELECT count(*) AS n FROM tpch.lineitem WHERE l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01';
    const portable = 'SELECT count(*) AS n FROM tpch.lineitem WHERE l_discount BETWEEN 0.05 AND 0.07';
    const exact = Number((await queryMysql(url, sql, null)).rows[0]![0]);
    expect(Number((await queryMysql(url, portable, null)).rows[0]![0])).toBe(exact);
    expect(Number((await preview(portable))[0]![0])).toBe(exact);
    expect(Number((await preview(sql))[0]![0])).toBeLessThan(exact);
  });

  it('a correlated COUNT(*) over no rows: 0 in MariaDB, NULL in ClickHouse 26', async () => {
    const sql = 'SELECT c.id, (SELECT count(*) FROM shop.orders o WHERE o.customer_id = c.id) AS n FROM shop.customers c WHERE NOT EXISTS (SELECT 1 FROM shop.orders o2 WHERE o2.customer_id = c.id) ORDER BY c.id LIMIT 1';
    expect(Number((await queryMysql(url, sql, null)).rows[0]![1])).toBe(0);
    expect((await preview(sql))[0]![1]).toBeNull();
  });

  it('decimal division: MariaDB keeps 4 more digits, ClickHouse the dividend\'s scale', async () => {
    const sql = 'SELECT sum(total) / count(*) AS mean FROM shop.orders';
    const mine = String((await queryMysql(url, sql, null)).rows[0]![0]);
    const theirs = String((await preview(sql))[0]![0]);
    expect(mine.split('.')[1]!.length).toBe(6);
    expect(theirs.split('.')[1]!.length).toBe(2);
    expect(compareResults([[mine]], [[theirs]]).equal).toBe(true);
  });
});

describe('preview process and credentials', () => {
  it('runs beside a chdb the calling process holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-own-chdb-'));
    const { client } = createClickHouse({ username: 'default', password: '', database: 'default', chdbPath: dir });
    try {
      await client.command({ query: 'CREATE TABLE default.own (n UInt8) ENGINE = MergeTree ORDER BY n' });
      await client.insert({ table: 'default.own', values: [{ n: 7 }], format: 'JSONEachRow' });
      const result = await worker.preview({ query: 'SELECT count(*) FROM tpch.nation', sources });
      expect(result.rows).toEqual([['25']]);
      const rs = await client.query({ query: 'SELECT n FROM default.own', format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ n: 7 }]);
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never writes the source password into its folder, and a read-only user is enough', async () => {
    // The stack's read-only user (src/stack/services/mariadb.ts): SELECT only, a distinctive password.
    const user = 'pd_reader';
    const password = 'pd-reader-secret';
    const host = new URL(url).host;
    const readOnly = [{ name: 'ro', url: `mysql://${user}:${encodeURIComponent(password)}@${host}/tpch` }];
    const result = await worker.preview({ query: 'SELECT n_name FROM tpch.nation WHERE n_nationkey = 7', sources: readOnly });
    expect(result.rows).toEqual([['GERMANY']]);
    const files = (readdirSync(worker.dataDir, { recursive: true }) as string[]).map((f) => join(worker.dataDir, f)).filter((f) => statSync(f).isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f).includes(password), f).toBe(false);
    // A wrong password: a clear error that does not repeat it.
    const wrong = `${password}-wrong`;
    const err = await worker.preview({ query: 'SELECT 1 FROM tpch.nation', sources: [{ name: 'ro', url: `mysql://${user}:${wrong}@${host}/tpch` }] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(PreviewError);
    expect((err as Error).message).toMatch(/Access denied/);
    expect((err as Error).message).not.toContain(wrong);
  });

  it('reports bad queries clearly and keeps serving', async () => {
    await expect(worker.preview({ query: 'SELECT * FROM tpch.no_such_table', sources })).rejects.toThrow(/tpch\.no_such_table not found on local/);
    await expect(worker.preview({ query: 'SELECT no_such_column FROM tpch.nation', sources })).rejects.toThrow(/ClickHouse rejected the query/);
    await expect(planPreviewRequest('SELECT no_such_column FROM tpch.nation', sources)).rejects.toThrow(/unknown_column/);
    const ok = await worker.preview({ query: 'SELECT r_name FROM tpch.region ORDER BY r_regionkey', sources, maxRows: 2 });
    expect(ok.rows).toEqual([['AFRICA'], ['AMERICA']]);
    expect(ok.truncated).toBe(true);
  });

  it('sql preview on the command line: CSV of the live rows, summary on stderr', () => {
    const run = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'pipeline-doctor.js'), 'sql', 'preview', '--format', 'csv', '--mysql', `local=${url}`], {
      input: 'SELECT r_regionkey, r_name FROM tpch.region WHERE r_regionkey < 2 ORDER BY r_regionkey',
      encoding: 'utf8',
      env: { ...process.env, PD_FROM_SOURCE: '1', LOG_LEVEL: 'error' },
      timeout: 120_000,
    });
    expect(run.stderr).toMatch(/2 rows in \d+ ms/);
    expect(run.stdout).toBe('r_regionkey,r_name\r\n0,AFRICA\r\n1,AMERICA\r\n');
    expect(run.status).toBe(0);
  }, 130_000);
});
