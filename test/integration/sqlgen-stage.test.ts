// The sqlgen stage as production runs it (`run --stages sqlgen`): requests on sql-requests, jobs on
// sql-jobs, the catalog from the live MariaDB, the preview over the live tables; and the LLM
// fallback against the real local OpenAI-compatible server (stack's llm service) with the
// scratch-ClickHouse validation.
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { OpenAiColumnProposer } from '../../src/adapters/llm/openai-column-proposer.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import type { Broker } from '../../src/ports/broker.js';
import { readTopic } from '../../src/sample/topic-reader.js';
import { connectSource, loadSourceData } from '../../src/sample/source-data.js';
import { LLM_CHAT_URL } from '../../src/stack/index.js';
import { Catalog, loadCatalogFile } from '../../src/stages/sqlgen/catalog.js';
import { UnsupportedQueryError } from '../../src/stages/sqlgen/errors.js';
import { planWithFallback, type ColumnProposer } from '../../src/stages/sqlgen/llm-fallback.js';
import type { SqlJob } from '../../src/stages/sqlgen/sql-jobs-stage.js';
import { clickhouseValidator } from '../../src/stages/sqlgen/sql-jobs-services.js';
import { exitOf, provisionTestTopics, quietLogger, spawnPipeline, testConfig, uniqueSuffix } from '../support/integration.js';

const suffix = uniqueSuffix();
const prefix = `it-sqlgen-${suffix}.`;
const config = testConfig({ PD_TOPIC_PREFIX: prefix });
let broker: Broker;

beforeAll(async () => {
  const conn = await connectSource(config.mysql.url);
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT count(*) AS n FROM tpch.nation').catch(() => [[{ n: 0 }]] as unknown as [RowDataPacket[]]);
    if (Number(rows[0]?.n ?? 0) === 0) await loadSourceData({ mysqlUrl: config.mysql.url });
  } finally {
    await conn.end();
  }
  broker = await createBroker(config.kafka, quietLogger);
  await provisionTestTopics(broker, prefix);
}, 120_000);

afterAll(async () => {
  const admin = broker?.admin();
  if (!admin) return;
  await admin.connect();
  const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (ours.length > 0) await admin.deleteTopics(ours).catch(() => undefined);
  await admin.disconnect();
}, 60_000);

describe('sqlgen stage: sql-requests → sql-jobs', () => {
  it('answers each request: a generated job with its live preview, a rejection naming the problem, a DLQ entry for garbage', async () => {
    const pipeline = spawnPipeline({ PD_TOPIC_PREFIX: prefix, PD_SQLGEN_FLINK_SOURCE: 'kafka-debezium-json', PD_SQLGEN_PREVIEW_ROWS: '3' }, ['--stages', 'sqlgen']);
    try {
      const producer = broker.producer();
      await producer.connect();
      const requests = [
        { request_id: `ok-${suffix}`, query: 'SELECT n.n_name, r.r_name FROM nation n JOIN region r ON n.n_regionkey = r.r_regionkey ORDER BY n.n_name', default_database: 'tpch' },
        { request_id: `bad-${suffix}`, query: "SELECT n_colour FROM tpch.nation; DROP TABLE tpch.nation; -- '" },
      ];
      await producer.send([
        { topic: `${prefix}sql-requests`, messages: [...requests.map((r) => ({ key: r.request_id, value: JSON.stringify(r) })), { key: 'garbage', value: '{"request_id": 42' }] },
      ]);
      await producer.disconnect();
      const jobs = await readTopic(broker, `${prefix}sql-jobs`, { timeoutMs: 120_000, done: (records) => records.length >= 2 });
      const byId = new Map(jobs.map((r) => [r.key!.toString(), JSON.parse(r.value!.toString()) as SqlJob]));
      const ok = byId.get(`ok-${suffix}`)!;
      expect(ok.status).toBe('generated');
      expect(ok.plan!.tables.map((t) => `${t.database}.${t.table}`)).toEqual(['tpch.nation', 'tpch.region']);
      expect(ok.plan!.flinkSql).toContain("'format' = 'debezium-json'");
      expect(ok.plan!.path).toBe('compiler');
      // The preview ran over the live tables: the first three nations by name, as MariaDB sorts them.
      const conn = await connectSource(config.mysql.url);
      const [expected] = await conn.query<RowDataPacket[]>({ sql: 'SELECT n.n_name, r.r_name FROM tpch.nation n JOIN tpch.region r ON n.n_regionkey = r.r_regionkey ORDER BY n.n_name LIMIT 3', rowsAsArray: true });
      await conn.end();
      expect(ok.preview).toMatchObject({ rows: expected, truncated: true });
      const bad = byId.get(`bad-${suffix}`)!;
      expect(bad.status).toBe('rejected');
      expect(bad.error!.code).toBe('multiple_statements');
      const dlq = await readTopic(broker, `${prefix}sql-requests.dlq`, { timeoutMs: 30_000, done: (records) => records.length >= 1 });
      expect(dlq.map((r) => r.headers['dlq.reason']?.toString())).toEqual(['malformed_json']);
    } finally {
      pipeline.kill('SIGTERM');
      expect((await exitOf(pipeline)).code).toBe(0);
    }
  }, 240_000);
});

describe('LLM fallback against the local OpenAI-compatible server', () => {
  it('asks the model only for an unsupported query, validates each answer on a scratch ClickHouse, and stops within three tries', async () => {
    const catalog = new Catalog(loadCatalogFile(join(PACKAGE_ROOT, 'test', 'golden', 'sql', 'catalog.json')));
    const model = new OpenAiColumnProposer({ apiKey: 'local', baseURL: LLM_CHAT_URL, model: 'local', timeoutMs: 120_000, maxRetries: 1, maxOutputTokens: 256 });
    const calls: string[] = [];
    const counting: ColumnProposer = { name: model.name, propose: async (system, user) => { calls.push(user); return model.propose(system, user); } };
    // Supported: answered by the compiler, the model is not asked.
    expect((await planWithFallback('SELECT n_name FROM tpch.nation', { catalog, proposer: counting, validate: clickhouseValidator })).path).toBe('compiler');
    expect(calls).toHaveLength(0);
    // NATURAL JOIN: the compiler gives up; the 135M model may or may not list the right columns,
    // but every try is a real, well-formed exchange and the outcome is a validated plan or a clear refusal.
    const query = 'SELECT n_name, r_name FROM tpch.nation NATURAL JOIN tpch.region';
    try {
      const plan = await planWithFallback(query, { catalog, proposer: counting, validate: clickhouseValidator });
      expect(plan.path).toBe('llm');
      expect(plan.checks.some((c) => c.name.startsWith('llm attempt') && c.ok)).toBe(true);
      const columns = plan.tables.flatMap((t) => t.columns.map((c) => c.name));
      expect(columns).toEqual(expect.arrayContaining(['n_name', 'r_name']));
    } catch (err) {
      expect(err).toBeInstanceOf(UnsupportedQueryError);
      expect((err as Error).message).toMatch(/3 LLM attempts failed validation/);
      // The protocol worked: no try failed at the HTTP/SDK level.
      expect((err as Error).message).not.toMatch(/model call failed/);
    }
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(3);
    // Each retry carries the previous answer's problem back to the model.
    if (calls.length > 1) expect(calls[1]).toContain('previous_answers_were_wrong');
  }, 600_000);
});
