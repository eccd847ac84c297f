import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';
import { Umzug, type UmzugStorage } from 'umzug';
import { classifyFailure } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Error codes after which the same statement may succeed: connection loss, locks, overload. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'POOL_CLOSED',
  'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_TOO_MANY_USER_CONNECTIONS', 'ER_QUERY_INTERRUPTED', 'ER_CLIENT_INTERACTION_TIMEOUT',
]);

export function isTransientMysqlError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** Runs `fn`, turning retryable MySQL failures into TransientError; others stay bugs. */
export function withMysqlRetryClass<T>(what: string, fn: () => Promise<T>): Promise<T> {
  return classifyFailure('mysql', isTransientMysqlError, what, fn);
}

/** Keeps each multi-row INSERT well under MariaDB's default 16 MiB max_allowed_packet. */
const MAX_STATEMENT_BYTES = 4 * 1024 * 1024;

/** Splits rows into INSERT-sized groups by an estimate of their size (each group ≥ 1 row). */
export function statementGroups<T>(rows: T[], approxBytes: (row: T) => number, maxBytes = MAX_STATEMENT_BYTES): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const n = approxBytes(row);
    if (current.length > 0 && bytes + n >= maxBytes) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += n;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Runs `fn` on one connection inside a transaction: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const result = await fn(conn);
    await conn.commit();
    return result;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

export function createMysqlPool(url: string, poolSize: number): Pool {
  return mysql.createPool({
    uri: url,
    connectionLimit: poolSize,
    // Times are written and read as UTC regardless of the server's zone.
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    enableKeepAlive: true,
    charset: 'utf8mb4_bin',
  });
}

/** Umzug storage in a `schema_migrations` table. */
function migrationStorage(conn: PoolConnection): UmzugStorage {
  return {
    async logMigration({ name }) {
      await conn.query('INSERT INTO schema_migrations (name) VALUES (?)', [name]);
    },
    async unlogMigration({ name }) {
      await conn.query('DELETE FROM schema_migrations WHERE name = ?', [name]);
    },
    async executed() {
      const [rows] = await conn.query('SELECT name FROM schema_migrations ORDER BY name');
      return (rows as { name: string }[]).map((r) => r.name);
    },
  };
}

/**
 * Applies pending `migrations/*.sql` files in name order. A MySQL named lock serialises
 * instances that start at the same time.
 */
export async function migrateMysql(url: string, logger: Logger): Promise<string[]> {
  const conn = await mysql.createConnection({ uri: url, multipleStatements: true });
  try {
    await conn.query('CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR(255) PRIMARY KEY, applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))');
    const [[lock]] = (await conn.query("SELECT GET_LOCK('pipeline_doctor_migrations', 60) AS got")) as unknown as [[{ got: number }]];
    if (lock?.got !== 1) throw new Error('could not take the migration lock within 60 s');
    try {
      const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
      const umzug = new Umzug({
        migrations: files.map((file) => ({
          name: file,
          up: async () => {
            await conn.query(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'));
          },
        })),
        storage: migrationStorage(conn as unknown as PoolConnection),
        logger: undefined,
      });
      const applied = await umzug.up();
      if (applied.length > 0) logger.info({ applied: applied.map((m) => m.name) }, 'mysql migrations applied');
      return applied.map((m) => m.name);
    } finally {
      await conn.query("SELECT RELEASE_LOCK('pipeline_doctor_migrations')");
    }
  } finally {
    await conn.end();
  }
}
