// test/golden/sql/catalog.json is written by `pipeline-doctor sql catalog` from the schemas in
// test/golden/sql/schema loaded into MariaDB. This test keeps the two in sync without a server:
// it parses the DDL with the compiler's SQL parser and compares tables, columns (order, type,
// length, nullability) and primary keys.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { loadCatalogFile } from '../../../src/stages/sqlgen/catalog.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- node-sql-parser's AST is loosely typed */
const GOLDEN = join(import.meta.dirname, '../../golden/sql');
const { Parser } = sqlParser as unknown as { Parser: new () => { astify(sql: string, opt: { database: string }): any } };

interface DdlColumn { name: string; dataType: string; length: string | null; nullable: boolean }
interface DdlTable { key: string; columns: DdlColumn[]; primaryKey: string[] }

// Synonyms as information_schema reports them.
const SYNONYMS: Record<string, string> = { integer: 'int', boolean: 'tinyint', bool: 'tinyint', numeric: 'decimal' };

function parseDdl(file: string): DdlTable[] {
  const ast = new Parser().astify(readFileSync(file, 'utf8'), { database: 'MySQL' });
  const statements: any[] = Array.isArray(ast) ? ast : [ast];
  return statements
    .filter((s) => s.type === 'create' && s.keyword === 'table')
    .map((s) => {
      const pk: string[] = s.create_definitions.filter((d: any) => d.resource === 'constraint' && d.constraint_type === 'primary key').flatMap((d: any) => d.definition.map((c: any) => c.column));
      const columns: DdlColumn[] = s.create_definitions
        .filter((d: any) => d.resource === 'column')
        .map((d: any) => {
          const type = String(d.definition.dataType).toLowerCase();
          const length = d.definition.length === undefined || d.definition.length === null ? null : `${d.definition.length}${d.definition.scale !== undefined && d.definition.scale !== null ? `,${d.definition.scale}` : ''}`;
          return { name: d.column.column, dataType: SYNONYMS[type] ?? type, length, nullable: d.nullable?.type !== 'not null' && !pk.includes(d.column.column) };
        });
      return { key: `${s.table[0].db}.${s.table[0].table}`, columns, primaryKey: pk };
    });
}

describe('golden catalog.json matches the schema DDL', () => {
  const catalog = loadCatalogFile(join(GOLDEN, 'catalog.json'));
  const ddl = readdirSync(join(GOLDEN, 'schema')).filter((f) => f.endsWith('.sql')).sort().flatMap((f) => parseDdl(join(GOLDEN, 'schema', f)));

  it('has the same tables', () => {
    expect(catalog.tables.map((t) => `${t.database}.${t.table}`).sort()).toEqual(ddl.map((t) => t.key).sort());
    expect(ddl.filter((t) => t.key.startsWith('tpch.'))).toHaveLength(8);
  });

  it.each(ddl.map((t) => [t.key, t] as const))('%s: columns, types, nullability and primary key', (key, table) => {
    const entry = catalog.tables.find((t) => `${t.database}.${t.table}` === key)!;
    expect(entry.columns.map((c) => c.name)).toEqual(table.columns.map((c) => c.name));
    expect(entry.primaryKey).toEqual(table.primaryKey);
    table.columns.forEach((c, i) => {
      const got = entry.columns[i]!;
      expect({ name: got.name, dataType: got.dataType, nullable: got.nullable }).toEqual({ name: c.name, dataType: c.dataType, nullable: c.nullable });
      if (c.length !== null && ['char', 'varchar', 'decimal'].includes(c.dataType)) expect(got.columnType).toBe(`${c.dataType}(${c.length})`);
    });
  });
});
