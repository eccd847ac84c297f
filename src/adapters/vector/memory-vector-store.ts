import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScalarValue, VectorCollectionSpec, VectorHit, VectorRow, VectorStore } from '../../ports/retrieval.js';

interface Collection {
  spec: VectorCollectionSpec;
  rows: Map<string, VectorRow>;
}

export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * The embedded vector store for a machine without Milvus: exact cosine search over rows kept in
 * memory, persisted as one JSON file per collection (written to a temp file, then renamed). Exact
 * search over a knowledge base of thousands of rows takes well under a millisecond.
 */
export class MemoryVectorStore implements VectorStore {
  readonly kind = 'embedded';
  private readonly collections = new Map<string, Collection>();

  /** `dir` null keeps everything in memory only (tests, the `diagnose` command's dry runs). */
  constructor(private readonly dir: string | null) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  async ensureCollection(spec: VectorCollectionSpec): Promise<void> {
    if (this.collections.has(spec.name)) return;
    const file = this.file(spec.name);
    const rows = new Map<string, VectorRow>();
    if (file && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { spec: VectorCollectionSpec; rows: VectorRow[] };
      if (saved.spec.dimension !== spec.dimension) throw new Error(`collection ${spec.name}: stored dimension ${saved.spec.dimension}, asked for ${spec.dimension}`);
      for (const row of saved.rows) rows.set(row.id, row);
    }
    this.collections.set(spec.name, { spec, rows });
  }

  async upsert(collection: string, rows: VectorRow[]): Promise<void> {
    const target = this.get_(collection);
    for (const row of rows) {
      if (row.vector.length !== target.spec.dimension) throw new Error(`collection ${collection}: vector of ${row.vector.length} dimensions, expected ${target.spec.dimension}`);
      target.rows.set(row.id, row);
    }
    this.save(collection, target);
  }

  async search(collection: string, vector: number[], options: { limit: number; where?: Record<string, ScalarValue> }): Promise<VectorHit[]> {
    const hits: VectorHit[] = [];
    const where = Object.entries(options.where ?? {});
    for (const row of this.get_(collection).rows.values()) {
      if (where.some(([k, v]) => row.fields[k] !== v)) continue;
      hits.push({ id: row.id, score: cosine(vector, row.vector), fields: row.fields });
    }
    return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, options.limit);
  }

  async get(collection: string, ids: string[]): Promise<VectorHit[]> {
    const rows = this.get_(collection).rows;
    return ids.flatMap((id) => {
      const row = rows.get(id);
      return row ? [{ id, score: 1, fields: row.fields }] : [];
    });
  }

  async count(collection: string): Promise<number> {
    return this.get_(collection).rows.size;
  }

  async ids(collection: string): Promise<string[]> {
    return [...this.get_(collection).rows.keys()];
  }

  async delete(collection: string, ids: string[]): Promise<void> {
    const target = this.get_(collection);
    for (const id of ids) target.rows.delete(id);
    this.save(collection, target);
  }

  async close(): Promise<void> {}

  private get_(name: string): Collection {
    const collection = this.collections.get(name);
    if (!collection) throw new Error(`collection ${name} does not exist (ensureCollection first)`);
    return collection;
  }

  private file(name: string): string | null {
    return this.dir ? join(this.dir, `${name}.json`) : null;
  }

  private save(name: string, collection: Collection): void {
    const file = this.file(name);
    if (!file) return;
    writeFileSync(`${file}.tmp`, JSON.stringify({ spec: collection.spec, rows: [...collection.rows.values()] }));
    renameSync(`${file}.tmp`, file);
  }
}
