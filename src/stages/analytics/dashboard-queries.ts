import type { ClickHouseClient } from '@clickhouse/client';
import { withClickHouseRetryClass } from '../../adapters/clickhouse/clickhouse.js';
import { toClickHouseTime } from './diagnosis-fact.js';

/**
 * Typed reads over the analytics aggregates (migration 0003) for the web page and other callers.
 * Values are bound as query parameters; `database` is the validated CLICKHOUSE_DATABASE.
 * Both read the materialised aggregates, so their cost grows with hours × groups, not with rows.
 */

export interface HourlyErrorCount {
  /** Start of the hour, `YYYY-MM-DD hh:mm:ss` UTC. */
  hour: string;
  error_type: string;
  /** Distinct exceptions whose event time falls in the hour. */
  exceptions: number;
}

export interface TopFingerprint {
  fingerprint: string;
  /** Distinct exceptions in the window. */
  exceptions: number;
  /** Distinct jobs in the window. */
  jobs: number;
  /** Earliest and latest event time over the retention period (not only the window). */
  first_seen: string;
  last_seen: string;
  /** The latest diagnosis of the fingerprint (by diagnosis time). */
  latest: { exception_id: string; diagnosed_at: string; error_type: string; subtype: string; priority: string; root_cause: string; suggested_fix: string; provider: string };
}

export interface WindowOptions {
  /** The last N hourly buckets, the current one included. 1 … 2160 (90 days). */
  hours: number;
  /** Defaults to the current time; tests fix it. */
  now?: Date;
}

const MAX_HOURS = 90 * 24;
const HOUR_MS = 3_600_000;

function windowStart({ hours, now = new Date() }: WindowOptions): string {
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_HOURS) throw new RangeError(`hours must be an integer from 1 to ${MAX_HOURS}, not ${hours}`);
  const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return toClickHouseTime(currentHour - (hours - 1) * HOUR_MS).slice(0, 19);
}

/** Exceptions per hour × error type over the last `hours` hours (hours without errors are absent). */
export async function errorCountsByHour(client: ClickHouseClient, database: string, options: WindowOptions): Promise<HourlyErrorCount[]> {
  const since = windowStart(options);
  const rows = await read<{ hour: string; error_type: string; exceptions: number | string }>(
    client,
    `SELECT hour, error_type, uniqExactMerge(exceptions) AS exceptions
     FROM ${database}.diagnosis_hourly_agg
     WHERE hour >= {since:DateTime('UTC')}
     GROUP BY hour, error_type
     ORDER BY hour, error_type`,
    { since },
  );
  return rows.map((r) => ({ hour: r.hour, error_type: r.error_type, exceptions: Number(r.exceptions) }));
}

/** The fingerprints with the most exceptions in the last `hours` hours, with their latest diagnosis. */
export async function topFingerprints(client: ClickHouseClient, database: string, options: WindowOptions & { limit: number }): Promise<TopFingerprint[]> {
  const since = windowStart(options);
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 1000) throw new RangeError(`limit must be an integer from 1 to 1000, not ${options.limit}`);
  // One pass over the fingerprint aggregate: window counts by -If, first/last seen over all of it.
  const rows = await read<{ fingerprint: string; exceptions: number | string; jobs: number | string; first_seen: string; last_seen: string; latest: TopFingerprint['latest'] }>(
    client,
    `SELECT fingerprint,
            uniqExactMergeIf(exceptions, hour >= {since:DateTime('UTC')}) AS exceptions,
            uniqExactMergeIf(jobs, hour >= {since:DateTime('UTC')}) AS jobs,
            min(first_seen) AS first_seen,
            max(last_seen) AS last_seen,
            argMaxMerge(latest) AS latest
     FROM ${database}.diagnosis_fingerprint_agg
     GROUP BY fingerprint
     HAVING exceptions > 0
     ORDER BY exceptions DESC, fingerprint
     LIMIT {limit:UInt32}`,
    { since, limit: options.limit },
  );
  return rows.map((r) => ({
    fingerprint: r.fingerprint,
    exceptions: Number(r.exceptions),
    jobs: Number(r.jobs),
    first_seen: r.first_seen,
    last_seen: r.last_seen,
    latest: {
      exception_id: r.latest.exception_id,
      diagnosed_at: r.latest.diagnosed_at,
      error_type: r.latest.error_type,
      subtype: r.latest.subtype,
      priority: r.latest.priority,
      root_cause: r.latest.root_cause,
      suggested_fix: r.latest.suggested_fix,
      provider: r.latest.provider,
    },
  }));
}

async function read<T>(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> {
  return withClickHouseRetryClass('analytics read', async () => {
    const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  });
}
