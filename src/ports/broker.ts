/**
 * The broker port: the only Kafka surface the engine and stages use. kafkajs is the default
 * adapter; @confluentinc/kafka-javascript is a drop-in second one (its KafkaJS-compatible API has
 * the same shape), so the choice is a measurement, not a rewrite.
 */

export type Headers = Record<string, string | Buffer | undefined>;

export interface ConsumedRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit; kept as decimal strings like both client libraries do. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  /** Record timestamp, epoch milliseconds as a string. */
  timestamp: string;
}

export interface OutgoingRecord {
  /** Explicit partition (a changelog record goes to its input partition's number); else by key. */
  partition?: number;
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
}

export interface TopicRecords {
  topic: string;
  messages: OutgoingRecord[];
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to consume (last processed + 1). */
  offset: string;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** Partition end offset at fetch time, for lag. */
  highWatermark: string;
}

export interface BatchControl {
  isRunning(): boolean;
  /** True when a rebalance or seek made the rest of this batch obsolete. */
  isStale(): boolean;
  heartbeat(): Promise<void>;
}

export interface BrokerConsumer {
  connect(): Promise<void>;
  subscribe(topics: string[], fromBeginning: boolean): Promise<void>;
  /**
   * Calls `handler` with one batch of one partition at a time per partition, for up to
   * `concurrency` partitions at once (default 1); offsets are only committed by the handler.
   */
  run(handler: (batch: ConsumedBatch, control: BatchControl) => Promise<void>, options?: { concurrency?: number }): Promise<void>;
  commit(offsets: PartitionOffset[]): Promise<void>;
  pause(topic: string, partitions: number[]): void;
  resume(topic: string, partitions: number[]): void;
  seek(offset: PartitionOffset): void;
  /** Registers a callback for an unrecoverable consumer failure. */
  onCrash(listener: (error: Error) => void): void;
  /** Registers a callback for every rebalance, with this member's whole new assignment. */
  onAssignment(listener: (assigned: { topic: string; partition: number }[]) => void): void;
  /** Stops fetching, waits for the batch in hand, leaves the group. */
  disconnect(): Promise<void>;
}

export interface BrokerTransaction {
  send(batch: TopicRecords[]): Promise<void>;
  sendOffsets(groupId: string, offsets: PartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface BrokerProducer {
  connect(): Promise<void>;
  /** Resolves when every record is acknowledged by all in-sync replicas. */
  send(batch: TopicRecords[]): Promise<void>;
  transaction(): Promise<BrokerTransaction>;
  disconnect(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

export interface TopicDescription {
  topic: string;
  partitions: number;
  configs: Record<string, string>;
}

export interface BrokerAdmin {
  connect(): Promise<void>;
  describeCluster(): Promise<{ brokers: number; controller: number | null }>;
  listTopics(): Promise<string[]>;
  createTopics(specs: TopicSpec[]): Promise<void>;
  describeTopics(topics: string[], configNames: string[]): Promise<TopicDescription[]>;
  createPartitions(topic: string, count: number): Promise<void>;
  /** Replaces all overrides of the topic with `configs`; applied asynchronously by the broker. */
  alterTopicConfigs(topic: string, configs: Record<string, string>): Promise<void>;
  /** Latest offsets (high watermarks) per partition. */
  topicEndOffsets(topic: string): Promise<{ partition: number; offset: string }[]>;
  groupOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string }[]>;
  deleteTopics(topics: string[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  sessionTimeoutMs: number;
  /** Largest fetch per partition in bytes. */
  maxBytesPerPartition?: number;
}

export interface ProducerOptions {
  /** Set for a transactional producer; must be stable across restarts of the same instance. */
  transactionalId?: string;
}

export interface Broker {
  readonly library: string;
  admin(): BrokerAdmin;
  producer(options?: ProducerOptions): BrokerProducer;
  consumer(options: ConsumerOptions): BrokerConsumer;
}
