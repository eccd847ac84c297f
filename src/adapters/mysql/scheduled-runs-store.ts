import { randomUUID } from 'node:crypto';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { withMysqlRetryClass } from './mysql.js';

export type RunTrigger = 'schedule' | 'manual';
export type RunStatus = 'running' | 'succeeded' | 'failed';

/** Identifies one run: `slot` is a UTC `YYYY-MM-DD HH:MM:SS.mmm` (see src/scheduler/slots.ts). */
export interface RunKey {
  job: string;
  /** '' for deployment-wide jobs, the instance id for per-host ones. */
  scope: string;
  slot: string;
}

/** A run this process holds: the token proves it on every later write. */
export interface RunClaim extends RunKey {
  id: string;
  token: string;
  attempt: number;
  /** Set when the claim was taken over from an instance whose lease expired, or a failed run retried. */
  takenOverFrom?: { claimedBy: string; status: RunStatus };
}

export interface ScheduledRunRow extends RunKey {
  id: string;
  trigger_kind: RunTrigger;
  status: RunStatus;
  claimed_by: string;
  attempts: number;
  lease_expires_at: string;
  started_at: string;
  finished_at: string | null;
  rows_affected: number | null;
  detail: Record<string, unknown> | null;
  error: string | null;
}

export type ClaimResult = { claimed: RunClaim } | { claimed: null; current: ScheduledRunRow | null };

const COLUMNS = 'id, job, scope, slot, trigger_kind, status, claimed_by, attempts, lease_expires_at, started_at, finished_at, rows_affected, detail, error';

function toRow(r: RowDataPacket): ScheduledRunRow {
  // JSON columns arrive as text on MariaDB (JSON is LONGTEXT there) and parsed on MySQL 8.
  const detail = typeof r.detail === 'string' ? (JSON.parse(r.detail) as Record<string, unknown>) : ((r.detail as Record<string, unknown> | null) ?? null);
  return {
    id: String(r.id),
    job: String(r.job),
    scope: String(r.scope),
    slot: String(r.slot),
    trigger_kind: r.trigger_kind as RunTrigger,
    status: r.status as RunStatus,
    claimed_by: String(r.claimed_by),
    attempts: Number(r.attempts),
    lease_expires_at: String(r.lease_expires_at),
    started_at: String(r.started_at),
    finished_at: r.finished_at === null ? null : String(r.finished_at),
    rows_affected: r.rows_affected === null ? null : Number(r.rows_affected),
    detail,
    error: r.error === null ? null : String(r.error),
  };
}

const isDuplicateKey = (err: unknown) => (err as { code?: string } | null)?.code === 'ER_DUP_ENTRY';

/**
 * `scheduled_runs`: which instance executes which run of a scheduled job. The INSERT of a run's
 * row is the claim (the unique key (job, scope, slot) lets exactly one instance succeed); an
 * expired lease or a failed run past its retry time is taken over by one conditional UPDATE,
 * which InnoDB evaluates on the latest committed row, so two instances cannot both take it.
 */
export class ScheduledRunsStore {
  constructor(private readonly pool: Pool) {}

  async claim(key: RunKey, o: { trigger: RunTrigger; owner: string; leaseMs: number; maxAttempts: number }): Promise<ClaimResult> {
    const token = randomUUID();
    const leaseUs = o.leaseMs * 1000;
    try {
      const [result] = await withMysqlRetryClass('claim scheduled run', () =>
        this.pool.query<ResultSetHeader>(
          `INSERT INTO scheduled_runs (job, scope, slot, trigger_kind, status, claim_token, claimed_by, attempts, lease_expires_at, started_at)
           VALUES (?, ?, ?, ?, 'running', ?, ?, 1, TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(3)), UTC_TIMESTAMP(3))`,
          [key.job, key.scope, key.slot, o.trigger, token, o.owner, leaseUs],
        ),
      );
      return { claimed: { ...key, id: String(result.insertId), token, attempt: 1 } };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const before = await this.get(key);
    if (!before || before.status === 'succeeded') return { claimed: null, current: before };
    const [taken] = await withMysqlRetryClass('take over scheduled run', () =>
      this.pool.query<ResultSetHeader>(
        `UPDATE scheduled_runs
            SET status = 'running', claim_token = ?, claimed_by = ?, attempts = attempts + 1,
                lease_expires_at = TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(3)), started_at = UTC_TIMESTAMP(3),
                finished_at = NULL, rows_affected = NULL, detail = NULL, error = NULL
          WHERE job = ? AND scope = ? AND slot = ? AND status IN ('running', 'failed')
            AND lease_expires_at < UTC_TIMESTAMP(3) AND attempts < ?`,
        [token, o.owner, leaseUs, key.job, key.scope, key.slot, o.maxAttempts],
      ),
    );
    if (taken.affectedRows !== 1) return { claimed: null, current: await this.get(key) };
    return { claimed: { ...key, id: before.id, token, attempt: before.attempts + 1, takenOverFrom: { claimedBy: before.claimed_by, status: before.status } } };
  }

  /** Extends the lease of a running claim; false when the claim was lost (taken over after expiry). */
  async renew(claim: RunClaim, leaseMs: number): Promise<boolean> {
    const [result] = await withMysqlRetryClass('renew scheduled run', () =>
      this.pool.query<ResultSetHeader>(
        "UPDATE scheduled_runs SET lease_expires_at = TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(3)) WHERE id = ? AND claim_token = ? AND status = 'running'",
        [leaseMs * 1000, claim.id, claim.token],
      ),
    );
    return result.affectedRows === 1;
  }

  /**
   * Records the outcome under the claim; false when the claim was lost meanwhile (the new holder's
   * row is left alone). A failed run may be retried after `retryAfterMs` (0: at once, e.g. a run
   * interrupted by shutdown, which then does not count as an attempt).
   */
  async finish(claim: RunClaim, outcome: { status: 'succeeded' | 'failed'; rows: number; detail?: Record<string, unknown>; error?: string; retryAfterMs: number; countAttempt?: boolean }): Promise<boolean> {
    const [result] = await withMysqlRetryClass('finish scheduled run', () =>
      this.pool.query<ResultSetHeader>(
        `UPDATE scheduled_runs
            SET status = ?, finished_at = UTC_TIMESTAMP(3), rows_affected = ?, detail = ?, error = ?,
                lease_expires_at = TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(3)), attempts = attempts - ?
          WHERE id = ? AND claim_token = ? AND status = 'running'`,
        [
          outcome.status, outcome.rows, outcome.detail ? JSON.stringify(outcome.detail) : null, outcome.error?.slice(0, 4000) ?? null,
          outcome.retryAfterMs * 1000, outcome.countAttempt === false ? 1 : 0, claim.id, claim.token,
        ],
      ),
    );
    return result.affectedRows === 1;
  }

  async get(key: RunKey): Promise<ScheduledRunRow | null> {
    const [rows] = await withMysqlRetryClass('read scheduled run', () =>
      this.pool.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM scheduled_runs WHERE job = ? AND scope = ? AND slot = ?`, [key.job, key.scope, key.slot]),
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Another run of the job in this scope that is running under a live lease, if any. */
  async liveRun(job: string, scope: string): Promise<ScheduledRunRow | null> {
    const [rows] = await withMysqlRetryClass('read running scheduled runs', () =>
      this.pool.query<RowDataPacket[]>(
        `SELECT ${COLUMNS} FROM scheduled_runs WHERE job = ? AND scope = ? AND status = 'running' AND lease_expires_at >= UTC_TIMESTAMP(3) ORDER BY started_at DESC LIMIT 1`,
        [job, scope],
      ),
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Per job, when its latest successful run (by any instance) finished, as ms since the epoch. */
  async lastSuccesses(): Promise<Map<string, number>> {
    const [rows] = await withMysqlRetryClass('read scheduled runs', () =>
      this.pool.query<RowDataPacket[]>("SELECT job, MAX(finished_at) AS at FROM scheduled_runs WHERE status = 'succeeded' GROUP BY job"),
    );
    return new Map(rows.map((r) => [String(r.job), Date.parse(`${String(r.at).replace(' ', 'T')}Z`)]));
  }

  /** The latest runs, newest first. */
  async recent(options: { limit: number; job?: string }): Promise<ScheduledRunRow[]> {
    const [rows] = await withMysqlRetryClass('read scheduled runs', () =>
      this.pool.query<RowDataPacket[]>(
        `SELECT ${COLUMNS} FROM scheduled_runs ${options.job ? 'WHERE job = ?' : ''} ORDER BY started_at DESC, id DESC LIMIT ?`,
        options.job ? [options.job, options.limit] : [options.limit],
      ),
    );
    return rows.map(toRow);
  }
}
