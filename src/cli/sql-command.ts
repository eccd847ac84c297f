import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { maskUrl, parseServerArg, readMysqlCatalog } from '../adapters/mysql/source-catalog.js';
import { Catalog, loadCatalogFile, type CatalogData } from '../stages/sqlgen/catalog.js';
import { compileSyncPlan } from '../stages/sqlgen/compile.js';
import { SqlGenError } from '../stages/sqlgen/errors.js';
import type { FlinkSourceKind } from '../stages/sqlgen/plan.js';

/**
 * The `sql` command group. Other subcommands (`preview`, `sync`, …) attach themselves with
 * `sqlCommand(program).command(…)`: the group is created once, whoever registers first.
 */
export function sqlCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'sql');
  if (existing) return existing;
  return program.command('sql').description('Query-driven sync jobs: turn an analytics query into Flink SQL, ClickHouse DDL and a report.');
}

/** Repeatable option collector. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function readQuery(file: string | undefined): string {
  try {
    return readFileSync(file && file !== '-' ? file : 0, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the query from ${file ?? 'stdin'}: ${(err as Error).message}`);
  }
}

/** Catalog from `--catalog` files and `--mysql name=url` servers (several of either). */
export async function loadCatalog(opts: { catalog?: string[]; mysql?: string[]; databases?: string }): Promise<Catalog> {
  const parts: CatalogData[] = [];
  for (const file of opts.catalog ?? []) parts.push(loadCatalogFile(file));
  const databases = opts.databases ? opts.databases.split(',').map((d) => d.trim()).filter(Boolean) : undefined;
  for (const arg of opts.mysql ?? []) {
    const { name, url } = parseServerArg(arg);
    parts.push(await readMysqlCatalog({ name, url, ...(databases ? { databases } : {}) }));
  }
  if (parts.length === 0) throw new Error('no catalog: give --mysql name=mysql://user:password@host:port (repeatable) or --catalog file.json');
  return Catalog.merge(parts);
}

function fail(err: unknown): never {
  // Compiler errors are the user's to fix: say what and exit 2; anything else is exit 1.
  if (err instanceof SqlGenError) {
    process.stderr.write(`error (${err.code}): ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

/** Registers `sql generate` and `sql catalog`; returns the `sql` group for further subcommands. */
export function registerSqlCommand(program: Command): Command {
  const sql = sqlCommand(program);
  sql
    .command('generate')
    .description('Compile a MySQL-dialect query into a Flink SQL sync job, ClickHouse DDL and a report (plan JSON).')
    .argument('[file]', 'file with the query (default: stdin)')
    .option('--mysql <name=url>', 'a source server to read information_schema from, e.g. local=mysql://pd:pd@127.0.0.1:3306 (repeatable)', collect, [])
    .option('--catalog <file>', 'a catalog JSON file (as written by `sql catalog`) instead of or besides --mysql (repeatable)', collect, [])
    .option('--databases <list>', 'with --mysql: only these databases (comma-separated; default: all non-system ones)')
    .option('--default-database <db>', 'database of unqualified table names')
    .addOption(new Option('--source <kind>', 'Flink source connector').choices(['mysql-cdc', 'kafka']).default('mysql-cdc'))
    .option('--cdc-topic-prefix <prefix>', 'Debezium topic prefix for --source kafka: <prefix>.<db>.<table>', 'cdc.local')
    .option('--out <dir>', 'write flink.sql, clickhouse.sql and report.json here (default: print the plan JSON)')
    .addHelpText(
      'after',
      `
Examples:
  pipeline-doctor sql generate q.sql --mysql local=mysql://pd:pd@127.0.0.1:3306 --default-database tpch --out out/q
  echo 'select c.full_name from shop.customers c' | pipeline-doctor sql generate --catalog test/golden/sql/catalog.json

Credentials never enter the output: the Flink script uses \${MYSQL_<SERVER>_USER}/\${MYSQL_<SERVER>_PASSWORD},
\${CLICKHOUSE_URL}/\${CLICKHOUSE_USER}/\${CLICKHOUSE_PASSWORD} and \${KAFKA_BROKERS} placeholders.
Exit codes: 0 done, 2 the query or catalog is wrong or not supported (the message says which), 1 other failures.`,
    )
    .action(async (file: string | undefined, opts: { mysql: string[]; catalog: string[]; databases?: string; defaultDatabase?: string; source: string; cdcTopicPrefix: string; out?: string }) => {
      const query = readQuery(file);
      try {
        const catalog = await loadCatalog(opts);
        const plan = compileSyncPlan(query, {
          catalog,
          defaultDatabase: opts.defaultDatabase ?? null,
          source: (opts.source === 'kafka' ? 'kafka-debezium-json' : 'mysql-cdc') satisfies FlinkSourceKind,
          cdcTopicPrefix: opts.cdcTopicPrefix,
        });
        const columns = plan.tables.reduce((n, t) => n + t.columns.length, 0);
        const failed = plan.checks.filter((c) => !c.ok).map((c) => c.name);
        const summary = `${plan.tables.length} tables, ${columns} columns (${plan.tables.map((t) => `${t.database}.${t.table}:${t.columns.length}`).join(' ')}), source ${plan.source}, ${plan.elapsedMs.toFixed(1)} ms${failed.length ? `, warnings: ${failed.join(', ')}` : ''}`;
        if (opts.out) {
          mkdirSync(opts.out, { recursive: true });
          writeFileSync(join(opts.out, 'flink.sql'), plan.flinkSql);
          writeFileSync(join(opts.out, 'clickhouse.sql'), plan.clickhouseSql);
          writeFileSync(join(opts.out, 'report.json'), `${JSON.stringify(plan, null, 2)}\n`);
          process.stdout.write(`sql generate: ${summary} → ${opts.out}/{flink.sql,clickhouse.sql,report.json}\n`);
        } else {
          process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
          process.stderr.write(`sql generate: ${summary}\n`);
        }
      } catch (err) {
        fail(err);
      }
    });

  sql
    .command('catalog')
    .description('Write the source catalog (tables, columns, primary keys) of MySQL servers as JSON, for --catalog.')
    .requiredOption('--mysql <name=url>', 'a server, e.g. local=mysql://pd:pd@127.0.0.1:3306 (repeatable)', collect, [])
    .option('--databases <list>', 'only these databases (comma-separated; default: all non-system ones)')
    .option('--out <file>', 'output file (default: stdout)')
    .action(async (opts: { mysql: string[]; databases?: string; out?: string }) => {
      try {
        const catalog = await loadCatalog(opts);
        const json = `${JSON.stringify(catalog.data, null, 2)}\n`;
        if (opts.out) {
          writeFileSync(opts.out, json);
          process.stderr.write(`sql catalog: ${catalog.data.tables.length} tables from ${opts.mysql.map((m) => maskUrl(m)).join(', ')} → ${opts.out}\n`);
        } else process.stdout.write(json);
      } catch (err) {
        fail(err);
      }
    });
  return sql;
}
