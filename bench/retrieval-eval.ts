/**
 * Retrieval quality and cached-diagnosis speed on the labelled corpus.
 *
 *   npx tsx bench/retrieval-eval.ts [--split heldout|dev|all] [--show-misses] [--similarity-only]
 *                                   [--store memory|milvus]
 *
 * For every error entry of the split: classify it as the pipeline does, retrieve cases from the
 * shipped knowledge base (kb/), and count a hit when a case of the entry's labelled type and
 * subtype is among the top 3 (for other/unknown: a case of the type). The knowledge base was
 * written from Flink's documentation and source, not from this corpus.
 *
 * Then the cached path: every entry diagnosed once more by fingerprint (deterministic
 * generator), timing each call: p50/p99 latency and throughput of cache hits, and of misses
 * (retrieval + composition).
 *
 * Embeddings and vectors are the configured ones (default: offline hashing + embedded store;
 * `--store milvus` uses MILVUS_ADDRESS or the local stack's 127.0.0.1:19530), in collections of
 * the bench's own (`bench_…`): the pipeline's may hold learned and verified cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MemoryVectorStore } from '../src/adapters/vector/memory-vector-store.js';
import { MilvusVectorStore } from '../src/adapters/vector/milvus-vector-store.js';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { failureEvidence } from '../src/stages/classify/classifier.js';
import { classifyEvent } from '../src/stages/classify/classify-event.js';
import { readCorpusSplit } from '../src/stages/classify/training.js';
import { condenseError, retrievalQuery } from '../src/stages/diagnose/condense.js';
import { Diagnoser } from '../src/stages/diagnose/diagnoser.js';
import { createEmbedder, indexKnowledgeBase } from '../src/stages/diagnose/diagnosis-services.js';
import { readKnowledgeBase } from '../src/stages/diagnose/knowledge-base.js';
import { Retriever } from '../src/stages/diagnose/retriever.js';
import type { VectorStore } from '../src/ports/retrieval.js';

/** The same store under other collection names. */
function withCollectionPrefix(store: VectorStore, prefix: string): VectorStore {
  return {
    kind: store.kind,
    ensureCollection: (spec) => store.ensureCollection({ ...spec, name: prefix + spec.name }),
    upsert: (collection, rows) => store.upsert(prefix + collection, rows),
    search: (collection, vector, options) => store.search(prefix + collection, vector, options),
    get: (collection, ids) => store.get(prefix + collection, ids),
    count: (collection) => store.count(prefix + collection),
    ids: (collection) => store.ids(prefix + collection),
    delete: (collection, ids) => store.delete(prefix + collection, ids),
    close: () => store.close(),
  };
}

const { values: args } = parseArgs({ options: { split: { type: 'string', default: 'heldout' }, 'show-misses': { type: 'boolean', default: false }, 'similarity-only': { type: 'boolean', default: false }, store: { type: 'string' } } });
const corpusPath = join(PACKAGE_ROOT, 'test', 'fixtures', 'flink-errors', 'corpus.jsonl');
const split = readCorpusSplit(corpusPath)!;
interface Entry { id: string; text: string; error_type: string; subtype: string | null }
const entries = readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Entry)
  .filter((e) => e.error_type !== 'none')
  .filter((e) => args.split === 'all' || (args.split === 'heldout') === split.isHeldOut(e.id));

const kb = readKnowledgeBase(join(PACKAGE_ROOT, 'kb'));
const config = loadConfig(process.env);
const milvus = args.store === 'memory' ? undefined : config.diagnosis.milvus ?? (args.store === 'milvus' ? { address: '127.0.0.1:19530', index: 'IVF_FLAT' as const } : undefined);
const store = withCollectionPrefix(milvus ? await MilvusVectorStore.connect(milvus) : new MemoryVectorStore(null), 'bench_');
const retriever = new Retriever(createEmbedder(config), store);
await retriever.ensureCollections();
await indexKnowledgeBase(retriever, kb);

let hits = 0;
let top1 = 0;
const misses: string[] = [];
for (const entry of entries) {
  const c = classifyEvent(entry.text);
  const type = c.error_type === 'none' ? 'other' : c.error_type;
  // --similarity-only: what the embeddings and the knowledge base find without the rules' help
  // (texts no rule understands get no more than this).
  const hints = args['similarity-only'] ? {} : { errorType: type, subtype: c.subtype, evidence: failureEvidence(entry.text), confident: c.confidence >= 0.8 };
  const { cases } = await retriever.retrieve(retrievalQuery(entry.text), { ...hints, cases: 3 });
  const right = (k: { error_type: string; subtype: string }) => k.error_type === entry.error_type && (entry.subtype === 'unknown' || k.subtype === entry.subtype);
  if (cases.some(right)) hits++;
  else misses.push(`${entry.id} ${entry.error_type}/${entry.subtype} → ${cases.map((k) => `${k.case_id}(${k.score.toFixed(2)})`).join(', ')}`);
  if (cases[0] && right(cases[0])) top1++;
}
console.log(`retrieval, split ${args.split}: ${entries.length} error entries, ${kb.cases.length} cases, ${kb.docs.length} docs; ${store.kind} store, ${retriever.collections.cases}`);
console.log(`right case in top 3: ${hits}/${entries.length} = ${(hits / entries.length).toFixed(3)}; top 1: ${(top1 / entries.length).toFixed(3)}`);
if (args['show-misses']) for (const m of misses) console.log(`  miss ${m}`);

// Cached-diagnosis latency: first pass fills the cache (misses), second pass hits it.
const diagnoser = new Diagnoser({ retriever, log: createLogger('silent'), cacheTtlMs: 3_600_000 });
const inputs = entries.map((e) => {
  const c = classifyEvent(e.text);
  return { text: e.text, errorType: c.error_type === 'none' ? 'other' : c.error_type, subtype: c.subtype, classifyConfidence: c.confidence, fingerprint: c.fingerprint };
});
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
for (const pass of ['miss (retrieve + compose)', 'hit (cached by fingerprint)']) {
  const times: number[] = [];
  const rounds = pass.startsWith('hit') ? 200 : 1;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const input of inputs) {
      const s = performance.now();
      await diagnoser.diagnose(input);
      times.push(performance.now() - s);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${pass}: ${times.length} calls, p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms, ${Math.round(times.length / seconds).toLocaleString('en-US')} diagnoses/s`);
}
await store.close();
console.log(JSON.stringify({ bench: 'retrieval-eval', store: store.kind, split: args.split, entries: entries.length, top3: Number((hits / entries.length).toFixed(3)), top1: Number((top1 / entries.length).toFixed(3)) }));
