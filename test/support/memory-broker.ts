import type {
  BatchControl, Broker, BrokerAdmin, BrokerConsumer, BrokerProducer, BrokerTransaction, ConsumedBatch, ConsumedRecord, PartitionOffset, TopicRecords,
} from '../../src/ports/broker.js';

/**
 * An in-memory broker for fast runner tests (like Kafka Streams' TopologyTestDriver): one
 * partition per topic, transactions that become visible on commit, committed group offsets.
 * Tests drive consumption explicitly with `pump()`. Never used outside unit tests.
 */
export class MemoryBroker implements Broker {
  readonly library = 'memory';
  readonly logs = new Map<string, ConsumedRecord[]>();
  readonly committed = new Map<string, string>(); // `${group}|${topic}|${partition}` → next offset
  failNextCommit = false;
  private readonly consumers: MemoryConsumer[] = [];

  append(topic: string, records: TopicRecords['messages']): void {
    const log = this.logs.get(topic) ?? [];
    for (const m of records) {
      log.push({
        topic, partition: 0, offset: String(log.length),
        key: m.key === undefined || m.key === null ? null : Buffer.from(m.key),
        value: m.value === null ? null : Buffer.from(m.value),
        headers: { ...(m.headers ?? {}) }, timestamp: String(Date.now()),
      });
    }
    this.logs.set(topic, log);
  }

  values(topic: string): string[] {
    return (this.logs.get(topic) ?? []).map((r) => r.value?.toString() ?? '');
  }

  admin(): BrokerAdmin {
    throw new Error('not needed by runner tests');
  }

  producer(): BrokerProducer {
    const send = async (batch: TopicRecords[]) => batch.forEach((t) => this.append(t.topic, t.messages));
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send,
      transaction: async (): Promise<BrokerTransaction> => {
        const pending: TopicRecords[] = [];
        const offsets: { group: string; offsets: PartitionOffset[] }[] = [];
        return {
          send: async (batch) => void pending.push(...batch),
          sendOffsets: async (group, o) => void offsets.push({ group, offsets: o }),
          commit: async () => {
            if (this.failNextCommit) {
              this.failNextCommit = false;
              throw new Error('simulated coordinator failure');
            }
            await send(pending);
            for (const { group, offsets: list } of offsets) for (const o of list) this.committed.set(`${group}|${o.topic}|${o.partition}`, o.offset);
          },
          abort: async () => undefined,
        };
      },
    };
  }

  consumer(options: { groupId: string }): BrokerConsumer {
    const consumer = new MemoryConsumer(this, options.groupId);
    this.consumers.push(consumer);
    return consumer;
  }
}

export class MemoryConsumer implements BrokerConsumer {
  topics: string[] = [];
  paused = new Set<string>();
  position = new Map<string, number>();
  private handler?: (batch: ConsumedBatch, control: BatchControl) => Promise<void>;
  private seeked = false;

  constructor(private readonly broker: MemoryBroker, readonly groupId: string) {}

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async subscribe(topics: string[]): Promise<void> {
    this.topics = topics;
  }
  async run(handler: (batch: ConsumedBatch, control: BatchControl) => Promise<void>): Promise<void> {
    this.handler = handler;
  }
  async commit(offsets: PartitionOffset[]): Promise<void> {
    for (const o of offsets) this.broker.committed.set(`${this.groupId}|${o.topic}|${o.partition}`, o.offset);
  }
  pause(topic: string): void {
    this.paused.add(topic);
  }
  resume(topic: string): void {
    this.paused.delete(topic);
  }
  seek(o: PartitionOffset): void {
    this.position.set(o.topic, Number(o.offset));
    this.seeked = true;
  }
  onCrash(): void {}
  onAssignment(): void {}

  /** Delivers everything past the current position of each unpaused topic as one batch. */
  async pump(): Promise<void> {
    for (const topic of this.topics) {
      if (this.paused.has(topic)) continue;
      const start = this.position.get(topic) ?? Number(this.broker.committed.get(`${this.groupId}|${topic}|0`) ?? 0);
      const records = (this.broker.logs.get(topic) ?? []).slice(start);
      if (records.length === 0) continue;
      this.position.set(topic, start + records.length);
      this.seeked = false;
      await this.handler!(
        { topic, partition: 0, records, highWatermark: String(start + records.length) },
        { isRunning: () => true, isStale: () => this.seeked, heartbeat: async () => undefined },
      );
    }
  }
}
