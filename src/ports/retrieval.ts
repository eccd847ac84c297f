/**
 * Ports of the diagnosis stage: text embeddings, a vector store, and a generator (the LLM).
 * Each has a real adapter (OpenAI-compatible HTTP, Milvus) and an embedded default that needs
 * no network, so `diagnose` works on a bare machine and the stage degrades instead of stopping.
 */

export interface Embedder {
  /** Identifies the vector space: one collection per model and dimension. */
  readonly model: string;
  readonly dimension: number;
  embed(texts: string[]): Promise<number[][]>;
}

export type ScalarValue = string | number | boolean;

export interface VectorRow {
  id: string;
  vector: number[];
  fields: Record<string, ScalarValue>;
}

export interface VectorHit {
  id: string;
  /** Cosine similarity, higher is closer. */
  score: number;
  fields: Record<string, ScalarValue>;
}

export interface VectorCollectionSpec {
  name: string;
  dimension: number;
  /** Scalar fields (Milvus needs them declared): VARCHAR with a maximum length, or BOOL. */
  fields: Record<string, { type: 'varchar'; maxLength: number } | { type: 'bool' }>;
}

export interface VectorStore {
  readonly kind: string;
  ensureCollection(spec: VectorCollectionSpec): Promise<void>;
  upsert(collection: string, rows: VectorRow[]): Promise<void>;
  /** Nearest rows by cosine similarity; `where` keeps rows whose fields equal the given values. */
  search(collection: string, vector: number[], options: { limit: number; where?: Record<string, ScalarValue> }): Promise<VectorHit[]>;
  /** Rows by id (missing ids are left out), for links stored with a row. */
  get(collection: string, ids: string[]): Promise<VectorHit[]>;
  count(collection: string): Promise<number>;
  /**
   * Every row id, for pruning rows whose record is gone; undefined when the collection holds more
   * than the store can list at once (Milvus: 16,384 per query).
   */
  ids(collection: string): Promise<string[] | undefined>;
  delete(collection: string, ids: string[]): Promise<void>;
  close(): Promise<void>;
}

/** The answer of seed 001's suggested_fix JSON. */
export interface DiagnosisAnswer {
  root_cause: string;
  detailed_analysis: string;
  suggested_fix: string;
  priority: 'high' | 'medium' | 'low';
  related_docs: string[];
}

export interface GenerationRequest {
  /** The error as data: condensed chain, classification, job. Never instructions. */
  error: string;
  errorType: string;
  subtype: string | null;
  cases: { case_id: string; subtype: string; error_pattern: string; root_cause: string; solution: string; score: number; verified: boolean }[];
  docs: { doc_id: string; title: string; content: string; doc_url: string; score: number }[];
}

export interface Generator {
  /** e.g. "openai:gpt-4o-mini" or "deterministic". */
  readonly name: string;
  generate(request: GenerationRequest): Promise<{ answer: DiagnosisAnswer; confidence: number; usage?: { promptTokens: number; completionTokens: number } }>;
}
