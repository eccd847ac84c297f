// Reads the SQL compiler's source catalog from a MySQL/MariaDB server's information_schema: every
// table of the chosen (or all non-system) databases with its columns and primary key.
import mysql from 'mysql2/promise';
import { TransientError } from '../../core/errors.js';
import { SERVER_NAME, type CatalogData, type CatalogTable } from '../../stages/sqlgen/catalog.js';
import { CatalogError } from '../../stages/sqlgen/errors.js';
import { isTransientMysqlError } from './mysql.js';

const SYSTEM_DATABASES = ['information_schema', 'mysql', 'performance_schema', 'sys'];

export interface MysqlCatalogSource {
  /** Name of the server in plans and placeholders (`MYSQL_<NAME>_USER`). */
  name: string;
  /** mysql://user:password@host:port[/db] — the password is never logged or written. */
  url: string;
  /** Databases to read; all non-system databases when empty. */
  databases?: string[];
}

/** `name=mysql://…` as given on the command line. */
export function parseServerArg(arg: string): { name: string; url: string } {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new CatalogError(`--mysql expects name=mysql://user:password@host:port, got ${JSON.stringify(maskUrl(arg))}`);
  const name = arg.slice(0, eq);
  const url = arg.slice(eq + 1);
  if (!SERVER_NAME.test(name)) throw new CatalogError(`server name ${JSON.stringify(name)} must match ${SERVER_NAME}`);
  if (!/^mysql:\/\//.test(url)) throw new CatalogError(`server ${name}: the URL must start with mysql://`);
  return { name, url };
}

/** The URL with its password replaced, for messages. */
export function maskUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

interface ColumnRow {
  TABLE_SCHEMA: string;
  TABLE_NAME: string;
  COLUMN_NAME: string;
  COLUMN_TYPE: string;
  DATA_TYPE: string;
  IS_NULLABLE: string;
  COLLATION_NAME: string | null;
}

interface KeyRow {
  TABLE_SCHEMA: string;
  TABLE_NAME: string;
  COLUMN_NAME: string;
}

export async function readMysqlCatalog(source: MysqlCatalogSource): Promise<CatalogData> {
  let parsed: URL;
  try {
    parsed = new URL(source.url);
  } catch {
    throw new CatalogError(`server ${source.name}: ${maskUrl(source.url)} is not a valid URL`);
  }
  const host = parsed.hostname;
  const port = parsed.port ? Number(parsed.port) : 3306;
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({ uri: source.url, connectTimeout: 10_000 });
  } catch (err) {
    const message = `server ${source.name} (${maskUrl(source.url)}): cannot connect: ${(err as Error).message}`;
    if (isTransientMysqlError(err)) throw new TransientError('mysql', message, { cause: err });
    throw new CatalogError(message);
  }
  try {
    const dbs = source.databases?.filter(Boolean) ?? [];
    // Parameters, never concatenation: database names come from the command line.
    const filter = dbs.length > 0 ? `TABLE_SCHEMA IN (${dbs.map(() => '?').join(', ')})` : `TABLE_SCHEMA NOT IN (${SYSTEM_DATABASES.map(() => '?').join(', ')})`;
    const params = dbs.length > 0 ? dbs : SYSTEM_DATABASES;
    const [tableRows] = await conn.query(
      `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND ${filter} ORDER BY TABLE_SCHEMA, TABLE_NAME`,
      params,
    );
    const [columnRows] = await conn.query(
      `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, COLLATION_NAME FROM information_schema.COLUMNS WHERE ${filter} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      params,
    );
    const [keyRows] = await conn.query(
      `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE CONSTRAINT_NAME = 'PRIMARY' AND ${filter} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      params,
    );
    const key = (schema: string, table: string): string => `${schema}\u0000${table}`;
    const tables = new Map<string, CatalogTable>();
    for (const r of tableRows as { TABLE_SCHEMA: string; TABLE_NAME: string }[]) {
      tables.set(key(r.TABLE_SCHEMA, r.TABLE_NAME), { server: source.name, database: r.TABLE_SCHEMA, table: r.TABLE_NAME, columns: [], primaryKey: [] });
    }
    for (const r of columnRows as ColumnRow[]) {
      tables.get(key(r.TABLE_SCHEMA, r.TABLE_NAME))?.columns.push({
        name: r.COLUMN_NAME,
        columnType: String(r.COLUMN_TYPE).toLowerCase(),
        dataType: String(r.DATA_TYPE).toLowerCase(),
        nullable: r.IS_NULLABLE === 'YES',
        collation: r.COLLATION_NAME ?? null,
      });
    }
    for (const r of keyRows as KeyRow[]) tables.get(key(r.TABLE_SCHEMA, r.TABLE_NAME))?.primaryKey.push(r.COLUMN_NAME);
    const missing = dbs.filter((d) => ![...tables.values()].some((t) => t.database === d));
    if (missing.length > 0) throw new CatalogError(`server ${source.name}: no tables visible in ${missing.join(', ')} (missing database, or no privileges)`);
    return { servers: [{ name: source.name, host, port }], tables: [...tables.values()].filter((t) => t.columns.length > 0) };
  } catch (err) {
    if (err instanceof CatalogError) throw err;
    const message = `server ${source.name}: reading information_schema failed: ${(err as Error).message}`;
    if (isTransientMysqlError(err)) throw new TransientError('mysql', message, { cause: err });
    throw new CatalogError(message);
  } finally {
    await conn.end().catch(() => undefined);
  }
}
