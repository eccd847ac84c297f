// Milvus from the local stack (`pipeline-doctor stack up milvus`: the real Milvus 2.3.5
// standalone server from PyPI) through the SDK the pipeline uses, @zilliz/milvus2-sdk-node
// 2.3.5. A server that does not answer fails the tests with a message naming it; they are
// skipped only where the stack cannot run it (the PyPI wheel is Linux x86_64 only) and no
// Milvus answers (e.g. one from docker compose).
import { randomBytes } from 'node:crypto';
import {
  ConsistencyLevelEnum,
  DataType,
  ErrorCode,
  IndexType,
  MetricType,
  MilvusClient,
  type ResStatus,
} from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MILVUS_ADDRESS, milvusHealth } from '../../src/stack/index.js';

const DIM = 8;
const ROWS = 2000; // above Milvus's 1024-row minimum for building an index on a sealed segment
const TYPES = ['oom', 'checkpoint_failure', 'network', 'backpressure'] as const;

const canRunHere = process.platform === 'linux' && process.arch === 'x64';
const unavailable = !canRunHere && !(await milvusHealth(MILVUS_ADDRESS, 5000).then(() => true, () => false));
if (unavailable) {
  console.warn(`milvus-stack tests skipped: the PyPI Milvus server runs only on Linux x86_64 (this is ${process.platform}/${process.arch})`);
}

/** Deterministic pseudo-random unit vectors: row i is the same on every run. */
function vectorFor(i: number): number[] {
  const v = Array.from({ length: DIM }, (_, j) => Math.sin(i * 12.9898 + j * 78.233) * 43758.5453 % 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function expectOk(status: ResStatus | { status: ResStatus }, what: string): void {
  const s = 'status' in status ? status.status : status;
  expect(s.error_code, `${what}: ${s.reason}`).toBe(ErrorCode.SUCCESS);
}

describe.skipIf(unavailable)(`Milvus at ${MILVUS_ADDRESS}`, () => {
  const collection = `pd_stack_test_${randomBytes(4).toString('hex')}`;
  let client: MilvusClient;

  beforeAll(async () => {
    await milvusHealth(MILVUS_ADDRESS, 5000).catch((e) => {
      throw new Error(`milvus is not reachable (${e.message}). Start it: node bin/pipeline-doctor.js stack up milvus`);
    });
    client = new MilvusClient({ address: MILVUS_ADDRESS, timeout: 30_000, logLevel: 'error' });
    await client.connectPromise;
  });

  afterAll(async () => {
    if (!client) return;
    await client.dropCollection({ collection_name: collection }).catch(() => {});
    client.closeConnection();
  });

  it('reports its version over gRPC', async () => {
    const { version } = await client.getVersion();
    expect(version).toMatch(/^v?2\.3\./);
  });

  it('creates a collection with an 8-dim FloatVector field and an IVF_FLAT/COSINE index', async () => {
    expectOk(
      await client.createCollection({
        collection_name: collection,
        description: 'pipeline-doctor stack test',
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
          { name: 'error_type', data_type: DataType.VarChar, max_length: 64 },
          { name: 'embedding', data_type: DataType.FloatVector, dim: DIM },
        ],
      }),
      'createCollection',
    );
    expectOk(
      await client.createIndex({
        collection_name: collection,
        field_name: 'embedding',
        index_type: IndexType.IVF_FLAT,
        metric_type: MetricType.COSINE,
        params: { nlist: 128 },
      }),
      'createIndex',
    );
    const { index_descriptions } = await client.describeIndex({ collection_name: collection, field_name: 'embedding' });
    const params = Object.fromEntries(index_descriptions[0]!.params.map((p) => [p.key, p.value]));
    expect(params).toMatchObject({ index_type: 'IVF_FLAT', metric_type: 'COSINE' });
    expect(Number(JSON.parse(String(params.params)).nlist)).toBe(128);
  });

  it('inserts rows, seals them, builds the index and loads the collection', async () => {
    const data = Array.from({ length: ROWS }, (_, i) => ({ id: i, error_type: TYPES[i % TYPES.length]!, embedding: vectorFor(i) }));
    const res = await client.insert({ collection_name: collection, data });
    expectOk(res, 'insert');
    expect(Number(res.insert_cnt)).toBe(ROWS);

    // Flush seals the segment, so the search below goes through the built IVF index rather
    // than a brute-force scan of a growing segment.
    expectOk(await client.flushSync({ collection_names: [collection] }), 'flush');
    const deadline = Date.now() + 60_000;
    let progress = await client.getIndexBuildProgress({ collection_name: collection, field_name: 'embedding' });
    while (Number(progress.indexed_rows) < ROWS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      progress = await client.getIndexBuildProgress({ collection_name: collection, field_name: 'embedding' });
    }
    expect({ indexed: Number(progress.indexed_rows), total: Number(progress.total_rows) }).toEqual({ indexed: ROWS, total: ROWS });
    expectOk(await client.loadCollectionSync({ collection_name: collection }), 'load');
  }, 90_000);

  it('search returns the nearest vector first, scores descending', async () => {
    const target = 1234;
    const query = vectorFor(target).map((x, j) => x + (j === 0 ? 0.01 : 0)); // near, not equal
    const res = await client.search({
      collection_name: collection,
      vector: query,
      limit: 5,
      params: { nprobe: 16 },
      output_fields: ['error_type'],
      consistency_level: ConsistencyLevelEnum.Strong,
    });
    expectOk(res, 'search');
    expect(res.results).toHaveLength(5);
    expect(String(res.results[0]!.id)).toBe(String(target));
    expect(res.results[0]!.error_type).toBe(TYPES[target % TYPES.length]);
    expect(res.results[0]!.score).toBeGreaterThan(0.99); // COSINE: similarity, higher is nearer
    const scores = res.results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('queries by a scalar filter', async () => {
    const res = await client.query({
      collection_name: collection,
      expr: 'error_type == "oom" && id < 100',
      output_fields: ['id', 'error_type'],
      consistency_level: ConsistencyLevelEnum.Strong,
    });
    expectOk(res, 'query');
    const ids = res.data.map((r) => Number(r.id)).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => i * 4)); // oom is every 4th row
    expect(new Set(res.data.map((r) => r.error_type))).toEqual(new Set(['oom']));
  });

  it('deletes by primary key; deleted rows are gone from query and search', async () => {
    const res = await client.deleteEntities({ collection_name: collection, expr: 'id in [0, 4, 1234]' });
    expectOk(res, 'delete');
    const left = await client.query({
      collection_name: collection,
      expr: 'id in [0, 4, 8, 1234]',
      output_fields: ['id'],
      consistency_level: ConsistencyLevelEnum.Strong,
    });
    expect(left.data.map((r) => Number(r.id))).toEqual([8]);
    const search = await client.search({
      collection_name: collection,
      vector: vectorFor(1234),
      limit: 3,
      params: { nprobe: 16 },
      consistency_level: ConsistencyLevelEnum.Strong,
    });
    expect(search.results.map((r) => String(r.id))).not.toContain('1234');
  });

  it('drops the collection', async () => {
    expectOk(await client.dropCollection({ collection_name: collection }), 'drop');
    const { value } = await client.hasCollection({ collection_name: collection });
    expect(value).toBe(false);
  });
});
