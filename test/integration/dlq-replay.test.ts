import { describe, expect, it } from 'vitest';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { replayDlq } from '../../src/core/dlq-replay.js';
import { readTopic } from '../../src/sample/topic-reader.js';
import { quietLogger, testConfig, uniqueSuffix } from '../support/integration.js';

describe('dlq replay against the local Kafka', () => {
  it('sends originals back without DLQ headers, filters by reason, and never repeats itself', async () => {
    const prefix = `itd-${uniqueSuffix()}.`;
    const broker = await createBroker(testConfig().kafka, quietLogger);
    const admin = broker.admin();
    await admin.connect();
    await admin.createTopics([`${prefix}in`, `${prefix}in.dlq`].map((topic) => ({ topic, partitions: 2, replicationFactor: 1, configs: {} })));
    await admin.disconnect();
    const dlqRecord = (value: string, reason: string, offset: number) => ({
      key: `k${offset}`,
      value,
      headers: { trace: 't1', 'dlq.reason': reason, 'dlq.stage': 'ingest', 'dlq.source.topic': `${prefix}in`, 'dlq.source.partition': '0', 'dlq.source.offset': String(offset), 'dlq.time': new Date().toISOString(), 'dlq.error': 'x' },
    });
    const producer = broker.producer();
    await producer.connect();
    await producer.send([{ topic: `${prefix}in.dlq`, messages: [dlqRecord('{"a":', 'malformed_json', 1), dlqRecord('{"b":1}', 'schema_violation', 2), dlqRecord('{"c":', 'malformed_json', 3)] }]);
    await producer.disconnect();

    const options = { dlqTopic: `${prefix}in.dlq`, groupId: `${prefix}dlq-replay.in` };
    expect(await replayDlq(broker, { ...options, dryRun: true, groupId: `${prefix}dry` })).toMatchObject({ replayed: 3, skipped: 0 });
    const filtered = { ...options, groupId: `${options.groupId}.malformed_json`, reasons: ['malformed_json'] };
    expect(await replayDlq(broker, filtered)).toEqual({ replayed: 2, skipped: 1, bySourceTopic: { [`${prefix}in`]: 2 } });
    expect(await replayDlq(broker, filtered)).toEqual({ replayed: 0, skipped: 0, bySourceTopic: {} });

    const back = await readTopic(broker, `${prefix}in`, { timeoutMs: 20_000, done: (r) => r.length >= 2 });
    expect(back.map((r) => r.value!.toString()).sort()).toEqual(['{"a":', '{"c":']);
    for (const r of back) {
      expect(Object.keys(r.headers).filter((h) => h.startsWith('dlq.') && h !== 'dlq.replayed_from')).toEqual([]);
      expect(r.headers.trace?.toString()).toBe('t1');
      expect(r.headers['dlq.replayed_from']?.toString()).toMatch(new RegExp(`^${prefix.replace('.', '\\.')}in\\.dlq/\\d/\\d+$`));
    }
  });
});
