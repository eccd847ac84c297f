import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'mysql2/promise';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { HashingEmbedder } from '../../src/adapters/llm/hashing-embedder.js';
import { OpenAiGenerator } from '../../src/adapters/llm/openai-adapters.js';
import { MysqlDiagnosisCache } from '../../src/adapters/mysql/diagnosis-cache-store.js';
import { ExceptionStore, type NewException } from '../../src/adapters/mysql/exception-store.js';
import { KnowledgeCaseStore } from '../../src/adapters/mysql/knowledge-case-store.js';
import { createMysqlPool, migrateMysql } from '../../src/adapters/mysql/mysql.js';
import { MilvusVectorStore } from '../../src/adapters/vector/milvus-vector-store.js';
import { PipelineMetrics } from '../../src/core/metrics.js';
import { TransientError } from '../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import type { BrokerProducer } from '../../src/ports/broker.js';
import type { GenerationRequest, Generator } from '../../src/ports/retrieval.js';
import { MILVUS_ADDRESS } from '../../src/stack/index.js';
import { DiagnoseWorker } from '../../src/stages/diagnose/diagnose-worker.js';
import { Diagnoser } from '../../src/stages/diagnose/diagnoser.js';
import { indexKnowledgeBase } from '../../src/stages/diagnose/diagnosis-services.js';
import { readKnowledgeBase } from '../../src/stages/diagnose/knowledge-base.js';
import { Retriever } from '../../src/stages/diagnose/retriever.js';
import { provisionTestTopics, quietLogger, testConfig, uniqueSuffix, waitFor } from '../support/integration.js';

/**
 * The LLM server goes away and comes back, as seen by the real openai client: a TCP proxy in
 * front of the local chat server is closed (connections refused) and reopened. Diagnoses keep
 * flowing while it is away (deterministic, marked degraded), none is lost, and once it is back
 * new fingerprints are written by the model again. Vectors in the real local Milvus.
 *
 * The local model is tiny (135M): some of its answers are cut off or not the asked JSON, and the
 * diagnoser stores those as degraded too. So "the model was used" is checked at the client (the
 * server answered, usable or not), and a degraded row while the server is up must come from an
 * unusable answer, never from the server being unreachable.
 */
const suffix = uniqueSuffix();
const database = `pd_outage_${suffix}`;
const base = testConfig();
const mysqlUrl = base.mysql.url.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);

/** Counts what the LLM client saw: answers, unusable answers, and an unreachable server. */
class ObservedGenerator implements Generator {
  readonly name: string;
  seen = { answered: 0, unusable: 0, unreachable: 0 };

  constructor(private readonly inner: Generator) {
    this.name = inner.name;
  }

  async generate(request: GenerationRequest) {
    try {
      const result = await this.inner.generate(request);
      this.seen.answered++;
      return result;
    } catch (err) {
      if (err instanceof TransientError) this.seen.unreachable++;
      else this.seen.unusable++;
      throw err;
    }
  }

  /** Requests the server answered (usable or not). */
  get reached(): number {
    return this.seen.answered + this.seen.unusable;
  }
}

/** A TCP forwarder that can be switched off (listener closed, live connections cut) and on again. */
class SwitchableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

function rows(tag: string, text: string, fingerprint: string, n: number): NewException[] {
  return Array.from({ length: n }, (_, i) => ({
    event_id: `${tag}-${suffix}-${i}`, job_id: `job-${tag}`, job_name: null, job_type: 'streaming', job_config: null,
    error_message: text, error_type: 'oom', error_subtype: 'metaspace_oom', fingerprint, classify_confidence: 0.9, stack_trace: null, event_time: new Date().toISOString(),
  }));
}

describe('diagnosis while the LLM server is away', () => {
  const proxy = new SwitchableProxy({ host: '127.0.0.1', port: 8090 });
  let admin: Pool;
  let pool: Pool;
  let milvus: MilvusVectorStore;
  let producer: BrokerProducer;
  let worker: DiagnoseWorker;
  let store: ExceptionStore;
  let llm: ObservedGenerator;

  beforeAll(async () => {
    admin = createMysqlPool(base.mysql.url, 1);
    await admin.query(`CREATE DATABASE ${database}`);
    await migrateMysql(mysqlUrl, quietLogger);
    pool = createMysqlPool(mysqlUrl, 4);
    store = new ExceptionStore(pool);
    await proxy.up();

    milvus = await MilvusVectorStore.connect({ address: MILVUS_ADDRESS, index: 'IVF_FLAT' });
    const retriever = new Retriever(new HashingEmbedder(), milvus);
    await retriever.ensureCollections();
    await indexKnowledgeBase(retriever, readKnowledgeBase(join(PACKAGE_ROOT, 'kb')));
    llm = new ObservedGenerator(new OpenAiGenerator({ baseURL: `http://127.0.0.1:${proxy.port}/v1`, apiKey: 'not-needed', model: 'smollm2-135m', timeoutMs: 60_000, maxRetries: 1, maxOutputTokens: 400, maxPromptChars: 2000 }));
    const diagnoser = new Diagnoser({ retriever, llm, log: quietLogger, cacheTtlMs: 3_600_000, degradedTtlMs: 1_000, shared: new MysqlDiagnosisCache(pool) });

    const broker = await createBroker(base.kafka, quietLogger);
    const catalog = await provisionTestTopics(broker, `it-outage-${suffix}.`);
    producer = broker.producer();
    await producer.connect();
    worker = new DiagnoseWorker({
      workerId: 'outage-test', store, cases: new KnowledgeCaseStore(pool), diagnoser, retriever, producer,
      topics: { diagnoses: catalog.get('diagnoses').topic, alerts: catalog.get('alerts').topic },
      log: quietLogger, metrics: new PipelineMetrics(), claimBatch: 10, leaseMs: 60_000, maxAttempts: 5, pollMs: 100, autoCaseConfidence: 2, alertWindowMs: 60_000,
    });
    worker.start();
  }, 300_000);

  afterAll(async () => {
    await worker?.stop();
    await producer?.disconnect();
    await milvus?.close();
    await proxy.down();
    await pool?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
  });

  const providersOf = async (tag: string) => {
    const [found] = await pool.query("SELECT status, diagnosis_provider AS provider FROM flink_job_exceptions WHERE event_id LIKE ?", [`${tag}-%`]);
    return found as { status: string; provider: string }[];
  };
  const completed = (tag: string, n: number) =>
    waitFor(`${n} ${tag} rows completed`, async () => {
      const list = await providersOf(tag);
      return list.length === n && list.every((r) => r.status === 'completed') ? list : undefined;
    }, 240_000, 200);

  it('uses the model, degrades while it is away without losing rows, and uses it again for new fingerprints', async () => {
    const MODEL = 'openai:smollm2-135m';
    const DEGRADED = 'deterministic:degraded';
    /** While the server is up: the model's answer, or (its answer unusable) a degraded one. */
    const expectModelUsed = (providers: string[], reachedBefore: number) => {
      expect(llm.reached, JSON.stringify(llm.seen)).toBeGreaterThan(reachedBefore);
      expect(llm.seen.unreachable, JSON.stringify(llm.seen)).toBe(0);
      for (const provider of new Set(providers)) expect([MODEL, DEGRADED]).toContain(provider);
      if (providers.includes(DEGRADED)) expect(llm.seen.unusable, 'degraded only for an unusable answer').toBeGreaterThan(0);
    };

    await store.insertPending(rows('up', 'java.lang.OutOfMemoryError: Metaspace', 'a0000000000000a1', 10));
    expectModelUsed((await completed('up', 10)).map((r) => r.provider), 0);

    await proxy.down();
    const reachedWhileUp = llm.reached;
    await store.insertPending(rows('down', 'java.lang.OutOfMemoryError: Metaspace. The metaspace out-of-memory error has occurred.', 'a0000000000000b2', 25));
    expect(new Set((await completed('down', 25)).map((r) => r.provider))).toEqual(new Set([DEGRADED]));
    expect(llm.reached).toBe(reachedWhileUp);
    expect(llm.seen.unreachable).toBeGreaterThan(0);

    await proxy.up();
    llm.seen.unreachable = 0;
    await store.insertPending(rows('back', 'java.lang.OutOfMemoryError: Metaspace in TaskManager', 'a0000000000000c3', 10));
    expectModelUsed((await completed('back', 10)).map((r) => r.provider), reachedWhileUp);
    expect(await store.countByStatus()).toEqual({ pending: 0, in_progress: 0, completed: 45, failed: 0 });
  }, 400_000);
});
