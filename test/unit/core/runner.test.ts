import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/core/logger.js';
import { PipelineMetrics } from '../../../src/core/metrics.js';
import { StageRunner } from '../../../src/core/runner.js';
import type { Sink, Stage } from '../../../src/core/stage.js';
import { TopicCatalog } from '../../../src/core/topic-catalog.js';
import { MemoryBroker, type MemoryConsumer } from '../../support/memory-broker.js';

const catalog = new TopicCatalog(
  [
    { name: 'in', role: 'input', description: 'd', managed: true, partitions: 1, cleanup: 'delete', key: 'k', value: { schema: 's', formats: ['json'] }, dlq: true },
    { name: 'out', role: 'internal', description: 'd', managed: true, partitions: 1, cleanup: 'delete', key: 'k', value: { schema: 's', formats: ['json'] }, dlq: false },
  ],
  't.',
);

class RecordingSink implements Sink {
  readonly name = 'rows';
  rows: unknown[] = [];
  failures = 0;
  async write(rows: unknown[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new TransientError('mysql', 'connection refused');
    }
    this.rows.push(...rows);
  }
  async close(): Promise<void> {}
}

/** Upper-cases values; "bad" is permanently invalid, "bug" is a programming error. */
const stage: Stage = {
  name: 'upper',
  input: 'in',
  outputs: { topics: ['out'], sinks: ['rows'] },
  process(record) {
    const text = record.value!.toString();
    if (text === 'bad') throw new PermanentError('malformed_json', 'not json');
    if (text === 'bug') throw new TypeError('undefined is not a function');
    return [
      { kind: 'record', topic: 'out', key: null, value: text.toUpperCase() },
      { kind: 'row', sink: 'rows', row: text },
    ];
  },
};

function setup(options: { exactlyOnce?: boolean; maxAttempts?: number } = {}) {
  const broker = new MemoryBroker();
  const sink = new RecordingSink();
  const fatal: unknown[] = [];
  const runner = new StageRunner(stage, {
    broker,
    catalog,
    sinks: new Map([[sink.name, sink]]),
    config: {
      exactlyOnce: options.exactlyOnce ?? true,
      instanceId: 'test',
      topicPrefix: 't.',
      kafka: { brokers: [], client: 'kafkajs', clientId: 'x', ssl: false, sessionTimeoutMs: 10_000 },
      runner: {
        batchMaxRecords: 100,
        partitionConcurrency: 1,
        retry: { maxAttempts: options.maxAttempts ?? 4, minMs: 1, maxMs: 2 },
        pauseMs: 60_000,
        drainTimeoutMs: 1000,
        dlq: { maxInvalidRatio: 0.5, window: 100, minSample: 4 },
      },
    },
    logger: createLogger('silent'),
    metrics: new PipelineMetrics(),
    onFatal: (err) => fatal.push(err),
  });
  const consumer = () => (broker as unknown as { consumers: MemoryConsumer[] }).consumers[0]!;
  return { broker, sink, fatal, runner, consumer };
}

const committed = (broker: MemoryBroker) => broker.committed.get('t.upper|t.in|0');

describe('StageRunner', () => {
  it.each([true, false])('delivers outputs, dead-letters invalid records and commits after both (exactly-once %s)', async (exactlyOnce) => {
    const { broker, sink, runner, consumer } = setup({ exactlyOnce });
    await runner.start();
    broker.append('t.in', [{ value: 'a', key: 'k1' }, { value: 'bad', key: 'k2', headers: { trace: 'x' } }, { value: 'b' }]);
    await consumer().pump();

    expect(broker.values('t.out')).toEqual(['A', 'B']);
    expect(sink.rows).toEqual(['a', 'b']);
    expect(committed(broker)).toBe('3');
    const [dlq] = broker.logs.get('t.in.dlq')!;
    expect(dlq!.value!.toString()).toBe('bad');
    expect(dlq!.key!.toString()).toBe('k2');
    expect(dlq!.headers).toMatchObject({ trace: 'x', 'dlq.reason': 'malformed_json', 'dlq.stage': 'upper', 'dlq.source.topic': 't.in', 'dlq.source.partition': '0', 'dlq.source.offset': '1' });
    expect(String(dlq!.headers['dlq.time'])).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('retries transient sink failures and then commits once', async () => {
    const { broker, sink, runner, consumer } = setup();
    await runner.start();
    sink.failures = 2;
    broker.append('t.in', [{ value: 'a' }]);
    await consumer().pump();
    expect(sink.rows).toEqual(['a']);
    expect(broker.values('t.out')).toEqual(['A']);
    expect(committed(broker)).toBe('1');
  });

  it('pauses the partition and rewinds when retries are exhausted, committing nothing', async () => {
    const { broker, sink, runner, consumer, fatal } = setup({ maxAttempts: 2 });
    await runner.start();
    sink.failures = 10;
    broker.append('t.in', [{ value: 'a' }, { value: 'b' }]);
    await consumer().pump();
    expect(committed(broker)).toBeUndefined();
    expect(consumer().paused.has('t.in')).toBe(true);
    expect(consumer().position.get('t.in')).toBe(0);
    expect(broker.values('t.out')).toEqual([]);
    expect(fatal).toEqual([]);
    await runner.stop();
  });

  it('treats a failed transaction commit as transient: nothing visible twice', async () => {
    const { broker, runner, consumer } = setup();
    await runner.start();
    broker.failNextCommit = true;
    broker.append('t.in', [{ value: 'a' }]);
    await consumer().pump();
    expect(broker.values('t.out')).toEqual(['A']);
    expect(committed(broker)).toBe('1');
  });

  it('crashes loudly on a bug and never commits past it', async () => {
    const { broker, runner, consumer, fatal } = setup();
    await runner.start();
    broker.append('t.in', [{ value: 'a' }, { value: 'bug' }]);
    await consumer().pump();
    expect(fatal).toHaveLength(1);
    expect(String(fatal[0])).toMatch(/t\.in\[0\]@1: undefined is not a function/);
    expect(committed(broker)).toBeUndefined();
    expect(runner.isReady).toBe(false);
    broker.append('t.in', [{ value: 'c' }]);
    await consumer().pump();
    expect(committed(broker)).toBeUndefined();
    expect(broker.values('t.out')).toEqual([]);
  });

  it('opens the DLQ circuit breaker when most records are invalid', async () => {
    const { broker, runner, consumer, fatal } = setup();
    await runner.start();
    broker.append('t.in', [{ value: 'bad' }, { value: 'bad' }, { value: 'bad' }, { value: 'a' }]);
    await consumer().pump();
    expect(String(fatal[0])).toMatch(/circuit breaker open/);
  });

  it('refuses wiring to an unregistered sink at construction', () => {
    const broker = new MemoryBroker();
    expect(
      () =>
        new StageRunner(stage, {
          broker, catalog, sinks: new Map(), logger: createLogger('silent'), metrics: new PipelineMetrics(), onFatal: () => undefined,
          config: { exactlyOnce: true, instanceId: 'i', topicPrefix: 't.', kafka: { brokers: [], client: 'kafkajs', clientId: 'x', ssl: false, sessionTimeoutMs: 1 }, runner: { batchMaxRecords: 1, partitionConcurrency: 1, retry: { maxAttempts: 1, minMs: 1, maxMs: 1 }, pauseMs: 1, drainTimeoutMs: 1, dlq: { maxInvalidRatio: 1, window: 1, minSample: 1 } } },
        }),
    ).toThrow(/sink "rows" is not registered/);
  });
});

describe('splitBySize', () => {
  it('keeps order, groups small records and isolates big ones', async () => {
    const { splitBySize } = await import('../../../src/core/runner.js');
    const small = (v: string) => ({ value: v });
    const big = { value: Buffer.alloc(600) };
    const sends = splitBySize([{ topic: 'a', messages: [small('1'), small('2'), big, small('3')] }, { topic: 'b', messages: [small('4')] }], 500);
    expect(sends.map((s) => s.map((t) => `${t.topic}:${t.messages.length}`))).toEqual([['a:2'], ['a:1'], ['a:1', 'b:1']]);
  });
});
