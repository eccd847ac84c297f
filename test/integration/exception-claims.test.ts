import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'mysql2/promise';
import { ExceptionStore, type NewException } from '../../src/adapters/mysql/exception-store.js';
import { createMysqlPool, migrateMysql } from '../../src/adapters/mysql/mysql.js';
import { MysqlDiagnosisCache } from '../../src/adapters/mysql/diagnosis-cache-store.js';
import { HashingEmbedder } from '../../src/adapters/llm/hashing-embedder.js';
import { MemoryVectorStore } from '../../src/adapters/vector/memory-vector-store.js';
import type { GenerationRequest, Generator } from '../../src/ports/retrieval.js';
import { Diagnoser } from '../../src/stages/diagnose/diagnoser.js';
import { Retriever } from '../../src/stages/diagnose/retriever.js';
import { quietLogger, testConfig, uniqueSuffix } from '../support/integration.js';

/**
 * flink_job_exceptions as a work queue on the real MariaDB: concurrent workers claim disjoint
 * rows, a dead worker's claims expire and are taken over, and a worker that lost its claim
 * cannot complete the row. Runs in a database of its own so other tests' rows do not interfere.
 */
const config = testConfig();
const database = `pd_claims_${uniqueSuffix()}`;
const url = config.mysql.url.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);

function exception(i: number): NewException {
  return {
    event_id: `ev-${i}`,
    job_id: `job-${i % 7}`,
    job_name: "orders'); DROP TABLE flink_job_exceptions;--",
    job_type: 'streaming',
    job_config: { parallelism: 4 },
    error_message: `Checkpoint ${i} expired before completing.`,
    error_type: 'checkpoint_failure',
    error_subtype: 'checkpoint_timeout',
    fingerprint: 'abcdef0123456789',
    classify_confidence: 0.92,
    stack_trace: null,
    event_time: '2026-11-22T08:15:02.118Z',
  };
}

describe('flink_job_exceptions claims (MariaDB)', () => {
  let admin: Pool;
  const pools: Pool[] = [];
  const newStore = () => {
    const pool = createMysqlPool(url, 4);
    pools.push(pool);
    return new ExceptionStore(pool);
  };

  beforeAll(async () => {
    admin = createMysqlPool(config.mysql.url, 1);
    await admin.query(`CREATE DATABASE ${database}`);
    await migrateMysql(url, quietLogger);
  });

  afterAll(async () => {
    for (const pool of pools) await pool.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.end();
  });

  it('inserts idempotently on event_id', async () => {
    const store = newStore();
    await store.insertPending([exception(0), exception(0), exception(1)]);
    await store.insertPending([exception(1)]);
    expect((await store.countByStatus()).pending).toBe(2);
    const [rows] = await admin.query(`DELETE FROM ${database}.flink_job_exceptions`);
    expect(rows).toBeDefined();
  });

  it('two workers on 200 pending rows diagnose each exactly once', async () => {
    const setup = newStore();
    await setup.insertPending(Array.from({ length: 200 }, (_, i) => exception(1000 + i)));
    const diagnosedBy = new Map<string, string[]>();
    const work = async (workerId: string) => {
      const store = newStore();
      for (;;) {
        const claimed = await store.claim(workerId, 7, 30_000);
        if (claimed.length === 0) return;
        for (const row of claimed) {
          diagnosedBy.set(row.id, [...(diagnosedBy.get(row.id) ?? []), workerId]);
          await new Promise((r) => setTimeout(r, Math.random() * 3));
          expect(await store.complete([{ id: row.id, claimToken: row.claim_token, result: { suggestedFix: { root_cause: row.error_message, detailed_analysis: '', suggested_fix: '', priority: 'low', related_docs: [] }, confidence: 0.5, provider: 'test' } }])).toEqual(new Set());
        }
      }
    };
    await Promise.all([work('worker-a'), work('worker-b')]);

    expect(diagnosedBy.size).toBe(200);
    expect([...diagnosedBy.values()].filter((workers) => workers.length !== 1)).toEqual([]);
    // Both took part: the claims interleaved rather than one worker taking everything.
    const perWorker = new Set([...diagnosedBy.values()].map((w) => w[0]));
    expect(perWorker.size).toBe(2);
    expect(await setup.countByStatus()).toEqual({ pending: 0, in_progress: 0, completed: 200, failed: 0 });
    const [[row]] = (await admin.query(`SELECT suggested_fix, diagnosis_confidence, diagnosed_at FROM ${database}.flink_job_exceptions LIMIT 1`)) as unknown as [[{ suggested_fix: string; diagnosis_confidence: number; diagnosed_at: string }]];
    expect(JSON.parse(row.suggested_fix)).toMatchObject({ priority: 'low' });
    expect(row.diagnosed_at).not.toBeNull();
    await admin.query(`DELETE FROM ${database}.flink_job_exceptions`);
  });

  it("a dead worker's claims expire and are taken over; its late completion is refused", async () => {
    const store = newStore();
    await store.insertPending(Array.from({ length: 30 }, (_, i) => exception(5000 + i)));
    const dead = newStore();
    const held = await dead.claim('worker-dead', 20, 1500);
    expect(held).toHaveLength(20);

    // Before expiry only the 10 unclaimed rows are available.
    const first = await store.claim('worker-live', 100, 30_000);
    expect(first).toHaveLength(10);
    expect(first.map((r) => r.id).filter((id) => held.some((h) => h.id === id))).toEqual([]);

    await new Promise((r) => setTimeout(r, 1700));
    const takenOver = await store.claim('worker-live', 100, 30_000);
    expect(takenOver.map((r) => r.id).sort()).toEqual(held.map((r) => r.id).sort());
    expect(takenOver.every((r) => r.attempts === 2)).toBe(true);

    // The dead worker comes back with its old token: refused, the live owner's claim stands.
    expect(await dead.complete([{ id: held[0]!.id, claimToken: held[0]!.claim_token, result: { suggestedFix: {}, confidence: 1, provider: 'zombie' } }])).toEqual(new Set([held[0]!.id]));
    expect(await store.complete([...first, ...takenOver].map((row) => ({ id: row.id, claimToken: row.claim_token, result: { suggestedFix: {}, confidence: 0.9, provider: 'test' } })))).toEqual(new Set());
    expect((await store.countByStatus()).completed).toBe(30);
  });

  it('a failed attempt returns the row to pending until the attempts run out', async () => {
    const store = newStore();
    await admin.query(`DELETE FROM ${database}.flink_job_exceptions`);
    await store.insertPending([exception(9000)]);
    let [row] = await store.claim('w', 1, 30_000);
    expect(await store.fail(row!.id, row!.claim_token, 'LLM timeout', 2)).toBe(true);
    expect((await store.countByStatus()).pending).toBe(1);
    [row] = await store.claim('w', 1, 30_000);
    expect(await store.fail(row!.id, row!.claim_token, 'LLM timeout again', 2)).toBe(true);
    expect(await store.countByStatus()).toMatchObject({ pending: 0, failed: 1 });
  });

  it('workers of different processes share diagnoses by fingerprint: one generation each', async () => {
    let calls = 0;
    const llm: Generator = {
      name: 'counting',
      async generate(request: GenerationRequest) {
        calls++;
        await new Promise((r) => setTimeout(r, 50));
        return { answer: { root_cause: request.error.slice(0, 200), detailed_analysis: '', suggested_fix: 'x', priority: 'low' as const, related_docs: [] }, confidence: 0.7 };
      },
    };
    // Two diagnosers with their own pools and in-process caches, as two processes would have.
    const diagnosers = await Promise.all([0, 1].map(async () => {
      const retriever = new Retriever(new HashingEmbedder(), new MemoryVectorStore(null));
      await retriever.ensureCollections();
      const pool = createMysqlPool(url, 4);
      pools.push(pool);
      return new Diagnoser({ retriever, llm, log: quietLogger, cacheTtlMs: 60_000, shared: new MysqlDiagnosisCache(pool) });
    }));
    const fingerprints = ['f00000000000000a', 'f00000000000000b', 'f00000000000000c'];
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      diagnosers[i % 2]!.diagnose({ text: `java.io.IOException: failure ${fingerprints[i % 3]}`, errorType: 'other', subtype: null, classifyConfidence: 0.5, fingerprint: fingerprints[i % 3]! })));
    expect(calls).toBe(3);
    for (let i = 0; i < results.length; i++) expect(results[i]!.answer.root_cause).toContain(fingerprints[i % 3]!);
  });
});
