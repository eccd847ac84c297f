import { existsSync, readFileSync } from 'node:fs';
import { text as readAll } from 'node:stream/consumers';
import type { Command } from 'commander';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../adapters/clickhouse/clickhouse.js';
import type { Config } from '../core/config.js';
import { errorMessage } from '../core/errors.js';
import { loadConfigOrExit } from './shared.js';

/** A statement the query command will not run: a write, DDL, or an output it cannot allow. */
export class ReadOnlyQueryError extends Error {
  override readonly name = 'ReadOnlyQueryError';
}

/** Statement kinds that only read, by the first keyword of ClickHouse's canonical form. */
const READ_KINDS = ['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'EXPLAIN', 'EXISTS'] as const;

/** Engine-side guard: ClickHouse refuses writes, DDL, setting changes and table functions. */
export const READ_ONLY_SETTINGS = { readonly: '1' } as const;

export const OUTPUT_FORMATS = { table: 'PrettyCompactMonoBlock', csv: 'CSVWithNames', json: 'JSONEachRow' } as const;
export type OutputFormat = keyof typeof OUTPUT_FORMATS;

/**
 * Parses `sql` with ClickHouse's own parser (formatQuerySingleLine, the SQL bound as a query
 * parameter) and returns its canonical one-line form, which is what runs: one statement, no
 * comments. Throws ReadOnlyQueryError for anything but a read, and for text that is not one
 * statement of ClickHouse SQL.
 */
export async function parseReadOnlyQuery(client: ClickHouseClient, sql: string): Promise<string> {
  if (sql.trim() === '') throw new ReadOnlyQueryError('no SQL given');
  let canonical: string;
  try {
    const rs = await client.query({
      query: 'SELECT formatQuerySingleLine({sql:String}) AS q',
      query_params: { sql },
      format: 'JSONEachRow',
      clickhouse_settings: READ_ONLY_SETTINGS,
    });
    canonical = (await rs.json<{ q: string }>())[0]!.q;
  } catch (err) {
    const message = errorMessage(err).replace(/: In scope SELECT formatQuerySingleLine[\s\S]*$/, '');
    if (/SYNTAX_ERROR|Syntax error|Empty query|Multi-statements/i.test(message)) throw new ReadOnlyQueryError(`the SQL does not parse as one ClickHouse statement: ${message}`);
    throw err;
  }
  checkReadOnlyStatement(canonical);
  return canonical;
}

/**
 * The client-side check on a canonical statement (as formatQuerySingleLine prints it: keywords
 * upper case, literals quoted). Pure, so unit tests cover it without an engine.
 */
export function checkReadOnlyStatement(canonical: string): void {
  const bare = withoutQuoted(canonical);
  const kind = /^[A-Z]+/.exec(bare)?.[0] ?? '';
  if (!(READ_KINDS as readonly string[]).includes(kind)) {
    throw new ReadOnlyQueryError(`only reads are allowed (${READ_KINDS.join(', ')}); refused ${kind ? `this ${kind}` : 'this'} statement: ${canonical.slice(0, 200)}`);
  }
  // The one way a SELECT writes: to a file on the machine running the engine.
  if (/\bINTO OUTFILE\b/.test(bare)) throw new ReadOnlyQueryError('INTO OUTFILE writes a file: refused (redirect the output instead)');
  if (/\bFORMAT [A-Za-z]+$/.test(bare)) throw new ReadOnlyQueryError('a FORMAT clause is not allowed: choose the output with --format table|csv|json');
}

/** The statement with every quoted literal and identifier emptied, so keywords inside them do not count. */
function withoutQuoted(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"/g, (m) => `${m[0]}${m[0]}`);
}

/** Parses, checks and runs a read; returns the engine's output in the chosen format. */
export async function runReadOnlyQuery(client: ClickHouseClient, sql: string, format: OutputFormat): Promise<string> {
  const statement = await parseReadOnlyQuery(client, sql);
  try {
    return await execute(client, statement, format);
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? '');
    if (code === '164' || /readonly mode/i.test(errorMessage(err))) {
      throw new ReadOnlyQueryError(`refused by ClickHouse (readonly=1): ${errorMessage(err).replace(/^default: /, '').trim()} Table functions (file, url, mysql, s3, …) and per-query SETTINGS are not available here.`);
    }
    throw err;
  }
}

async function execute(client: ClickHouseClient, statement: string, format: OutputFormat): Promise<string> {
  if (format === 'table') {
    // The client's typed formats leave out the Pretty family: name it in the statement, which
    // the check above guarantees has no FORMAT clause of its own.
    const { stream } = await client.exec({ query: `${statement}\nFORMAT ${OUTPUT_FORMATS.table}`, clickhouse_settings: READ_ONLY_SETTINGS });
    return readAll(stream);
  }
  const rs = await client.query({ query: statement, format: OUTPUT_FORMATS[format], clickhouse_settings: READ_ONLY_SETTINGS });
  return rs.text();
}

/**
 * A client whose unqualified table names resolve in the pipeline's database: the server by
 * CLICKHOUSE_URL, or the embedded engine's data folder (which must exist and not be open in
 * another process: chdb locks its folder).
 */
export async function openAnalystClient(config: Config['clickhouse']): Promise<ClickHouseClient> {
  if (config.url) {
    return createClient({ url: config.url, username: config.username, password: config.password, database: config.database, request_timeout: 60_000 });
  }
  if (!existsSync(config.chdbPath)) {
    throw new Error(`no embedded ClickHouse data in ${config.chdbPath}: run the pipeline first (it creates the tables), or set PD_CHDB_PATH or CLICKHOUSE_URL`);
  }
  let client: ClickHouseClient;
  try {
    client = createClickHouse(config).client;
  } catch (err) {
    if (/Cannot lock file|Another server instance/i.test(errorMessage(err))) {
      throw new Error(`the embedded ClickHouse in ${config.chdbPath} is open in another process (a running pipeline?); stop it, or query a ClickHouse server with CLICKHOUSE_URL`);
    }
    throw err;
  }
  try {
    // chdb has no per-request database: the session's current one is set before it turns read-only.
    await client.command({ query: `USE ${config.database}` });
  } catch (err) {
    await client.close();
    throw new Error(`database ${config.database} is not in ${config.chdbPath}: run the pipeline once to create it (${errorMessage(err)})`);
  }
  return client;
}

async function readSql(sqlArg: string | undefined, file: string | undefined): Promise<string> {
  if (sqlArg !== undefined && file !== undefined) throw new Error('give the SQL as an argument or with --file, not both');
  if (sqlArg !== undefined) return sqlArg === '-' ? readAll(process.stdin) : sqlArg;
  if (file !== undefined) return readFileSync(file, 'utf8');
  if (process.stdin.isTTY) throw new Error('no SQL: give it as an argument, with --file, or on stdin (see --help)');
  return readAll(process.stdin);
}

export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description('Run read-only SQL on the analytics tables in ClickHouse (embedded engine, or the server at CLICKHOUSE_URL).')
    .argument('[sql]', 'the statement ("-" or none: read it from stdin)')
    .option('-f, --file <path>', 'read the statement from a file')
    .option('--format <format>', 'output: table, csv (with a header line) or json (one object per line)', 'table')
    .addHelpText(
      'after',
      `
Examples:
  pipeline-doctor query "SELECT error_type, sum(exceptions) AS n FROM diagnosis_hourly WHERE hour >= now() - INTERVAL 1 DAY GROUP BY error_type ORDER BY n DESC"
  pipeline-doctor query --format csv "SELECT * FROM diagnosis_top_fingerprints ORDER BY exceptions DESC LIMIT 20" > top.csv
  pipeline-doctor query --format json --file weekly.sql | jq .
  echo "SHOW TABLES" | pipeline-doctor query

Tables and views (docs/analytics.md has the analyst questions and their SQL): diagnosis_facts
(one row per diagnosis; read it as diagnosis_facts_final or with FINAL for one row per
exception), diagnosis_hourly, diagnosis_top_fingerprints, diagnosis_fingerprint_agg,
diagnosis_ttd_daily, job_log_events. Unqualified names resolve in CLICKHOUSE_DATABASE.

Only one statement that reads runs: SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS. It is parsed
by ClickHouse's own parser first; INSERT, ALTER, DROP, CREATE, SYSTEM, SET, … are refused, and
so are INTO OUTFILE and a FORMAT clause (use --format). The engine enforces it too: every query
runs with readonly=1, which also refuses table functions that reach files or other servers
(file, url, mysql, s3, …) and per-query SETTINGS.
The embedded engine locks its folder: while a pipeline process uses PD_CHDB_PATH, query a
ClickHouse server (CLICKHOUSE_URL) instead.
Exit codes: 0 done, 1 refused or failed (the reason on stderr), 2 invalid configuration.`,
    )
    .action(async (sqlArg: string | undefined, options: { file?: string; format: string }) => {
      if (!(options.format in OUTPUT_FORMATS)) throw new Error(`--format must be one of ${Object.keys(OUTPUT_FORMATS).join(', ')}, not ${JSON.stringify(options.format)}`);
      const sql = await readSql(sqlArg, options.file);
      const config = loadConfigOrExit();
      const client = await openAnalystClient(config.clickhouse);
      try {
        const output = await runReadOnlyQuery(client, sql, options.format as OutputFormat);
        if (output === '') process.stderr.write('(0 rows)\n');
        else process.stdout.write(output);
      } finally {
        await client.close();
      }
    });
}
