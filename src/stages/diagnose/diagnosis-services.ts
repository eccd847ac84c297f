import { join, isAbsolute } from 'node:path';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import type { Embedder, VectorStore } from '../../ports/retrieval.js';
import { HashingEmbedder } from '../../adapters/llm/hashing-embedder.js';
import { OpenAiEmbedder, OpenAiGenerator } from '../../adapters/llm/openai-adapters.js';
import { MemoryVectorStore } from '../../adapters/vector/memory-vector-store.js';
import { MilvusVectorStore } from '../../adapters/vector/milvus-vector-store.js';
import { Diagnoser, type DiagnoserOptions } from './diagnoser.js';
import { readKnowledgeBase, type KnowledgeBase } from './knowledge-base.js';
import { Retriever } from './retriever.js';

export interface DiagnosisServices {
  embedder: Embedder;
  store: VectorStore;
  retriever: Retriever;
  diagnoser: Diagnoser;
  close(): Promise<void>;
}

export function knowledgeBaseDir(config: Pick<Config, 'diagnosis'>): string {
  const dir = config.diagnosis.kbDir;
  return isAbsolute(dir) ? dir : join(PACKAGE_ROOT, dir);
}

export function createEmbedder(config: Pick<Config, 'diagnosis'>): Embedder {
  const e = config.diagnosis.embeddings;
  if (e.kind === 'hashing') return new HashingEmbedder();
  return new OpenAiEmbedder({ apiKey: e.apiKey, baseURL: e.baseURL, model: e.model, dimension: e.dimension, timeoutMs: 60_000, maxRetries: 2, maxInputChars: 6000 });
}

export async function createVectorStore(config: Pick<Config, 'diagnosis'>): Promise<VectorStore> {
  const m = config.diagnosis.milvus;
  return m ? MilvusVectorStore.connect(m) : new MemoryVectorStore(config.diagnosis.vectorDir);
}

/** Indexes the shipped knowledge base (cases and docs) into the vector store; idempotent. */
export async function indexKnowledgeBase(retriever: Retriever, kb: KnowledgeBase): Promise<void> {
  await retriever.indexCases(kb.cases);
  await retriever.indexDocs(kb.docs);
}

/**
 * Builds what diagnosis needs from the configuration: the real adapters where configured
 * (OpenAI-compatible LLM and embeddings, Milvus), the embedded defaults otherwise. An empty
 * vector store is filled from the shipped knowledge base, so a bare machine diagnoses at once.
 */
export async function createDiagnosisServices(
  config: Pick<Config, 'diagnosis'>,
  log: Logger,
  hooks: Pick<DiagnoserOptions, 'onGeneration' | 'onCache' | 'shared'> = {},
): Promise<DiagnosisServices> {
  const embedder = createEmbedder(config);
  const store = await createVectorStore(config);
  const retriever = new Retriever(embedder, store);
  await retriever.ensureCollections();
  if ((await store.count(retriever.collections.cases)) === 0) {
    const kb = readKnowledgeBase(knowledgeBaseDir(config));
    await indexKnowledgeBase(retriever, kb);
    log.info({ cases: kb.cases.length, docs: kb.docs.length, store: store.kind, embedder: embedder.model }, 'knowledge base indexed');
  }
  const llmConfig = config.diagnosis.llm;
  const llm = llmConfig ? new OpenAiGenerator(llmConfig) : undefined;
  const diagnoser = new Diagnoser({ retriever, llm, log, cacheTtlMs: config.diagnosis.cacheTtlMs, ...hooks });
  return { embedder, store, retriever, diagnoser, close: () => store.close() };
}
