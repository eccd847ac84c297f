import kafkajs, { type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from '../../core/logger.js';
import pRetry from 'p-retry';
import { errorMessage } from '../../core/errors.js';
import type {
  Broker,
  BrokerAdmin,
  BrokerConsumer,
  BrokerProducer,
  BrokerTransaction,
  ConsumedRecord,
  ConsumerOptions,
  PartitionOffset,
  ProducerOptions,
  TopicRecords,
} from '../../ports/broker.js';

// kafkajs is CommonJS: Node's ESM loader cannot see all of its named exports.
const { ConfigResourceTypes, Kafka, logLevel: KafkaLogLevel, Partitioners } = kafkajs;

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/** Groups offsets by topic in the nested shape both Kafka libraries expect. */
export function offsetsByTopic(offsets: PartitionOffset[]): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    const list = byTopic.get(topic) ?? [];
    list.push({ partition, offset });
    byTopic.set(topic, list);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

export class KafkajsBroker implements Broker {
  readonly library = 'kafkajs';
  private readonly kafka: kafkajs.Kafka;

  constructor(connection: KafkaConnection, logger: Logger) {
    const log = logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: connection.clientId,
      brokers: connection.brokers,
      ssl: connection.ssl,
      sasl: connection.sasl as SASLOptions | undefined,
      logLevel: KafkaLogLevel.WARN,
      // kafkajs logs through our JSON logger instead of its own console format.
      logCreator: () => (entry: LogEntry) => {
        const { message, ...extra } = entry.log;
        // Expected and handled by the runner, so not worth a warning per producer:
        // - bounded retries on a transactional producer (a failed transaction is aborted and the
        //   producer replaced, which keeps exactly-once);
        // - CONCURRENT_TRANSACTIONS right after a commit (retried by kafkajs within milliseconds).
        const expected = /Limiting retries for the idempotent producer|another concurrent operation on the same transaction/.test(message);
        const level = expected ? 'debug' : entry.level === KafkaLogLevel.ERROR ? 'error' : entry.level === KafkaLogLevel.WARN ? 'warn' : 'debug';
        log[level]({ namespace: entry.namespace, ...extra }, message);
      },
    });
  }

  admin(): BrokerAdmin {
    const admin = this.kafka.admin();
    return {
      connect: () => admin.connect(),
      disconnect: () => admin.disconnect(),
      describeCluster: async () => {
        const cluster = await admin.describeCluster();
        return { brokers: cluster.brokers.length, controller: cluster.controller };
      },
      listTopics: () => admin.listTopics(),
      createTopics: async (specs) => {
        await admin.createTopics({
          waitForLeaders: false,
          topics: specs.map((s) => ({
            topic: s.topic,
            numPartitions: s.partitions,
            replicationFactor: s.replicationFactor,
            configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })),
          })),
        });
        // kafkajs' own wait for leaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker
        // answers until a new topic's metadata has spread (seconds on a freshly started one).
        const names = specs.map((s) => s.topic);
        await pRetry(
          async () => {
            const { topics } = await admin.fetchTopicMetadata({ topics: names });
            const leaderless = topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
            if (leaderless.length > 0) throw new Error(`no partition leaders yet for ${leaderless.join(', ')}`);
          },
          { retries: 40, minTimeout: 100, maxTimeout: 1_000 },
        ).catch((err) => {
          throw new Error(`created topics ${names.join(', ')}, but their partitions got no leader in time: ${errorMessage(err)}`, { cause: err });
        });
      },
      describeTopics: async (topics, configNames) => {
        const metadata = await admin.fetchTopicMetadata({ topics });
        const configs = await admin.describeConfigs({
          includeSynonyms: false,
          resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames })),
        });
        return metadata.topics.map((t) => {
          const resource = configs.resources.find((r) => r.resourceName === t.name);
          const entries = Object.fromEntries((resource?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
          return { topic: t.name, partitions: t.partitions.length, configs: entries };
        });
      },
      createPartitions: async (topic, count) => {
        await admin.createPartitions({ topicPartitions: [{ topic, count }] });
      },
      alterTopicConfigs: async (topic, configs) => {
        await admin.alterConfigs({
          validateOnly: false,
          resources: [
            { type: ConfigResourceTypes.TOPIC, name: topic, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) },
          ],
        });
      },
      topicEndOffsets: async (topic) => (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high })),
      groupOffsets: async (groupId, topic) => {
        const result = await admin.fetchOffsets({ groupId, topics: [topic] });
        return (result[0]?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }));
      },
      deleteTopics: async (topics) => {
        await admin.deleteTopics({ topics });
      },
    };
  }

  producer(options: ProducerOptions = {}): BrokerProducer {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: options.transactionalId,
      createPartitioner: Partitioners.DefaultPartitioner,
      // A killed predecessor's open transaction is aborted by the broker when we re-init.
      transactionTimeout: 60_000,
      // Back-to-back transactions often meet CONCURRENT_TRANSACTIONS while the previous commit's
      // markers are written; kafkajs' default 300 ms first backoff would dominate latency.
      retry: { initialRetryTime: 20, maxRetryTime: 2_000, retries: 10 },
    });
    const sendBatch = (target: { sendBatch: typeof producer.sendBatch }, batch: TopicRecords[]) =>
      target.sendBatch({ acks: -1, topicMessages: batch.filter((t) => t.messages.length > 0) });
    return {
      connect: () => producer.connect(),
      disconnect: () => producer.disconnect(),
      send: async (batch) => {
        await sendBatch(producer, batch);
      },
      transaction: async (): Promise<BrokerTransaction> => {
        const tx = await producer.transaction();
        return {
          send: async (batch) => {
            await sendBatch(tx, batch);
          },
          sendOffsets: (groupId, offsets) => tx.sendOffsets({ consumerGroupId: groupId, topics: offsetsByTopic(offsets) }),
          commit: () => tx.commit(),
          abort: () => tx.abort(),
        };
      },
    };
  }

  consumer(options: ConsumerOptions): BrokerConsumer {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(1000, Math.floor(options.sessionTimeoutMs / 4)),
      rebalanceTimeout: Math.max(options.sessionTimeoutMs * 2, 20_000),
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxWaitTimeInMs: 250,
      readUncommitted: false,
    });
    return {
      connect: () => consumer.connect(),
      disconnect: () => consumer.disconnect(),
      subscribe: (topics, fromBeginning) => consumer.subscribe({ topics, fromBeginning }),
      run: (handler, runOptions) =>
        consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: true,
          partitionsConsumedConcurrently: runOptions?.concurrency ?? 1,
          eachBatch: async ({ batch, isRunning, isStale, heartbeat }) => {
            const records: ConsumedRecord[] = batch.messages.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: m.offset,
              key: m.key,
              value: m.value,
              headers: (m.headers ?? {}) as ConsumedRecord['headers'],
              timestamp: m.timestamp,
            }));
            await handler({ topic: batch.topic, partition: batch.partition, records, highWatermark: batch.highWatermark }, { isRunning, isStale, heartbeat });
          },
        }),
      commit: (offsets) => consumer.commitOffsets(offsets),
      pause: (topic, partitions) => consumer.pause([{ topic, partitions }]),
      resume: (topic, partitions) => consumer.resume([{ topic, partitions }]),
      seek: ({ topic, partition, offset }) => consumer.seek({ topic, partition, offset }),
      onAssignment: (listener) => {
        // kafkajs rebalances eagerly: GROUP_JOIN carries the whole new assignment.
        consumer.on(consumer.events.GROUP_JOIN, (event) => {
          listener(Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition }))));
        });
      },
      onCrash: (listener) => {
        consumer.on(consumer.events.CRASH, (event) => {
          if (!event.payload.restart) listener(event.payload.error);
        });
      },
    };
  }
}
