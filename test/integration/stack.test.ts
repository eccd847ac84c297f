// Checks the local stack with the same clients the pipeline uses. It does not start anything:
// run `npx tsx src/cli/main.ts stack up` first (scripts/test.sh does). A service that is not
// reachable fails its tests with a message naming it; nothing is skipped.
import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  KAFKA_BROKERS,
  MYSQL_URL,
  SCHEMA_REGISTRY_URL,
  type ServiceStatus,
  stackStatus,
} from '../../src/stack/index.js';

let statuses: ServiceStatus[] = [];

beforeAll(async () => {
  statuses = await stackStatus();
}, 30_000);

/** Fail fast, naming the service, instead of a client timeout deep inside a test. */
function requireReady(name: string): void {
  const s = statuses.find((x) => x.name === name);
  if (!s?.ready) {
    throw new Error(
      `${name} is not reachable (${s?.detail ?? 'unknown service'}). ` +
        'Start the stack first: npx tsx src/cli/main.ts stack up',
    );
  }
}

describe('stack status', () => {
  it('reports every service running and ready', () => {
    const summary = statuses.map((s) => ({ name: s.name, running: s.running, ready: s.ready }));
    const problems = statuses.filter((s) => !s.running || !s.ready).map((s) => `${s.name}: ${s.detail ?? 'not running'}`);
    expect(summary, `not ready: ${problems.join('; ')}`).toEqual([
      { name: 'kafka', running: true, ready: true },
      { name: 'apicurio', running: true, ready: true },
      { name: 'mariadb', running: true, ready: true },
      { name: 'connect', running: true, ready: true },
      // Exercised in milvus-stack.test.ts and llm-stack.test.ts.
      { name: 'milvus', running: true, ready: true },
      { name: 'llm', running: true, ready: true },
    ]);
  });
});

describe('kafka', () => {
  const kafka = new Kafka({ clientId: 'stack-test', brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING });

  it('creates and describes a topic, and commits a transaction to it', async () => {
    requireReady('kafka');
    const topic = `stack-test-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })).toBe(true);
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0]?.name).toBe(topic);
      expect(topics[0]?.partitions).toHaveLength(2);

      // Transactions need the transaction state log (RF 1, min ISR 1 on a single node).
      const producer = kafka.producer({ transactionalId: `stack-test-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        const tx = await producer.transaction();
        await tx.send({ topic, messages: [{ key: 'k', value: 'v' }] });
        await tx.commit();
      } finally {
        await producer.disconnect();
      }
      // kafkajs reads offsets read_committed (last stable offset); the coordinator writes the
      // commit marker asynchronously after commit() returns, so poll briefly.
      // Expect 1 record + 1 commit marker in the partition that got the record.
      let committed = 0;
      for (let i = 0; i < 50 && committed < 2; i++) {
        const offsets = await admin.fetchTopicOffsets(topic);
        committed = offsets.reduce((n, p) => n + Number(p.high), 0);
        if (committed < 2) await new Promise((r) => setTimeout(r, 200));
      }
      expect(committed).toBe(2);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  }, 60_000);

  it('does not auto-create topics', async () => {
    requireReady('kafka');
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { brokers } = await admin.describeCluster();
      const [res] = (
        await admin.describeConfigs({
          resources: [{ type: 4 /* BROKER */, name: String(brokers[0]?.nodeId), configNames: ['auto.create.topics.enable'] }],
          includeSynonyms: false,
        })
      ).resources;
      expect(res?.configEntries.find((c) => c.configName === 'auto.create.topics.enable')?.configValue).toBe('false');
    } finally {
      await admin.disconnect();
    }
  }, 30_000);
});

describe('mariadb', () => {
  it('lets pd log in and has the binlog on in ROW format', async () => {
    requireReady('mariadb');
    const conn = await mysql.createConnection(MYSQL_URL);
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image')",
      );
      const vars = Object.fromEntries(rows.map((r) => [r.Variable_name, r.Value]));
      expect(vars).toEqual({ log_bin: 'ON', binlog_format: 'ROW', binlog_row_image: 'FULL' });
      const [[db]] = await conn.query<mysql.RowDataPacket[]>('SELECT DATABASE() AS db');
      expect(db?.db).toBe('pipeline_doctor');
    } finally {
      await conn.end();
    }
  }, 30_000);

  it('has the debezium user with replication grants', async () => {
    requireReady('mariadb');
    const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'debezium', password: 'dbz' });
    try {
      const [logs] = await conn.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
      expect(logs.length).toBeGreaterThan(0);
    } finally {
      await conn.end();
    }
  }, 30_000);
});

describe('apicurio (Confluent-compatible schema registry)', () => {
  it('round-trips an Avro schema by id', async () => {
    requireReady('apicurio');
    const subject = `stack-test-${randomUUID()}-value`;
    const schema = {
      type: 'record',
      name: 'StackProbe',
      namespace: 'pipeline_doctor.test',
      fields: [{ name: 'id', type: 'string' }],
    };
    const registry = new SchemaRegistry({ host: SCHEMA_REGISTRY_URL });
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    expect(id).toBeGreaterThan(0);

    const res = await fetch(`${SCHEMA_REGISTRY_URL}/schemas/ids/${id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { schema: string };
    expect(JSON.parse(body.schema)).toMatchObject({ name: 'StackProbe', fields: [{ name: 'id', type: 'string' }] });

    // Confluent wire format through the registry: encode, then decode by the embedded id.
    const encoded = await registry.encode(id, { id: 'abc' });
    expect(encoded[0]).toBe(0); // magic byte
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(await registry.decode(encoded)).toEqual({ id: 'abc' });
  }, 30_000);
});
