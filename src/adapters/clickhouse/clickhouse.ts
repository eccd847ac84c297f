import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { Umzug } from 'umzug';
import { classifyFailure, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface ClickHouseOptions {
  /** Server URL; unset means the embedded chdb engine at `chdbPath`. */
  url?: string;
  username: string;
  password: string;
  database: string;
  chdbPath: string;
}

/** One `@clickhouse/client` API for both: the server by URL, or chdb in-process. */
export function createClickHouse(options: ClickHouseOptions): { client: ClickHouseClient; mode: 'server' | 'embedded' } {
  if (options.url) {
    return {
      client: createClient({ url: options.url, username: options.username, password: options.password, request_timeout: 30_000 }),
      mode: 'server',
    };
  }
  // chdb ships its own copy of the client-common types; the runtime contract is the same.
  const connection = createChdbConnection({ path: options.chdbPath }) as unknown as Parameters<typeof createClient>[0] extends infer C ? C extends { connection?: infer X } ? X : never : never;
  return { client: createClient({ connection }), mode: 'embedded' };
}

// Server-side error codes worth a retry: overload, timeouts, too many parts, memory pressure.
const TRANSIENT_SERVER_CODES = new Set(['159', '160', '164', '202', '203', '209', '210', '241', '242', '252', '285', '319', '425', '999']);
const TRANSIENT_NETWORK = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|socket hang up|Timeout error|network/i;

export function isTransientClickHouseError(err: unknown): boolean {
  // The HTTP client reports the server's code as `code`; chdb's errors carry it as `clickhouseCode`.
  const e = err as { code?: unknown; clickhouseCode?: unknown } | null;
  const code = e?.clickhouseCode ?? e?.code;
  return (code !== undefined && TRANSIENT_SERVER_CODES.has(String(code))) || TRANSIENT_NETWORK.test(errorMessage(err));
}

export function withClickHouseRetryClass<T>(what: string, fn: () => Promise<T>): Promise<T> {
  return classifyFailure('clickhouse', isTransientClickHouseError, what, fn);
}

/** Applies pending `migrations/*.sql` (with `{db}` replaced by the validated database name). */
export async function migrateClickHouse(client: ClickHouseClient, database: string, logger: Logger): Promise<string[]> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`invalid ClickHouse database name ${JSON.stringify(database)}`);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations (name String, applied_at DateTime64(3) DEFAULT now64(3)) ENGINE = MergeTree ORDER BY name`,
  });
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
  const umzug = new Umzug({
    migrations: files.map((file) => ({
      name: file,
      up: async () => {
        const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8').replaceAll('{db}', database);
        for (const statement of splitStatements(sql)) await client.command({ query: statement });
      },
    })),
    storage: {
      logMigration: async ({ name }) => {
        await client.insert({ table: `${database}.schema_migrations`, values: [{ name }], format: 'JSONEachRow' });
      },
      unlogMigration: async ({ name }) => {
        await client.command({ query: `DELETE FROM ${database}.schema_migrations WHERE name = {name:String}`, query_params: { name } });
      },
      executed: async () => {
        const rs = await client.query({ query: `SELECT name FROM ${database}.schema_migrations ORDER BY name`, format: 'JSONEachRow' });
        return (await rs.json<{ name: string }>()).map((r) => r.name);
      },
    },
    logger: undefined,
  });
  const applied = await umzug.up();
  if (applied.length > 0) logger.info({ applied: applied.map((m) => m.name) }, 'clickhouse migrations applied');
  return applied.map((m) => m.name);
}

/** Statements of our SQL files and generated DDL: each ends with a `;` at the end of a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
