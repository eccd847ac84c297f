// The SQL compiler: a MySQL-dialect analytics query + the source catalog → a SyncPlan (pruned
// columns per table, Flink SQL sync job, ClickHouse DDL and settings, report). Deterministic: the
// same query and catalog give the same plan, apart from elapsedMs.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import sqlParser from 'node-sql-parser';
import type { Catalog, CatalogTable } from './catalog.js';
import { SqlGenInputError, UnsupportedQueryError } from './errors.js';
import type { FlinkSourceKind, PlanCheck, PlannedColumn, PlannedTable, SyncPlan } from './plan.js';
import { chIdent, envName, flinkIdent, flinkString, regexLiteral } from './quote.js';
import { Resolver, type QueryFeatures, type Reason, type TableUsage } from './resolve.js';
import { mapColumnType, type MappedType } from './types.js';

export interface CompileOptions {
  catalog: Catalog;
  /** Database of unqualified table names; null means every table must be qualified. */
  defaultDatabase?: string | null;
  /** Source connector of the Flink job. @default 'mysql-cdc' */
  source?: FlinkSourceKind;
  /** Debezium topic prefix: tables are read from `<prefix>.<db>.<table>`. @default 'cdc.local' */
  cdcTopicPrefix?: string;
  /** Optional ClickHouse sink tuning written into every sink table. */
  sink?: { batchSize?: number; flushInterval?: string; maxRetries?: number; ignoreDelete?: boolean };
}

/** Longest query accepted; analytics queries are far shorter, and the parser is not linear. */
export const MAX_QUERY_CHARS = 256 * 1024;

const REASON_ORDER: (Reason | 'primary key')[] = ['primary key', 'projection', 'join', 'filter', 'group by', 'having', 'order by', 'window', 'correlation', 'listed'];
const PARSER_VERSION = '5.x';
const { Parser } = sqlParser as unknown as { Parser: new () => { astify(sql: string, opt: { database: string }): unknown } };
const parser = new Parser();

/** The two reserved sink columns: the version a row was written at, and the deletion flag. */
const VERSION_COLUMN = '_version';
const DELETED_COLUMN = '_is_deleted';

export function compileSyncPlan(query: string, options: CompileOptions): SyncPlan {
  const started = performance.now();
  const ast = parseSelect(query);
  const { usages, features } = new Resolver(options.catalog, options.defaultDatabase ?? null).resolve(ast);
  const parsed: PlanCheck = { name: 'parse', ok: true, detail: `one SELECT statement, parsed by node-sql-parser ${PARSER_VERSION} (MySQL dialect)` };
  return buildPlan(query, usages, features, options, started, [parsed], 'resolved');
}

/**
 * A plan from column lists decided elsewhere (the LLM fallback, after validation against the
 * catalog) instead of the resolver. The query's features, which pick the ClickHouse settings,
 * then come from its text, erring on the side of a setting too many.
 */
export function compileFromColumns(query: string, tables: { table: CatalogTable; columns: string[] }[], options: CompileOptions): SyncPlan {
  const started = performance.now();
  const usages: TableUsage[] = tables.map(({ table, columns }) => ({ table, columns: new Map(columns.map((c) => [c.toLowerCase(), new Set<Reason>(['listed'])] as const)) }));
  return buildPlan(query, usages, featuresFromText(query), options, started, [], 'listed');
}

/** Query features from the text alone, for plans whose columns were not resolved from the AST. */
export function featuresFromText(query: string): QueryFeatures {
  // Strings and comments could hold any word: drop them first.
  const text = query.replace(/'(?:[^'\\]|\\.|'')*'/g, "''").replace(/--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
  return {
    outerJoin: /\b(left|right|full)\s+(outer\s+)?join\b/i.test(text),
    aggregates: /\b(sum|avg|min|max|group_concat|std|stddev|variance)\s*\(/i.test(text),
    bareUnion: /\bunion\b(?!\s+all\b)/i.test(text),
    bareIntersectExcept: /\b(intersect|except)\b(?!\s+all\b)/i.test(text),
    rollup: /\bwith\s+rollup\b/i.test(text),
    cast: /\b(cast|convert)\s*\(/i.test(text),
    correlated: /\(\s*select\b/i.test(text),
    shadowingAliases: [],
    shadowingAliasInOrderBy: [],
    nullableOrderBy: [],
    doubleQuotedStrings: (text.match(/"[^"]*"/g) ?? []).length,
    fractionalLiteralArithmetic: (text.match(/\b\d+\.\d+\s*[-+*/]\s*\d+(\.\d+)?\b|\b\d+(\.\d+)?\s*[-+*/]\s*\d+\.\d+\b/g) ?? []).length,
    pipesOperator: /\|\|/.test(text),
    caseMismatches: [],
    columnRefs: 0,
  };
}

function buildPlan(query: string, usages: TableUsage[], features: QueryFeatures, options: CompileOptions, started: number, checks: PlanCheck[], how: 'resolved' | 'listed'): SyncPlan {
  const source = options.source ?? 'mysql-cdc';
  const prefix = options.cdcTopicPrefix ?? 'cdc.local';
  const defaultDatabase = options.defaultDatabase ?? null;
  if (usages.length === 0) throw new SqlGenInputError('unknown_table', 'the query reads no table: there is nothing to sync');
  usages.sort((a, b) => cmp(a.table.database, b.table.database) || cmp(a.table.table, b.table.table) || cmp(a.table.server, b.table.server));
  checks.push({ name: 'tables resolved', ok: true, detail: usages.map((u) => `${u.table.database}.${u.table.table} (server ${u.table.server})`).join(', ') });

  const noKey = usages.filter((u) => u.table.primaryKey.length === 0).map((u) => `${u.table.database}.${u.table.table}`);
  if (noKey.length > 0) {
    throw new SqlGenInputError('no_primary_key', `${noKey.join(', ')} ha${noKey.length > 1 ? 've' : 's'} no primary key: updates and deletes cannot be synced by key`);
  }
  checks.push({ name: 'primary keys present', ok: true, detail: usages.map((u) => `${u.table.database}.${u.table.table} (${u.table.primaryKey.join(', ')})`).join('; ') });

  const caveats = new Set<string>();
  const tables = usages.map((u) => planTable(u, prefix, caveats));
  const used = usages.reduce((n, u) => n + u.columns.size, 0);
  const total = tables.reduce((n, t) => n + t.columns.length, 0);
  const catalogTotal = usages.reduce((n, u) => n + u.table.columns.length, 0);
  checks.push(
    how === 'resolved'
      ? { name: 'columns resolved', ok: true, detail: `${features.columnRefs} column references resolved to ${used} columns; ${total} of ${catalogTotal} columns synced with the primary keys` }
      : { name: 'columns listed', ok: true, detail: `${used} columns named by the fallback, all in the catalog; ${total} of ${catalogTotal} columns synced with the primary keys` },
  );
  checks.push({ name: 'types mapped', ok: true, detail: caveats.size > 0 ? `all mapped; note: ${[...caveats].sort().join('; ')}` : 'all mapped' });

  const { settings, why } = clickhouseSettings(features);
  checks.push({ name: 'clickhouse settings', ok: true, detail: why.join('; ') });
  checks.push(...compatibilityChecks(features, usages, defaultDatabase, query));
  for (const t of tables) {
    for (const reserved of [VERSION_COLUMN, DELETED_COLUMN]) {
      if (t.columns.some((c) => c.name === reserved)) throw new UnsupportedQueryError(`${t.database}.${t.table} has a column named ${reserved}, which the ClickHouse sink table reserves`);
    }
  }

  const flinkSql = flinkScript(tables, options, source, query);
  checks.push({ name: 'flink script', ok: true, detail: `${tables.length} source and ${tables.length} sink tables (${source}), ${tables.length} INSERT statements in one statement set; credentials are placeholders` });
  const clickhouseStatements = clickhouseDdl(tables);

  return {
    query,
    defaultDatabase,
    tables,
    flinkSql,
    clickhouseSql: `${clickhouseStatements.join(';\n\n')};\n`,
    clickhouseStatements,
    clickhouseSettings: settings,
    source,
    path: 'compiler',
    checks,
    elapsedMs: Math.round((performance.now() - started) * 1000) / 1000,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parses the text and returns the single SELECT's AST, or throws a clear error. */
export function parseSelect(query: string): unknown {
  if (query.trim() === '') throw new SqlGenInputError('empty_query', 'the query is empty');
  if (query.length > MAX_QUERY_CHARS) throw new SqlGenInputError('parse_error', `the query is ${query.length} characters long; at most ${MAX_QUERY_CHARS} are accepted`);
  let ast: unknown;
  let firstError: unknown;
  // MySQL's grammar in node-sql-parser is the fuller one (named windows, LOCK IN SHARE MODE);
  // MariaDB's is tried when it fails.
  for (const database of ['MySQL', 'MariaDB']) {
    try {
      ast = parser.astify(query, { database });
      break;
    } catch (err) {
      firstError ??= err;
    }
  }
  if (ast === undefined) {
    if (/\bnatural\s+(left\s+|right\s+)?(outer\s+)?join\b/i.test(query)) throw new UnsupportedQueryError('NATURAL JOIN is not supported by the SQL parser; write JOIN … USING (…)');
    const message = (firstError as Error)?.message ?? String(firstError);
    const loc = (firstError as { location?: { start?: { line?: number; column?: number } } })?.location?.start;
    throw new SqlGenInputError('parse_error', `the query does not parse as MySQL${loc ? ` (line ${loc.line}, column ${loc.column})` : ''}: ${message.slice(0, 300)}`, { cause: firstError });
  }
  const statements = (Array.isArray(ast) ? ast : [ast]).filter(Boolean) as { type?: string; into?: { position?: unknown } }[];
  if (statements.length === 0) throw new SqlGenInputError('empty_query', 'the query holds no statement');
  if (statements.length > 1) throw new SqlGenInputError('multiple_statements', `expected one SELECT statement, found ${statements.length} statements`);
  const stmt = statements[0]!;
  if (stmt.type !== 'select') throw new SqlGenInputError('not_select', `only SELECT queries can be compiled; this is a ${String(stmt.type ?? 'unknown').toUpperCase()} statement`);
  if (stmt.into && stmt.into.position) throw new SqlGenInputError('not_select', 'SELECT … INTO writes data: only plain SELECT queries can be compiled');
  return stmt;
}

function planTable(usage: TableUsage, prefix: string, caveats: Set<string>): PlannedTable {
  const t = usage.table;
  const pk = new Set(t.primaryKey.map((k) => k.toLowerCase()));
  const columns: PlannedColumn[] = [];
  for (const c of t.columns) {
    const lower = c.name.toLowerCase();
    const reasons = new Set<string>(usage.columns.get(lower) ?? []);
    if (pk.has(lower)) reasons.add('primary key');
    if (reasons.size === 0) continue;
    const mapped: MappedType = mapColumnType(c);
    // ENUM order only matters where the query sorts by the column.
    if (mapped.caveat && (c.dataType !== 'enum' || reasons.has('order by') || reasons.has('window'))) caveats.add(mapped.caveat);
    columns.push({
      name: c.name,
      mysqlType: c.columnType,
      flinkType: mapped.flink,
      clickhouseType: mapped.clickhouse,
      nullable: c.nullable,
      reasons: REASON_ORDER.filter((r) => reasons.has(r)),
      ...(mapped.kafka ? { flinkKafkaType: mapped.kafka.type } : {}),
    });
  }
  const primaryKey = t.primaryKey.map((k) => t.columns.find((c) => c.name.toLowerCase() === k.toLowerCase())?.name ?? k);
  return {
    server: t.server,
    database: t.database,
    table: t.table,
    columns,
    primaryKey,
    cdcTopic: `${prefix}.${t.database}.${t.table}`,
    clickhouse: { database: t.database, table: t.table },
  };
}

/** The ClickHouse settings that make the unchanged query behave as on MySQL, with reasons. */
export function clickhouseSettings(f: QueryFeatures): { settings: Record<string, string | number>; why: string[] } {
  const settings: Record<string, string | number> = { final: 1 };
  const why = ['final = 1: read ReplacingMergeTree tables merged, so replaced versions and deleted rows (_is_deleted = 1) are not seen'];
  if (f.outerJoin) {
    settings.join_use_nulls = 1;
    why.push('join_use_nulls = 1: outer joins fill missing rows with NULL, not default values');
  }
  if (f.aggregates) {
    settings.aggregate_functions_null_for_empty = 1;
    why.push('aggregate_functions_null_for_empty = 1: SUM/AVG/MIN/MAX over no rows give NULL, as in MySQL');
  }
  if (f.shadowingAliases.length > 0) {
    settings.prefer_column_name_to_alias = 1;
    why.push(`prefer_column_name_to_alias = 1: the alias${f.shadowingAliases.length > 1 ? 'es' : ''} ${[...new Set(f.shadowingAliases)].join(', ')} equal a column name, and MySQL's WHERE/GROUP BY/aggregates mean the column`);
  }
  if (f.bareUnion) {
    settings.union_default_mode = 'DISTINCT';
    why.push("union_default_mode = 'DISTINCT': a bare UNION removes duplicates in MySQL");
  }
  if (f.bareIntersectExcept) {
    settings.intersect_default_mode = 'DISTINCT';
    settings.except_default_mode = 'DISTINCT';
    why.push("intersect_default_mode / except_default_mode = 'DISTINCT': bare INTERSECT/EXCEPT are DISTINCT in MySQL");
  }
  if (f.rollup) {
    settings.group_by_use_nulls = 1;
    why.push('group_by_use_nulls = 1: WITH ROLLUP subtotal rows carry NULL keys, as in MySQL');
  }
  if (f.cast) {
    settings.cast_keep_nullable = 1;
    why.push('cast_keep_nullable = 1: CAST of a NULL stays NULL instead of failing');
  }
  if (f.correlated) {
    settings.allow_experimental_correlated_subqueries = 1;
    why.push('allow_experimental_correlated_subqueries = 1: the query has correlated subqueries (on by default from ClickHouse 25.x)');
  }
  return { settings, why };
}

function compatibilityChecks(f: QueryFeatures, usages: TableUsage[], defaultDatabase: string | null, query: string): PlanCheck[] {
  const checks: PlanCheck[] = [];
  const syntax: string[] = [];
  if (f.doubleQuotedStrings > 0) syntax.push(`${f.doubleQuotedStrings} double-quoted string(s): ClickHouse reads "…" as an identifier; use '…'`);
  if (f.fractionalLiteralArithmetic > 0) syntax.push(`${f.fractionalLiteralArithmetic} arithmetic operation(s) on decimal literals (e.g. 0.06 + 0.01): exact in MySQL, Float64 in ClickHouse (0.06999…), which changes comparisons; write the computed literal`);
  if (f.pipesOperator) syntax.push("|| means OR in MySQL but concatenation in ClickHouse; use OR or CONCAT()");
  checks.push({ name: 'clickhouse accepts the syntax', ok: syntax.length === 0, detail: syntax.length ? syntax.join('; ') : 'no MySQL-only operators or quoting found' });
  checks.push({
    name: 'identifier case',
    ok: f.caseMismatches.length === 0,
    detail: f.caseMismatches.length ? `written in another case than the catalog: ${f.caseMismatches.join(', ')}; ClickHouse column names are case-sensitive` : 'every column is written as the catalog names it',
  });
  if (f.nullableOrderBy.length > 0) {
    checks.push({ name: 'null ordering', ok: false, detail: `ORDER BY ${[...new Set(f.nullableOrderBy)].join(', ')} (ascending) may meet NULLs: MySQL sorts them first, ClickHouse last; add NULLS FIRST on ClickHouse or order by COALESCE(…)` });
  }
  // ClickHouse 26 decorrelates a correlated scalar count into a join whose unmatched rows give
  // NULL (no setting changes it); MySQL's count is 0 there.
  const bareCounts = f.correlated ? countBareCorrelatedCounts(query.replace(/'(?:[^'\\]|\\.|'')*'/g, "''")) : 0;
  if (bareCounts > 0) {
    checks.push({ name: 'correlated count', ok: false, detail: `${bareCounts} scalar subquery(ies) returning count(…): ClickHouse gives NULL where MySQL gives 0 for rows without matches; wrap them in coalesce((select count(*) …), 0)` });
  }
  if (f.shadowingAliasInOrderBy.length > 0) {
    checks.push({ name: 'order by alias', ok: false, detail: `ORDER BY ${[...new Set(f.shadowingAliasInOrderBy)].join(', ')} means the select alias in MySQL but the column under prefer_column_name_to_alias; rename the alias` });
  }
  const ci: string[] = [];
  for (const u of usages) {
    for (const c of u.table.columns) {
      const reasons = u.columns.get(c.name.toLowerCase());
      if (!reasons || !c.collation || !/_ci$/i.test(c.collation)) continue;
      if ([...reasons].some((r) => r !== 'projection')) ci.push(`${u.table.database}.${u.table.table}.${c.name} (${c.collation})`);
    }
  }
  checks.push({
    name: 'string comparison',
    ok: ci.length === 0,
    detail: ci.length ? `compared, grouped or sorted with a case-insensitive collation in MySQL, byte by byte in ClickHouse: ${ci.join(', ')}` : 'no case-insensitive collation in a comparison, grouping or ordering',
  });
  if (defaultDatabase !== null) {
    checks.push({ name: 'default database', ok: true, detail: `unqualified tables are ${defaultDatabase}.*: run the query on ClickHouse with ${defaultDatabase} as the current database` });
  }
  return checks;
}

function placeholder(name: string): string {
  return `\${${name}}`;
}

function flinkColumns(t: PlannedTable, kafkaSource: boolean): string[] {
  const lines = t.columns.map((c) => `  ${flinkIdent(c.name)} ${kafkaSource && c.flinkKafkaType ? c.flinkKafkaType : c.flinkType}${c.nullable ? '' : ' NOT NULL'}`);
  lines.push(`  PRIMARY KEY (${t.primaryKey.map(flinkIdent).join(', ')}) NOT ENFORCED`);
  return lines;
}

function withOptions(options: [string, string][]): string {
  return `WITH (\n${options.map(([k, v]) => `  ${flinkString(k)} = ${flinkString(v)}`).join(',\n')}\n)`;
}

/** Flink identifiers that cannot collide: `src_<db>__<table>`, numbered when two would match. */
function flinkNames(tables: PlannedTable[]): { src: string; sink: string }[] {
  const seen = new Set<string>();
  return tables.map((t) => {
    let base = `${t.database}__${t.table}`;
    for (let i = 2; seen.has(base.toLowerCase()); i++) base = `${t.database}__${t.table}_${i}`;
    seen.add(base.toLowerCase());
    return { src: `src_${base}`, sink: `ck_${base}` };
  });
}

function flinkScript(tables: PlannedTable[], options: CompileOptions, source: FlinkSourceKind, query: string): string {
  const kafka = source === 'kafka-debezium-json';
  const names = flinkNames(tables);
  const servers = new Map<string, string>();
  for (const t of tables) {
    const env = envName(t.server);
    const other = servers.get(env);
    if (other !== undefined && other !== t.server) throw new UnsupportedQueryError(`servers ${other} and ${t.server} map to the same variable names MYSQL_${env}_*`);
    servers.set(env, t.server);
  }
  const groupId = `pd-sql-sync-${createHash('sha256').update(query).digest('hex').slice(0, 12)}`;
  const out: string[] = [
    '-- Generated by pipeline-doctor `sql generate` (path: compiler). Sync only: each source table keeps',
    '-- the columns the query needs plus its primary key; each sink is the ClickHouse table of the same',
    '-- database.table (ReplacingMergeTree on _version, _is_deleted, which the sink connector fills).',
    '-- ${…} are placeholders for secrets and endpoints: substitute them when deploying.',
  ];
  const converts = kafka && tables.some((t) => t.columns.some((c) => c.flinkKafkaType));
  if (converts) {
    out.push('-- Debezium JSON (time.precision.mode=connect, decimal.handling.mode=string) sends DATE as days and');
    out.push('-- DATETIME as epoch milliseconds; the INSERTs convert them in UTC.');
    out.push("SET 'table.local-time-zone' = 'UTC';", '');
  } else {
    out.push('');
  }
  tables.forEach((t, i) => {
    const n = names[i]!;
    const env = envName(t.server);
    const server = options.catalog.server(t.server);
    const sourceOptions: [string, string][] = kafka
      ? [
          ['connector', 'kafka'],
          ['topic', t.cdcTopic],
          ['properties.bootstrap.servers', placeholder('KAFKA_BROKERS')],
          ['properties.group.id', groupId],
          ['scan.startup.mode', 'earliest-offset'],
          ['format', 'debezium-json'],
          ['debezium-json.schema-include', 'false'],
          ['debezium-json.timestamp-format.standard', 'ISO-8601'],
        ]
      : [
          ['connector', 'mysql-cdc'],
          ['hostname', server?.host ?? placeholder(`MYSQL_${env}_HOST`)],
          ['port', server?.port !== undefined ? String(server.port) : placeholder(`MYSQL_${env}_PORT`)],
          ['username', placeholder(`MYSQL_${env}_USER`)],
          ['password', placeholder(`MYSQL_${env}_PASSWORD`)],
          ['database-name', regexLiteral(t.database)],
          ['table-name', regexLiteral(t.table)],
          ['server-time-zone', 'UTC'],
        ];
    out.push(`-- ${t.database}.${t.table} on server ${t.server}: ${t.columns.length} column(s)`);
    out.push(`CREATE TABLE ${flinkIdent(n.src)} (\n${flinkColumns(t, kafka).join(',\n')}\n) ${withOptions(sourceOptions)};`, '');
    const sinkOptions: [string, string][] = [
      ['connector', 'clickhouse'],
      ['url', placeholder('CLICKHOUSE_URL')],
      ['database-name', t.clickhouse.database],
      ['table-name', t.clickhouse.table],
      ['username', placeholder('CLICKHOUSE_USER')],
      ['password', placeholder('CLICKHOUSE_PASSWORD')],
    ];
    const sink = options.sink;
    if (sink?.batchSize !== undefined) sinkOptions.push(['sink.batch-size', String(sink.batchSize)]);
    if (sink?.flushInterval !== undefined) sinkOptions.push(['sink.flush-interval', sink.flushInterval]);
    if (sink?.maxRetries !== undefined) sinkOptions.push(['sink.max-retries', String(sink.maxRetries)]);
    if (sink?.ignoreDelete !== undefined) sinkOptions.push(['sink.ignore-delete', String(sink.ignoreDelete)]);
    out.push(`CREATE TABLE ${flinkIdent(n.sink)} (\n${flinkColumns(t, false).join(',\n')}\n) ${withOptions(sinkOptions)};`, '');
  });
  out.push('EXECUTE STATEMENT SET', 'BEGIN');
  tables.forEach((t, i) => {
    const n = names[i]!;
    const select = t.columns.map((c) => {
      const mapped = kafka && c.flinkKafkaType ? mapColumnType({ name: c.name, columnType: c.mysqlType, dataType: '', nullable: c.nullable }).kafka : undefined;
      return mapped ? `${mapped.convert.replace('{}', flinkIdent(c.name))} AS ${flinkIdent(c.name)}` : flinkIdent(c.name);
    });
    out.push(`INSERT INTO ${flinkIdent(n.sink)}\nSELECT ${select.join(', ')}\nFROM ${flinkIdent(n.src)};`);
  });
  out.push('END;', '');
  return out.join('\n');
}

function clickhouseDdl(tables: PlannedTable[]): string[] {
  const statements: string[] = [];
  for (const db of [...new Set(tables.map((t) => t.clickhouse.database))]) statements.push(`CREATE DATABASE IF NOT EXISTS ${chIdent(db)}`);
  for (const t of tables) {
    const cols = t.columns.map((c) => `  ${chIdent(c.name)} ${c.clickhouseType}`);
    // MATERIALIZED keeps them out of `SELECT *`, so the unchanged query sees the source's columns
    // only. Writers that set them (the sync executor: the Kafka offset and the delete flag) insert
    // with insert_allow_materialized_columns = 1; a writer that does not gets insert time and "live".
    cols.push(`  ${chIdent(VERSION_COLUMN)} UInt64 MATERIALIZED toUnixTimestamp64Nano(now64(9))`, `  ${chIdent(DELETED_COLUMN)} UInt8 MATERIALIZED 0`);
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${chIdent(t.clickhouse.database)}.${chIdent(t.clickhouse.table)} (\n${cols.join(',\n')}\n)\n` +
        `ENGINE = ReplacingMergeTree(${chIdent(VERSION_COLUMN)}, ${chIdent(DELETED_COLUMN)})\nORDER BY (${t.primaryKey.map(chIdent).join(', ')})`,
    );
  }
  return statements;
}

/** `(select count(…) …)` not directly inside coalesce( / ifnull(: a scalar count subquery left bare. */
function countBareCorrelatedCounts(text: string): number {
  let bare = 0;
  for (const m of text.matchAll(/\(\s*select\s+count\s*\(/gi)) {
    const before = text.slice(0, m.index).trimEnd();
    if (!/\b(coalesce|ifnull)\s*\($/i.test(before)) bare++;
  }
  return bare;
}
