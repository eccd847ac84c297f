import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { openAnalystClient, runReadOnlyQuery } from '../../src/cli/query-command.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import type { TopicCatalog } from '../../src/core/topic-catalog.js';
import { startPipeline, type RunningPipeline } from '../../src/pipeline.js';
import type { Broker, OutgoingRecord } from '../../src/ports/broker.js';
import { readTopic } from '../../src/sample/topic-reader.js';
import { errorCountsByHour, topFingerprints } from '../../src/stages/analytics/dashboard-queries.js';
import { generateDiagnoses, prng, type SampleDiagnosis } from '../../src/stages/analytics/sample-diagnoses.js';
import { committedRecords, provisionTestTopics, quietLogger, testConfig, uniqueSuffix, waitFor } from '../support/integration.js';

/**
 * The analytics data path on the real broker and the embedded ClickHouse: 100,000 diagnoses (plus
 * re-diagnoses and malformed records) through the analytics stage, then all of them again in
 * another order and other batches. Every aggregate and every query of docs/analytics.md must
 * equal what this file computes from the generated records on its own.
 */

const EXCEPTIONS = 100_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Row = Record<string, unknown>;

/** The fact ClickHouse should keep per exception: its latest diagnosis, times as the table prints them. */
interface Fact {
  id: string;
  eventMs: number;
  eventTime: string;
  hour: string;
  job: string;
  jobName: string | null;
  type: string;
  subtype: string;
  fp: string;
  priority: string;
  confidence: number;
  diagnosedAt: string;
  ttd: number | null;
  provider: string;
  degraded: boolean;
  cached: boolean;
  rootCause: string;
  fix: string;
}

const chTime = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
const hourOf = (ms: number) => Math.floor(ms / HOUR) * HOUR;
const dayOf = (ms: number) => Math.floor(ms / DAY) * DAY;
const hourText = (ms: number) => chTime(hourOf(ms)).slice(0, 19);
const dayText = (ms: number) => chTime(ms).slice(0, 10);

function toFact(r: SampleDiagnosis): Fact {
  const eventMs = r.event_time === null ? Date.parse(r.diagnosed_at) : Date.parse(`${r.event_time.replace(' ', 'T')}Z`);
  return {
    id: r.exception_id,
    eventMs,
    eventTime: chTime(eventMs),
    hour: hourText(eventMs),
    job: r.job_id,
    jobName: r.job_name ?? null,
    type: r.error_type ?? 'unknown',
    subtype: r.subtype ?? '',
    fp: r.fingerprint ?? '',
    priority: r.diagnosis.priority,
    confidence: Math.fround(r.confidence),
    diagnosedAt: chTime(Date.parse(r.diagnosed_at)),
    ttd: r.time_to_diagnosis_ms,
    provider: r.provider,
    degraded: r.degraded,
    cached: r.cached,
    rootCause: r.diagnosis.root_cause,
    fix: r.diagnosis.suggested_fix,
  };
}

/** argMax by (diagnosed_at, exception_id), as the aggregates order diagnoses. */
const later = (a: Fact, b: Fact) => (a.diagnosedAt !== b.diagnosedAt ? a.diagnosedAt > b.diagnosedAt : a.id > b.id);

function groupBy<T>(items: Iterable<T>, key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

const byKeys = (...keys: string[]) => (a: Row, b: Row) => {
  for (const k of keys) {
    const desc = k.startsWith('-');
    const name = desc ? k.slice(1) : k;
    const x = a[name] as string | number;
    const y = b[name] as string | number;
    if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
  }
  return 0;
};

/** How ClickHouse prints a Float32: the shortest decimal that reads back as the same float32. */
function float32Text(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p < 9; p++) if (Math.fround(Number(f.toPrecision(p))) === f) return Number(f.toPrecision(p));
  return f;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const quantileExact = (xs: number[], level: number) => [...xs].sort((a, b) => a - b)[Math.floor(level * xs.length)]!;

/** Floats compared to 9 significant digits (summation order differs); everything else exactly. */
function approx(rows: Row[]): Row[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => {
        if (typeof v !== 'number' || Number.isInteger(v)) return [k, v];
        const digits = Math.max(0, 9 - Math.ceil(Math.log10(Math.abs(v) + 1e-300)));
        return [k, expect.closeTo(v, digits)];
      }),
    ),
  );
}

/** Each docs/analytics.md question by id: the rows it must return at `now`, from the facts alone. */
function expectations(facts: Fact[], records: Fact[]): Record<string, (now: number) => Row[]> {
  const withFp = facts.filter((f) => f.fp !== '');
  const lastWeek = (now: number) => facts.filter((f) => hourOf(f.eventMs) >= now - 7 * DAY);
  const eventSince = (since: number) => facts.filter((f) => f.eventMs >= since);
  const latestOf = (list: Fact[]) => list.reduce((best, f) => (later(f, best) ? f : best));
  // Re-diagnosed exceptions' earlier records also reached the aggregates; argMax still picks the latest.
  const recordsByFp = groupBy(records.filter((f) => f.fp !== ''), (f) => f.fp);
  return {
    'jobs-failing-most': (now) =>
      [...groupBy(lastWeek(now), (f) => f.job)]
        .map(([job, list]) => ({ job_id: job, job_name: list[0]!.jobName, exceptions: list.length }))
        .sort(byKeys('-exceptions', 'job_id'))
        .slice(0, 10),
    'fingerprints-new-today': (now) =>
      [...groupBy(withFp, (f) => f.fp)]
        .map(([fp, list]) => ({ fp, list, first: Math.min(...list.map((f) => f.eventMs)) }))
        .filter((g) => g.first >= dayOf(now))
        .map((g) => {
          const latest = latestOf(recordsByFp.get(g.fp)!);
          return { fingerprint: g.fp, first_seen: chTime(g.first), exceptions: g.list.length, error_type: latest.type, root_cause: latest.rootCause };
        })
        .sort(byKeys('first_seen', 'fingerprint')),
    'mean-ttd-by-type': (now) =>
      [...groupBy(eventSince(now - 7 * DAY).filter((f) => f.ttd !== null), (f) => f.type)]
        .map(([type, list]) => ({ error_type: type, diagnosed: list.length, mean_ms: mean(list.map((f) => f.ttd!)) }))
        .sort(byKeys('error_type')),
    'degraded-share-daily': (now) =>
      [...groupBy(eventSince(dayOf(now) - 6 * DAY), (f) => dayText(f.eventMs))]
        .map(([day, list]) => {
          const degraded = list.filter((f) => f.degraded).length;
          return { day, diagnosed: list.length, degraded, degraded_share: degraded / list.length };
        })
        .sort(byKeys('day')),
    'hourly-trend-24h': (now) =>
      [...groupBy(facts.filter((f) => hourOf(f.eventMs) >= hourOf(now) - 23 * HOUR), (f) => `${f.hour}|${f.type}`)]
        .map(([key, list]) => ({ hour: key.split('|')[0], error_type: key.split('|')[1], exceptions: list.length }))
        .sort(byKeys('hour', 'error_type')),
    'top-fingerprints-7d': (now) => {
      const inWindow = (f: Fact) => hourOf(f.eventMs) >= now - 7 * DAY;
      return [...groupBy(withFp.filter(inWindow), (f) => f.fp)]
        .map(([fp, list]) => {
          const latest = latestOf(recordsByFp.get(fp)!.filter(inWindow));
          const times = list.map((f) => f.eventMs);
          return {
            fingerprint: fp,
            exceptions: list.length,
            jobs: new Set(list.map((f) => f.job)).size,
            first_seen: chTime(Math.min(...times)),
            last_seen: chTime(Math.max(...times)),
            root_cause: latest.rootCause,
            suggested_fix: latest.fix,
            priority: latest.priority,
          };
        })
        .sort(byKeys('-exceptions', 'fingerprint'))
        .slice(0, 10);
    },
    'ttd-percentiles-7d': (now) =>
      [...groupBy(eventSince(now - 7 * DAY).filter((f) => f.ttd !== null), (f) => f.type)]
        .map(([type, list]) => {
          const xs = list.map((f) => f.ttd!);
          return { error_type: type, diagnosed: xs.length, p50_ms: quantileExact(xs, 0.5), p90_ms: quantileExact(xs, 0.9), p99_ms: quantileExact(xs, 0.99) };
        })
        .sort(byKeys('error_type')),
    'ttd-daily': (now) =>
      [...groupBy(eventSince(dayOf(now) - 6 * DAY).filter((f) => f.ttd !== null), (f) => `${dayText(f.eventMs)}|${f.type}`)]
        .map(([key, list]) => {
          const xs = list.map((f) => f.ttd!);
          return { day: key.split('|')[0], error_type: key.split('|')[1], diagnosed: xs.length, p50_ms: quantileExact(xs, 0.5), p90_ms: quantileExact(xs, 0.9) };
        })
        .sort(byKeys('day', 'error_type')),
    'high-priority-jobs-24h': (now) =>
      [...groupBy(eventSince(now - DAY), (f) => f.job)]
        .map(([job, list]) => ({ job_id: job, high: list.filter((f) => f.priority === 'high').length, diagnosed: list.length }))
        .filter((r) => r.high > 0)
        .sort(byKeys('-high', 'job_id'))
        .slice(0, 10),
    'provider-mix': () =>
      [...groupBy(facts, (f) => f.provider)]
        .map(([provider, list]) => ({ provider, diagnoses: list.length, mean_confidence: mean(list.map((f) => f.confidence)), cached: list.filter((f) => f.cached).length }))
        .sort(byKeys('-diagnoses', 'provider')),
    'jobs-distinct-fingerprints-7d': (now) =>
      [...groupBy(lastWeek(now), (f) => f.job)]
        .map(([job, list]) => ({ job_id: job, distinct_fingerprints: new Set(list.map((f) => f.fp).filter((fp) => fp !== '')).size, exceptions: list.length }))
        .sort(byKeys('-distinct_fingerprints', '-exceptions', 'job_id'))
        .slice(0, 10),
    'oom-subtypes-7d': (now) =>
      [...groupBy(lastWeek(now).filter((f) => f.type === 'oom'), (f) => f.subtype)]
        .map(([subtype, list]) => ({ subtype, exceptions: list.length }))
        .sort(byKeys('-exceptions', 'subtype')),
    'review-queue': (now) =>
      eventSince(now - DAY)
        .filter((f) => f.degraded || f.confidence < 0.1)
        .map((f) => ({ exception_id: f.id, job_id: f.job, error_type: f.type, confidence: float32Text(f.confidence), provider: f.provider, root_cause: f.rootCause, diagnosed_at: f.diagnosedAt }))
        .sort(byKeys('-diagnosed_at', 'exception_id'))
        .slice(0, 20)
        .map(({ diagnosed_at: _, ...rest }) => rest),
  };
}

/** The SQL blocks of docs/analytics.md, each under its `<!-- query: id -->` marker. */
function docsQueries(): Map<string, string> {
  const text = readFileSync(join(PACKAGE_ROOT, 'docs', 'analytics.md'), 'utf8');
  return new Map([...text.matchAll(/<!-- query: ([a-z0-9-]+) -->\s*```sql\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!]));
}

/**
 * Waits for a moment far from every instant where a window's answer could change (event times
 * lie at second :30, hours and days start at :00), so the expectation computed at `now` and
 * the query's own now() see the same data even if the query starts a few seconds later.
 */
async function quietMoment(): Promise<number> {
  for (;;) {
    const second = Math.floor(Date.now() / 1000) % 60;
    if ((second >= 5 && second <= 20) || (second >= 35 && second <= 50)) return Math.floor(Date.now() / 1000) * 1000;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('analytics: diagnoses → ClickHouse facts and aggregates, replayed', () => {
  const suffix = uniqueSuffix();
  const chdbPath = join(PACKAGE_ROOT, '.stack', `chdb-itan-${suffix}`);
  const config = testConfig({ PD_TOPIC_PREFIX: `itan-${suffix}.`, PD_CHDB_PATH: chdbPath, PD_HTTP_PORT: '0', PD_STAGES: 'analytics', PD_INSTANCE_ID: `itan-${suffix}` });
  const db = config.clickhouse.database;
  let pipeline: RunningPipeline | undefined;
  let broker: Broker;
  let catalog: TopicCatalog;
  let client: ClickHouseClient;

  beforeAll(async () => {
    broker = await createBroker(config.kafka, quietLogger);
    catalog = await provisionTestTopics(broker, config.topicPrefix);
    pipeline = await startPipeline(config, quietLogger);
    // chdb binds one data folder per process: this second connection shares the pipeline's.
    client = await openAnalystClient(config.clickhouse);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await client?.close();
    rmSync(chdbPath, { recursive: true, force: true });
  });

  async function produce(messages: OutgoingRecord[], batch: number): Promise<void> {
    const producer = broker.producer();
    await producer.connect();
    try {
      const topic = catalog.get('diagnoses').topic;
      for (let i = 0; i < messages.length; i += batch) await producer.send([{ topic, messages: messages.slice(i, i + batch) }]);
    } finally {
      await producer.disconnect();
    }
  }

  const rows = async <T = Row>(query: string, params: Record<string, unknown> = {}) => (await (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>());

  it('keeps exact aggregates over 100,000 diagnoses replayed in other batches, and answers every documented question', async () => {
    const generated = generateDiagnoses({ count: EXCEPTIONS, seed: 20261122, anchorMs: Date.now() });
    const records = generated.map(toFact);
    const latest = new Map<string, Fact>();
    for (const f of records) {
      const current = latest.get(f.id);
      if (!current || later(f, current)) latest.set(f.id, f);
    }
    const facts = [...latest.values()];
    expect(facts).toHaveLength(EXCEPTIONS);
    expect(records.length - EXCEPTIONS).toBeGreaterThan(3000); // re-diagnoses: the later one must win

    const malformed: OutgoingRecord[] = [
      { key: 'job-x', value: '{"exception_id": "1", ' },
      { key: 'job-x', value: JSON.stringify({ exception_id: '2', job_id: 'job-x' }) },
      { key: 'job-x', value: JSON.stringify({ ...generated[0], diagnosed_at: 'yesterday' }) },
      { key: 'job-x', value: JSON.stringify({ ...generated[0], diagnosis: { ...generated[0]!.diagnosis, priority: 'urgent' } }) },
      { key: 'job-x', value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
      { key: 'job-x', value: JSON.stringify([1, 2, 3]) },
    ];
    const encoded = generated.map((r): OutgoingRecord => ({ key: r.job_id, value: JSON.stringify(r), headers: { 'pd.exception_id': r.exception_id } }));
    // Pass 1: generation order (re-diagnoses last), malformed records spread in.
    const pass1 = [...encoded];
    malformed.forEach((m, i) => pass1.splice(1 + i * 9000, 0, m));
    // Pass 2, the replay: every record again, shuffled, in batches of another size.
    const random = prng(7);
    const pass2 = [...encoded];
    for (let i = pass2.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [pass2[i], pass2[j]] = [pass2[j]!, pass2[i]!];
    }

    const group = `${config.topicPrefix}analytics`;
    const topic = catalog.get('diagnoses').topic;
    const consumed = (n: number) => waitFor(`the analytics stage to commit ${n} records`, async () => (await committedRecords(broker, group, topic)) >= n || undefined, 240_000, 1000);

    const checkAggregates = async (label: string) => {
      // The facts: one per exception, each its latest diagnosis.
      const final = await rows<{ exception_id: string; root_cause: string; priority: string; time_to_diagnosis_ms: number | null; event_time: string; provider: string }>(
        `SELECT exception_id, root_cause, priority, time_to_diagnosis_ms, event_time, provider FROM ${db}.diagnosis_facts FINAL`,
      );
      expect(final.length, `${label}: facts`).toBe(EXCEPTIONS);
      const mismatched = final.filter((r) => {
        const f = latest.get(r.exception_id);
        return !f || f.rootCause !== r.root_cause || f.priority !== r.priority || f.ttd !== r.time_to_diagnosis_ms || f.eventTime !== r.event_time || f.provider !== r.provider;
      });
      expect(mismatched.slice(0, 3), `${label}: facts that are not the latest diagnosis`).toEqual([]);

      // Per hour × type × subtype × job: exceptions and distinct fingerprints.
      const hourly = await rows<{ hour: string; error_type: string; subtype: string; job_id: string; exceptions: number; fingerprints: number }>(
        `SELECT hour, error_type, subtype, job_id, exceptions, fingerprints FROM ${db}.diagnosis_hourly`,
      );
      const expectedHourly = [...groupBy(facts, (f) => `${f.hour}|${f.type}|${f.subtype}|${f.job}`)].map(([key, list]) => {
        const [hour, error_type, subtype, job_id] = key.split('|');
        return { hour, error_type, subtype, job_id, exceptions: list.length, fingerprints: new Set(list.map((f) => f.fp).filter((fp) => fp !== '')).size };
      });
      const order = byKeys('hour', 'error_type', 'subtype', 'job_id');
      expect(hourly.sort(order), `${label}: hourly`).toEqual(expectedHourly.sort(order));

      // Per fingerprint: exceptions, jobs, first / last seen, latest diagnosis.
      const fingerprints = await rows(`SELECT fingerprint, exceptions, jobs, first_seen, last_seen, root_cause, priority, latest_exception_id FROM ${db}.diagnosis_top_fingerprints ORDER BY fingerprint`);
      const recordsByFp = groupBy(records.filter((f) => f.fp !== ''), (f) => f.fp);
      const expectedFingerprints = [...groupBy(facts.filter((f) => f.fp !== ''), (f) => f.fp)]
        .map(([fp, list]) => {
          const newest = recordsByFp.get(fp)!.reduce((best, f) => (later(f, best) ? f : best));
          const times = list.map((f) => f.eventMs);
          return { fingerprint: fp, exceptions: list.length, jobs: new Set(list.map((f) => f.job)).size, first_seen: chTime(Math.min(...times)), last_seen: chTime(Math.max(...times)), root_cause: newest.rootCause, priority: newest.priority, latest_exception_id: newest.id };
        })
        .sort(byKeys('fingerprint'));
      expect(fingerprints, `${label}: fingerprints`).toEqual(expectedFingerprints);

      // Time to diagnosis per day × type.
      const ttd = await rows(`SELECT toString(day) AS day, error_type, diagnosed, mean_ms, p50_ms, p90_ms, p99_ms, max_ms FROM ${db}.diagnosis_ttd_daily ORDER BY day, error_type`);
      const expectedTtd = [...groupBy(facts.filter((f) => f.ttd !== null), (f) => `${dayText(f.eventMs)}|${f.type}`)]
        .map(([key, list]) => {
          const xs = list.map((f) => f.ttd!);
          return { day: key.split('|')[0], error_type: key.split('|')[1], diagnosed: xs.length, mean_ms: mean(xs), p50_ms: quantileExact(xs, 0.5), p90_ms: quantileExact(xs, 0.9), p99_ms: quantileExact(xs, 0.99), max_ms: Math.max(...xs) };
        })
        .sort(byKeys('day', 'error_type'));
      expect(ttd, `${label}: time to diagnosis`).toEqual(approx(expectedTtd));
    };

    const t0 = performance.now();
    await produce(pass1, 1000);
    await consumed(pass1.length);
    const firstPassMs = performance.now() - t0;
    await checkAggregates('first pass');

    const t1 = performance.now();
    await produce(pass2, 337);
    await consumed(pass1.length + pass2.length);
    const replayMs = performance.now() - t1;
    const stored = (await rows<{ n: number }>(`SELECT count() AS n FROM ${db}.diagnosis_facts`))[0]?.n;
    await checkAggregates('after the replay');
    quietLogger.info({ firstPassMs, replayMs, storedRowsBeforeFinal: stored }, 'analytics sink test timings');

    // Malformed records went to the DLQ with their reason, nowhere else.
    const dlq = await readTopic(broker, catalog.get('diagnoses').dlqTopic!, { timeoutMs: 30_000, done: (found) => found.length >= malformed.length });
    expect(dlq).toHaveLength(malformed.length);
    expect(dlq.map((r) => r.headers['dlq.reason']?.toString()).sort()).toEqual(['invalid_utf8', 'malformed_json', 'schema_violation', 'schema_violation', 'schema_violation', 'schema_violation']);

    // The typed functions for the web page, on the same data.
    const now = await quietMoment();
    const counts = await errorCountsByHour(client, db, { hours: 48, now: new Date(now) });
    const since = hourOf(now) - 47 * HOUR;
    const expectedCounts = [...groupBy(facts.filter((f) => hourOf(f.eventMs) >= since), (f) => `${f.hour}|${f.type}`)]
      .map(([key, list]) => ({ hour: key.split('|')[0]!, error_type: key.split('|')[1]!, exceptions: list.length }))
      .sort(byKeys('hour', 'error_type'));
    expect(counts).toEqual(expectedCounts);
    const top = await topFingerprints(client, db, { hours: 24, limit: 5, now: new Date(now) });
    const since24 = hourOf(now) - 23 * HOUR;
    const allByFp = groupBy(facts.filter((f) => f.fp !== ''), (f) => f.fp);
    const recordsByFp = groupBy(records.filter((f) => f.fp !== ''), (f) => f.fp);
    const expectedTop = [...allByFp]
      .map(([fp, list]) => {
        const recent = list.filter((f) => hourOf(f.eventMs) >= since24);
        const newest = recordsByFp.get(fp)!.reduce((best, f) => (later(f, best) ? f : best));
        const times = list.map((f) => f.eventMs);
        return {
          fingerprint: fp,
          exceptions: recent.length,
          jobs: new Set(recent.map((f) => f.job)).size,
          first_seen: chTime(Math.min(...times)),
          last_seen: chTime(Math.max(...times)),
          latest: { exception_id: newest.id, diagnosed_at: newest.diagnosedAt, error_type: newest.type, subtype: newest.subtype, priority: newest.priority, root_cause: newest.rootCause, suggested_fix: newest.fix, provider: newest.provider },
        };
      })
      .filter((r) => r.exceptions > 0)
      .sort(byKeys('-exceptions', 'fingerprint'))
      .slice(0, 5);
    expect(top).toEqual(expectedTop);

    // Every question of docs/analytics.md, through the query command's read-only path.
    await pipeline!.stop(); // readonly=1 is a session setting in chdb: keep it away from the sink
    pipeline = undefined;
    const queries = docsQueries();
    const expected = expectations(facts, records);
    expect([...queries.keys()].sort()).toEqual(Object.keys(expected).sort());
    expect(queries.size).toBeGreaterThanOrEqual(10);
    for (const [id, sql] of queries) {
      const at = await quietMoment();
      const got = (await runReadOnlyQuery(client, sql, 'json')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);
      const want = expected[id]!(at);
      expect(got, `docs/analytics.md query ${id}`).toEqual(approx(want));
      // An empty answer would prove little: the generated data is meant to give each one rows.
      // (Fresh fingerprints are at most 3 hours old: shortly after midnight, none may be new today.)
      if (id !== 'fingerprints-new-today' || at - dayOf(at) > 3 * HOUR) {
        expect(want.length, `query ${id} has rows on the test data`).toBeGreaterThan(0);
      }
    }
  }, 600_000);
});
