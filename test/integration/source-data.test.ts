import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGoldenCases } from '../../src/sample/golden-cases.js';
import { applyMutationBatch, connectSource, generateSourceData, loadSourceData, primaryKeys, type LoadReport, type MutationReport } from '../../src/sample/source-data.js';
import { DEFAULT_SEED, DEFAULT_TPCH_SCALE } from '../../src/sample/tpch-data.js';
import { TPCH_QUERIES } from '../../src/sample/tpch-queries.js';
import { testConfig } from '../support/integration.js';

// The source databases of the golden schema (tpch, shop, crm) on the stack's MariaDB: the same
// ones the sync end-to-end test reads, so every test leaves them freshly loaded.
const url = testConfig().mysql.url;
const DATABASES = ['crm', 'shop', 'tpch'];

async function query<T = RowDataPacket>(sql: string, params: unknown[] = []): Promise<T[]> {
  const conn = await connectSource(url);
  try {
    const [rows] = await conn.query<RowDataPacket[]>(sql, params);
    return rows as T[];
  } finally {
    await conn.end();
  }
}

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of generateSourceData(DEFAULT_TPCH_SCALE, DEFAULT_SEED).keys()) {
    out[table] = Number((await query<{ n: string }>('SELECT count(*) AS n FROM ??', [table]))[0]!.n);
  }
  return out;
}

async function checksums(): Promise<Record<string, string>> {
  const rows = await query<{ Table: string; Checksum: string }>(`CHECKSUM TABLE ${[...generateSourceData(DEFAULT_TPCH_SCALE, DEFAULT_SEED).keys()].map((t) => t.split('.').map((p) => `\`${p}\``).join('.')).join(', ')}`);
  return Object.fromEntries(rows.map((r) => [r.Table, String(r.Checksum)]));
}

describe('source data on MariaDB', () => {
  let first: LoadReport;

  beforeAll(async () => {
    first = await loadSourceData({ mysqlUrl: url, reset: 'recreate' });
  }, 120_000);

  afterAll(async () => {
    // Leave the canonical data set for whoever runs next (the sync end-to-end test).
    await loadSourceData({ mysqlUrl: url });
  }, 120_000);

  it('creates the schema files\' databases and loads every table in seconds', async () => {
    expect(first.databases.sort()).toEqual(DATABASES);
    expect(first.emptyTables).toEqual([]);
    const generated = generateSourceData(DEFAULT_TPCH_SCALE, DEFAULT_SEED);
    const loaded = await counts();
    for (const [table, rows] of generated) expect(loaded[table], table).toBe(rows.length);
    expect(loaded['tpch.orders']).toBe(3000);
    expect(first.elapsedMs).toBeLessThan(30_000);
  });

  it('reloads to identical contents (idempotent)', async () => {
    const before = await checksums();
    const report = await loadSourceData({ mysqlUrl: url, reset: 'reload' });
    expect(report.reset).toBe('reload');
    expect(await checksums()).toEqual(before);
    // A different seed gives different rows.
    await loadSourceData({ mysqlUrl: url, seed: DEFAULT_SEED + 1 });
    expect((await checksums())['tpch.lineitem']).not.toBe(before['tpch.lineitem']);
    await loadSourceData({ mysqlUrl: url });
    expect(await checksums()).toEqual(before);
  }, 120_000);

  const tpchCases = readGoldenCases().filter((c) => c.name.startsWith('tpch-') && !c.expectsError);
  const cases = tpchCases.length > 0 ? tpchCases.map((c) => ({ name: c.name, query: c.query, db: c.defaultDatabase ?? 'tpch' })) : Object.entries(TPCH_QUERIES).map(([name, q]) => ({ name, query: q, db: 'tpch' }));

  it('gives every TPC-H query rows on MariaDB (golden cases, else the built-in copies)', async () => {
    expect(cases).toHaveLength(22);
    const conn = await connectSource(url);
    try {
      for (const c of cases) {
        await conn.query('USE ??', [c.db]);
        const [rows] = await conn.query<RowDataPacket[]>({ sql: c.query, rowsAsArray: true });
        expect(rows.length, c.name).toBeGreaterThan(0);
        // Single-row aggregates (Q6, Q14, Q17, Q19) return a row anyway: it must not be NULL.
        expect((rows[0] as unknown as unknown[]).every((v) => v !== null), `${c.name}: ${JSON.stringify(rows[0])}`).toBe(true);
      }
    } finally {
      await conn.end();
    }
  });

  it('gives every operational golden query rows on MariaDB', async () => {
    const ops = readGoldenCases().filter((c) => !c.name.startsWith('tpch-') && !c.expectsError);
    const conn = await connectSource(url);
    try {
      for (const c of ops) {
        await conn.query('USE ??', [c.defaultDatabase ?? 'shop']);
        const [rows] = await conn.query<RowDataPacket[]>(c.query).catch((err: Error) => {
          throw new Error(`${c.name}: ${err.message}`);
        });
        expect(rows.length, c.name).toBeGreaterThan(0);
      }
    } finally {
      await conn.end();
    }
  });

  describe('mutation batch', () => {
    let before: Record<string, number>;
    let report: MutationReport;
    let keys: Map<string, string[]>;

    beforeAll(async () => {
      await loadSourceData({ mysqlUrl: url });
      before = await counts();
      keys = await primaryKeys(url, DATABASES);
      report = await applyMutationBatch({ mysqlUrl: url });
    }, 120_000);

    const exists = async (table: string, key: unknown[]) => {
      const columns = keys.get(table)!;
      const rows = await query(`SELECT 1 FROM ?? WHERE ${columns.map(() => '?? = ?').join(' AND ')}`, [table, ...columns.flatMap((c, i) => [c, key[i]])]);
      return rows.length > 0;
    };

    it('changes rows in every source table, with every kind of change', () => {
      expect(report.statements.every((s) => s.affectedRows > 0), JSON.stringify(report.statements.filter((s) => s.affectedRows === 0))).toBe(true);
      expect(new Set(report.statements.map((s) => s.kind))).toEqual(new Set(['insert', 'update', 'delete', 'key-change']));
      expect(Object.keys(report.counts).sort()).toEqual([...generateSourceData(DEFAULT_TPCH_SCALE, DEFAULT_SEED).keys()].filter((t) => t !== 'tpch.region' && t !== 'tpch.nation' && t !== 'tpch.part' && t !== 'tpch.partsupp' && t !== 'tpch.supplier').sort());
    });

    it('inserts and deletes what it reports, and row counts move by exactly that', async () => {
      for (const { table, key } of report.inserted) expect(await exists(table, key), `${table} ${key}`).toBe(true);
      for (const { table, key } of report.deleted) expect(await exists(table, key), `${table} ${key}`).toBe(false);
      const after = await counts();
      for (const table of Object.keys(before)) {
        const delta = report.inserted.filter((r) => r.table === table).length - report.deleted.filter((r) => r.table === table).length;
        expect(after[table]! - before[table]!, table).toBe(delta);
      }
    });

    it('moves rows to their new primary keys', async () => {
      expect(report.keyChanges.map((k) => k.table)).toEqual(expect.arrayContaining(['tpch.orders', 'tpch.lineitem', 'shop.customers', 'crm.account_managers']));
      for (const { table, from, to } of report.keyChanges) {
        expect(await exists(table, from), `${table} ${from} gone`).toBe(false);
        expect(await exists(table, to), `${table} ${to} there`).toBe(true);
      }
    });

    it('sets the reported nullable columns to NULL', async () => {
      expect(report.nulled.length).toBeGreaterThanOrEqual(6);
      for (const { table, key, columns } of report.nulled) {
        const pk = keys.get(table)!;
        const [row] = await query<Record<string, unknown>>(`SELECT ?? FROM ?? WHERE ${pk.map(() => '?? = ?').join(' AND ')}`, [columns, table, ...pk.flatMap((c, i) => [c, key[i]])]);
        expect(row, `${table} ${key}`).toBeDefined();
        for (const c of columns) expect(row![c], `${table} ${key} ${c}`).toBeNull();
      }
    });

    it('applies a fresh batch of the same shape when run again', async () => {
      const again = await applyMutationBatch({ mysqlUrl: url });
      expect(again.statements.map((s) => [s.table, s.kind])).toEqual(report.statements.map((s) => [s.table, s.kind]));
      expect(again.inserted.map((r) => JSON.stringify(r))).not.toEqual(report.inserted.map((r) => JSON.stringify(r)));
    }, 60_000);
  });
});
