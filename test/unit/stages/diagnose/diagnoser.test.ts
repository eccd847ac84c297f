import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../../../src/adapters/llm/hashing-embedder.js';
import { MemoryVectorStore } from '../../../../src/adapters/vector/memory-vector-store.js';
import { TransientError } from '../../../../src/core/errors.js';
import { InvalidModelAnswerError } from '../../../../src/adapters/llm/openai-adapters.js';
import { createLogger } from '../../../../src/core/logger.js';
import type { GenerationRequest, Generator } from '../../../../src/ports/retrieval.js';
import { condenseError, retrievalQuery } from '../../../../src/stages/diagnose/condense.js';
import { Diagnoser } from '../../../../src/stages/diagnose/diagnoser.js';
import type { KnowledgeCase } from '../../../../src/stages/diagnose/knowledge-base.js';
import { Retriever } from '../../../../src/stages/diagnose/retriever.js';

const log = createLogger('silent');

const CASES: KnowledgeCase[] = [
  { case_id: 'kb-oom-metaspace', error_type: 'oom', subtype: 'metaspace_oom', error_pattern: 'java.lang.OutOfMemoryError: Metaspace', root_cause: 'Class metadata exceeded the metaspace limit (classloader leak on job restarts).', solution: 'Raise taskmanager.memory.jvm-metaspace.size; fix the leaking classloader.', keywords: ['metaspace', 'classloader'], related_docs: [], priority: 'high', verified: true, source_type: 'manual' },
  { case_id: 'kb-oom-heap', error_type: 'oom', subtype: 'heap_oom', error_pattern: 'java.lang.OutOfMemoryError: Java heap space', root_cause: 'The task heap is too small for the state or records held in memory.', solution: 'Raise taskmanager.memory.task.heap.size or use RocksDB.', keywords: ['heap'], related_docs: [], priority: 'high', verified: true, source_type: 'manual' },
  { case_id: 'kb-ckpt-timeout', error_type: 'checkpoint_failure', subtype: 'checkpoint_timeout', error_pattern: 'Checkpoint <n> of job <id> expired before completing.', root_cause: 'Checkpoints take longer than execution.checkpointing.timeout, usually under backpressure.', solution: 'Remove backpressure, enable unaligned checkpoints, raise the timeout.', keywords: ['checkpoint', 'expired'], related_docs: [], priority: 'high', verified: true, source_type: 'manual' },
  { case_id: 'kb-net-kafka', error_type: 'network', subtype: 'kafka_broker_unreachable', error_pattern: 'org.apache.kafka.common.errors.TimeoutException: Timeout expired while fetching topic metadata', root_cause: 'The Kafka brokers are unreachable from the task managers.', solution: 'Check bootstrap.servers, listeners and network policies.', keywords: ['kafka', 'metadata'], related_docs: [], priority: 'medium', verified: false, source_type: 'manual' },
];
const DOCS = [
  { doc_id: 'doc-memory', title: 'Set up TaskManager memory', content: 'Metaspace, heap, managed and network memory of a TaskManager and their options.', doc_url: 'https://nightlies.apache.org/flink/flink-docs-release-1.20/docs/deployment/memory/mem_setup_tm/', category: 'memory' },
  { doc_id: 'doc-ckpt', title: 'Checkpointing', content: 'Checkpoint timeout, interval, unaligned checkpoints and tolerable failures.', doc_url: 'https://nightlies.apache.org/flink/flink-docs-release-1.20/docs/dev/datastream/fault-tolerance/checkpointing/', category: 'checkpoint' },
];

async function retriever(): Promise<Retriever> {
  const r = new Retriever(new HashingEmbedder(), new MemoryVectorStore(null));
  await r.ensureCollections();
  await r.indexCases(CASES);
  await r.indexDocs(DOCS);
  return r;
}

class CountingLlm implements Generator {
  readonly name = 'fake-llm';
  calls = 0;
  failing = false;
  unusable = false;
  async generate(request: GenerationRequest) {
    this.calls++;
    await new Promise((r) => setTimeout(r, 5));
    if (this.failing) throw new TransientError('llm', 'connection refused');
    if (this.unusable) throw new InvalidModelAnswerError('model answer is not JSON (finish_reason length)');
    return { answer: { root_cause: `llm: ${request.cases[0]?.case_id}`, detailed_analysis: '', suggested_fix: 'fix', priority: 'high' as const, related_docs: [] }, confidence: 0.9 };
  }
}

const METASPACE = 'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n\tat a.B.c(B.java:1)\nCaused by: java.lang.OutOfMemoryError: Metaspace. The metaspace out-of-memory error has occurred.\n\tat java.lang.ClassLoader.defineClass1(Native Method)';
const input = (fingerprint: string | null, text = METASPACE) => ({ text, errorType: 'oom', subtype: 'metaspace_oom', classifyConfidence: 0.92, fingerprint });

describe('retrieval', () => {
  it('hashing embeddings are deterministic and put the matching case first', async () => {
    const e = new HashingEmbedder();
    expect(await e.embed(['a Metaspace error'])).toEqual(await e.embed(['a Metaspace error']));
    const r = await retriever();
    const { cases, docs } = await r.retrieve(condenseError(METASPACE));
    expect(cases[0]!.case_id).toBe('kb-oom-metaspace');
    expect(docs[0]!.doc_id).toBe('doc-memory');
    const ckpt = await r.retrieve('Checkpoint 42 of job 9ee5 expired before completing.', { errorType: 'checkpoint_failure', confident: true });
    expect(ckpt.cases[0]!.case_id).toBe('kb-ckpt-timeout');
  });

  it('the top cases name different failures before a second case of one failure', async () => {
    const r = await retriever();
    const heapTwin = { ...CASES[1]!, case_id: 'kb-oom-heap-2', error_pattern: 'java.lang.OutOfMemoryError: Java heap space (large state)' };
    await r.indexCases([heapTwin]);
    const text = 'java.lang.OutOfMemoryError: Java heap space';
    // Two cases of the heap failure are the nearest; the second place still goes to another failure.
    const two = await r.retrieve(text, { cases: 2, errorType: 'oom', subtype: 'heap_oom' });
    expect(two.cases.map((c) => c.subtype)).toEqual(['heap_oom', 'metaspace_oom']);
    // Once every failure has a place, the twin fills the rest, in score order.
    const five = await r.retrieve(text, { cases: 5, errorType: 'oom', subtype: 'heap_oom' });
    expect(five.cases.map((c) => c.subtype).slice(0, 3)).toEqual(['heap_oom', 'heap_oom', 'metaspace_oom']);
  });

  it('a confident type fills every place but the last, which goes to the nearest case of another type', async () => {
    const r = await retriever();
    await r.indexCases([{ ...CASES[1]!, case_id: 'kb-oom-heap-2', error_pattern: 'java.lang.OutOfMemoryError: Java heap space (large state)' }]);
    // Confidently (and wrongly) classified as oom: the Kafka case, nearest by far, keeps a place.
    const kafkaText = 'org.apache.kafka.common.errors.TimeoutException: Timeout expired while fetching topic metadata';
    const wrong = await r.retrieve(kafkaText, { cases: 3, errorType: 'oom', subtype: 'heap_oom', confident: true });
    expect(wrong.cases.map((c) => c.error_type)).toEqual(['oom', 'oom', 'network']);
    expect(wrong.cases[2]!.case_id).toBe('kb-net-kafka');
    // Unsure: no filter, the nearest case leads.
    const unsure = await r.retrieve(kafkaText, { cases: 3, errorType: 'oom', subtype: 'heap_oom', confident: false });
    expect(unsure.cases[0]!.case_id).toBe('kb-net-kafka');
    // Asked for one case, a confident type keeps it.
    expect((await r.retrieve(kafkaText, { cases: 1, errorType: 'oom', confident: true })).cases[0]!.error_type).toBe('oom');
  });

  it('ranks cases of the other failures the rules saw above cases that only share words', async () => {
    // A store with fixed similarities, to test the re-ranking alone.
    const hit = (id: string, error_type: string, subtype: string, score: number) => ({ id, score, fields: { error_type, subtype, error_pattern: id, root_cause: '', solution: '', related_docs: '', verified: false } });
    const hits = [hit('heap', 'oom', 'heap_oom', 0.5), hit('metaspace', 'oom', 'metaspace_oom', 0.45), hit('kafka', 'network', 'kafka_broker_unreachable', 0.4)];
    const store = { kind: 'fixed', ensureCollection: async () => {}, upsert: async () => {}, search: async () => hits, get: async () => [], count: async () => hits.length, ids: async () => hits.map((h) => h.id), delete: async () => {}, close: async () => {} };
    const r = new Retriever(new HashingEmbedder(), store);
    expect((await r.retrieve('any', { cases: 2 })).cases.map((c) => c.case_id)).toEqual(['heap', 'metaspace']);
    const hinted = await r.retrieve('any', { cases: 2, evidence: [{ error_type: 'network', subtype: 'kafka_broker_unreachable' }] });
    expect(hinted.cases.map((c) => c.case_id)).toEqual(['heap', 'kafka']);
  });

  it('the embedded store filters, ranks and persists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-vec-'));
    try {
      const store = new MemoryVectorStore(dir);
      const spec = { name: 'c', dimension: 2, fields: { t: { type: 'varchar' as const, maxLength: 8 } } };
      await store.ensureCollection(spec);
      await store.upsert('c', [{ id: 'x', vector: [1, 0], fields: { t: 'a' } }, { id: 'y', vector: [0.7, 0.7], fields: { t: 'b' } }]);
      expect((await store.search('c', [0.6, 0.8], { limit: 2 })).map((h) => h.id)).toEqual(['y', 'x']);
      expect((await store.search('c', [0.6, 0.8], { limit: 2, where: { t: 'a' } })).map((h) => h.id)).toEqual(['x']);
      const reopened = new MemoryVectorStore(dir);
      await reopened.ensureCollection(spec);
      expect(await reopened.count('c')).toBe(2);
      await expect(reopened.upsert('c', [{ id: 'z', vector: [1, 2, 3], fields: { t: 'c' } }])).rejects.toThrow(/3 dimensions/);
      expect((await reopened.ids('c')).sort()).toEqual(['x', 'y']);
      await reopened.delete('c', ['x', 'gone']);
      const again = new MemoryVectorStore(dir);
      await again.ensureCollection(spec);
      expect(await again.ids('c')).toEqual(['y']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('searches with the root cause weighed twice, and plain text as it is', () => {
    const query = retrievalQuery(METASPACE);
    expect(query.startsWith(condenseError(METASPACE))).toBe(true);
    expect(query.split('java.lang.OutOfMemoryError: Metaspace').length - 1).toBe(2);
    expect(retrievalQuery('Checkpoint 7 of job 0f1e expired before completing.')).toBe('Checkpoint 7 of job 0f1e expired before completing.');
  });

  it('condenses a long trace to headers and first frames, within a bound', () => {
    const frames = Array.from({ length: 200 }, (_, i) => `\tat com.example.Deep.m${i}(Deep.java:${i})`).join('\n');
    const text = `Job failed\njava.lang.RuntimeException: wrapper\n${frames}\nCaused by: java.net.ConnectException: Connection refused\n${frames}`;
    const condensed = condenseError(text, { framesPerException: 2, maxChars: 4000 });
    expect(condensed).toContain('Caused by: java.net.ConnectException: Connection refused');
    expect(condensed.split('\n').filter((l) => l.startsWith('\tat'))).toHaveLength(4);
    expect(condenseError(text.repeat(50), { maxChars: 1000 }).length).toBeLessThanOrEqual(1100);
  });
});

describe('Diagnoser', () => {
  let now = 0;
  afterEach(() => (now = 0));
  const diagnoser = async (llm?: Generator) => new Diagnoser({ retriever: await retriever(), llm, log, cacheTtlMs: 60_000, degradedTtlMs: 1_000, now: () => now });

  it('without an LLM answers deterministically from the best case, below the auto-case threshold', async () => {
    const d = await diagnoser();
    const result = await d.diagnose(input('fp1'));
    expect(result.provider).toBe('deterministic');
    expect(result.degraded).toBe(false);
    expect(result.answer.suggested_fix).toContain('jvm-metaspace.size');
    expect(result.answer.related_docs[0]).toContain('mem_setup_tm');
    expect(result.confidence).toBeLessThan(0.8);
  });

  it('one generation per fingerprint, also for concurrent requests', async () => {
    const llm = new CountingLlm();
    const d = await diagnoser(llm);
    const results = await Promise.all(Array.from({ length: 20 }, () => d.diagnose(input('fp-same'))));
    await d.diagnose(input('fp-other'));
    await d.diagnose(input('fp-same'));
    expect(llm.calls).toBe(2);
    expect(results.filter((r) => r.cached)).toHaveLength(19);
    expect(results.every((r) => r.answer.root_cause === 'llm: kb-oom-metaspace')).toBe(true);
    now += 61_000; // TTL passed: generated again
    await d.diagnose(input('fp-same'));
    expect(llm.calls).toBe(3);
  });

  it('degrades to the deterministic answer when the LLM is down, and uses the LLM again once it is back', async () => {
    const llm = new CountingLlm();
    llm.failing = true;
    const d = await diagnoser(llm);
    const down = await d.diagnose(input('fp-x'));
    expect(down).toMatchObject({ degraded: true, provider: 'deterministic' });
    expect(down.degradedReason).toContain('connection refused');
    llm.failing = false;
    expect((await d.diagnose(input('fp-new'))).provider).toBe('fake-llm');
    // The degraded answer is kept only briefly.
    expect((await d.diagnose(input('fp-x'))).degraded).toBe(true);
    now += 1_001;
    expect((await d.diagnose(input('fp-x'))).provider).toBe('fake-llm');
  });

  it('an unusable answer degrades but is kept for the TTL: asking again would give the same', async () => {
    const llm = new CountingLlm();
    llm.unusable = true;
    const d = await diagnoser(llm);
    const first = await d.diagnose(input('fp-u'));
    expect(first).toMatchObject({ degraded: true, degradedKind: 'unusable_answer', provider: 'deterministic' });
    now += 1_001; // past the short degraded TTL
    expect((await d.diagnose(input('fp-u'))).cached).toBe(true);
    expect(llm.calls).toBe(1);
  });
});
