import { randomUUID } from 'node:crypto';
import { TransientError } from './errors.js';
import type { Logger } from './logger.js';
import type { Broker, BrokerConsumer, BrokerProducer } from '../ports/broker.js';

/** Key of the marker records that tell the mirror it has read a partition up to "now". */
const BARRIER_KEY = '__pd_barrier__';

/**
 * A follower of a compacted changelog topic: the committed content of every partition, kept up
 * to date. A stage restores a partition's state from it after a restart, a rebalance or a failed
 * chunk.
 *
 * "Up to date" needs care with transactions: the end offset includes commit markers and records of
 * transactions still open (a predecessor's in-flight chunk). So `catchUp` appends a barrier
 * record to the partition and waits until the mirror reads it. A read_committed consumer only gets
 * past an open transaction once it is committed or aborted, so everything committed before the
 * barrier, and nothing uncommitted, is in the mirror when the barrier arrives.
 */
export class ChangelogMirror {
  private readonly partitions = new Map<number, Map<string, Buffer>>();
  private readonly waiters = new Map<string, () => void>();
  private consumer?: BrokerConsumer;
  private producer?: BrokerProducer;

  constructor(
    private readonly broker: Broker,
    readonly topic: string,
    private readonly log: Logger,
    private readonly timeoutMs = 30_000,
  ) {}

  async start(): Promise<void> {
    this.producer = this.broker.producer();
    await this.producer.connect();
    // A throw-away group that commits nothing: every start reads the compacted topic from the beginning.
    this.consumer = this.broker.consumer({ groupId: `pd-changelog-${randomUUID()}`, sessionTimeoutMs: 10_000 });
    this.consumer.onCrash((err) => this.log.error({ topic: this.topic, err: err.message }, 'changelog mirror consumer crashed'));
    await this.consumer.connect();
    await this.consumer.subscribe([this.topic], true);
    await this.consumer.run(async (batch) => {
      const entries = this.entriesOf(batch.partition);
      for (const record of batch.records) {
        const key = record.key?.toString('utf8');
        if (key === undefined) continue;
        if (key === BARRIER_KEY) {
          const id = record.value?.toString('utf8') ?? '';
          this.waiters.get(id)?.();
          continue;
        }
        if (record.value === null || record.value.length === 0) entries.delete(key);
        else entries.set(key, record.value);
      }
    });
  }

  /** Resolves once everything committed to `partition` before this call is in the mirror. */
  async catchUp(partition: number): Promise<void> {
    if (!this.producer) throw new Error('changelog mirror not started');
    const id = randomUUID();
    const arrived = new Promise<void>((resolve) => this.waiters.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransientError('kafka', `changelog ${this.topic}[${partition}]: barrier not read back within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await this.producer.send([{ topic: this.topic, messages: [{ partition, key: BARRIER_KEY, value: id }] }]);
      await Promise.race([arrived, timeout]);
    } finally {
      clearTimeout(timer);
      this.waiters.delete(id);
    }
  }

  /** The committed entries of a partition (a copy: the caller may keep it). */
  entries(partition: number): ReadonlyMap<string, Buffer> {
    return new Map(this.entriesOf(partition));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }

  private entriesOf(partition: number): Map<string, Buffer> {
    let entries = this.partitions.get(partition);
    if (!entries) this.partitions.set(partition, (entries = new Map()));
    return entries;
  }
}
