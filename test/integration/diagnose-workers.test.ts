import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'mysql2/promise';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { ExceptionStore, type NewException } from '../../src/adapters/mysql/exception-store.js';
import { createMysqlPool, migrateMysql } from '../../src/adapters/mysql/mysql.js';
import { PACKAGE_ROOT, TOPICS_DIR } from '../../src/core/paths.js';
import { TopicCatalog } from '../../src/core/topic-catalog.js';
import { readTopic } from '../../src/sample/topic-reader.js';
import { LLM_CHAT_URL, LLM_EMBEDDINGS_URL, MILVUS_ADDRESS } from '../../src/stack/index.js';
import { classifyEvent } from '../../src/stages/classify/classify-event.js';
import { createDiagnosisServices } from '../../src/stages/diagnose/diagnosis-services.js';
import { readKnowledgeBase } from '../../src/stages/diagnose/knowledge-base.js';
import type { DiagnosisRecord } from '../../src/stages/diagnose/diagnose-worker.js';
import { exitOf, provisionTestTopics, quietLogger, spawnPipeline, testConfig, uniqueSuffix, waitFor } from '../support/integration.js';

/**
 * The diagnosis queue end to end on the real services: two `run` processes (PD_STAGES=diagnose)
 * against MariaDB, the local Milvus and the local OpenAI-compatible LLM (chat and embeddings).
 * One is SIGKILLed while it holds claims; its rows are taken over after the lease. Every row is
 * completed once, every diagnosis is published and schema-valid.
 */
const suffix = uniqueSuffix();
const database = `pd_diag_${suffix}`;
const base = testConfig();
const mysqlUrl = base.mysql.url.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);
const ROWS = 200;
// A slice of the shipped knowledge base: the local CPU-only embeddings server takes about a
// second per text, so indexing all of it would dominate the test (retrieval quality is measured
// by bench/retrieval-eval.ts instead).
const kbDir = mkdtempSync(join(tmpdir(), 'pd-kb-'));
const env = (instance: string) => ({
  PD_KB_DIR: kbDir,
  MYSQL_URL: mysqlUrl,
  PD_TOPIC_PREFIX: `it-diag-${suffix}.`,
  PD_INSTANCE_ID: instance,
  PD_STAGES: 'diagnose',
  PD_CHDB_PATH: join(PACKAGE_ROOT, '.stack', `chdb-diag-${suffix}-${instance}`),
  MILVUS_ADDRESS,
  OPENAI_BASE_URL: LLM_CHAT_URL,
  PD_LLM_MODEL: 'smollm2-135m',
  // The local model has a 2048-token context: a small prompt leaves room for the answer.
  PD_LLM_MAX_OUTPUT_TOKENS: '300',
  PD_LLM_MAX_PROMPT_CHARS: '2000',
  PD_EMBEDDINGS: 'openai',
  PD_EMBEDDINGS_BASE_URL: LLM_EMBEDDINGS_URL,
  PD_EMBEDDING_MODEL: `smollm2_135m_it_${suffix}`,
  PD_EMBEDDING_DIMENSION: '576',
  PD_DIAGNOSE_LEASE_MS: '6000',
  PD_DIAGNOSE_CLAIM_BATCH: '4',
  PD_DIAGNOSE_POLL_MS: '200',
});

/**
 * Two real error texts from the labelled corpus (two failures), 100 events each: few
 * generations, because the CPU-only model shares two cores with the other integration tests.
 */
function exceptions(): NewException[] {
  const corpus = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'flink-errors', 'corpus.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; text: string; error_type: string })
    .filter((e) => e.error_type !== 'none');
  const picked = ['checkpoint_failure', 'oom'].map((t) => corpus.find((e) => e.error_type === t)!);
  return Array.from({ length: ROWS }, (_, i) => {
    const text = picked[i % picked.length]!.text;
    const c = classifyEvent(text);
    return {
      event_id: `diag-${suffix}-${i}`,
      job_id: `job-${i % 5}`,
      job_name: `orders-${i % 5}`,
      job_type: 'streaming',
      job_config: null,
      error_message: text,
      error_type: c.error_type === 'none' ? 'other' : c.error_type,
      error_subtype: c.subtype,
      fingerprint: c.fingerprint,
      classify_confidence: c.confidence,
      stack_trace: null,
      event_time: new Date(Date.now() - 60_000 + i).toISOString(),
    };
  });
}

describe('diagnose workers on the real stack', () => {
  let admin: Pool;
  let pool: Pool;
  const children: ChildProcess[] = [];
  const catalog = TopicCatalog.load(TOPICS_DIR, `it-diag-${suffix}.`);

  beforeAll(async () => {
    admin = createMysqlPool(base.mysql.url, 1);
    await admin.query(`CREATE DATABASE ${database}`);
    await migrateMysql(mysqlUrl, quietLogger);
    pool = createMysqlPool(mysqlUrl, 2);
    // Two cases per type and the docs they link; indexed once here, so the workers find it loaded.
    const kb = readKnowledgeBase(join(PACKAGE_ROOT, 'kb'));
    const cases = ['checkpoint_failure', 'backpressure', 'deserialization_error', 'oom', 'network', 'other'].flatMap((t) => kb.cases.filter((c) => c.error_type === t).slice(0, 2));
    const docIds = new Set(cases.flatMap((c) => c.related_docs.slice(0, 1)));
    writeFileSync(join(kbDir, 'cases.jsonl'), cases.map((c) => JSON.stringify(c)).join('\n'));
    writeFileSync(join(kbDir, 'docs.jsonl'), kb.docs.filter((d) => docIds.has(d.doc_id)).map((d) => JSON.stringify(d)).join('\n'));
    const services = await createDiagnosisServices(testConfig(env('setup')), quietLogger);
    await services.close();
    await provisionTestTopics(await createBroker(base.kafka, quietLogger), catalog.prefix);
  }, 300_000);

  afterAll(async () => {
    // A failed assertion must not leave worker processes running.
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await pool?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
    for (const i of ['a', 'b']) rmSync(join(PACKAGE_ROOT, '.stack', `chdb-diag-${suffix}-${i}`), { recursive: true, force: true });
    rmSync(kbDir, { recursive: true, force: true });
  });

  it('two workers diagnose 200 rows once each; a killed worker\'s claims are taken over after the lease', async () => {
    const rows = exceptions();
    await new ExceptionStore(pool).insertPending(rows);
    const a = spawnPipeline(env('a'));
    const b = spawnPipeline(env('b'));
    children.push(a, b);

    // Kill A while it holds claims (rows in progress under its id).
    const held = await waitFor('worker a holding claims', async () => {
      const [found] = await pool.query("SELECT id FROM flink_job_exceptions WHERE status = 'in_progress' AND claimed_by LIKE 'a-%'");
      const list = found as { id: string }[];
      return list.length > 0 ? list.map((r) => String(r.id)) : undefined;
    }, 180_000, 50).catch((err: Error) => {
      throw new Error(`${err.message}\n--- worker a output (tail) ---\n${a.output.join('').slice(-4000)}`);
    });
    a.kill('SIGKILL');
    expect((await exitOf(a)).signal).toBe('SIGKILL');

    const lastOutput = () => `\n--- worker b output (tail) ---\n${b.output.join('').slice(-4000)}`;
    await waitFor('all rows completed', async () => {
      const [found] = await pool.query("SELECT COUNT(*) AS n FROM flink_job_exceptions WHERE status = 'completed'");
      return Number((found as { n: number }[])[0]!.n) === ROWS;
    }, 480_000, 500).catch((err: Error) => {
      throw new Error(`${err.message}${lastOutput()}`);
    });
    b.kill('SIGTERM');
    expect((await exitOf(b)).code, b.output.join('').slice(-3000)).toBe(0);

    const [completed] = await pool.query('SELECT id, status, attempts, claimed_by, suggested_fix, diagnosis_provider, diagnosis_confidence FROM flink_job_exceptions');
    const byId = new Map((completed as { id: string; attempts: number; claimed_by: string; suggested_fix: string; diagnosis_provider: string; diagnosis_confidence: number }[]).map((r) => [String(r.id), r]));
    expect(byId.size).toBe(ROWS);
    // The rows A held were finished by B, on a second attempt.
    for (const id of held) {
      expect(byId.get(id)!.claimed_by).toMatch(/^b-/);
      expect(byId.get(id)!.attempts).toBeGreaterThanOrEqual(2);
    }
    for (const row of byId.values()) {
      const fix = JSON.parse(row.suggested_fix) as Record<string, unknown>;
      expect(Object.keys(fix).sort()).toEqual(['detailed_analysis', 'priority', 'related_docs', 'root_cause', 'suggested_fix']);
      expect(['high', 'medium', 'low']).toContain(fix.priority);
      expect(row.diagnosis_confidence).toBeGreaterThan(0);
    }
    // The LLM was up: answers are the model's; where the tiny model's answer was unusable, the
    // fallback answered and the row says so (never a silent substitution).
    const providers = new Map<string, number>();
    for (const r of byId.values()) providers.set(r.diagnosis_provider, (providers.get(r.diagnosis_provider) ?? 0) + 1);
    expect([...providers.keys()].every((p) => p === 'openai:smollm2-135m' || p === 'deterministic:degraded'), JSON.stringify([...providers])).toBe(true);
    // At least one of the two failures is answered by the 135M-parameter model (it cannot always
    // produce a usable answer); the other may be the marked fallback.
    expect(providers.get('openai:smollm2-135m') ?? 0, JSON.stringify([...providers])).toBeGreaterThanOrEqual(ROWS / 2);

    // Every diagnosis is on the topic (at least once: A may have published rows it never completed).
    const broker = await createBroker(base.kafka, quietLogger);
    const published = await readTopic(broker, catalog.get('diagnoses').topic, {
      timeoutMs: 60_000,
      done: (records) => new Set(records.map((r) => r.headers['pd.exception_id']?.toString())).size >= ROWS,
    });
    const ids = published.map((r) => (JSON.parse(r.value!.toString()) as DiagnosisRecord).exception_id);
    expect(new Set(ids).size).toBe(ROWS);
    expect(ids.length - ROWS).toBeLessThanOrEqual(4); // at most A's one claim batch twice
    const sample = JSON.parse(published[0]!.value!.toString()) as DiagnosisRecord;
    expect(sample.time_to_diagnosis_ms).toBeGreaterThan(0);
    expect(sample.similar_cases.length).toBeGreaterThan(0);
  }, 900_000);
});
