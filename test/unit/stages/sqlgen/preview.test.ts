import { describe, expect, it } from 'vitest';
import { formatPreview, parseSettings, parseSourceOption } from '../../../../src/cli/sql-extra-commands.js';
import { PreviewError, parseSourceUrl, previewRequestFromPlan, runPreviewInProcess, tablesOfQuery, type PreviewResult } from '../../../../src/stages/sqlgen/preview.js';
import type { SyncPlan } from '../../../../src/stages/sqlgen/plan.js';

describe('tablesOfQuery', () => {
  it('qualifies names with the default database and marks what may be a CTE', () => {
    const tables = tablesOfQuery('WITH r AS (SELECT l_suppkey FROM lineitem) SELECT * FROM tpch.supplier s JOIN r ON s.s_suppkey = r.l_suppkey', 'tpch');
    expect(tables).toEqual(expect.arrayContaining([
      { database: 'tpch', table: 'supplier' },
      { database: 'tpch', table: 'lineitem', maybeCte: true },
      { database: 'tpch', table: 'r', maybeCte: true },
    ]));
  });

  it('skips unqualified names without a default database, and reports what does not parse', () => {
    expect(tablesOfQuery('SELECT 1 FROM shop.orders o JOIN x ON 1 = 1', null)).toEqual([{ database: 'shop', table: 'orders' }]);
    expect(() => tablesOfQuery('SELEC nothing', null)).toThrow(PreviewError);
  });
});

describe('parseSourceUrl', () => {
  it('takes address and credentials from the URL, decoded', () => {
    expect(parseSourceUrl({ name: 'a', url: 'mysql://u%40x:p%3Aw@db.example:3307/app' })).toEqual({ address: 'db.example:3307', user: 'u@x', password: 'p:w' });
    expect(parseSourceUrl({ name: 'a', url: 'mysql://u:p@h/app' }).address).toBe('h:3306');
    expect(() => parseSourceUrl({ name: 'a', url: 'postgres://u:p@h/app' })).toThrow(/mysql:\/\//);
    expect(() => parseSourceUrl({ name: 'a', url: 'not a url' })).toThrow(/not a URL/);
  });
});

describe('request validation', () => {
  const sources = [{ name: 'local', url: 'mysql://u:p@127.0.0.1:1/x' }];
  it('rejects bad requests before starting anything', async () => {
    await expect(runPreviewInProcess({ query: '  ', sources })).rejects.toThrow(/empty/);
    await expect(runPreviewInProcess({ query: 'SELECT 1', sources: [] })).rejects.toThrow(/no MySQL source/);
    await expect(runPreviewInProcess({ query: 'SELECT 1', sources, tables: [{ database: 'a`b', table: 't' }] })).rejects.toThrow(/unsupported table name/);
    await expect(runPreviewInProcess({ query: 'SELECT 1', sources: [...sources, ...sources] })).rejects.toThrow(/unique/);
    await expect(runPreviewInProcess({ query: 'SELECT 1', sources, maxRows: 0 })).rejects.toThrow(/maxRows/);
  });

  it('builds the request from a plan', () => {
    const plan = { query: 'SELECT 1 FROM tpch.nation', defaultDatabase: 'tpch', clickhouseSettings: { final: 1 }, tables: [{ server: 'local', database: 'tpch', table: 'nation' }] } as unknown as SyncPlan;
    expect(previewRequestFromPlan(plan, sources, { maxRows: 5 })).toEqual({
      query: plan.query, sources, tables: [{ server: 'local', database: 'tpch', table: 'nation' }], defaultDatabase: 'tpch', settings: { final: 1 }, maxRows: 5,
    });
  });
});

describe('sql preview options and output', () => {
  it('parses named and unnamed sources and settings', () => {
    expect(parseSourceOption(['mysql://a:b@h:1/x', 'eu=mysql://c:d@h:2/y'])).toEqual([{ name: 'local', url: 'mysql://a:b@h:1/x' }, { name: 'eu', url: 'mysql://c:d@h:2/y' }]);
    expect(() => parseSourceOption(['h:3306'])).toThrow(/--mysql/);
    expect(parseSettings(['final=1', 'union_default_mode=DISTINCT'])).toEqual({ final: 1, union_default_mode: 'DISTINCT' });
    expect(() => parseSettings(['final'])).toThrow(/name=value/);
  });

  const result: PreviewResult = {
    columns: [{ name: 'name', type: 'Nullable(String)' }, { name: 'total', type: 'Decimal(12, 2)' }],
    rows: [['a "quoted", name', '10.50'], [null, '3.00']],
    rowCount: 2, truncated: false, tables: [], settings: {}, queryMs: 1, elapsedMs: 2,
  };

  it('writes RFC 4180 CSV with NULL as an empty field', () => {
    expect(formatPreview(result, 'csv')).toBe('name,total\r\n"a ""quoted"", name",10.50\r\n,3.00\r\n');
  });

  it('aligns a table, numbers to the right', () => {
    expect(formatPreview(result, 'table').split('\n')).toEqual([
      'name              total',
      '----------------  -----',
      'a "quoted", name  10.50',
      'NULL               3.00',
      '',
    ]);
  });

  it('writes JSON with columns and rows', () => {
    expect(JSON.parse(formatPreview(result, 'json'))).toMatchObject({ columns: result.columns, rows: result.rows, rowCount: 2 });
  });
});
