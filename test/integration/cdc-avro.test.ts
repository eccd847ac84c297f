// Debezium CDC as registry-framed Avro on the local stack: the job registry table
// (pipeline_doctor.flink_jobs) is captured twice by the same Connect worker, as bare JSON on
// cdc.local.* (mariadb-cdc) and as Confluent-framed Avro on cdc.avro.* (mariadb-cdc-avro, Apicurio
// AvroConverter registering its schemas in the local Apicurio). Both streams must tell the same
// story once decoded by our ValueDecoder (Apicurio's ccompat API) and parseChangeEvent, and give
// the catalog stage the same entries. Needs `stack up` (kafka, apicurio, mariadb, connect).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { createMysqlPool, migrateMysql } from '../../src/adapters/mysql/mysql.js';
import { ConfluentSchemaRegistry } from '../../src/adapters/schema-registry/confluent-registry.js';
import { ValueDecoder } from '../../src/adapters/schema-registry/value-decoder.js';
import { CDC_AVRO_CONNECTOR_NAME, cdcAvroTopic, cdcTopic } from '../../src/cdc/debezium-connector.js';
import { parseChangeEvent, type ChangeEvent } from '../../src/cdc/debezium-envelope.js';
import type { ConsumedRecord } from '../../src/ports/broker.js';
import { readTopic } from '../../src/sample/topic-reader.js';
import { type ServiceStatus, stackStatus } from '../../src/stack/index.js';
import { APICURIO_REGISTRY_V2_URL } from '../../src/stack/services/connect.js';
import { createCatalogStage } from '../../src/stages/catalog/catalog-stage.js';
import { quietLogger, testConfig, waitFor } from '../support/integration.js';

const config = testConfig();
const jobId = `itavro-${randomBytes(6).toString('hex')}`;
const pool = createMysqlPool(config.mysql.url, 1);
const decoder = new ValueDecoder(new ConfluentSchemaRegistry(config.schemaRegistry), config.ingest.maxMessageBytes);
const AVRO_TOPIC = cdcAvroTopic('pipeline_doctor', 'flink_jobs');
const JSON_TOPIC = cdcTopic('pipeline_doctor', 'flink_jobs');

let statuses: ServiceStatus[] = [];

beforeAll(async () => {
  statuses = await stackStatus(['kafka', 'apicurio', 'mariadb', 'connect']);
}, 30_000);

afterAll(async () => {
  await pool.query('DELETE FROM flink_jobs WHERE job_id = ?', [jobId]).catch(() => {});
  await pool.end();
});

/** Fail fast, naming the service, instead of a timeout deep inside a test. */
function requireReady(...names: string[]): void {
  for (const name of names) {
    const s = statuses.find((x) => x.name === name);
    if (!s?.ready) {
      throw new Error(`${name} is not reachable (${s?.detail ?? 'unknown service'}). Start the stack first: node bin/pipeline-doctor.js stack up`);
    }
  }
}

/** This job's records on a topic (key bytes hold the job id in JSON and in Avro), in order. */
async function recordsOf(topic: string, count: number): Promise<ConsumedRecord[]> {
  const broker = await createBroker(config.kafka, quietLogger);
  // Connect creates a CDC topic with its first record: on a fresh stack it may not exist yet.
  await waitFor(`topic ${topic}`, async () => {
    const admin = broker.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).includes(topic);
    } finally {
      await admin.disconnect();
    }
  }, 90_000, 500);
  const needle = Buffer.from(jobId);
  const records = await readTopic(broker, topic, {
    timeoutMs: 90_000,
    filter: (r) => r.key?.includes(needle) ?? false,
    done: (r) => r.length >= count,
  });
  expect(records.length, `records of ${jobId} on ${topic} (is connector ${CDC_AVRO_CONNECTOR_NAME} running?)`).toBeGreaterThanOrEqual(count);
  return records.slice(0, count);
}

interface Decoded {
  key: unknown;
  format: string | null;
  schemaId: number | null;
  /** null: a tombstone. */
  change: ChangeEvent | null;
}

async function decode(r: ConsumedRecord): Promise<Decoded> {
  const key = (await decoder.decode(r.key)).value;
  if (r.value === null) return { key, format: null, schemaId: null, change: null };
  const { format, schemaId, value } = await decoder.decode(r.value);
  return { key, format, schemaId, change: parseChangeEvent(value) };
}

/** The registry's own view of an artifact's versions (native v2 API: contentId and globalId). */
async function versionsOf(artifact: string): Promise<{ version: string; globalId: number; contentId: number }[]> {
  const list = await fetch(`${APICURIO_REGISTRY_V2_URL}/groups/default/artifacts/${encodeURIComponent(artifact)}/versions?limit=1000`);
  expect(list.status, `versions of ${artifact}`).toBe(200);
  return ((await list.json()) as { versions: { version: string; globalId: number; contentId: number }[] }).versions;
}

describe('Debezium CDC as Confluent-framed Avro through Apicurio', () => {
  it('streams insert, update, delete and a tombstone of a job exactly as the JSON connector does', async () => {
    requireReady('kafka', 'apicurio', 'mariadb', 'connect');
    await migrateMysql(config.mysql.url, quietLogger);
    await pool.query('INSERT INTO flink_jobs (job_id, job_name, job_type, job_config, updated_at) VALUES (?, ?, ?, ?, ?)', [
      jobId, 'orders-sync', 'STREAMING', JSON.stringify({ parallelism: 2, checkpoints: { interval_ms: 60000 } }), '2024-05-01 12:34:56.789',
    ]);
    await pool.query('UPDATE flink_jobs SET job_name = ?, job_config = ?, updated_at = ? WHERE job_id = ?', [
      'orders-sync-v2', JSON.stringify({ parallelism: 6 }), '2024-05-02 00:00:00.001', jobId,
    ]);
    await pool.query('DELETE FROM flink_jobs WHERE job_id = ?', [jobId]);

    const [avroRecords, jsonRecords] = [await recordsOf(AVRO_TOPIC, 4), await recordsOf(JSON_TOPIC, 4)];
    const avro = await Promise.all(avroRecords.map(decode));
    const json = await Promise.all(jsonRecords.map(decode));

    // Avro: Confluent framing, key and value; JSON: plain.
    for (const r of avroRecords) expect(r.key?.[0], 'Avro key magic byte').toBe(0);
    expect(avro.map((d) => d.format)).toEqual(['avro', 'avro', 'avro', null]);
    expect(json.map((d) => d.format)).toEqual(['json', 'json', 'json', null]);
    expect(avro.map((d) => d.key)).toEqual(Array(4).fill({ job_id: jobId }));
    expect(json.map((d) => d.key)).toEqual(Array(4).fill({ job_id: jobId }));

    // Same op sequence, then a tombstone; same rows before and after, whatever the format.
    expect(avro.map((d) => d.change?.op ?? 'tombstone')).toEqual(['c', 'u', 'd', 'tombstone']);
    expect(json.map((d) => d.change?.op ?? 'tombstone')).toEqual(['c', 'u', 'd', 'tombstone']);
    for (let i = 0; i < 3; i++) {
      const a = avro[i]!.change!;
      const j = json[i]!.change!;
      expect(a.before, `before of ${a.op}`).toStrictEqual(j.before);
      expect(a.after, `after of ${a.op}`).toStrictEqual(j.after);
      // Same binlog event: same commit time, database, table and position.
      for (const field of ['ts_ms', 'db', 'table', 'gtid', 'file', 'pos', 'row', 'snapshot']) {
        expect(a.source[field], `source.${field} of ${a.op}`).toStrictEqual(j.source[field]);
      }
      expect(a.source.name).toBe('cdc.avro');
    }
    const [c, u, d] = avro.map((x) => x.change!);
    // time.precision.mode=connect: DATETIME(3) is epoch ms in both formats; JSON columns are strings.
    expect(c!.after).toEqual({
      job_id: jobId, job_name: 'orders-sync', job_type: 'STREAMING', updated_at: Date.UTC(2024, 4, 1, 12, 34, 56, 789),
      job_config: expect.any(String),
    });
    expect(JSON.parse(c!.after!.job_config as string)).toEqual({ parallelism: 2, checkpoints: { interval_ms: 60000 } });
    expect(u!.before).toStrictEqual(c!.after);
    expect(u!.after).toMatchObject({ job_name: 'orders-sync-v2', updated_at: Date.UTC(2024, 4, 2, 0, 0, 0, 1) });
    expect(JSON.parse(u!.after!.job_config as string)).toEqual({ parallelism: 6 });
    expect(d!.before).toStrictEqual(u!.after);
    expect(d!.after).toBeNull();

    // The framed ids are contentIds (use-id=contentId), which is what ccompat's
    // GET /schemas/ids/{id} serves: the value schema id is a contentId of <topic>-value.
    const valueId = avro[0]!.schemaId!;
    const versions = await versionsOf(`${AVRO_TOPIC}-value`);
    const version = versions.find((v) => v.contentId === valueId);
    expect(version, `schema id ${valueId} among the contentIds ${JSON.stringify(versions)}`).toBeDefined();
    const subjects = await fetch(`${config.schemaRegistry.url}/schemas/ids/${valueId}/subjects`);
    expect(await subjects.json()).toContain(`${AVRO_TOPIC}-value`);
  }, 240_000);

  it('gives the catalog stage the same entries from Avro as from JSON', async () => {
    requireReady('kafka', 'apicurio', 'mariadb', 'connect');
    // The records of the first test are still on both topics (delete cleanup policy).
    const stage = createCatalogStage(decoder);
    const fromAvro = [];
    for (const r of await recordsOf(AVRO_TOPIC, 4)) fromAvro.push(await stage.process(r));
    const fromJson = [];
    for (const r of await recordsOf(JSON_TOPIC, 4)) fromJson.push(await stage.process(r));
    expect(fromAvro).toStrictEqual(fromJson);

    const [created, updated, deleted, tombstone] = fromAvro;
    expect(created).toHaveLength(1);
    expect(JSON.parse(created![0]!.kind === 'record' ? String(created![0]!.value) : '')).toMatchObject({
      job_id: jobId, job_name: 'orders-sync', job_type: 'STREAMING', job_config: { parallelism: 2, checkpoints: { interval_ms: 60000 } },
    });
    expect(JSON.parse(updated![0]!.kind === 'record' ? String(updated![0]!.value) : '')).toMatchObject({ job_name: 'orders-sync-v2', job_config: { parallelism: 6 } });
    expect(deleted).toEqual([{ kind: 'record', topic: 'job-catalog', key: jobId, value: null }]);
    expect(tombstone).toEqual([]);
  }, 240_000);
});
