import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { ExceptionStore } from '../../src/adapters/mysql/exception-store.js';
import { FeedbackStore } from '../../src/adapters/mysql/feedback-store.js';
import { KnowledgeCaseStore } from '../../src/adapters/mysql/knowledge-case-store.js';
import { createMysqlPool, migrateMysql } from '../../src/adapters/mysql/mysql.js';
import { HashingEmbedder } from '../../src/adapters/llm/hashing-embedder.js';
import { MemoryVectorStore } from '../../src/adapters/vector/memory-vector-store.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { startPipeline, type RunningPipeline } from '../../src/pipeline.js';
import type { Broker, ConsumedRecord } from '../../src/ports/broker.js';
import { readTopic } from '../../src/sample/topic-reader.js';
import { Retriever } from '../../src/stages/diagnose/retriever.js';
import { FeedbackSink, createFeedbackStage, type StoredCase } from '../../src/stages/feedback/feedback-stage.js';
import { quietLogger, testConfig, uniqueSuffix, waitFor } from '../support/integration.js';

/**
 * Feedback end to end on the local stack: POST /feedback → the feedback topic → the feedback
 * stage → MariaDB (a database of its own) and the embedded vector store, then the export that
 * `train --feedback` reads. The exception was classified as a checkpoint timeout; the operator
 * says the diagnosis did not help, it is an OOM, and gives the fix that worked.
 */
const suffix = uniqueSuffix();
const database = `pd_fb_${suffix}`;
const base = testConfig();
const mysqlUrl = base.mysql.url.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);
const vectorDir = mkdtempSync(join(tmpdir(), 'pd-fb-vectors-'));
const workDir = mkdtempSync(join(tmpdir(), 'pd-fb-'));
const chdbPath = join(PACKAGE_ROOT, '.stack', `chdb-itfb-${suffix}`);
const env = {
  MYSQL_URL: mysqlUrl,
  PD_TOPIC_PREFIX: `itfb-${suffix}.`,
  PD_INSTANCE_ID: `itfb-${suffix}`,
  PD_STAGES: 'feedback',
  PD_HTTP_PORT: '0',
  PD_CHDB_PATH: chdbPath,
  // The embedded vector store and the offline embedder: the test reads the store's file.
  PD_VECTOR_DIR: vectorDir,
  PD_EMBEDDINGS: 'hashing',
  MILVUS_ADDRESS: '',
  OPENAI_BASE_URL: '',
  OPENAI_API_KEY: '',
};
const config = testConfig(env);

const ERROR_MESSAGE = 'org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing.';
const STACK_TRACE = [
  'Caused by: java.lang.OutOfMemoryError: Java heap space',
  '\tat java.util.Arrays.copyOf(Arrays.java:3236)',
  '\tat com.example.orders.EnrichmentFunction.cacheCustomer(EnrichmentFunction.java:88)',
  '\tat org.apache.flink.streaming.runtime.tasks.StreamTask.invoke(StreamTask.java:753)',
].join('\n');
const TEXT = `${ERROR_MESSAGE}\n${STACK_TRACE}`;
const FINGERPRINT = 'feedbac0ffee0001';
// Hostile on purpose: stored and returned as data.
const CORRECTED_FIX = "Raise taskmanager.memory.task.heap.size to 4g and bound EnrichmentFunction's customer cache'); DROP TABLE knowledge_cases;--";

async function queryOne<T>(pool: Pool, sql: string, params: unknown[]): Promise<T | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(sql, params);
  return rows[0] as T | undefined;
}

/** The retriever over what the pipeline's embedded store has written to its folder so far. */
async function retrieverOnDisk(): Promise<{ retriever: Retriever; cases: number }> {
  const store = new MemoryVectorStore(vectorDir);
  const retriever = new Retriever(new HashingEmbedder(), store);
  await retriever.ensureCollections();
  return { retriever, cases: await store.count(retriever.collections.cases) };
}

describe('feedback on the local stack', () => {
  let admin: Pool;
  let pool: Pool;
  let broker: Broker;
  let pipeline: RunningPipeline;
  let exceptionId: string;
  const url = (path: string) => `http://127.0.0.1:${pipeline.httpPort}${path}`;
  const post = (body: unknown) => fetch(url('/feedback'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const recordsIn = async () => Number(/pd_records_in_total\{stage="feedback"\} (\d+)/.exec(await (await fetch(url('/metrics'))).text())?.[1] ?? 0);
  const topic = `${env.PD_TOPIC_PREFIX}feedback`;
  const autoCase = `auto-${FINGERPRINT}`;

  beforeAll(async () => {
    admin = createMysqlPool(base.mysql.url, 1);
    await admin.query(`CREATE DATABASE ${database}`);
    await migrateMysql(mysqlUrl, quietLogger);
    pool = createMysqlPool(mysqlUrl, 2);

    // A diagnosed exception (the diagnosis written as the diagnose worker stores it) and the auto
    // case its diagnosis became.
    await new ExceptionStore(pool).insertPending([
      { event_id: `fb-ev-${suffix}`, job_id: 'orders', job_name: 'orders', job_type: 'streaming', job_config: null, error_message: ERROR_MESSAGE, error_type: 'checkpoint_failure', error_subtype: 'checkpoint_timeout', fingerprint: FINGERPRINT, classify_confidence: 0.9, stack_trace: STACK_TRACE, event_time: new Date().toISOString() },
    ]);
    exceptionId = String((await queryOne<{ id: string }>(pool, 'SELECT id FROM flink_job_exceptions WHERE event_id = ?', [`fb-ev-${suffix}`]))!.id);
    const diagnosis = { root_cause: 'Checkpoints take longer than the checkpoint timeout.', detailed_analysis: '', suggested_fix: 'Raise execution.checkpointing.timeout.', priority: 'medium', related_docs: [] };
    await pool.query("UPDATE flink_job_exceptions SET status = 'completed', suggested_fix = ?, diagnosis_confidence = 0.9, diagnosis_provider = 'test' WHERE id = ?", [JSON.stringify(diagnosis), exceptionId]);
    await new KnowledgeCaseStore(pool).upsert([
      { case_id: autoCase, error_type: 'checkpoint_failure', error_subtype: 'checkpoint_timeout', error_pattern: diagnosis.root_cause, root_cause: diagnosis.root_cause, solution: diagnosis.suggested_fix, fingerprint: FINGERPRINT, source_exception_id: exceptionId, source_type: 'auto', verified: false },
    ]);

    broker = await createBroker(config.kafka, quietLogger);
    pipeline = await startPipeline(config, quietLogger);
    await waitFor('pipeline ready', async () => (await fetch(url('/readyz'))).status === 200, 60_000);
  });

  afterAll(async () => {
    await pipeline?.stop();
    await pool?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
    for (const dir of [vectorDir, workDir, chdbPath]) rmSync(dir, { recursive: true, force: true });
  });

  it('corrects the type, verifies the corrected fix, and ranks it first for that error', async () => {
    const res = await post({ exception_id: exceptionId, helpful: false, corrected_error_type: 'oom', corrected_subtype: 'heap_oom', corrected_fix: CORRECTED_FIX, verified: true, by: 'alice' });
    expect(res.status).toBe(202);
    const { feedback_id } = (await res.json()) as { feedback_id: string };
    expect(feedback_id).toMatch(/^http-/);

    const exception = await waitFor('the corrected type', async () => {
      const row = await queryOne<{ error_type: string; error_subtype: string }>(pool, 'SELECT error_type, error_subtype FROM flink_job_exceptions WHERE id = ?', [exceptionId]);
      return row?.error_type === 'oom' && row;
    }, 60_000);
    expect(exception.error_subtype).toBe('heap_oom');

    const feedback = await queryOne<Record<string, unknown>>(pool, 'SELECT * FROM diagnosis_feedback WHERE feedback_id = ?', [feedback_id]);
    expect(feedback).toMatchObject({ exception_id: exceptionId, helpful: 0, verified: 1, submitted_by: 'alice', previous_error_type: 'checkpoint_failure', previous_error_subtype: 'checkpoint_timeout', rated_case_id: autoCase, verified_case_id: `fb-${exceptionId}` });
    expect(await queryOne(pool, 'SELECT helpful_count, unhelpful_count, verified FROM knowledge_cases WHERE case_id = ?', [autoCase])).toEqual({ helpful_count: 0, unhelpful_count: 1, verified: 0 });
    expect(await queryOne(pool, 'SELECT error_type, error_subtype, solution, verified, source_type, source_exception_id, fingerprint FROM knowledge_cases WHERE case_id = ?', [`fb-${exceptionId}`])).toEqual({
      error_type: 'oom', error_subtype: 'heap_oom', solution: CORRECTED_FIX, verified: 1, source_type: 'manual', source_exception_id: exceptionId, fingerprint: FINGERPRINT,
    });

    // In the vector store too, verified: the top case for this error, whether or not the
    // retrieval is told the (corrected) classification.
    const top = await waitFor('the verified case in the vector store', async () => {
      const { cases } = await (await retrieverOnDisk()).retriever.retrieve(TEXT, { errorType: 'oom', subtype: 'heap_oom', confident: true });
      return cases[0]?.case_id === `fb-${exceptionId}` && cases[0];
    }, 30_000);
    expect(top).toMatchObject({ verified: true, solution: CORRECTED_FIX, error_type: 'oom', subtype: 'heap_oom' });
    const onDisk = await retrieverOnDisk();
    // It outranks the shipped knowledge base, which the pipeline indexed into the empty store.
    expect(onDisk.cases).toBeGreaterThan(80);
    const { cases: unguided } = await onDisk.retriever.retrieve(TEXT);
    expect(unguided[0]?.case_id).toBe(`fb-${exceptionId}`);
  }, 120_000);

  it('changes nothing when a record is replayed', async () => {
    // Feedback without a client id: its idempotency key is its Kafka position.
    const producer = broker.producer();
    await producer.connect();
    await producer.send([{ topic, messages: [{ key: exceptionId, value: JSON.stringify({ exception_id: exceptionId, helpful: true, comment: 'the second time it helped' }) }] }]);
    const counts = () => queryOne<{ helpful_count: number; unhelpful_count: number }>(pool, 'SELECT helpful_count, unhelpful_count FROM knowledge_cases WHERE case_id = ?', [autoCase]);
    await waitFor('the helpful count', async () => (await counts())?.helpful_count === 1, 60_000);

    // The same records again: what POST /feedback produced (same feedback_id) sent anew, and the
    // keyless one consumed a second time at the same offset, as after a crash before the commit.
    const records = await readTopic(broker, topic, { timeoutMs: 30_000, done: (r) => r.length >= 2 });
    const posted = records.find((r) => r.value!.includes('"feedback_id"'));
    const keyless = records.find((r) => !r.value!.includes('"feedback_id"'));
    const before = await recordsIn();
    await producer.send([{ topic, messages: [{ key: posted!.key, value: posted!.value }] }]);
    await producer.disconnect();
    await waitFor('the replayed record consumed', async () => (await recordsIn()) > before, 60_000);
    await redeliver(keyless!);

    expect(await counts()).toEqual({ helpful_count: 1, unhelpful_count: 1 });
    const [rows] = await pool.query<RowDataPacket[]>('SELECT feedback_id FROM diagnosis_feedback ORDER BY id');
    expect(rows.map((r) => r.feedback_id)).toEqual([JSON.parse(posted!.value!.toString()).feedback_id, `${topic}-${keyless!.partition}-${keyless!.offset}`]);
  }, 120_000);

  /** Runs a consumed record through the feedback stage and its sink once more, as a redelivery would. */
  async function redeliver(record: ConsumedRecord): Promise<void> {
    const store = new FeedbackStore(pool);
    const indexed: StoredCase[] = [];
    const outputs = await createFeedbackStage(store).process(record);
    await new FeedbackSink(store, async (c) => void indexed.push(c)).write(outputs.flatMap((o) => (o.kind === 'row' ? [o.row] : [])));
    expect(indexed).toEqual([]);
  }

  it('answers 400 to invalid feedback and 413 to a body past 64 KB', async () => {
    const invalid = await post({ exception_id: exceptionId, corrected_error_type: 'network', corrected_subtype: 'heap_oom' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ error: 'invalid feedback', problems: [expect.stringMatching(/^corrected_subtype: not a subtype of network/)] });
    const huge = await post({ exception_id: exceptionId, helpful: true, comment: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
  });

  it('dead-letters malformed records and feedback on unknown exceptions, with the reason', async () => {
    const producer = broker.producer();
    await producer.connect();
    await producer.send([{ topic, messages: [{ key: 'x', value: '{"exception_id":' }, { key: '999999999', value: JSON.stringify({ exception_id: '999999999', helpful: true }) }] }]);
    await producer.disconnect();
    const dead = await readTopic(broker, `${topic}.dlq`, { timeoutMs: 60_000, done: (r) => r.length >= 2 });
    const reasons = Object.fromEntries(dead.map((r) => [r.headers['dlq.reason']!.toString(), r.headers['dlq.error']!.toString()]));
    expect(reasons).toEqual({ malformed_json: expect.stringMatching(/^feedback value is not JSON/), unknown_exception: 'no flink_job_exceptions row with exception_id 999999999' });
    expect(dead.every((r) => r.headers['dlq.stage']?.toString() === 'feedback' && r.headers['dlq.source.topic']?.toString() === topic)).toBe(true);
  }, 90_000);

  it('exports the corrections as training data that train --feedback takes', () => {
    const cli = (args: string[]) => spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'pipeline-doctor.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env, PD_FROM_SOURCE: '1', LOG_LEVEL: 'warn' } });
    const out = join(workDir, 'corrections.ndjson');
    const exported = cli(['feedback', 'export', '--out', out]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/^1 corrected exception\(s\) written/);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ id: `feedback-${exceptionId}`, text: TEXT, error_type: 'oom', subtype: 'heap_oom' }]);

    const trained = cli(['train', '--feedback', out, '--out', join(workDir, 'classifier.json')]);
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toContain(`${out}: 1 used, 0 none, 0 bad`);
  }, 60_000);
});
