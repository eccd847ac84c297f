import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { HashingEmbedder } from '../../src/adapters/llm/hashing-embedder.js';
import { FeedbackStore } from '../../src/adapters/mysql/feedback-store.js';
import { KnowledgeCaseStore } from '../../src/adapters/mysql/knowledge-case-store.js';
import { MaintenanceStore } from '../../src/adapters/mysql/maintenance-store.js';
import { createMysqlPool, migrateMysql } from '../../src/adapters/mysql/mysql.js';
import { ScheduledRunsStore } from '../../src/adapters/mysql/scheduled-runs-store.js';
import { MemoryVectorStore } from '../../src/adapters/vector/memory-vector-store.js';
import { readLabelled } from '../../src/cli/train-command.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { PipelineMetrics } from '../../src/core/metrics.js';
import { reembedJob } from '../../src/scheduler/jobs/reembed.js';
import { retentionJob } from '../../src/scheduler/jobs/retention.js';
import { retrainJob } from '../../src/scheduler/jobs/retrain.js';
import { Scheduler, type ScheduledJob } from '../../src/scheduler/scheduler.js';
import { TextModel } from '../../src/stages/classify/text-model.js';
import { knowledgeBaseDir } from '../../src/stages/diagnose/diagnosis-services.js';
import { readKnowledgeBase } from '../../src/stages/diagnose/knowledge-base.js';
import { Retriever } from '../../src/stages/diagnose/retriever.js';
import { createLogger } from '../../src/core/logger.js';
import { quietLogger, testConfig, uniqueSuffix } from '../support/integration.js';

/**
 * The scheduler on the real MariaDB: retention archives and deletes exactly the rows past the
 * horizon, instances racing on a slot run it once, a dead instance's run is taken over after its
 * lease, and re-embedding and retraining run once with their effect checked. Everything happens in
 * a database of its own: retention acts on every row of its database (as in production), so other
 * tests' rows in the shared one must not be in reach.
 */
const config = testConfig();
const database = `pd_sched_${uniqueSuffix()}`;
const url = config.mysql.url.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);
const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;
// Some runs here fail on purpose: their error lines would only be noise.
const runLog = createLogger(process.env.TEST_LOG_LEVEL ?? 'fatal');

describe('scheduler (MariaDB)', () => {
  let admin: Pool;
  let pool: Pool;
  const pools: Pool[] = [];
  const dirs: string[] = [];
  const newPool = () => {
    const p = createMysqlPool(url, 3);
    pools.push(p);
    return p;
  };
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-sched-'));
    dirs.push(dir);
    return dir;
  };
  /** A scheduler as one instance of `run` builds it, on its own pool, with a clock of the test's. */
  const instance = (owner: string, jobs: (pool: Pool) => ScheduledJob[], o: { now?: () => number; leaseMs?: number; maxAttempts?: number; instanceId?: string; metrics?: PipelineMetrics } = {}) => {
    const p = newPool();
    return new Scheduler({
      store: new ScheduledRunsStore(p), jobs: jobs(p), instanceId: o.instanceId ?? 'host-1', owner, pollMs: 100,
      leaseMs: o.leaseMs ?? 60_000, maxAttempts: o.maxAttempts ?? 3, log: runLog, metrics: o.metrics, now: o.now,
    });
  };
  const retention = (batchRows: number) => (p: Pool) => [retentionJob(new MaintenanceStore(p), { intervalMs: DAY_MS, exceptionDays: 90, logEventDays: 90, batchRows })];

  /** A row created `ageSeconds` ago (by the server clock); its event happened `eventAge` ago (default: as old). */
  async function insertException(label: string, ageSeconds: number, extra: { status?: string; eventAgeSeconds?: number | null } = {}): Promise<string> {
    const eventAge = extra.eventAgeSeconds === undefined ? ageSeconds : extra.eventAgeSeconds;
    const [r] = await pool.query<ResultSetHeader>(
      `INSERT INTO flink_job_exceptions (job_id, job_name, job_config, error_message, error_type, status, suggested_fix, diagnosis_confidence, diagnosed_at, event_id, stack_trace, event_time, created_at)
       VALUES (?, ?, ?, ?, 'oom', ?, ?, 0.87, DATE_SUB(NOW(), INTERVAL ? SECOND), ?, ?, IF(? IS NULL, NULL, DATE_SUB(NOW(3), INTERVAL ? SECOND)), DATE_SUB(NOW(), INTERVAL ? SECOND))`,
      [`job-${label}`, `orders ${label}`, JSON.stringify({ parallelism: 4 }), `java.lang.OutOfMemoryError: Java heap space (${label})`, extra.status ?? 'completed',
        JSON.stringify({ root_cause: 'heap', priority: 'high' }), ageSeconds, `ev-${label}`, '\tat org.apache.flink.Foo.bar(Foo.java:1)', eventAge, eventAge, ageSeconds],
    );
    return String(r.insertId);
  }

  async function insertLogEvent(id: string, ageSeconds: number): Promise<void> {
    await pool.query(
      `INSERT INTO job_log_events (event_id, job_id, level, event_time, message, attributes, source_topic, source_partition, source_offset, ingested_at, created_at)
       VALUES (?, 'job-log', 'ERROR', NOW(3), 'boom', '{}', 'pd.job-logs', 0, 0, NOW(3), DATE_SUB(NOW(3), INTERVAL ? SECOND))`,
      [id, ageSeconds],
    );
  }

  const rowsOf = async (sql: string, params: unknown[] = []) => (await pool.query<RowDataPacket[]>(sql, params))[0].map((r) => ({ ...r }));

  beforeAll(async () => {
    admin = createMysqlPool(config.mysql.url, 1);
    await admin.query(`CREATE DATABASE ${database}`);
    await migrateMysql(url, quietLogger);
    pool = newPool();
  });

  afterAll(async () => {
    for (const p of pools) await p.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.end();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('retention archives and deletes exactly the exceptions past 90 days, in batches; cases stay; a second run does nothing', async () => {
    const kept = {
      day1: await insertException('1d', DAY_S),
      d89h23: await insertException('89d23h', 89 * DAY_S + 23 * 3600),
      // A minute inside the horizon: far enough from it that the seconds between insert and run do not matter.
      d90less1m: await insertException('90d-1m', 90 * DAY_S - 60),
      // Age is when the row was recorded (created_at), not when its event happened: a replay of old logs stays.
      replayed: await insertException('replayed-1d', DAY_S, { eventAgeSeconds: 300 * DAY_S }),
    };
    const expired = {
      d90plus1s: await insertException('90d+1s', 90 * DAY_S + 1),
      d200: await insertException('200d', 200 * DAY_S),
      d365pending: await insertException('365d-pending', 365 * DAY_S, { status: 'pending' }),
      d91: await insertException('91d', 91 * DAY_S),
      d1000: await insertException('1000d', 1000 * DAY_S),
      // From another system: no event time at all.
      noEventTime: await insertException('120d-no-event-time', 120 * DAY_S, { eventAgeSeconds: null }),
    };
    await insertLogEvent('log-89d', 89 * DAY_S);
    await insertLogEvent('log-91d', 91 * DAY_S);
    // Knowledge cases of any age, one learnt from an exception that retention removes.
    await pool.query(
      `INSERT INTO knowledge_cases (case_id, error_type, error_pattern, root_cause, solution, source_exception_id, source_type, verified, created_at) VALUES
       ('sched-old-manual', 'oom', 'heap', 'state on heap', 'use rocksdb', NULL, 'manual', TRUE, DATE_SUB(NOW(), INTERVAL 400 DAY)),
       ('sched-auto', 'oom', 'heap', 'state on heap', 'use rocksdb', ?, 'auto', FALSE, DATE_SUB(NOW(), INTERVAL 200 DAY)),
       ('sched-recent', 'network', 'timeout', 'network', 'retry', ?, 'auto', FALSE, NOW())`,
      [expired.d200, kept.day1],
    );
    const casesBefore = await rowsOf('SELECT case_id, error_type, error_pattern, root_cause, solution, source_type, verified, created_at FROM knowledge_cases ORDER BY case_id');
    const expiredRows = await rowsOf('SELECT * FROM flink_job_exceptions WHERE id IN (?) ORDER BY id', [Object.values(expired)]);
    expect(expiredRows).toHaveLength(6);

    const scheduler = instance('host-1-1', retention(2));
    const [report] = await scheduler.tick();
    expect(report).toMatchObject({ job: 'retention', outcome: 'succeeded', rows: 7 });
    expect(report!.detail).toMatchObject({ exceptions_archived: 6, exceptions_batches: 3, job_log_events_deleted: 1 });

    const live = await rowsOf('SELECT id FROM flink_job_exceptions ORDER BY id');
    expect(live.map((r) => String(r.id))).toEqual(Object.values(kept));
    const archived = await rowsOf('SELECT * FROM flink_job_exceptions_archive ORDER BY id');
    // Same rows, column for column, plus when they were archived.
    expect(archived.map(({ archived_at, ...row }) => (expect(archived_at).toBeTruthy(), row))).toEqual(expiredRows);
    expect((await rowsOf('SELECT event_id FROM job_log_events')).map((r) => r.event_id)).toEqual(['log-89d']);

    // Cases: every one kept unchanged; the learnt one lost only its link (seed 001's ON DELETE SET NULL),
    // and the exception it named is in the archive under the same id.
    expect(await rowsOf('SELECT case_id, error_type, error_pattern, root_cause, solution, source_type, verified, created_at FROM knowledge_cases ORDER BY case_id')).toEqual(casesBefore);
    const links = Object.fromEntries((await rowsOf('SELECT case_id, source_exception_id FROM knowledge_cases')).map((r) => [r.case_id, r.source_exception_id]));
    expect(links).toEqual({ 'sched-old-manual': null, 'sched-auto': null, 'sched-recent': kept.day1 });
    expect(archived.some((r) => String(r.id) === expired.d200)).toBe(true);

    // The next run (by hand, as the same slot is done) finds nothing more to do.
    const again = await scheduler.runNow('retention');
    expect(again).toMatchObject({ outcome: 'succeeded', rows: 0, trigger: 'manual' });
    expect(await rowsOf('SELECT id FROM flink_job_exceptions_archive')).toHaveLength(6);
    expect(await rowsOf('SELECT id FROM flink_job_exceptions')).toHaveLength(4);
    const runs = await new ScheduledRunsStore(pool).recent({ limit: 10, job: 'retention' });
    expect(runs.map((r) => [r.trigger_kind, r.status, r.rows_affected])).toEqual([['manual', 'succeeded', 0], ['schedule', 'succeeded', 7]]);
  });

  it('refuses to archive while the archive lacks a column of flink_job_exceptions, and says which', async () => {
    await pool.query('ALTER TABLE flink_job_exceptions ADD COLUMN sched_probe INT NULL');
    try {
      await insertException('probe-old', 120 * DAY_S);
      const report = await instance('host-1-1', retention(100)).runNow('retention');
      expect(report.outcome).toBe('failed');
      expect(report.error).toMatch(/flink_job_exceptions_archive lacks column\(s\) sched_probe/);
      expect(await rowsOf("SELECT id FROM flink_job_exceptions WHERE job_id = 'job-probe-old'")).toHaveLength(1);
    } finally {
      await pool.query('ALTER TABLE flink_job_exceptions DROP COLUMN sched_probe');
      await pool.query("DELETE FROM flink_job_exceptions WHERE job_id = 'job-probe-old'");
    }
  });

  it('two instances racing on the same slot: exactly one runs it', async () => {
    for (let i = 0; i < 4; i++) await insertException(`race-${i}`, 150 * DAY_S);
    const slotTime = Date.parse('2030-01-05T03:00:00Z');
    const metrics = [new PipelineMetrics(), new PipelineMetrics()];
    const a = instance('host-a-1', retention(1), { now: () => slotTime, metrics: metrics[0] });
    const b = instance('host-b-1', retention(1), { now: () => slotTime, metrics: metrics[1] });
    const reports = (await Promise.all([a.tick(), b.tick()])).flat();
    expect(reports.map((r) => r.outcome).sort()).toEqual(['skipped', 'succeeded']);
    expect(reports.find((r) => r.outcome === 'succeeded')!.rows).toBe(4);
    const runs = await rowsOf("SELECT status, attempts FROM scheduled_runs WHERE job = 'retention' AND slot = '2030-01-05 00:00:00.000'");
    expect(runs).toEqual([{ status: 'succeeded', attempts: 1 }]);
    const executed = await Promise.all(metrics.map(async (m) => (await m.scheduledRuns.get()).values.reduce((n, v) => n + v.value, 0)));
    expect(executed.sort()).toEqual([0, 1]);
  });

  it('many slots, two instances racing on each: every slot runs exactly once; a per-instance job once per instance id', async () => {
    const executions = new Map<string, string[]>();
    let clock = Date.parse('2031-03-01T00:00:00Z');
    const counting = (owner: string, scope: ScheduledJob['scope']): ScheduledJob => ({
      name: `count-${scope}`, intervalMs: 60_000, scope, description: 'counts',
      async run() {
        const key = `${scope}@${new Date(clock).toISOString()}`;
        executions.set(key, [...(executions.get(key) ?? []), owner]);
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
        return { rows: 1 };
      },
    });
    const jobs = (owner: string) => () => [counting(owner, 'deployment'), counting(owner, 'instance')];
    // a1 and a2 share an instance id (two processes on one host); b is another host.
    const a1 = instance('a-1', jobs('a-1'), { now: () => clock, instanceId: 'host-a' });
    const a2 = instance('a-2', jobs('a-2'), { now: () => clock, instanceId: 'host-a' });
    const b = instance('b-1', jobs('b-1'), { now: () => clock, instanceId: 'host-b' });
    for (let slot = 0; slot < 12; slot++) {
      await Promise.all([a1.tick(), a2.tick(), b.tick()]);
      clock += 60_000;
    }
    const deployment = [...executions].filter(([k]) => k.startsWith('deployment'));
    expect(deployment).toHaveLength(12);
    expect(deployment.filter(([, owners]) => owners.length !== 1)).toEqual([]);
    const perInstance = [...executions].filter(([k]) => k.startsWith('instance'));
    expect(perInstance).toHaveLength(12);
    // Each slot: one of a-1/a-2 (same host), and b-1.
    for (const [, owners] of perInstance) {
      expect(owners).toHaveLength(2);
      expect(owners.filter((o) => o.startsWith('a-'))).toHaveLength(1);
      expect(owners).toContain('b-1');
    }
  });

  it("a dead instance's run is taken over after its lease; its late report is refused", async () => {
    const slotTime = Date.parse('2032-07-07T12:00:00Z');
    const slot = '2032-07-07 00:00:00.000';
    await insertException('takeover', 100 * DAY_S);
    // The dead instance: claimed with a short lease, then never renewed nor finished.
    const dead = new ScheduledRunsStore(newPool());
    const claim = await dead.claim({ job: 'retention', scope: '', slot }, { trigger: 'schedule', owner: 'dead-1', leaseMs: 1500, maxAttempts: 3 });
    expect(claim.claimed).not.toBeNull();

    const live = instance('live-1', retention(100), { now: () => slotTime });
    const [early] = await live.tick();
    expect(early).toMatchObject({ outcome: 'skipped' });
    expect(early!.current).toMatchObject({ status: 'running', claimed_by: 'dead-1' });
    expect(await rowsOf("SELECT id FROM flink_job_exceptions WHERE job_id = 'job-takeover'")).toHaveLength(1);

    await new Promise((r) => setTimeout(r, 1700));
    const [late] = await live.tick();
    expect(late).toMatchObject({ outcome: 'succeeded', attempt: 2 });
    expect(await rowsOf("SELECT id FROM flink_job_exceptions WHERE job_id = 'job-takeover'")).toHaveLength(0);
    expect(await rowsOf('SELECT status, claimed_by, attempts FROM scheduled_runs WHERE job = ? AND slot = ?', ['retention', slot])).toEqual([{ status: 'succeeded', claimed_by: 'live-1', attempts: 2 }]);

    // The dead instance comes back and reports with its old token: refused, the row stays the live one's.
    expect(await dead.finish(claim.claimed!, { status: 'failed', rows: 0, error: 'zombie', retryAfterMs: 0 })).toBe(false);
    expect(await dead.renew(claim.claimed!, 60_000)).toBe(false);
    expect(await rowsOf('SELECT status, claimed_by, error FROM scheduled_runs WHERE job = ? AND slot = ?', ['retention', slot])).toEqual([{ status: 'succeeded', claimed_by: 'live-1', error: null }]);
  });

  it('a live run renews its lease: a second instance does not take over a run longer than the lease', async () => {
    let executions = 0;
    const slow = (): ScheduledJob[] => [{
      name: 'slow', intervalMs: DAY_MS, scope: 'deployment', description: 'slow',
      async run(ctx) {
        executions++;
        for (let i = 0; i < 10; i++) {
          ctx.checkpoint();
          await new Promise((r) => setTimeout(r, 250));
        }
        return { rows: 10 };
      },
    }];
    const now = () => Date.parse('2033-01-01T01:00:00Z');
    const a = instance('slow-a', slow, { now, leaseMs: 1000 });
    const b = instance('slow-b', slow, { now, leaseMs: 1000 });
    const running = a.tick();
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 250));
      seen.push(...(await b.tick()).map((r) => r.outcome));
    }
    expect((await running)[0]).toMatchObject({ outcome: 'succeeded', rows: 10 });
    expect(executions).toBe(1);
    expect(seen.every((o) => o === 'skipped')).toBe(true);
  });

  it('re-embedding writes every case of MySQL and kb/ and every doc into the vector store', async () => {
    const kb = readKnowledgeBase(knowledgeBaseDir(config));
    const cases = new KnowledgeCaseStore(pool);
    await cases.upsert(kb.cases.map((c) => ({ case_id: c.case_id, error_type: c.error_type, error_subtype: c.subtype, error_pattern: c.error_pattern, root_cause: c.root_cause, solution: c.solution, fingerprint: null, source_exception_id: null, source_type: 'manual', verified: c.verified })));
    // Edits people make in MySQL: a verified shipped case, a case added by hand; and a learnt case.
    const verifiedCase = kb.cases[3]!.case_id;
    await pool.query('UPDATE knowledge_cases SET verified = TRUE WHERE case_id = ?', [verifiedCase]);
    await pool.query(
      `INSERT INTO knowledge_cases (case_id, error_type, error_subtype, error_pattern, root_cause, solution, source_type) VALUES
       ('ops-hand-1', 'network', 'dns', 'UnknownHostException kafka-broker-zz9.internal quasar resolver', 'The zz9 quasar resolver drops lookups', 'Point the resolver at the zz9 fallback', 'manual'),
       ('auto-fffe0123', 'oom', 'heap', 'OutOfMemoryError in the zz9 sketch operator', 'Sketch state on heap', 'Bound the sketch', 'auto')`,
    );
    const dir = tempDir();
    const store = new MemoryVectorStore(dir);
    const retriever = new Retriever(new HashingEmbedder(), store);
    await retriever.ensureCollections();
    // The worker indexed the learnt case with its doc links (they live only in the vector row).
    await retriever.indexCases([{ case_id: 'auto-fffe0123', error_type: 'oom', subtype: 'heap', error_pattern: 'old text', root_cause: 'old', solution: 'old', keywords: [], related_docs: [kb.docs[0]!.doc_id], verified: false }]);
    expect(await store.count(retriever.collections.cases)).toBe(1);

    const inMysql = Number((await rowsOf('SELECT COUNT(*) AS n FROM knowledge_cases'))[0]!.n);
    // The shipped cases, the two above, and the retention test's three.
    expect(inMysql).toBe(kb.cases.length + 5);
    const scheduler = instance('embed-1', (p) => [reembedJob({ intervalMs: 0, scope: 'instance', kbDir: knowledgeBaseDir(config), vectors: async () => ({ retriever, store }), cases: new MaintenanceStore(p), pageSize: 25 })]);
    const report = await scheduler.runNow('reembed');
    expect(report).toMatchObject({ outcome: 'succeeded', rows: inMysql + kb.docs.length, scope: 'host-1' });
    expect(report.detail).toMatchObject({ cases: inMysql, cases_from_mysql: inMysql, cases_from_files_only: 0, docs: kb.docs.length });

    expect(await store.count(retriever.collections.cases)).toBe(inMysql);
    expect(await store.count(retriever.collections.docs)).toBe(kb.docs.length);
    const found = await retriever.retrieve('java.net.UnknownHostException: kafka-broker-zz9.internal (quasar resolver)', { cases: 1 });
    expect(found.cases[0]?.case_id).toBe('ops-hand-1');
    const [verified] = await store.get(retriever.collections.cases, [verifiedCase]);
    expect(verified?.fields.verified).toBe(true);
    const [learnt] = await store.get(retriever.collections.cases, ['auto-fffe0123']);
    expect(learnt?.fields).toMatchObject({ root_cause: 'Sketch state on heap', related_docs: kb.docs[0]!.doc_id });
    // Persisted: another process opening the store sees the same.
    const reopened = new MemoryVectorStore(dir);
    await new Retriever(new HashingEmbedder(), reopened).ensureCollections();
    expect(await reopened.count(retriever.collections.cases)).toBe(inMysql);

    // A case deleted in MySQL and a doc no longer shipped lose their vectors on the next run.
    await pool.query("DELETE FROM knowledge_cases WHERE case_id = 'ops-hand-1'");
    await retriever.indexDocs([{ doc_id: 'doc-withdrawn', title: 'Old page', content: 'withdrawn', doc_url: 'https://example.invalid/old', category: 'ops' }]);
    const again = await scheduler.runNow('reembed');
    expect(again.detail).toMatchObject({ cases: inMysql - 1, deleted_cases: 1, deleted_docs: 1, pruned: 'cases and docs' });
    expect(await store.get(retriever.collections.cases, ['ops-hand-1'])).toEqual([]);
    expect(await store.get(retriever.collections.docs, ['doc-withdrawn'])).toEqual([]);
    expect(await store.count(retriever.collections.cases)).toBe(inMysql - 1);
    expect(await store.count(retriever.collections.docs)).toBe(kb.docs.length);
  });

  it('retraining trains on the corpus plus the corrected types and writes the model file atomically', async () => {
    const exceptionId = await insertException('corrected', 3600);
    await pool.query("INSERT INTO diagnosis_feedback (feedback_id, exception_id, corrected_error_type, corrected_subtype) VALUES ('sched-fb-1', ?, 'network', NULL)", [exceptionId]);
    const corpus = join(PACKAGE_ROOT, 'test', 'fixtures', 'flink-errors', 'corpus.jsonl');
    const expectedCorpus = readLabelled(corpus, { split: true, exclude: new Set() }).tally.used;
    const dir = tempDir();
    const modelPath = join(dir, 'models', 'classifier.json');
    expect(existsSync(modelPath)).toBe(false);

    const scheduler = instance('train-1', (p) => [retrainJob({ intervalMs: 0, corpus: [corpus], feedback: new FeedbackStore(p), modelPath })]);
    const report = await scheduler.runNow('retrain');
    expect(report).toMatchObject({ outcome: 'succeeded', rows: expectedCorpus + 1 });
    expect(report.detail).toMatchObject({ corpus: expectedCorpus, feedback: 1, feedback_skipped: 0, model: modelPath });
    const model = TextModel.load(modelPath);
    expect(model.trainedOn).toBe(expectedCorpus + 1);
    expect(model.json.cross_validation?.macro_f1).toBeGreaterThan(0.5);
    expect(readdirSync(join(dir, 'models'))).toEqual(['classifier.json']);

    // A corpus that is not there: a failed run that says which file, and the model stays as it was.
    const before = model.json.trained_at;
    const missing = instance('train-2', (p) => [retrainJob({ intervalMs: 0, corpus: [join(dir, 'nope.jsonl')], feedback: new FeedbackStore(p), modelPath })]);
    const failed = await missing.runNow('retrain');
    expect(failed).toMatchObject({ outcome: 'failed' });
    expect(failed.error).toMatch(/nope\.jsonl not found \(PD_RETRAIN_CORPUS\)/);
    expect(TextModel.load(modelPath).json.trained_at).toBe(before);
  });
});
