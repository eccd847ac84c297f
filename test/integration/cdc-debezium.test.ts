// CDC end to end on the local stack: rows written to MariaDB come out of Kafka Connect +
// Debezium as bare JSON envelopes on cdc.local.<db>.<table>. Needs `stack up` (kafka, mariadb,
// connect); a service that is not reachable fails the tests with a message naming it.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CDC_CONNECTOR_NAME, cdcTopic } from '../../src/cdc/debezium-connector.js';
import { KAFKA_BROKERS, MYSQL_URL, type ServiceStatus, stackStatus } from '../../src/stack/index.js';

const db = `itcdc_${randomBytes(4).toString('hex')}`;
const kafka = new Kafka({ clientId: 'cdc-debezium-test', brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let statuses: ServiceStatus[] = [];
let conn: mysql.Connection | undefined;

beforeAll(async () => {
  statuses = await stackStatus(['kafka', 'mariadb', 'connect']);
}, 30_000);

afterAll(async () => {
  if (!conn) return;
  await conn.query(`DROP DATABASE IF EXISTS ${db}`);
  await conn.end();
  const admin = kafka.admin();
  await admin.connect();
  const ours = (await admin.listTopics()).filter((t) => t.startsWith(cdcTopic(db, '')));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => {});
  await admin.disconnect();
}, 60_000);

/** Fail fast, naming the service, instead of a timeout deep inside a test. */
function requireReady(...names: string[]): void {
  for (const name of names) {
    const s = statuses.find((x) => x.name === name);
    if (!s?.ready) {
      throw new Error(
        `${name} is not reachable (${s?.detail ?? 'unknown service'}). ` +
          `Start the stack first: node bin/pipeline-doctor.js stack up`,
      );
    }
  }
}

async function pd(): Promise<mysql.Connection> {
  conn ??= await mysql.createConnection(MYSQL_URL);
  return conn;
}

interface Rec {
  key: unknown;
  value: Record<string, any> | null;
}

/**
 * The first `count` records of a topic, read from the beginning by a fresh consumer group.
 * Connect creates the topic with the table's first event, so wait for it to exist and fill.
 */
async function readTopic(topic: string, count: number, timeoutMs = 60_000): Promise<Rec[]> {
  const until = Date.now() + timeoutMs;
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let filled = 0; filled < count; await sleep(500)) {
      if (Date.now() > until) {
        throw new Error(`${topic}: ${filled} of ${count} records after ${timeoutMs / 1000}s (is connector ${CDC_CONNECTOR_NAME} running?)`);
      }
      if (!(await admin.listTopics()).includes(topic)) continue;
      filled = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
    }
  } finally {
    await admin.disconnect();
  }

  const consumer = kafka.consumer({ groupId: `cdc-debezium-test-${randomBytes(6).toString('hex')}` });
  const records: Rec[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        records.push({
          key: message.key ? JSON.parse(message.key.toString()) : null,
          value: message.value ? JSON.parse(message.value.toString()) : null,
        });
      },
    });
    while (records.length < count && Date.now() < until) await sleep(200);
  } finally {
    await consumer.disconnect();
  }
  expect(records.length, `records read from ${topic}`).toBeGreaterThanOrEqual(count);
  return records.slice(0, count);
}

describe('Debezium MariaDB connector (Kafka Connect)', () => {
  it('streams insert, update, delete and a tombstone of a new database', async () => {
    requireReady('kafka', 'mariadb', 'connect');
    const c = await pd();
    await c.query(`CREATE DATABASE ${db}`);
    await c.query(`CREATE TABLE ${db}.flink_jobs (
      job_id VARCHAR(64) PRIMARY KEY, job_name VARCHAR(256), job_type VARCHAR(32),
      job_config JSON, updated_at DATETIME(3))`);
    const insert = `INSERT INTO ${db}.flink_jobs VALUES (?, ?, ?, ?, ?)`;
    await c.query(insert, ['j1', 'orders-sync', 'STREAMING', '{"parallelism":2}', '2024-05-01 12:34:56.789']);
    await c.query(insert, ['j2', 'daily-rollup', 'BATCH', '{"parallelism":1}', '2024-05-01 00:00:00.000']);
    await c.query(`UPDATE ${db}.flink_jobs SET job_name = 'orders-sync-v2' WHERE job_id = 'j1'`);
    await c.query(`DELETE FROM ${db}.flink_jobs WHERE job_id = 'j2'`);

    const recs = await readTopic(cdcTopic(db, 'flink_jobs'), 5);
    const [c1, c2, u, d, tomb] = recs;

    expect(recs.map((r) => r.key)).toEqual([{ job_id: 'j1' }, { job_id: 'j2' }, { job_id: 'j1' }, { job_id: 'j2' }, { job_id: 'j2' }]);
    expect(['c', 'r']).toContain(c1?.value?.op);
    expect(c1?.value?.before).toBeNull();
    // time.precision.mode=connect: DATETIME(3) is epoch milliseconds (the value read as UTC).
    expect(c1?.value?.after).toMatchObject({ job_id: 'j1', job_name: 'orders-sync', job_type: 'STREAMING', updated_at: Date.UTC(2024, 4, 1, 12, 34, 56, 789) });
    expect(JSON.parse(c1?.value?.after.job_config)).toEqual({ parallelism: 2 });
    expect(c1?.value?.source).toMatchObject({ db, table: 'flink_jobs' });
    expect(typeof c1?.value?.ts_ms).toBe('number');

    expect(['c', 'r']).toContain(c2?.value?.op);
    expect(c2?.value?.after).toMatchObject({ job_id: 'j2', job_name: 'daily-rollup' });

    expect(u?.value?.op).toBe('u');
    expect(u?.value?.before).toMatchObject({ job_id: 'j1', job_name: 'orders-sync' });
    expect(u?.value?.after).toMatchObject({ job_id: 'j1', job_name: 'orders-sync-v2', job_type: 'STREAMING' });

    expect(d?.value?.op).toBe('d');
    expect(d?.value?.before).toMatchObject({ job_id: 'j2', job_name: 'daily-rollup' });
    expect(d?.value?.after).toBeNull();

    expect(tomb?.value).toBeNull(); // tombstone: same key, null value (for log compaction)
  }, 120_000);

  it('captures a table created while the connector is streaming, without reconfiguring', async () => {
    requireReady('kafka', 'mariadb', 'connect');
    const c = await pd();
    await c.query(`CREATE DATABASE IF NOT EXISTS ${db}`);
    await c.query(`CREATE TABLE ${db}.late_table (id INT PRIMARY KEY, amount DECIMAL(10,2), day DATE)`);
    await c.query(`INSERT INTO ${db}.late_table VALUES (1, 12.50, '2024-05-01')`);

    const [rec] = await readTopic(cdcTopic(db, 'late_table'), 1);
    expect(rec?.key).toEqual({ id: 1 });
    expect(rec?.value?.op).toBe('c');
    // decimal.handling.mode=string; DATE is days since the epoch (time.precision.mode=connect).
    expect(rec?.value?.after).toEqual({ id: 1, amount: '12.50', day: Date.UTC(2024, 4, 1) / 86_400_000 });

    // The high-volume log table stays out of CDC.
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain(cdcTopic('pipeline_doctor', 'job_log_events'));
    } finally {
      await admin.disconnect();
    }
  }, 120_000);
});
