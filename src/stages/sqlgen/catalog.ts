// The source catalog the compiler resolves a query against: tables with their columns (in ordinal
// order) and primary keys, from one or more MySQL servers. Filled from information_schema
// (src/adapters/mysql/source-catalog.ts), a JSON file (tests, offline use) or Debezium schemas.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CatalogError } from './errors.js';

/** One column as information_schema.COLUMNS describes it. */
export interface CatalogColumn {
  name: string;
  /** COLUMN_TYPE, lower case, e.g. `decimal(15,2)`, `int(10) unsigned`, `enum('a','b')`. */
  columnType: string;
  /** DATA_TYPE, lower case, e.g. `decimal`, `int`, `enum`. */
  dataType: string;
  nullable: boolean;
  /** COLLATION_NAME of string columns (e.g. `utf8mb4_bin`); null for other types or unknown. */
  collation?: string | null;
}

export interface CatalogTable {
  /** Name of the server (as given on the command line or in the catalog file). */
  server: string;
  database: string;
  table: string;
  /** In ordinal order. */
  columns: CatalogColumn[];
  /** Primary key columns in key order; empty when the table has none. */
  primaryKey: string[];
}

/** Where a server is reachable; used for the mysql-cdc connector options (no credentials here). */
export interface CatalogServer {
  name: string;
  host?: string;
  port?: number;
}

export interface CatalogData {
  servers: CatalogServer[];
  tables: CatalogTable[];
}

const columnSchema = z.object({
  name: z.string().min(1),
  columnType: z.string().min(1),
  dataType: z.string().min(1),
  nullable: z.boolean(),
  collation: z.string().nullable().optional(),
});

const catalogSchema = z.object({
  servers: z.array(z.object({ name: z.string().min(1), host: z.string().min(1).optional(), port: z.number().int().positive().optional() })),
  tables: z.array(
    z.object({
      server: z.string().min(1),
      database: z.string().min(1),
      table: z.string().min(1),
      columns: z.array(columnSchema).min(1),
      primaryKey: z.array(z.string().min(1)),
    }),
  ),
});

/** Server names become parts of environment variable names: letters, digits, `_` and `-` only. */
export const SERVER_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Lookup over the catalog. Database and table names compare case-sensitively (MySQL on Linux,
 * lower_case_table_names=0); column names case-insensitively, as MySQL does.
 */
export class Catalog {
  private readonly byName = new Map<string, CatalogTable[]>();

  constructor(readonly data: CatalogData) {
    for (const t of data.tables) {
      const key = `${t.database}\u0000${t.table}`;
      const list = this.byName.get(key) ?? [];
      list.push(t);
      this.byName.set(key, list);
    }
  }

  /** All tables with this database.table name (more than one means several servers hold it). */
  find(database: string, table: string): CatalogTable[] {
    return this.byName.get(`${database}\u0000${table}`) ?? [];
  }

  server(name: string): CatalogServer | undefined {
    return this.data.servers.find((s) => s.name === name);
  }

  databases(): string[] {
    return [...new Set(this.data.tables.map((t) => t.database))].sort();
  }

  /** Several catalogs (e.g. one per server) as one; a server name given twice is refused. */
  static merge(parts: CatalogData[]): Catalog {
    const servers: CatalogServer[] = [];
    const tables: CatalogTable[] = [];
    for (const part of parts) {
      for (const s of part.servers) {
        if (servers.some((x) => x.name === s.name)) throw new CatalogError(`server name ${JSON.stringify(s.name)} is given twice`);
        servers.push(s);
      }
      tables.push(...part.tables);
    }
    return new Catalog({ servers, tables });
  }
}

/** Validates catalog data (from a file or another process), listing every problem. */
export function parseCatalog(value: unknown, origin: string): CatalogData {
  const result = catalogSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CatalogError(`${origin}: not a valid catalog: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (+${problems.length - 10} more)` : ''}`);
  }
  const data = result.data as CatalogData;
  for (const s of data.servers) {
    if (!SERVER_NAME.test(s.name)) throw new CatalogError(`${origin}: server name ${JSON.stringify(s.name)} must match ${SERVER_NAME}`);
  }
  for (const t of data.tables) {
    if (!data.servers.some((s) => s.name === t.server)) throw new CatalogError(`${origin}: table ${t.database}.${t.table} names unknown server ${JSON.stringify(t.server)}`);
    const names = new Set(t.columns.map((c) => c.name.toLowerCase()));
    if (names.size !== t.columns.length) throw new CatalogError(`${origin}: table ${t.database}.${t.table} lists a column twice`);
    for (const k of t.primaryKey) {
      if (!names.has(k.toLowerCase())) throw new CatalogError(`${origin}: primary key column ${JSON.stringify(k)} of ${t.database}.${t.table} is not one of its columns`);
    }
  }
  return data;
}

export function loadCatalogFile(path: string): CatalogData {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CatalogError(`cannot read catalog file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CatalogError(`catalog file ${path} is not JSON: ${(err as Error).message}`);
  }
  return parseCatalog(json, path);
}
