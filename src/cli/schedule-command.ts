import type { Command } from 'commander';
import { createMysqlPool, migrateMysql } from '../adapters/mysql/mysql.js';
import { ScheduledRunsStore, type ScheduledRunRow } from '../adapters/mysql/scheduled-runs-store.js';
import { createLogger } from '../core/logger.js';
import type { VectorStore } from '../ports/retrieval.js';
import { createScheduledJobs, createScheduler } from '../scheduler/index.js';
import type { RunReport } from '../scheduler/scheduler.js';
import { formatInterval, nextSlotStart, slotLiteral } from '../scheduler/slots.js';
import { createEmbedder, createVectorStore } from '../stages/diagnose/diagnosis-services.js';
import { Retriever } from '../stages/diagnose/retriever.js';
import { loadConfigOrExit } from './shared.js';

/** Exit code of `schedule run` when another run of the job holds a live claim. */
const EXIT_BUSY = 3;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** Seconds between two UTC DATETIME(3) strings. */
function took(run: ScheduledRunRow): string {
  if (!run.finished_at) return '-';
  const ms = Date.parse(`${run.finished_at.replace(' ', 'T')}Z`) - Date.parse(`${run.started_at.replace(' ', 'T')}Z`);
  return `${(ms / 1000).toFixed(1)}s`;
}

function describeReport(r: RunReport): string {
  const scope = r.scope ? ` (instance ${r.scope})` : '';
  if (r.outcome === 'skipped') {
    const c = r.current;
    return c ? `${r.job}${scope}: not run: ${c.status} by ${c.claimed_by} since ${c.started_at} UTC (lease until ${c.lease_expires_at})` : `${r.job}${scope}: not run`;
  }
  const head = `${r.job}${scope}: ${r.outcome} in ${((r.durationMs ?? 0) / 1000).toFixed(1)} s, ${r.rows ?? 0} row(s)`;
  return r.outcome === 'failed' ? `${head}: ${r.error}` : `${head}${r.detail ? `\n${JSON.stringify(r.detail, null, 2)}` : ''}`;
}

export function registerScheduleCommand(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Scheduled jobs (retention, reembed, retrain): run one now, or list the schedule and the recent runs.')
    .addHelpText(
      'after',
      `
\`run\` (with the scheduler worker, part of "all") runs each job once per slot across every
instance, claimed in MySQL scheduled_runs. Intervals: PD_SCHEDULE_RETENTION_MS (daily),
PD_SCHEDULE_REEMBED_MS (weekly), PD_SCHEDULE_RETRAIN_MS (off); 0 = only by hand.`,
    );

  schedule
    .command('list')
    .description('The jobs with their interval and next slot, and the recent runs of every instance (newest first).')
    .option('--job <name>', 'only this job\'s runs')
    .option('--limit <n>', 'runs shown', '20')
    .option('--json', 'the runs as NDJSON instead of a table')
    .action(async (options: { job?: string; limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new Error(`--limit must be an integer from 1 to 10000, not ${options.limit}`);
      const config = loadConfigOrExit();
      const log = createLogger('warn', 'pipeline-doctor', process.stderr);
      await migrateMysql(config.mysql.url, log);
      const pool = createMysqlPool(config.mysql.url, 1);
      try {
        const jobs = createScheduledJobs({ config, pool, vectors: () => Promise.reject(new Error('not used')), log });
        if (options.job && !jobs.some((j) => j.name === options.job)) throw new Error(`unknown job ${JSON.stringify(options.job)}; jobs: ${jobs.map((j) => j.name).join(', ')}`);
        const runs = await new ScheduledRunsStore(pool).recent({ limit, job: options.job });
        if (options.json) {
          for (const run of runs) process.stdout.write(`${JSON.stringify(run)}\n`);
          return;
        }
        const now = Date.now();
        process.stdout.write(`jobs (instance ${config.instanceId}; times UTC)\n`);
        process.stdout.write(
          `${table(
            ['job', 'every', 'scope', 'next slot', 'what'],
            jobs.map((j) => [j.name, formatInterval(j.intervalMs), j.scope, j.intervalMs ? slotLiteral(nextSlotStart(now, j.intervalMs)) : '-', j.description]),
          )}\n\n`,
        );
        if (runs.length === 0) {
          process.stdout.write('no runs yet\n');
          return;
        }
        process.stdout.write('recent runs\n');
        process.stdout.write(
          `${table(
            ['job', 'slot', 'trigger', 'status', 'attempts', 'started', 'took', 'rows', 'by', 'error'],
            runs.map((r) => [
              r.scope ? `${r.job}@${r.scope}` : r.job, r.slot, r.trigger_kind, r.status, String(r.attempts), r.started_at, took(r), r.rows_affected === null ? '-' : String(r.rows_affected), r.claimed_by,
              (r.error ?? '').replace(/\s+/g, ' ').slice(0, 80),
            ]),
          )}\n`,
        );
      } finally {
        await pool.end();
      }
    });

  schedule
    .command('run <job>')
    .description('Run one job now (retention, reembed, retrain), recorded in scheduled_runs as a manual run.')
    .addHelpText(
      'after',
      `
Exit codes: 0 succeeded, 1 failed, ${EXIT_BUSY} another run of the job is in progress (its holder and lease
are printed). Ctrl-C stops between batches; the batches done stay done.

Examples:
  pipeline-doctor schedule run retention
  PD_RETENTION_DAYS=30 pipeline-doctor schedule run retention
  pipeline-doctor schedule run reembed`,
    )
    .action(async (name: string) => {
      const config = loadConfigOrExit();
      const log = createLogger(config.logLevel, 'pipeline-doctor', process.stderr);
      await migrateMysql(config.mysql.url, log);
      const pool = createMysqlPool(config.mysql.url, 2);
      let store: VectorStore | undefined;
      // Built only if the job asks (reembed), as `kb load` builds them.
      const vectors = async () => {
        store = await createVectorStore(config);
        return { retriever: new Retriever(createEmbedder(config), store), store };
      };
      const scheduler = createScheduler({ config, pool, vectors, log });
      const interrupt = () => void scheduler.stop();
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      try {
        scheduler.job(name);
        const report = await scheduler.runNow(name);
        process.stdout.write(`${describeReport(report)}\n`);
        process.exitCode = report.outcome === 'succeeded' ? 0 : report.outcome === 'skipped' ? EXIT_BUSY : 1;
      } finally {
        process.removeListener('SIGINT', interrupt);
        process.removeListener('SIGTERM', interrupt);
        await store?.close();
        await pool.end();
      }
    });
}
