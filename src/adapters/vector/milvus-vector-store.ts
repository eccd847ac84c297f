import { ConsistencyLevelEnum, DataType, ErrorCode, IndexType, MetricType, MilvusClient, type FieldType, type ResStatus } from '@zilliz/milvus2-sdk-node';
import { TransientError, errorMessage } from '../../core/errors.js';
import type { ScalarValue, VectorCollectionSpec, VectorHit, VectorRow, VectorStore } from '../../ports/retrieval.js';

export interface MilvusOptions {
  address: string;
  username?: string;
  password?: string;
  /** Seed 001: IVF_FLAT with nlist 128; HNSW for larger collections. */
  index: 'IVF_FLAT' | 'HNSW';
  timeoutMs?: number;
}

const ID_FIELD = 'id';
const VECTOR_FIELD = 'vector';

function check(status: ResStatus | { status: ResStatus }, what: string): void {
  const s = 'status' in status ? status.status : status;
  if (s.error_code !== ErrorCode.SUCCESS) throw new Error(`milvus ${what}: ${s.error_code} ${s.reason}`);
}

/** A filter value as a Milvus expression literal (strings quoted and escaped, never spliced raw). */
function literal(value: ScalarValue): string {
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/** Milvus answers a query with at most this many rows (offset + limit). */
const MAX_QUERY_ROWS = 16_384;

/** Longer than Milvus' bounded staleness (common.gracefulTime, 5 s by default). */
const READ_YOUR_WRITES_MS = 10_000;

/**
 * The Milvus adapter (@zilliz/milvus2-sdk-node 2.3.5 against Milvus 2.3): one collection per
 * spec with a VARCHAR primary key, the declared scalar fields and a COSINE-indexed FloatVector.
 * Network failures are TransientErrors so the diagnose stage retries and then degrades.
 */
export class MilvusVectorStore implements VectorStore {
  readonly kind = 'milvus';
  private readonly specs = new Map<string, VectorCollectionSpec>();
  /** When this store last wrote each collection (ms since epoch). */
  private readonly lastWrite = new Map<string, number>();

  private constructor(
    private readonly client: MilvusClient,
    private readonly options: MilvusOptions,
  ) {}

  static async connect(options: MilvusOptions): Promise<MilvusVectorStore> {
    const client = new MilvusClient({ address: options.address, username: options.username, password: options.password, timeout: options.timeoutMs ?? 30_000, logLevel: 'error' });
    try {
      // The SDK starts connecting in its constructor; awaiting it turns a refused connection into an error here.
      await client.connectPromise;
    } catch (err) {
      client.closeConnection();
      throw new TransientError('milvus', `cannot connect to Milvus at ${options.address}: ${errorMessage(err)}`, { cause: err });
    }
    return new MilvusVectorStore(client, options);
  }

  async ensureCollection(spec: VectorCollectionSpec): Promise<void> {
    this.specs.set(spec.name, spec);
    await this.call('hasCollection', async () => {
      const { value } = await this.client.hasCollection({ collection_name: spec.name });
      if (!value) {
        const fields: FieldType[] = [
          { name: ID_FIELD, data_type: DataType.VarChar, is_primary_key: true, autoID: false, max_length: 128 },
          ...Object.entries(spec.fields).map(([name, f]): FieldType =>
            f.type === 'bool' ? { name, data_type: DataType.Bool } : { name, data_type: DataType.VarChar, max_length: f.maxLength }),
          { name: VECTOR_FIELD, data_type: DataType.FloatVector, dim: spec.dimension },
        ];
        check(await this.client.createCollection({ collection_name: spec.name, fields }), `create ${spec.name}`);
        const hnsw = this.options.index === 'HNSW';
        check(
          await this.client.createIndex({
            collection_name: spec.name,
            field_name: VECTOR_FIELD,
            index_type: hnsw ? IndexType.HNSW : IndexType.IVF_FLAT,
            metric_type: MetricType.COSINE,
            params: hnsw ? { M: 16, efConstruction: 200 } : { nlist: 128 },
          }),
          `index ${spec.name}`,
        );
      }
      check(await this.client.loadCollectionSync({ collection_name: spec.name }), `load ${spec.name}`);
    });
  }

  async upsert(collection: string, rows: VectorRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.call(`upsert ${collection}`, async () => {
      const data = rows.map((r) => ({ [ID_FIELD]: r.id, ...r.fields, [VECTOR_FIELD]: r.vector }));
      check(await this.client.upsert({ collection_name: collection, data }), `upsert ${collection}`);
    });
    this.lastWrite.set(collection, Date.now());
  }

  /**
   * Strong reads wait for Milvus' next time tick (about 200 ms each); Bounded reads a snapshot at
   * most a few seconds old and answers at once. Rows this store wrote a moment ago (a new auto
   * case, a re-embedding) must be found, so reads stay Strong for a while after our own writes;
   * other instances' writes may take those seconds to show.
   */
  private readConsistency(collection: string): ConsistencyLevelEnum {
    const wrote = this.lastWrite.get(collection);
    return wrote !== undefined && Date.now() - wrote < READ_YOUR_WRITES_MS ? ConsistencyLevelEnum.Strong : ConsistencyLevelEnum.Bounded;
  }

  async search(collection: string, vector: number[], options: { limit: number; where?: Record<string, ScalarValue> }): Promise<VectorHit[]> {
    const spec = this.specs.get(collection);
    if (!spec) throw new Error(`collection ${collection} was not ensured`);
    const where = Object.entries(options.where ?? {});
    for (const [field] of where) if (!(field in spec.fields)) throw new Error(`collection ${collection} has no field ${field}`);
    return this.call(`search ${collection}`, async () => {
      const res = await this.client.search({
        collection_name: collection,
        vector,
        limit: options.limit,
        filter: where.map(([k, v]) => `${k} == ${literal(v)}`).join(' && ') || undefined,
        output_fields: Object.keys(spec.fields),
        params: this.options.index === 'HNSW' ? { ef: 64 } : { nprobe: 16 },
        consistency_level: this.readConsistency(collection),
      });
      check(res, `search ${collection}`);
      return res.results.map((r) => {
        const fields: Record<string, ScalarValue> = {};
        for (const name of Object.keys(spec.fields)) fields[name] = r[name] as ScalarValue;
        return { id: String(r.id), score: r.score, fields };
      });
    });
  }

  async get(collection: string, ids: string[]): Promise<VectorHit[]> {
    const spec = this.specs.get(collection);
    if (!spec) throw new Error(`collection ${collection} was not ensured`);
    if (ids.length === 0) return [];
    return this.call(`get ${collection}`, async () => {
      const res = await this.client.query({
        collection_name: collection,
        filter: `${ID_FIELD} in [${ids.map(literal).join(', ')}]`,
        output_fields: [ID_FIELD, ...Object.keys(spec.fields)],
        consistency_level: this.readConsistency(collection),
      });
      check(res, `get ${collection}`);
      const byId = new Map(res.data.map((r) => [String(r[ID_FIELD]), r]));
      return ids.flatMap((id) => {
        const r = byId.get(id);
        if (!r) return [];
        const fields: Record<string, ScalarValue> = {};
        for (const name of Object.keys(spec.fields)) fields[name] = r[name] as ScalarValue;
        return [{ id, score: 1, fields }];
      });
    });
  }

  async count(collection: string): Promise<number> {
    return this.call(`count ${collection}`, async () => {
      const res = await this.client.query({ collection_name: collection, filter: `${ID_FIELD} != ""`, output_fields: ['count(*)'], consistency_level: ConsistencyLevelEnum.Strong });
      check(res, `count ${collection}`);
      return Number(res.data[0]?.['count(*)'] ?? 0);
    });
  }

  async ids(collection: string): Promise<string[] | undefined> {
    return this.call(`ids ${collection}`, async () => {
      const res = await this.client.query({ collection_name: collection, filter: `${ID_FIELD} != ""`, output_fields: [ID_FIELD], limit: MAX_QUERY_ROWS, consistency_level: ConsistencyLevelEnum.Strong });
      check(res, `ids ${collection}`);
      return res.data.length >= MAX_QUERY_ROWS ? undefined : res.data.map((r) => String(r[ID_FIELD]));
    });
  }

  async delete(collection: string, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      await this.call(`delete ${collection}`, async () => check(await this.client.delete({ collection_name: collection, ids: chunk }), `delete ${collection}`));
    }
    this.lastWrite.set(collection, Date.now());
  }

  async dropCollection(collection: string): Promise<void> {
    await this.client.dropCollection({ collection_name: collection });
  }

  async close(): Promise<void> {
    this.client.closeConnection();
  }

  /** gRPC unavailability and timeouts are transient; a refused request (bad schema) is a bug. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const message = errorMessage(err);
      if (/UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|ECONNRESET/.test(message)) throw new TransientError('milvus', `${what}: ${message}`, { cause: err });
      throw err;
    }
  }
}
