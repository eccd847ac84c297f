/**
 * Replay of many error events with few distinct failures through the diagnosis queue: LLM calls
 * must grow with distinct fingerprints, not with volume.
 *
 *   npx tsx bench/diagnose-replay.ts [--events 50000] [--fingerprints 100] [--workers 2] [--llm]
 *
 * Inserts the events as pending rows of flink_job_exceptions (a database of its own on the local
 * MariaDB), runs `--workers` diagnose workers in this process (one diagnoser with the MySQL-shared
 * cache, as across instances) until every row is completed, and counts generator calls
 * at the client. With --llm the generator is the local OpenAI-compatible server of the stack
 * (OPENAI_BASE_URL, default http://127.0.0.1:8090/v1); else the deterministic one.
 * Needs `pipeline-doctor stack up kafka mariadb` (and `llm` for --llm).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBroker } from '../src/adapters/kafka/create-broker.js';
import { HashingEmbedder } from '../src/adapters/llm/hashing-embedder.js';
import { OpenAiGenerator } from '../src/adapters/llm/openai-adapters.js';
import { ExceptionStore, type NewException } from '../src/adapters/mysql/exception-store.js';
import { KnowledgeCaseStore } from '../src/adapters/mysql/knowledge-case-store.js';
import { MysqlDiagnosisCache } from '../src/adapters/mysql/diagnosis-cache-store.js';
import { createMysqlPool, migrateMysql } from '../src/adapters/mysql/mysql.js';
import { MemoryVectorStore } from '../src/adapters/vector/memory-vector-store.js';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { PipelineMetrics } from '../src/core/metrics.js';
import { PACKAGE_ROOT, TOPICS_DIR } from '../src/core/paths.js';
import { provisionTopics } from '../src/core/provision.js';
import { TopicCatalog } from '../src/core/topic-catalog.js';
import { LLM_CHAT_URL } from '../src/stack/index.js';
import { classifyEvent } from '../src/stages/classify/classify-event.js';
import { DiagnoseWorker } from '../src/stages/diagnose/diagnose-worker.js';
import { Diagnoser } from '../src/stages/diagnose/diagnoser.js';
import { indexKnowledgeBase } from '../src/stages/diagnose/diagnosis-services.js';
import { readKnowledgeBase } from '../src/stages/diagnose/knowledge-base.js';
import { Retriever } from '../src/stages/diagnose/retriever.js';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '50000' }, fingerprints: { type: 'string', default: '100' }, workers: { type: 'string', default: '2' }, llm: { type: 'boolean', default: false } },
});
const EVENTS = Number(args.events);
const WANTED = Number(args.fingerprints);
const log = createLogger('warn');
const config = loadConfig(process.env);
const run = Math.random().toString(36).slice(2, 8);
const database = `pd_bench_${run}`;
const url = config.mysql.url.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);

// Distinct failures: corpus error texts with distinct fingerprints.
const texts: { text: string; c: ReturnType<typeof classifyEvent> }[] = [];
const seen = new Set<string>();
for (const line of readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'flink-errors', 'corpus.jsonl'), 'utf8').split('\n').filter(Boolean)) {
  const { text, error_type } = JSON.parse(line) as { text: string; error_type: string };
  const c = classifyEvent(text);
  if (error_type === 'none' || c.error_type === 'none' || !c.fingerprint || seen.has(c.fingerprint)) continue;
  seen.add(c.fingerprint);
  texts.push({ text, c });
  if (texts.length === WANTED) break;
}
if (texts.length < WANTED) throw new Error(`only ${texts.length} distinct fingerprints in the corpus`);

const admin = createMysqlPool(config.mysql.url, 1);
await admin.query(`CREATE DATABASE ${database}`);
const pool = createMysqlPool(url, 8);
try {
  await migrateMysql(url, log);
  const store = new ExceptionStore(pool);
  const t0 = performance.now();
  for (let start = 0; start < EVENTS; start += 2000) {
    const rows: NewException[] = [];
    for (let i = start; i < Math.min(EVENTS, start + 2000); i++) {
      const { text, c } = texts[i % texts.length]!;
      rows.push({ event_id: `bench-${run}-${i}`, job_id: `job-${i % 37}`, job_name: null, job_type: 'streaming', job_config: null, error_message: text, error_type: c.error_type, error_subtype: c.subtype, fingerprint: c.fingerprint, classify_confidence: c.confidence, stack_trace: null, event_time: new Date().toISOString() });
    }
    await store.insertPending(rows);
  }
  console.log(`inserted ${EVENTS.toLocaleString('en-US')} pending rows (${texts.length} fingerprints) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const retriever = new Retriever(new HashingEmbedder(), new MemoryVectorStore(null));
  await retriever.ensureCollections();
  await indexKnowledgeBase(retriever, readKnowledgeBase(join(PACKAGE_ROOT, 'kb')));
  let calls = 0;
  let hits = 0;
  const llm = args.llm ? new OpenAiGenerator({ baseURL: process.env.OPENAI_BASE_URL ?? LLM_CHAT_URL, apiKey: 'not-needed', model: 'smollm2-135m', timeoutMs: 60_000, maxRetries: 2, maxOutputTokens: 400, maxPromptChars: 3500 }) : undefined;
  // Generations counted at the client: LLM calls, or (without an LLM) deterministic compositions = cache misses.
  const diagnoser = new Diagnoser({
    retriever, llm, log, cacheTtlMs: 3_600_000, shared: new MysqlDiagnosisCache(pool),
    onGeneration: () => calls++,
    onCache: (outcome) => {
      if (outcome === 'hit') hits++;
      else if (!llm) calls++;
    },
  });

  const broker = await createBroker(config.kafka, log);
  const catalog = TopicCatalog.load(TOPICS_DIR, `bench-${run}.`);
  const kafkaAdmin = broker.admin();
  await kafkaAdmin.connect();
  await provisionTopics(kafkaAdmin, catalog);
  await kafkaAdmin.disconnect();
  const producer = broker.producer();
  await producer.connect();
  const metrics = new PipelineMetrics();
  const workers = Array.from({ length: Number(args.workers) }, (_, i) => new DiagnoseWorker({
    workerId: `bench-${i}`, store, cases: new KnowledgeCaseStore(pool), diagnoser, retriever, producer,
    topics: { diagnoses: catalog.get('diagnoses').topic, alerts: catalog.get('alerts').topic }, log, metrics,
    claimBatch: 50, leaseMs: 120_000, maxAttempts: 5, pollMs: 100, autoCaseConfidence: 0.8, alertWindowMs: 3_600_000,
  }));
  const t1 = performance.now();
  workers.forEach((w) => w.start());
  let lastReport = 0;
  for (;;) {
    const counts = await store.countByStatus();
    if (counts.completed + counts.failed === EVENTS) break;
    if (performance.now() - lastReport > 5000) {
      console.log(`  completed ${counts.completed.toLocaleString('en-US')} / ${EVENTS.toLocaleString('en-US')}, generation calls ${calls}`);
      lastReport = performance.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await Promise.all(workers.map((w) => w.stop()));
  const seconds = (performance.now() - t1) / 1000;
  const counts = await store.countByStatus();
  await producer.disconnect();
  console.log(`diagnosed ${counts.completed.toLocaleString('en-US')} (failed ${counts.failed}) in ${seconds.toFixed(1)} s = ${Math.round(counts.completed / seconds).toLocaleString('en-US')} rows/s with ${workers.length} workers`);
  console.log(`generation calls: ${calls} (${llm ? llm.name : 'deterministic'}) for ${texts.length} distinct fingerprints; cache hits ${hits}`);
  console.log(JSON.stringify({ bench: 'diagnose-replay', events: EVENTS, fingerprints: texts.length, workers: workers.length, generator: llm ? llm.name : 'deterministic', calls, completed: counts.completed, seconds: Number(seconds.toFixed(1)) }));
  if (calls > texts.length) process.exitCode = 1;
} finally {
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.end();
}
