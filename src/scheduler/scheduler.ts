import type { RunKey, RunTrigger, ScheduledRunRow, ScheduledRunsStore } from '../adapters/mysql/scheduled-runs-store.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { PipelineMetrics } from '../core/metrics.js';
import { slotLiteral, slotStart } from './slots.js';

/** What a job may do while it runs. */
export interface JobContext {
  log: Logger;
  /**
   * Throws {@link RunInterrupted} when the instance is stopping or the run's claim was lost (its
   * lease expired and another instance took the run over). Jobs call it between units of work
   * (batches), and before an effect that must not happen twice (writing a model file).
   */
  checkpoint(): void;
}

export interface JobResult {
  /** Rows (or items) the run changed: archived + deleted rows, vectors written, texts trained on. */
  rows: number;
  detail?: Record<string, unknown>;
}

export interface ScheduledJob {
  readonly name: string;
  /** Slot length; 0 = not scheduled (only `schedule run <job>`). */
  readonly intervalMs: number;
  /**
   * `deployment`: one run per slot for all instances (shared state: MySQL, Milvus).
   * `instance`: one run per slot per PD_INSTANCE_ID (per-host state: the classifier model
   * file, the embedded vector store), still once when several processes share the id.
   */
  readonly scope: 'deployment' | 'instance';
  readonly description: string;
  run(ctx: JobContext): Promise<JobResult>;
}

export class RunInterrupted extends Error {
  override readonly name = 'RunInterrupted';
}

export interface RunReport extends RunKey {
  trigger: RunTrigger;
  /** skipped: another instance holds or held this run, or its attempts are used up. */
  outcome: 'succeeded' | 'failed' | 'skipped';
  attempt?: number;
  rows?: number;
  detail?: Record<string, unknown>;
  error?: string;
  durationMs?: number;
  /** For a skipped run: its row as another instance left it (null when there is none). */
  current?: ScheduledRunRow | null;
}

/** The claims the scheduler needs (MySQL scheduled_runs in production). */
export type RunsStore = Pick<ScheduledRunsStore, 'claim' | 'renew' | 'finish' | 'liveRun'>;

export interface SchedulerOptions {
  store: RunsStore;
  jobs: ScheduledJob[];
  /** PD_INSTANCE_ID: the scope of per-instance jobs. */
  instanceId: string;
  /** Who holds a claim, for `schedule list` and the logs (instance id and pid). */
  owner: string;
  pollMs: number;
  leaseMs: number;
  maxAttempts: number;
  log: Logger;
  metrics?: Pick<PipelineMetrics, 'scheduledRuns' | 'scheduledRunSeconds' | 'scheduledLastSuccess'>;
  now?: () => number;
}

/**
 * Runs each job once per slot across every instance that runs a scheduler: each poll, for each
 * scheduled job, it tries to claim the current slot in `scheduled_runs` and runs the job when
 * it got it. While a run works its lease is renewed; an instance that dies stops renewing, and
 * another takes the run over after the lease. A failed run is retried after the lease time,
 * up to `maxAttempts` per slot. Jobs run one after another: they are maintenance, not latency.
 */
export class Scheduler {
  private running = false;
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** Per job, a slot known to be finished for good: no more claims on it. */
  private readonly settled = new Map<string, string>();
  private readonly now: () => number;

  constructor(private readonly o: SchedulerOptions) {
    this.now = o.now ?? Date.now;
    for (const job of o.jobs) if (!/^[a-z][a-z0-9-]{0,63}$/.test(job.name)) throw new Error(`job name ${JSON.stringify(job.name)}: lower-case letters, digits and "-"`);
  }

  get jobs(): readonly ScheduledJob[] {
    return this.o.jobs;
  }

  job(name: string): ScheduledJob {
    const job = this.o.jobs.find((j) => j.name === name);
    if (!job) throw new Error(`unknown job ${JSON.stringify(name)}; jobs: ${this.o.jobs.map((j) => j.name).join(', ')}`);
    return job;
  }

  scopeOf(job: ScheduledJob): string {
    return job.scope === 'instance' ? this.o.instanceId : '';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling; a run in progress stops at its next checkpoint and is handed back at once. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  /** Claims and runs every scheduled job whose current slot is due; one report per claim tried. */
  async tick(): Promise<RunReport[]> {
    const reports: RunReport[] = [];
    for (const job of this.o.jobs) {
      if (job.intervalMs === 0) continue;
      if (this.stopping) break;
      const slot = slotLiteral(slotStart(this.now(), job.intervalMs));
      if (this.settled.get(job.name) === slot) continue;
      const report = await this.execute(job, slot, 'schedule');
      const current = report.current;
      if (report.outcome === 'succeeded' || current?.status === 'succeeded' || (current?.status === 'failed' && current.attempts >= this.o.maxAttempts) || (report.outcome === 'failed' && report.attempt! >= this.o.maxAttempts)) {
        this.settled.set(job.name, slot);
      }
      reports.push(report);
    }
    return reports;
  }

  /**
   * Runs a job now (`schedule run <job>`), as a manual run in its own slot (the current time).
   * Skipped when a run of the job in the same scope is running under a live lease.
   */
  async runNow(name: string): Promise<RunReport> {
    const job = this.job(name);
    const scope = this.scopeOf(job);
    const live = await this.o.store.liveRun(job.name, scope);
    if (live) return { job: job.name, scope, slot: live.slot, trigger: 'manual', outcome: 'skipped', current: live };
    return this.execute(job, slotLiteral(this.now()), 'manual');
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.tick();
      } catch (err) {
        // MySQL unavailable while claiming or recording: the next poll tries again.
        this.o.log.warn({ err: errorMessage(err) }, 'scheduler poll failed; retrying');
      }
      if (this.running) await this.sleep(this.o.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async execute(job: ScheduledJob, slot: string, trigger: RunTrigger): Promise<RunReport> {
    const key: RunKey = { job: job.name, scope: this.scopeOf(job), slot };
    const result = await this.o.store.claim(key, { trigger, owner: this.o.owner, leaseMs: this.o.leaseMs, maxAttempts: this.o.maxAttempts });
    if (!result.claimed) return { ...key, trigger, outcome: 'skipped', current: result.current };
    const claim = result.claimed;
    const log = this.o.log.child({ job: job.name, slot, scope: key.scope || undefined, trigger, attempt: claim.attempt });
    log.info({ taken_over_from: claim.takenOverFrom }, 'scheduled run started');
    const started = performance.now();

    let lost = false;
    const renewEvery = Math.max(100, Math.floor(this.o.leaseMs / 3));
    const heartbeat = setInterval(() => {
      this.o.store.renew(claim, this.o.leaseMs).then(
        (held) => {
          if (!held && !lost) {
            lost = true;
            log.warn('scheduled run lost its claim (lease expired, another instance took it over); stopping at the next checkpoint');
          }
        },
        // A failed renewal is retried on the next beat; the lease has two more beats of slack.
        (err: unknown) => log.warn({ err: errorMessage(err) }, 'renewing the scheduled run lease failed'),
      );
    }, renewEvery);
    const checkpoint = () => {
      if (lost) throw new RunInterrupted('the run\'s claim was lost to another instance');
      if (this.stopping) throw new RunInterrupted('instance stopping');
    };

    let outcome: JobResult | undefined;
    let failure: unknown;
    try {
      checkpoint();
      outcome = await job.run({ log, checkpoint });
    } catch (err) {
      failure = err;
    } finally {
      clearInterval(heartbeat);
    }
    const durationMs = Math.round(performance.now() - started);
    // Shutdown hands the run back at once without using an attempt; the batches done stay done.
    const handedBack = failure instanceof RunInterrupted && !lost;
    const status = failure === undefined ? 'succeeded' : 'failed';
    const error = failure === undefined ? undefined : errorMessage(failure);
    // Unrecorded (MySQL unavailable), the run stays 'running' until its lease ends and is then
    // run again: every job is safe to repeat.
    const recorded = await this.o.store
      .finish(claim, { status, rows: outcome?.rows ?? 0, detail: outcome?.detail, error, retryAfterMs: handedBack ? 0 : this.o.leaseMs, countAttempt: !handedBack })
      .catch((err: unknown) => {
        log.warn({ err: errorMessage(err) }, 'recording the scheduled run failed');
        return false;
      });

    this.o.metrics?.scheduledRuns.inc({ job: job.name, outcome: status });
    this.o.metrics?.scheduledRunSeconds.observe({ job: job.name }, durationMs / 1000);
    if (status === 'succeeded') this.o.metrics?.scheduledLastSuccess.set({ job: job.name }, Date.now() / 1000);
    const fields = { outcome: status, duration_ms: durationMs, rows: outcome?.rows ?? 0, detail: outcome?.detail, err: error, recorded };
    if (status === 'succeeded') log.info(fields, 'scheduled run finished');
    else log.error(fields, 'scheduled run finished');
    return { ...key, trigger, outcome: status, attempt: claim.attempt, rows: outcome?.rows ?? 0, detail: outcome?.detail, error, durationMs };
  }
}

/** Exposed for tests and the CLI: the claim the scheduler would try for a job at a moment. */
export function slotOf(job: Pick<ScheduledJob, 'intervalMs'>, nowMs: number): string | null {
  return job.intervalMs === 0 ? null : slotLiteral(slotStart(nowMs, job.intervalMs));
}
