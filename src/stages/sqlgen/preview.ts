// Pull preview: the requested query's result now, over the live MySQL sources, with no ETL and no
// generated code executed. An embedded ClickHouse (chdb) in a private temporary folder gets, per
// source table the query reads, a table of the same database.table name backed by the mysql()
// table function; the unchanged query then runs there with the plan's ClickHouse settings, so the
// preview shows what the synced ClickHouse tables will answer.
//
// Credentials: the proxy databases use ENGINE = Memory, so the table definitions (which hold the
// mysql() arguments) are never written to disk; they are passed as query parameters, never pasted
// into SQL; the folder is private (0700) and removed afterwards.
//
// libchdb binds one data folder per process, so previews run in a child process (PreviewWorker):
// the caller may hold its own chdb (the sync executor's tables) without a conflict. One worker
// serves many previews (starting one costs seconds), one at a time.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import NodeSqlParser from 'node-sql-parser';
import { readMysqlCatalog } from '../../adapters/mysql/source-catalog.js';
import { Catalog } from './catalog.js';
import { compileSyncPlan } from './compile.js';
import { SqlGenInputError } from './errors.js';
import type { SyncPlan } from './plan.js';

/** A MySQL server the query's tables live on; `name` matches the plan's `server`. */
export interface PreviewSource {
  name: string;
  /** `mysql://user:password@host:port[/db]`: read access to the tables is enough. */
  url: string;
}

export interface PreviewTable {
  /** Source name; optional when there is one source, or when the table is found on exactly one. */
  server?: string;
  database: string;
  table: string;
}

export interface PreviewRequest {
  /** The query, unchanged (MySQL dialect, as `sql generate` takes it). */
  query: string;
  sources: PreviewSource[];
  /** Tables to expose (the plan's); unset: the tables the query names, found by parsing it. */
  tables?: PreviewTable[];
  /** Database unqualified names resolve to. */
  defaultDatabase?: string | null;
  /** ClickHouse settings the unchanged query needs (the plan's `clickhouseSettings`). */
  settings?: Record<string, string | number>;
  /** Most rows returned; more are cut off (`truncated`). @default 10000 */
  maxRows?: number;
  /** Whole preview, child process included. @default 120000 */
  timeoutMs?: number;
}

export interface PreviewColumn {
  name: string;
  /** ClickHouse type of the result column, e.g. `Decimal(38, 4)`, `Nullable(String)`. */
  type: string;
}

export interface PreviewResult {
  columns: PreviewColumn[];
  /** Decimals and 64-bit integers as strings (exact), dates as `YYYY-MM-DD[ hh:mm:ss[.fff]]`. */
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  /** The source tables the preview read, with the source each came from. */
  tables: Required<PreviewTable>[];
  /** Settings the query ran with (the plan's, then the preview's own output settings). */
  settings: Record<string, string | number>;
  /** Time of the query itself, and of the whole preview (engine start, proxies, child process). */
  queryMs: number;
  elapsedMs: number;
}

/** Known ways the preview (ClickHouse semantics over MySQL data) can differ from MySQL's own answer. */
export const PREVIEW_CAVEATS = [
  'String comparison is binary in ClickHouse: under a _ci collation MySQL finds \'a\' = \'A\'; under a PAD SPACE collation (MariaDB _bin, MySQL 5.7) also \'a\' = \'a \'.',
  'Decimal division: MySQL keeps 4 more digits (div_precision_increment) and rounds; ClickHouse keeps the dividend\'s scale and truncates.',
  'ORDER BY puts NULLs first ascending in MySQL, last in ClickHouse, unless the query says NULLS FIRST/LAST.',
  'Rows that tie on ORDER BY (or LIMIT without ORDER BY) may come in another order.',
  'avg() of a DECIMAL is Float64 in ClickHouse (MySQL: DECIMAL with 4 more digits).',
  'Decimal literals are Float64 in ClickHouse: 0.06 + 0.01 = 0.06999999999999999, so BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 misses 0.07 (write 0.05 AND 0.07).',
  'ClickHouse 26 decorrelates a correlated scalar COUNT(*) subquery into a join: a row without matches gets NULL where MySQL gives 0.',
] as const;

export class PreviewError extends Error {
  override readonly name = 'PreviewError';
}

const IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;
const WORKER_FLAG = '--pd-preview-worker';

// Output settings of the preview itself: exact numbers in JSON, UTC wall-clock times.
const OUTPUT_SETTINGS: Record<string, string | number> = {
  output_format_json_quote_decimals: 1,
  output_format_json_quote_64bit_integers: 1,
  output_format_decimal_trailing_zeros: 1,
  session_timezone: 'UTC',
};

/** The request a plan (report.json) implies: its tables, default database and settings. */
export function previewRequestFromPlan(plan: SyncPlan, sources: PreviewSource[], options: Pick<PreviewRequest, 'maxRows' | 'timeoutMs'> = {}): PreviewRequest {
  return {
    query: plan.query,
    sources,
    tables: plan.tables.map((t) => ({ server: t.server, database: t.database, table: t.table })),
    defaultDatabase: plan.defaultDatabase,
    settings: plan.clickhouseSettings,
    ...options,
  };
}

/**
 * Settings for a query the compiler could not plan: the MySQL behaviours ClickHouse can be told
 * to follow whatever the query (NULLs from outer joins and empty aggregates, DISTINCT set operations).
 */
export const FALLBACK_SETTINGS: Readonly<Record<string, string | number>> = {
  join_use_nulls: 1,
  aggregate_functions_null_for_empty: 1,
  union_default_mode: 'DISTINCT',
  intersect_default_mode: 'DISTINCT',
  except_default_mode: 'DISTINCT',
  cast_keep_nullable: 1,
};

/**
 * The request for a bare query: the compiler plans it against the sources' catalog (only the
 * databases the query names are read) and the preview runs under the plan's settings, as the
 * synced tables will be queried. A query the compiler does not handle still gets a preview,
 * under FALLBACK_SETTINGS; one that is wrong (unknown table or column) is reported.
 */
export async function planPreviewRequest(
  query: string,
  sources: PreviewSource[],
  options: Pick<PreviewRequest, 'defaultDatabase' | 'maxRows' | 'timeoutMs'> = {},
): Promise<{ request: PreviewRequest; planned: boolean; note?: string }> {
  const defaultDatabase = options.defaultDatabase ?? null;
  const databases = [...new Set(tablesOfQuery(query, defaultDatabase).map((t) => t.database))];
  const parts = [];
  for (const source of sources) {
    try {
      parts.push(await readMysqlCatalog({ name: source.name, url: source.url, ...(databases.length > 0 ? { databases } : {}) }));
    } catch (err) {
      throw new PreviewError(`source ${source.name}: ${scrub((err as Error).message, [parseSourceUrl(source).password])}`);
    }
  }
  try {
    const plan = compileSyncPlan(query, { catalog: Catalog.merge(parts), defaultDatabase });
    return { request: previewRequestFromPlan(plan, sources, options), planned: true };
  } catch (err) {
    if (err instanceof SqlGenInputError) throw new PreviewError(`${err.code}: ${err.message}`);
    const request: PreviewRequest = { query, sources, defaultDatabase, settings: { ...FALLBACK_SETTINGS }, ...options };
    return { request, planned: false, note: `not planned (${(err as Error).message}); ran with the fallback settings` };
  }
}

/** Runs one preview in a child process of its own (see PreviewWorker to run several). */
export async function runPreview(request: PreviewRequest): Promise<PreviewResult> {
  const worker = PreviewWorker.start();
  try {
    return await worker.preview(request);
  } finally {
    await worker.close();
  }
}

type WorkerReply = { id: number; ok: true; result: PreviewResult } | { id: number; ok: false; error: string };

/**
 * A child process with a private chdb (in a temporary 0700 folder removed when it ends) that runs
 * previews one after the other: requests as JSON lines on its stdin (source URLs never appear on a
 * command line), replies as JSON lines on its stdout.
 */
export class PreviewWorker {
  private readonly pending = new Map<number, { resolve: (r: PreviewResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private dead: Error | undefined;
  private readonly stderr: string[] = [];
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly dir: string,
  ) {
    child.stderr.on('data', (d: Buffer) => {
      this.stderr.push(d.toString('utf8'));
      if (this.stderr.length > 50) this.stderr.shift();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      let reply: WorkerReply;
      try {
        reply = JSON.parse(line) as WorkerReply;
      } catch {
        return;
      }
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new PreviewError(reply.error));
    });
    this.exited = new Promise((done) => {
      child.once('exit', (code, signal) => {
        this.dead ??= new PreviewError(`preview process ended (exit ${code ?? signal}): ${this.stderr.join('').trim().slice(-2000) || 'no output'}`);
        for (const waiter of this.pending.values()) waiter.reject(this.dead);
        this.pending.clear();
        rmSync(this.dir, { recursive: true, force: true });
        done();
      });
    });
    child.once('error', (err) => {
      this.dead ??= new PreviewError(`preview process: ${err.message}`);
    });
  }

  static start(): PreviewWorker {
    const self = fileURLToPath(import.meta.url);
    const dir = mkdtempSync(join(tmpdir(), 'pd-preview-'));
    // From the TypeScript sources (tests, `bin` without a build) the child needs tsx's loader.
    const args = self.endsWith('.ts') ? ['--import', 'tsx', self, WORKER_FLAG, dir] : [self, WORKER_FLAG, dir];
    return new PreviewWorker(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }), dir);
  }

  /** The worker's private chdb folder (removed when it ends). */
  get dataDir(): string {
    return this.dir;
  }

  /** Runs one preview (after those already queued); a timeout ends the worker. */
  preview(request: PreviewRequest): Promise<PreviewResult> {
    const run = async (): Promise<PreviewResult> => {
      validateRequest(request);
      if (this.dead) throw this.dead;
      const started = performance.now();
      const id = this.nextId++;
      const timeoutMs = request.timeoutMs ?? 120_000;
      const reply = new Promise<PreviewResult>((resolve, reject) => this.pending.set(id, { resolve, reject }));
      this.child.stdin.write(`${JSON.stringify({ id, request })}\n`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          this.dead = new PreviewError(`preview timed out after ${timeoutMs} ms`);
          this.child.kill('SIGKILL');
          reject(this.dead);
        }, timeoutMs);
      });
      try {
        const result = await Promise.race([reply, timeout]);
        return { ...result, elapsedMs: Math.round(performance.now() - started) };
      } finally {
        clearTimeout(timer);
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the child (it closes its engine) and removes its folder. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin.end();
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(killer);
    } else {
      await this.exited;
    }
  }
}

/**
 * Runs the preview in this process, in a fresh temporary chdb folder. libchdb allows one data
 * folder per process: only call this where nothing else in the process uses chdb (the CLI).
 */
export async function runPreviewInProcess(request: PreviewRequest): Promise<PreviewResult> {
  validateRequest(request);
  const dir = mkdtempSync(join(tmpdir(), 'pd-preview-'));
  const engine = await PreviewEngine.open(dir);
  try {
    return await engine.preview(request);
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One chdb session; each preview creates its proxy databases and drops them afterwards. */
class PreviewEngine {
  private constructor(private readonly client: ReturnType<typeof createClient>) {}

  static async open(dir: string): Promise<PreviewEngine> {
    // Imported here: loading chdb starts the native engine, which only the preview needs.
    const { createChdbConnection } = await import('chdb/connection');
    const connection = createChdbConnection({ path: dir });
    return new PreviewEngine(createClient({ connection: connection as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'] }));
  }

  async preview(request: PreviewRequest): Promise<PreviewResult> {
    validateRequest(request);
    const started = performance.now();
    const client = this.client;
    const tables = await resolveTables(request);
    const sources = new Map(request.sources.map((s) => [s.name, parseSourceUrl(s)]));
    const databases = new Set(tables.map((t) => t.database));
    if (request.defaultDatabase) databases.add(request.defaultDatabase);
    try {
      for (const db of databases) {
        await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdent(db)}` });
        await client.command({ query: `CREATE DATABASE ${quoteIdent(db)} ENGINE = Memory` });
      }
      for (const t of tables) {
        const s = sources.get(t.server)!;
        await client.command({
          query: `CREATE TABLE ${quoteIdent(t.database)}.${quoteIdent(t.table)} AS mysql({address:String}, {database:String}, {table:String}, {user:String}, {password:String})`,
          query_params: { address: s.address, database: t.database, table: t.table, user: s.user, password: s.password },
        });
      }
      // A chdb connection is one session: USE sticks for the query below.
      await client.command({ query: `USE ${quoteIdent(request.defaultDatabase ?? 'default')}` });
      const maxRows = request.maxRows ?? 10_000;
      const settings = { ...(request.settings ?? {}), ...OUTPUT_SETTINGS, max_result_rows: maxRows + 1, result_overflow_mode: 'break' };
      const queryStarted = performance.now();
      let json: { meta: PreviewColumn[]; data: unknown[][] };
      try {
        const rs = await client.query({ query: stripTrailingSemicolon(request.query), format: 'JSONCompact', clickhouse_settings: settings as never });
        json = (await rs.json()) as unknown as { meta: PreviewColumn[]; data: unknown[][] };
      } catch (err) {
        throw new PreviewError(`ClickHouse rejected the query: ${scrub((err as Error).message, [...sources.values()].map((s) => s.password))}`);
      }
      const queryMs = Math.round(performance.now() - queryStarted);
      const truncated = json.data.length > maxRows;
      const rows = truncated ? json.data.slice(0, maxRows) : json.data;
      return {
        columns: json.meta.map((m) => ({ name: m.name, type: m.type })),
        rows,
        rowCount: rows.length,
        truncated,
        tables,
        settings: { ...(request.settings ?? {}), ...OUTPUT_SETTINGS },
        queryMs,
        elapsedMs: Math.round(performance.now() - started),
      };
    } finally {
      await client.command({ query: 'USE default' }).catch(() => undefined);
      for (const db of databases) await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdent(db)}` }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
    // The engine may hold the folder a moment after close; drainPending waits for that.
    const chdb = (await import('chdb')) as unknown as { drainPending?: () => Promise<void> };
    await chdb.drainPending?.().catch(() => undefined);
  }
}

function validateRequest(request: PreviewRequest): void {
  if (typeof request.query !== 'string' || !request.query.trim()) throw new PreviewError('the query is empty');
  if (!Array.isArray(request.sources) || request.sources.length === 0) throw new PreviewError('no MySQL source given');
  const names = new Set<string>();
  for (const s of request.sources) {
    if (!s.name || names.has(s.name)) throw new PreviewError(`source names must be unique and non-empty (got ${JSON.stringify(s.name)})`);
    names.add(s.name);
    parseSourceUrl(s);
  }
  for (const t of request.tables ?? []) {
    if (!IDENTIFIER.test(t.database) || !IDENTIFIER.test(t.table)) throw new PreviewError(`unsupported table name ${JSON.stringify(`${t.database}.${t.table}`)}`);
    if (t.server !== undefined && !names.has(t.server) && request.sources.length > 1) throw new PreviewError(`table ${t.database}.${t.table} is on server ${JSON.stringify(t.server)}, which no --mysql source names`);
  }
  if (request.defaultDatabase && !IDENTIFIER.test(request.defaultDatabase)) throw new PreviewError(`unsupported database name ${JSON.stringify(request.defaultDatabase)}`);
  if (request.maxRows !== undefined && !(Number.isInteger(request.maxRows) && request.maxRows > 0)) throw new PreviewError('maxRows must be a positive integer');
}

export function parseSourceUrl(source: PreviewSource): { address: string; user: string; password: string } {
  let url: URL;
  try {
    url = new URL(source.url);
  } catch {
    throw new PreviewError(`source ${source.name}: not a URL`);
  }
  if (url.protocol !== 'mysql:') throw new PreviewError(`source ${source.name}: the URL must start with mysql://`);
  if (!url.hostname) throw new PreviewError(`source ${source.name}: the URL has no host`);
  return { address: `${url.hostname}:${url.port || '3306'}`, user: decodeURIComponent(url.username || 'root'), password: decodeURIComponent(url.password) };
}

/**
 * The tables to expose, each with the source that holds it (checked on the source's
 * information_schema, so a missing table is reported by name); unqualified names the query only
 * defines (CTEs) are left out.
 */
async function resolveTables(request: PreviewRequest): Promise<Required<PreviewTable>[]> {
  const wanted = request.tables ?? tablesOfQuery(request.query, request.defaultDatabase ?? null);
  // One proxy per database.table: ClickHouse has one namespace, whatever server a name is on.
  const unique = [...new Map(wanted.map((t) => [`${t.database}.${t.table}`, t])).values()];
  if (unique.length === 0) throw new PreviewError('the query reads no source table');
  const holders = new Map<string, string[]>();
  for (const source of request.sources) {
    let conn: mysql.Connection | undefined;
    try {
      conn = await mysql.createConnection({ uri: source.url, connectTimeout: 10_000 });
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl FROM information_schema.TABLES WHERE (TABLE_SCHEMA, TABLE_NAME) IN (?)',
        [unique.map((t) => [t.database, t.table])],
      );
      for (const r of rows) {
        const key = `${String(r.db)}.${String(r.tbl)}`;
        holders.set(key, [...(holders.get(key) ?? []), source.name]);
      }
    } catch (err) {
      throw new PreviewError(`source ${source.name}: ${scrub((err as Error).message, [parseSourceUrl(source).password])}`);
    } finally {
      await conn?.end().catch(() => undefined);
    }
  }
  const out: Required<PreviewTable>[] = [];
  for (const t of unique) {
    const key = `${t.database}.${t.table}`;
    const on = holders.get(key) ?? [];
    if (on.length === 0) {
      if ((t as { maybeCte?: boolean }).maybeCte) continue;
      throw new PreviewError(`table ${key} not found on ${request.sources.map((s) => s.name).join(', ')}`);
    }
    let server: string;
    if (t.server && request.sources.some((s) => s.name === t.server)) {
      if (!on.includes(t.server)) throw new PreviewError(`table ${key} not found on ${t.server}`);
      server = t.server;
    } else if (on.length === 1) server = on[0]!;
    else throw new PreviewError(`table ${key} exists on several sources (${on.join(', ')}): name the server`);
    out.push({ server, database: t.database, table: t.table });
  }
  if (out.length === 0) throw new PreviewError('the query reads no source table');
  return out;
}

const parser = new NodeSqlParser.Parser();

/** `db.table` names a MySQL query reads; unqualified names get the default database (or are CTEs). */
export function tablesOfQuery(query: string, defaultDatabase: string | null): (PreviewTable & { maybeCte?: boolean })[] {
  let list: string[];
  try {
    list = parser.tableList(stripTrailingSemicolon(query), { database: 'MySQL' });
  } catch (err) {
    throw new PreviewError(`cannot parse the query to find its tables (give them explicitly): ${(err as Error).message.split('\n')[0]}`);
  }
  const out: (PreviewTable & { maybeCte?: boolean })[] = [];
  for (const entry of list) {
    const [, db, table] = entry.split('::') as [string, string, string];
    const qualified = db !== 'null';
    const database = qualified ? db : defaultDatabase;
    if (!database) {
      // Without a default database an unqualified name can only be a CTE or derived table.
      continue;
    }
    if (!IDENTIFIER.test(database) || !IDENTIFIER.test(table)) throw new PreviewError(`unsupported table name ${JSON.stringify(`${database}.${table}`)}`);
    out.push({ database, table, ...(qualified ? {} : { maybeCte: true }) });
  }
  return out;
}

function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name)) throw new PreviewError(`unsupported name ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

function stripTrailingSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}

/** Error texts may quote a table function's arguments: never let a password through. */
function scrub(message: string, secrets: string[]): string {
  let out = message;
  // Very short passwords are left alone: masking them would garble the message (ClickHouse
  // already prints mysql()'s password argument as [HIDDEN]).
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}

// The child process of PreviewWorker: `{id, request}` lines on stdin, `{id, ok, …}` lines on stdout.
if (process.argv[2] === WORKER_FLAG && process.argv[3] && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const engine = await PreviewEngine.open(process.argv[3]);
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    let id = 0;
    let reply: WorkerReply;
    try {
      const message = JSON.parse(line) as { id: number; request: PreviewRequest };
      id = message.id;
      reply = { id, ok: true, result: await engine.preview(message.request) };
    } catch (err) {
      reply = { id, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    // Written before the next request is read: process.exit below must not cut a reply short.
    await new Promise<void>((done) => process.stdout.write(`${JSON.stringify(reply)}\n`, () => done()));
  }
  await engine.close();
  process.exit(0);
}
