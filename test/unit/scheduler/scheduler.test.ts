import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ClaimResult, RunClaim, RunKey, ScheduledRunRow } from '../../../src/adapters/mysql/scheduled-runs-store.js';
import { createLogger } from '../../../src/core/logger.js';
import { PipelineMetrics } from '../../../src/core/metrics.js';
import { Scheduler, type JobContext, type RunsStore, type ScheduledJob } from '../../../src/scheduler/scheduler.js';

const HOUR = 3_600_000;

/** scheduled_runs in memory with the MySQL store's rules, on the test's clock. */
class MemoryRuns implements RunsStore {
  readonly rows = new Map<string, ScheduledRunRow & { token: string; leaseMs: number }>();
  claims = 0;
  constructor(private readonly now: () => number) {}

  async claim(key: RunKey, o: { trigger: 'schedule' | 'manual'; owner: string; leaseMs: number; maxAttempts: number }): Promise<ClaimResult> {
    this.claims++;
    const id = `${key.job}|${key.scope}|${key.slot}`;
    const row = this.rows.get(id);
    const token = `t${this.claims}`;
    const lease = new Date(this.now() + o.leaseMs).toISOString();
    if (!row) {
      this.rows.set(id, { ...key, id, token, leaseMs: o.leaseMs, trigger_kind: o.trigger, status: 'running', claimed_by: o.owner, attempts: 1, lease_expires_at: lease, started_at: '', finished_at: null, rows_affected: null, detail: null, error: null });
      return { claimed: { ...key, id, token, attempt: 1 } };
    }
    const expired = Date.parse(row.lease_expires_at) < this.now();
    if (row.status === 'succeeded' || !expired || row.attempts >= o.maxAttempts) return { claimed: null, current: { ...row } };
    const previous = { claimedBy: row.claimed_by, status: row.status };
    Object.assign(row, { token, status: 'running', claimed_by: o.owner, attempts: row.attempts + 1, lease_expires_at: lease });
    return { claimed: { ...key, id, token, attempt: row.attempts, takenOverFrom: previous } };
  }

  async renew(claim: RunClaim, leaseMs: number): Promise<boolean> {
    const row = this.rows.get(claim.id);
    if (!row || row.token !== claim.token || row.status !== 'running') return false;
    row.lease_expires_at = new Date(this.now() + leaseMs).toISOString();
    return true;
  }

  async finish(claim: RunClaim, o: { status: 'succeeded' | 'failed'; rows: number; error?: string; retryAfterMs: number; countAttempt?: boolean }): Promise<boolean> {
    const row = this.rows.get(claim.id);
    if (!row || row.token !== claim.token || row.status !== 'running') return false;
    Object.assign(row, { status: o.status, rows_affected: o.rows, error: o.error ?? null, lease_expires_at: new Date(this.now() + o.retryAfterMs).toISOString(), attempts: row.attempts - (o.countAttempt === false ? 1 : 0) });
    return true;
  }

  async liveRun(job: string, scope: string): Promise<ScheduledRunRow | null> {
    return [...this.rows.values()].find((r) => r.job === job && r.scope === scope && r.status === 'running' && Date.parse(r.lease_expires_at) >= this.now()) ?? null;
  }
}

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger('info', 'test', stream) };
}

function job(name: string, intervalMs: number, body: (ctx: JobContext) => Promise<number> = async () => 1, scope: ScheduledJob['scope'] = 'deployment'): ScheduledJob & { runs: number } {
  const j = {
    name, intervalMs, scope, description: name, runs: 0,
    async run(ctx: JobContext) {
      j.runs++;
      return { rows: await body(ctx), detail: { n: j.runs } };
    },
  };
  return j;
}

function setup(jobs: ScheduledJob[], options: { maxAttempts?: number; leaseMs?: number } = {}) {
  let clock = Date.parse('2026-11-22T10:00:00Z');
  const now = () => clock;
  const store = new MemoryRuns(now);
  const metrics = new PipelineMetrics();
  const { lines, log } = logCapture();
  const scheduler = new Scheduler({ store, jobs, instanceId: 'host-a', owner: 'host-a-1', pollMs: 1000, leaseMs: options.leaseMs ?? 60_000, maxAttempts: options.maxAttempts ?? 3, log, metrics, now });
  return { scheduler, store, metrics, lines, advance: (ms: number) => (clock += ms) };
}

async function metricValue(metrics: PipelineMetrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values as { labels: Record<string, string>; value: number }[] | undefined)?.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('Scheduler', () => {
  it('runs each scheduled job once per slot, again in the next slot, never a disabled one', async () => {
    const hourly = job('hourly', HOUR);
    const off = job('off', 0);
    const { scheduler, store, advance } = setup([hourly, off]);
    const first = await scheduler.tick();
    expect(first.map((r) => [r.job, r.outcome, r.slot])).toEqual([['hourly', 'succeeded', '2026-11-22 10:00:00.000']]);
    advance(20 * 60_000);
    expect(await scheduler.tick()).toEqual([]); // settled: not even a claim
    expect(store.claims).toBe(1);
    advance(40 * 60_000);
    const next = await scheduler.tick();
    expect(next.map((r) => [r.outcome, r.slot])).toEqual([['succeeded', '2026-11-22 11:00:00.000']]);
    expect(hourly.runs).toBe(2);
    expect(off.runs).toBe(0);
  });

  it('logs one start and one end line per run, with duration and outcome, and counts it in the metrics', async () => {
    const ok = job('ok', HOUR, async () => 7);
    const broken = job('broken', HOUR, async () => {
      throw new Error('table is gone');
    });
    const { scheduler, metrics, lines } = setup([ok, broken]);
    const reports = await scheduler.tick();
    expect(reports.map((r) => [r.job, r.outcome, r.rows, r.error])).toEqual([['ok', 'succeeded', 7, undefined], ['broken', 'failed', 0, 'table is gone']]);
    const runLines = lines.filter((l) => String(l.msg).startsWith('scheduled run'));
    expect(runLines.map((l) => [l.job, l.msg, l.outcome])).toEqual([
      ['ok', 'scheduled run started', undefined],
      ['ok', 'scheduled run finished', 'succeeded'],
      ['broken', 'scheduled run started', undefined],
      ['broken', 'scheduled run finished', 'failed'],
    ]);
    expect(runLines[1]).toMatchObject({ rows: 7, slot: '2026-11-22 10:00:00.000', level: 30 });
    expect(typeof runLines[1]!.duration_ms).toBe('number');
    expect(runLines[3]).toMatchObject({ err: 'table is gone', level: 50 });
    expect(await metricValue(metrics, 'pd_scheduled_runs_total', { job: 'ok', outcome: 'succeeded' })).toBe(1);
    expect(await metricValue(metrics, 'pd_scheduled_runs_total', { job: 'broken', outcome: 'failed' })).toBe(1);
    expect(await metricValue(metrics, 'pd_scheduled_last_success_timestamp_seconds', { job: 'ok' })).toBeGreaterThan(0);
    expect(await metricValue(metrics, 'pd_scheduled_last_success_timestamp_seconds', { job: 'broken' })).toBeUndefined();
  });

  it('retries a failed run after the lease, up to the attempts, then leaves the slot', async () => {
    let calls = 0;
    const flaky = job('flaky', HOUR, async () => {
      calls++;
      throw new Error(`failure ${calls}`);
    });
    const { scheduler, advance } = setup([flaky], { maxAttempts: 2, leaseMs: 60_000 });
    expect((await scheduler.tick())[0]).toMatchObject({ outcome: 'failed', attempt: 1 });
    advance(30_000);
    expect((await scheduler.tick())[0]).toMatchObject({ outcome: 'skipped' }); // retry not yet due
    advance(31_000);
    expect((await scheduler.tick())[0]).toMatchObject({ outcome: 'failed', attempt: 2 });
    advance(120_000);
    expect(await scheduler.tick()).toEqual([]); // attempts used up: settled
    expect(calls).toBe(2);
  });

  it('a stop during a run interrupts it at its checkpoint and hands the slot back without using an attempt', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let batches = 0;
    const long = job('long', HOUR, async (ctx) => {
      for (;;) {
        ctx.checkpoint();
        batches++;
        await gate;
      }
    });
    const { scheduler, store } = setup([long]);
    const ticking = scheduler.tick();
    await new Promise((r) => setTimeout(r, 10));
    const stopped = scheduler.stop();
    release();
    const [report] = await ticking;
    await stopped;
    expect(report).toMatchObject({ outcome: 'failed', error: 'instance stopping' });
    expect(batches).toBe(1);
    const row = [...store.rows.values()][0]!;
    expect(row).toMatchObject({ status: 'failed', attempts: 0 });
    expect(Date.parse(row.lease_expires_at)).toBeLessThanOrEqual(Date.parse('2026-11-22T10:00:00Z'));
  });

  it('runNow runs a job by hand in its own slot, and refuses while another run holds a live claim', async () => {
    const hourly = job('hourly', HOUR, async () => 3, 'instance');
    const { scheduler, store } = setup([hourly]);
    const manual = await scheduler.runNow('hourly');
    expect(manual).toMatchObject({ outcome: 'succeeded', trigger: 'manual', scope: 'host-a', slot: '2026-11-22 10:00:00.000', rows: 3 });
    await store.claim({ job: 'hourly', scope: 'host-a', slot: 'elsewhere' }, { trigger: 'schedule', owner: 'host-a-2', leaseMs: 60_000, maxAttempts: 3 });
    const busy = await scheduler.runNow('hourly');
    expect(busy.outcome).toBe('skipped');
    expect(busy.current?.claimed_by).toBe('host-a-2');
    await expect(scheduler.runNow('nope')).rejects.toThrow(/unknown job "nope"; jobs: hourly/);
  });

  it('refuses job names that cannot be a label or a key', () => {
    expect(() => setup([job('Bad Name', HOUR)])).toThrow(/job name "Bad Name"/);
  });
});
