import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createClickHouse } from '../adapters/clickhouse/clickhouse.js';
import { createBroker } from '../adapters/kafka/create-broker.js';
import { createLogger } from '../core/logger.js';
import type { SyncPlan } from '../stages/sqlgen/plan.js';
import { syncExecutorFromConfig, type SyncProgress } from '../stages/sync/sync-executor.js';
import { formatCount, loadConfigOrExit } from './shared.js';

/** Reads a plan: report.json itself, or the folder `sql generate --out` wrote. */
export function readPlan(path: string): SyncPlan {
  const file = statSync(path, { throwIfNoEntry: false })?.isDirectory() ? join(path, 'report.json') : path;
  let plan: SyncPlan;
  try {
    plan = JSON.parse(readFileSync(file, 'utf8')) as SyncPlan;
  } catch (err) {
    throw new Error(`cannot read the plan ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(plan.tables) || typeof plan.clickhouseSql !== 'string') throw new Error(`${file} is not a plan written by \`sql generate\` (no tables / clickhouseSql)`);
  return plan;
}

/** A stable name per plan content: re-running the same plan resumes its consumer groups. */
export function defaultSyncName(plan: SyncPlan): string {
  const shape = plan.tables.map((t) => [t.server, t.database, t.table, t.columns.map((c) => c.name)]);
  return `plan-${createHash('sha1').update(JSON.stringify(shape)).digest('hex').slice(0, 10)}`;
}

function progressLine(progress: SyncProgress[]): string {
  const applied = progress.reduce((n, p) => n + p.applied, 0);
  const available = progress.reduce((n, p) => n + p.available, 0);
  return `sync: ${formatCount(applied)} of ${formatCount(available)} change records applied over ${progress.length} table(s)`;
}

/** `sql sync`: applies a generated plan by consuming the Debezium topics into ClickHouse. */
export function registerSqlSync(sql: Command): void {
  sql
    .command('sync')
    .description('Apply a generated plan without Flink: consume the Debezium topics of its tables and upsert the needed columns into ClickHouse.')
    .requiredOption('--plan <path>', 'report.json written by `sql generate`, or its output folder')
    .option('--name <name>', 'name of this sync (consumer groups <prefix>sync-<name>-…); default: derived from the plan, so a re-run resumes')
    .option('--until-caught-up', 'exit 0 once every table has applied what its topic held at start (default: run until SIGTERM)')
    .option('--timeout-ms <ms>', 'with --until-caught-up: give up (exit 1) after this long', '600000')
    .addHelpText(
      'after',
      `
ClickHouse: CLICKHOUSE_URL, or the embedded engine in PD_CHDB_PATH. The plan's clickhouse.sql is
applied first (CREATE … IF NOT EXISTS). Rows are versioned by Kafka offset in
ReplacingMergeTree(_version, _is_deleted) tables: query them with the plan's clickhouseSettings
(final = 1 …). Undecodable change events go to <prefix>sync.<db>.<table>.dlq with the reason.

Example:
  pipeline-doctor sql generate --catalog catalog.json --out out/ < query.sql
  pipeline-doctor sql sync --plan out/ --until-caught-up`,
    )
    .action(async (options: { plan: string; name?: string; untilCaughtUp?: boolean; timeoutMs: string }) => {
      const plan = readPlan(options.plan);
      const config = loadConfigOrExit();
      const logger = createLogger(config.logLevel);
      const broker = await createBroker(config.kafka, logger);
      const { client } = createClickHouse(config.clickhouse);
      let failure: unknown;
      const executor = syncExecutorFromConfig({
        plan,
        name: options.name ?? defaultSyncName(plan),
        broker,
        clickhouse: client,
        config,
        logger,
        onFatal: (err) => (failure ??= err),
      });
      const stop = async (code: number) => {
        await executor.stop();
        await client.close();
        process.exit(code);
      };
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(0));
      await executor.start();
      if (!options.untilCaughtUp) return;
      let last = 0;
      try {
        const done = await executor.waitCaughtUp(Number(options.timeoutMs), (progress) => {
          if (failure) throw failure;
          if (Date.now() - last > 5000) {
            last = Date.now();
            process.stderr.write(`${progressLine(progress)}\n`);
          }
        });
        process.stderr.write(`${progressLine(done)}: caught up\n`);
        await stop(0);
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        await stop(1);
      }
    });
}
