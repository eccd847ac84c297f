// The @confluentinc/kafka-javascript adapter against the real broker (KAFKA_BROKERS, default
// 127.0.0.1:9092; start it with `node bin/pipeline-doctor.js stack up kafka`). The library is an
// on-demand install (scripts/install-confluent-kafka.sh): these tests are skipped only when it is
// not installed in ${PD_CACHE_DIR:-~/.cache/pipeline-doctor}/confluent-kafka.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfluentBroker, confluentKafkaDir, confluentKafkaInstalled, loadConfluentKafka } from '../../src/adapters/kafka/confluent-broker.js';
import { createLogger } from '../../src/core/logger.js';
import type { BrokerAdmin, BrokerConsumer, ConsumedRecord, PartitionOffset } from '../../src/ports/broker.js';
import { readTopic } from '../../src/sample/topic-reader.js';

const installed = confluentKafkaInstalled();
const SKIP_REASON = `@confluentinc/kafka-javascript is not installed in ${confluentKafkaDir()}: run scripts/install-confluent-kafka.sh`;
if (!installed) console.warn(`confluent-broker.test.ts skipped: ${SKIP_REASON}`);

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = randomUUID().slice(0, 8);
const topicName = (name: string) => `pd-it-confluent-${name}-${run}`;
const sum = (offsets: { offset: string }[]) => offsets.reduce((total, p) => total + Math.max(0, Number(p.offset)), 0);

/** Consumes `topic` with `groupId` until `expected` records arrived, committing after each batch. */
async function consumeAndCommit(broker: ConfluentBroker, groupId: string, topic: string, expected: number, commit: (consumer: BrokerConsumer, next: PartitionOffset) => Promise<void>) {
  const consumer = broker.consumer({ groupId, sessionTimeoutMs: 10_000 });
  const records: ConsumedRecord[] = [];
  let batches = 0;
  await consumer.connect();
  await consumer.subscribe([topic], true);
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run(async (batch) => {
    records.push(...batch.records);
    batches += 1;
    const last = batch.records[batch.records.length - 1]!;
    await commit(consumer, { topic: batch.topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) });
    if (records.length >= expected) done();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${records.length}/${expected} records consumed`)), 45_000)))]);
  clearTimeout(timer);
  return { consumer, records, batches };
}

describe.skipIf(!installed)(installed ? 'ConfluentBroker on the real broker' : `ConfluentBroker (skipped: ${SKIP_REASON})`, () => {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'confluent-broker-test');
  let broker: ConfluentBroker;
  let admin: BrokerAdmin;
  const created: string[] = [];

  beforeAll(async () => {
    broker = await ConfluentBroker.create({ brokers, clientId: 'pd-confluent-test', ssl: false }, logger);
    admin = broker.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (!admin) return;
    if (created.length > 0) await admin.deleteTopics(created).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates and describes a topic through the admin client', async () => {
    const topic = topicName('admin');
    await admin.createTopics([{ topic, partitions: 3, replicationFactor: 1, configs: { 'cleanup.policy': 'delete', 'retention.ms': '3600000' } }]);
    created.push(topic);
    expect(await admin.listTopics()).toContain(topic);
    const [described] = await admin.describeTopics([topic], ['cleanup.policy', 'retention.ms']);
    expect(described).toEqual({ topic, partitions: 3, configs: { 'cleanup.policy': 'delete', 'retention.ms': '3600000' } });
    await admin.createPartitions(topic, 4);
    expect((await admin.describeTopics([topic], []))[0]?.partitions).toBe(4);
    await admin.alterTopicConfigs(topic, { 'retention.ms': '7200000' });
    expect((await admin.describeTopics([topic], ['retention.ms']))[0]?.configs).toEqual({ 'retention.ms': '7200000' });
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toBeGreaterThanOrEqual(1);
    expect(await admin.topicEndOffsets(topic)).toHaveLength(4);
  }, 60_000);

  it('produces 100 records and consumes them in a group with manual commits', async () => {
    const topic = topicName('records');
    const groupId = `pd-it-confluent-group-${run}`;
    await admin.createTopics([{ topic, partitions: 3, replicationFactor: 1, configs: {} }]);
    created.push(topic);

    const producer = broker.producer();
    await producer.connect();
    try {
      for (let start = 0; start < 100; start += 25) {
        const messages = Array.from({ length: 25 }, (_, i) => ({
          key: `key-${(start + i) % 7}`,
          value: JSON.stringify({ n: start + i }),
          headers: { source: 'confluent-test' },
        }));
        await producer.send([{ topic, messages }]);
      }
    } finally {
      await producer.disconnect();
    }
    expect(sum(await admin.topicEndOffsets(topic))).toBe(100);

    const { consumer, records, batches } = await consumeAndCommit(broker, groupId, topic, 100, (c, next) => c.commit([next]));
    await consumer.disconnect();
    expect(records).toHaveLength(100);
    expect(batches).toBeGreaterThanOrEqual(3); // one partition per batch
    expect(new Set(records.map((r) => (JSON.parse(r.value!.toString()) as { n: number }).n)).size).toBe(100);
    const sample = records[0]!;
    expect(sample.key?.toString()).toMatch(/^key-\d$/);
    expect(String(sample.headers.source)).toBe('confluent-test');
    expect(Number(sample.timestamp)).toBeGreaterThan(Date.now() - 120_000);
    // Records of one key land on one partition, in order.
    for (const partition of [0, 1, 2]) {
      const offsets = records.filter((r) => r.partition === partition).map((r) => Number(r.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
    expect(sum(await admin.groupOffsets(groupId, topic))).toBe(100);
  }, 90_000);

  it('pauses a partition, seeks back and redelivers after resume (the runner retry path)', async () => {
    const topic = topicName('pause');
    await admin.createTopics([{ topic, partitions: 1, replicationFactor: 1, configs: {} }]);
    created.push(topic);
    const producer = broker.producer();
    await producer.connect();
    await producer.send([{ topic, messages: Array.from({ length: 20 }, (_, i) => ({ key: null, value: `r-${i}` })) }]);
    await producer.disconnect();

    const consumer = broker.consumer({ groupId: `pd-it-confluent-pause-${run}`, sessionTimeoutMs: 10_000 });
    await consumer.connect();
    await consumer.subscribe([topic], true);
    const firstOffsets: string[] = [];
    let failedOnce = false;
    let staleAfterSeek = false;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run(async (batch, control) => {
      firstOffsets.push(batch.records[0]!.offset);
      if (!failedOnce) {
        failedOnce = true;
        consumer.pause(topic, [batch.partition]);
        consumer.seek({ topic, partition: batch.partition, offset: batch.records[0]!.offset });
        staleAfterSeek = control.isStale();
        setTimeout(() => consumer.resume(topic, [batch.partition]), 500);
        return;
      }
      const last = batch.records[batch.records.length - 1]!;
      await consumer.commit([{ topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }]);
      if (last.offset === '19') done();
    });
    await finished;
    await consumer.disconnect();
    expect(firstOffsets.slice(0, 2)).toEqual(['0', '0']);
    expect(staleAfterSeek).toBe(true);
  }, 60_000);

  it('commits records and input offsets in one transaction; an aborted transaction stays invisible', async () => {
    const input = topicName('tx-in');
    const output = topicName('tx-out');
    const groupId = `pd-it-confluent-tx-${run}`;
    await admin.createTopics([
      { topic: input, partitions: 1, replicationFactor: 1, configs: {} },
      { topic: output, partitions: 1, replicationFactor: 1, configs: {} },
    ]);
    created.push(input, output);

    const plain = broker.producer();
    await plain.connect();
    await plain.send([{ topic: input, messages: Array.from({ length: 10 }, (_, i) => ({ key: null, value: `in-${i}` })) }]);

    const tx = broker.producer({ transactionalId: `pd-it-confluent-tx-${run}` });
    await tx.connect();
    // Process the input the way the stage runner does: outputs + input offsets in one transaction.
    const { consumer, records } = await consumeAndCommit(broker, groupId, input, 10, async (_consumer, next) => {
      const batch = await tx.transaction();
      try {
        await batch.send([{ topic: output, messages: [{ key: null, value: `committed-up-to-${next.offset}` }] }]);
        await batch.sendOffsets(groupId, [next]);
        await batch.commit();
      } catch (err) {
        await batch.abort();
        throw err;
      }
    });
    expect(records).toHaveLength(10);
    // Transactional offsets become readable once the coordinator wrote the commit markers, just after commit().
    await expect.poll(async () => sum(await admin.groupOffsets(groupId, input)), { timeout: 10_000 }).toBe(10);

    const aborted = await tx.transaction();
    await aborted.send([{ topic: output, messages: Array.from({ length: 5 }, (_, i) => ({ key: null, value: `aborted-${i}` })) }]);
    await aborted.sendOffsets(groupId, [{ topic: input, partition: 0, offset: '0' }]);
    await aborted.abort();
    await consumer.disconnect();
    await tx.disconnect();
    // The aborted offsets were not applied either.
    expect(sum(await admin.groupOffsets(groupId, input))).toBe(10);

    // A marker after the aborted records: once it is read, anything visible before it was read too.
    await plain.send([{ topic: output, messages: [{ key: null, value: 'marker' }] }]);
    await plain.disconnect();
    const seen = await readTopic(broker, output, { done: (rs) => rs.some((r) => r.value?.toString() === 'marker'), timeoutMs: 45_000 });
    const values = seen.map((r) => r.value?.toString() ?? '');
    expect(values).toContain('marker');
    expect(values.filter((v) => v.startsWith('aborted-'))).toEqual([]);
    expect(values.filter((v) => v.startsWith('committed-up-to-')).length).toBeGreaterThanOrEqual(1);
    expect(values.at(-2)).toBe('committed-up-to-10');
    // 1 committed record per input batch + 5 aborted + marker + 1 commit and 1 abort marker per transaction.
    expect(sum(await admin.topicEndOffsets(output))).toBeGreaterThan(values.length + 5);
  }, 120_000);
});

describe('loading @confluentinc/kafka-javascript', () => {
  it('fails with an error naming the install script when the library is missing', () => {
    expect(() => loadConfluentKafka('/nonexistent/pd-cache/confluent-kafka')).toThrow(/run scripts\/install-confluent-kafka\.sh \(installs into \/nonexistent\/pd-cache\/confluent-kafka/);
  });

  it('looks in $PD_CACHE_DIR/confluent-kafka', () => {
    expect(confluentKafkaDir({ PD_CACHE_DIR: '/tmp/pd-cache' })).toBe('/tmp/pd-cache/confluent-kafka');
    expect(confluentKafkaDir({})).toMatch(/\.cache\/pipeline-doctor\/confluent-kafka$/);
  });
});
