import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { redactUrl } from '../core/logger.js';
import { DEFAULT_SCHEMA_DIR, applyMutationBatch, checkTpchQueries, loadSourceData } from '../sample/source-data.js';
import { DEFAULT_SEED, DEFAULT_TPCH_SCALE } from '../sample/tpch-data.js';
import type { SyncPlan } from '../stages/sqlgen/plan.js';
import { PREVIEW_CAVEATS, PreviewError, planPreviewRequest, previewRequestFromPlan, runPreviewInProcess, type PreviewRequest, type PreviewResult, type PreviewSource } from '../stages/sqlgen/preview.js';
import { formatCount, loadConfigOrExit } from './shared.js';

/** `sql seed`, `sql mutate` and `sql preview`, added to the `sql` command group. */
export function registerSqlExtraCommands(sql: Command): void {
  registerSqlSeed(sql);
  registerSqlMutate(sql);
  registerSqlPreview(sql);
}

const collect = (value: string, previous: string[]) => [...previous, value];

function positiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

function integer(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

export function registerSqlSeed(sql: Command): void {
  sql.command('seed')
    .description('Create the source databases of the golden schema (TPC-H in tpch; the operational shop and crm) on MySQL/MariaDB and load deterministic sample data.')
    .option('--mysql <url>', 'server to load (default: MYSQL_URL); the user needs CREATE, DROP, DELETE and INSERT on those databases')
    .option('--schema <dir>', 'folder of the DDL files', DEFAULT_SCHEMA_DIR)
    .option('--scale <sf>', 'TPC-H scale factor (the operational tables scale with it)', String(DEFAULT_TPCH_SCALE))
    .option('--seed <n>', 'PRNG seed', String(DEFAULT_SEED))
    .option('--recreate', 'DROP and re-create the databases (picks up changed DDL; CDC consumers see no deletes for the old rows) instead of deleting and re-inserting the rows')
    .option('--check', 'afterwards run the 22 TPC-H queries on the source and fail if one returns no rows')
    .addHelpText('after', `
Same options, same rows: the data is generated from the seed. The default scale (0.002) loads about
3,000 orders and 12,000 line items, plus some 4,000 operational rows, in a few seconds. Without
--recreate, every old row is DELETEd before the insert, so Debezium topics replayed from the start
end in the current state.`)
    .action(async (options: { mysql?: string; schema: string; scale: string; seed: string; recreate?: boolean; check?: boolean }) => {
      const url = options.mysql ?? loadConfigOrExit().mysql.url;
      const report = await loadSourceData({
        mysqlUrl: url,
        schemaDir: options.schema,
        scale: positiveNumber('--scale', options.scale),
        seed: integer('--seed', options.seed),
        reset: options.recreate ? 'recreate' : 'reload',
      });
      const total = report.tables.reduce((n, t) => n + t.rows, 0);
      process.stdout.write(`loaded ${formatCount(total)} rows into ${report.databases.join(', ')} on ${redactUrl(url)} in ${(report.elapsedMs / 1000).toFixed(1)} s (${report.reset})\n`);
      for (const t of report.tables) process.stdout.write(`  ${`${t.database}.${t.table}`.padEnd(26)} ${formatCount(t.rows).padStart(8)}${t.skippedColumns.length ? `  (not in the table: ${t.skippedColumns.join(', ')})` : ''}\n`);
      for (const t of report.emptyTables) process.stdout.write(`  ${t.padEnd(26)}        0  (no generator for this table)\n`);
      if (options.check) {
        const results = await checkTpchQueries(url);
        const empty = results.filter((r) => r.rows === 0);
        process.stdout.write(`TPC-H queries on the source: ${results.map((r) => `${r.name} ${r.rows}`).join(', ')}\n`);
        if (empty.length > 0) {
          process.stderr.write(`no rows from ${empty.map((r) => r.name).join(', ')}\n`);
          process.exitCode = 1;
        }
      }
    });
}

export function registerSqlMutate(sql: Command): void {
  sql.command('mutate')
    .description('Apply a deterministic batch of UPDATEs (incl. primary-key changes and NULLs), DELETEs and INSERTs to the seeded source tables, in one transaction; prints what changed.')
    .option('--mysql <url>', 'server (default: MYSQL_URL)')
    .option('--scale <sf>', 'scale the data was seeded with (new orders are drawn like those)', String(DEFAULT_TPCH_SCALE))
    .option('--seed <n>', 'seed the data was seeded with', String(DEFAULT_SEED))
    .option('--json', 'print the full report (keys inserted, deleted, changed, set to NULL) as JSON')
    .action(async (options: { mysql?: string; scale: string; seed: string; json?: boolean }) => {
      const url = options.mysql ?? loadConfigOrExit().mysql.url;
      const report = await applyMutationBatch({ mysqlUrl: url, scale: positiveNumber('--scale', options.scale), seed: integer('--seed', options.seed) });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${report.statements.length} statements in ${report.elapsedMs} ms on ${redactUrl(url)}\n`);
      for (const s of report.statements) process.stdout.write(`  ${s.table.padEnd(22)} ${s.kind.padEnd(10)} ${String(s.affectedRows).padStart(4)}  ${s.what}\n`);
    });
}

/** `[name=]mysql://…` → a named source; unnamed ones are called `local`, `local2`, … */
export function parseSourceOption(values: string[]): PreviewSource[] {
  return values.map((value, i) => {
    const m = /^([A-Za-z][A-Za-z0-9_-]*)=(mysql:\/\/.*)$/.exec(value);
    if (m) return { name: m[1]!, url: m[2]! };
    if (!value.startsWith('mysql://')) throw new Error(`--mysql takes [name=]mysql://user:password@host:port, got ${JSON.stringify(redactUrl(value))}`);
    return { name: i === 0 ? 'local' : `local${i + 1}`, url: value };
  });
}

/** `key=value` ClickHouse settings; numbers stay numbers. */
export function parseSettings(values: string[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const value of values) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(value);
    if (!m) throw new Error(`--setting takes name=value, got ${JSON.stringify(value)}`);
    out[m[1]!] = /^-?\d+(\.\d+)?$/.test(m[2]!) ? Number(m[2]) : m[2]!;
  }
  return out;
}

function readQuery(file: string | undefined): string {
  if (file && file !== '-') return readFileSync(file, 'utf8');
  if (process.stdin.isTTY) throw new Error('give a query file, --plan, or pipe the query on stdin');
  return readFileSync(0, 'utf8');
}

export function registerSqlPreview(sql: Command): void {
  sql.command('preview')
    .argument('[file]', 'file with the query (MySQL dialect); - or nothing: stdin')
    .description('Pull preview: the query\'s result now, over the live MySQL sources, with no ETL and no generated code executed (embedded ClickHouse reading each source table through mysql()).')
    .option('--plan <report.json>', 'a plan from `sql generate`: its query, tables, default database and ClickHouse settings (default: the query is planned here, against the sources\' catalog)')
    .option('--mysql <[name=]url>', 'a source server (repeatable; the name matches the plan\'s server); default: MYSQL_URL', collect, [] as string[])
    .option('--database <db>', 'default database for unqualified table names')
    .option('--tables <list>', 'comma-separated db.table the query reads (default: parsed from the query)')
    .option('--setting <name=value>', 'ClickHouse setting for the query (repeatable; adds to the plan\'s)', collect, [] as string[])
    .option('--format <format>', 'table, json or csv', 'table')
    .option('--max-rows <n>', 'most rows to return', '1000')
    .addHelpText('after', `
The result is ClickHouse's answer over the live source rows, i.e. what the synced tables will
answer; known differences from MySQL's own answer:
${PREVIEW_CAVEATS.map((c) => `  - ${c}`).join('\n')}
Credentials come from the URLs (prefer MYSQL_URL in the environment over the command line); they
are passed to the engine as query parameters, in a private temporary folder that is removed.`)
    .action(async (file: string | undefined, options: { plan?: string; mysql: string[]; database?: string; tables?: string; setting: string[]; format: string; maxRows: string }) => {
      if (!['table', 'json', 'csv'].includes(options.format)) throw new Error(`--format must be table, json or csv, got ${JSON.stringify(options.format)}`);
      const sources = parseSourceOption(options.mysql.length > 0 ? options.mysql : [loadConfigOrExit().mysql.url]);
      const maxRows = integer('--max-rows', options.maxRows);
      let request: PreviewRequest;
      if (options.plan) {
        let plan: SyncPlan;
        try {
          plan = JSON.parse(readFileSync(options.plan, 'utf8')) as SyncPlan;
        } catch (err) {
          throw new Error(`cannot read the plan ${options.plan}: ${(err as Error).message}`);
        }
        if (typeof plan.query !== 'string' || !Array.isArray(plan.tables)) throw new Error(`${options.plan} is not a plan (report.json of \`sql generate\`)`);
        request = previewRequestFromPlan(plan, sources, { maxRows });
      } else {
        try {
          const planned = await planPreviewRequest(readQuery(file), sources, { maxRows, defaultDatabase: options.database ?? null });
          if (planned.note) process.stderr.write(`${planned.note}\n`);
          request = planned.request;
        } catch (err) {
          if (err instanceof PreviewError) throw new Error(`preview: ${err.message}`);
          throw err;
        }
      }
      if (options.database) request.defaultDatabase = options.database;
      if (options.tables) {
        request.tables = options.tables.split(',').map((t) => t.trim()).filter(Boolean).map((t) => {
          const [database, table, extra] = t.split('.');
          if (!database || !table || extra !== undefined) throw new Error(`--tables takes db.table names, got ${JSON.stringify(t)}`);
          return { database, table };
        });
      }
      request.settings = { ...(request.settings ?? {}), ...parseSettings(options.setting) };
      let result: PreviewResult;
      try {
        // Its own process: the engine can take this process's single chdb slot.
        result = await runPreviewInProcess(request);
      } catch (err) {
        if (err instanceof PreviewError) throw new Error(`preview: ${err.message}`);
        throw err;
      }
      process.stdout.write(formatPreview(result, options.format as 'table' | 'json' | 'csv'));
      process.stderr.write(`${formatCount(result.rowCount)} row${result.rowCount === 1 ? '' : 's'}${result.truncated ? ` (cut at ${formatCount(maxRows)})` : ''} in ${result.elapsedMs} ms (query ${result.queryMs} ms) from ${result.tables.map((t) => `${t.server}:${t.database}.${t.table}`).join(', ')}\n`);
    });
}

export function formatPreview(result: PreviewResult, format: 'table' | 'json' | 'csv'): string {
  const names = result.columns.map((c) => c.name);
  if (format === 'json') {
    return `${JSON.stringify({ columns: result.columns, rows: result.rows, rowCount: result.rowCount, truncated: result.truncated, elapsedMs: result.elapsedMs, queryMs: result.queryMs })}\n`;
  }
  const text = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  if (format === 'csv') {
    // RFC 4180: quote fields with a comma, quote or line break; double the quotes. NULL is an empty field.
    const field = (v: unknown) => {
      const s = text(v);
      return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    };
    return [names, ...result.rows].map((row) => `${row.map(field).join(',')}\r\n`).join('');
  }
  const cells = result.rows.map((row) => row.map((v) => (v === null || v === undefined ? 'NULL' : text(v))));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = result.columns.map((c) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(c.type));
  const line = (row: string[]) => row.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(names), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].map((l) => `${l}\n`).join('');
}
