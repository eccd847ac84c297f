import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
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
import { KafkajsBroker, offsetsByTopic } from './kafkajs-broker.js';

/**
 * Broker port on @confluentinc/kafka-javascript (librdkafka), through its KafkaJS-compatible API.
 * Selected with KAFKA_CLIENT=confluent; same semantics as the kafkajs adapter: read_committed
 * consumers with manual commits only, idempotent producer with acks=-1, transactional when a
 * transactionalId is given, library logs at warn level through our pino logger.
 *
 * The library is not a package.json dependency (its install compiles librdkafka): it is loaded
 * from ${PD_CACHE_DIR:-~/.cache/pipeline-doctor}/confluent-kafka/, where
 * scripts/install-confluent-kafka.sh puts it.
 *
 * Differences from kafkajs and how they are handled (checked against 1.10.1):
 * - `fromBeginning` is a consumer setting there, not a subscribe() argument: the underlying
 *   consumer is created and connected in subscribe(); connect() does nothing, so a connection
 *   failure surfaces from subscribe().
 * - `autoCommit` is a consumer setting (false here); there is no `retry.restartOnFailure`: the
 *   library always restarts its fetch loop after an error thrown by the batch handler (the batch is
 *   then fetched again from its first unresolved offset), as kafkajs does with its default retry.
 * - eachBatch batches are built client-side, at most `js.consumer.max.batch.size` records (32 by
 *   default); we use MAX_BATCH_RECORDS so a batch is one runner chunk, like a kafkajs fetch.
 *   `heartbeat()` is a no-op (librdkafka heartbeats on its own thread). `highWatermark` is the
 *   client's cached value and "-1001" when not known yet. The library derives the librdkafka alias
 *   fetch.message.max.bytes from kafkaJS `maxBytes` (10 MB), overriding maxBytesPerPartition: we
 *   set it to maxBytesPerPartition.
 * - No `consumer.on()`/`events`: onCrash listens to fatal errors (ERR__FATAL) of the internal
 *   librdkafka handle (`_getInternalClient()`, an internal API of the library).
 * - The processing-time limit is max.poll.interval.ms (kafkajs `rebalanceTimeout`); we keep the
 *   library default of 5 minutes instead of the kafkajs adapter's 20 s rebalance timeout, which in
 *   kafkajs does not bound processing time.
 * - Transactions: `sendOffsets` needs the consumer object itself (its group metadata, KIP-447),
 *   not a group id. The port passes a group id, so the broker keeps the connected consumer of each
 *   group; sendOffsets for a group with no connected consumer in this process throws.
 * - Producer: `acks` is a producer setting; librdkafka keeps order with up to 5 in-flight requests
 *   under idempotence, so maxInFlightRequests is 5 (kafkajs needs 1); linger.ms is 1 (see below).
 *   Message objects are copied because the library rewrites them in place.
 * - Admin: no `waitForLeaders` (emulated by polling metadata), no describeCluster (metadata broker
 *   list; the controller id is not exposed, so it is null), no createPartitions (uses the
 *   library's lower-level AdminClient), and no describeConfigs/alterConfigs at all (not even in
 *   the native binding): topic configs are read and altered through a kafkajs admin client.
 */

/** The on-demand package (pinned in scripts/install-confluent-kafka.sh). */
export const CONFLUENT_KAFKA_PACKAGE = '@confluentinc/kafka-javascript';
const MAX_BATCH_RECORDS = 2000;
const ERR_FATAL = -150;
/** librdkafka RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: the rebalance callback is an assignment (else a revoke). */
const ERR_ASSIGN_PARTITIONS = -175;

// ---- the parts of the library we use (its own .d.ts files live outside node_modules, out of reach)

type CkLogFn = (message: string, extra?: Record<string, unknown>) => void;
interface CkLogger {
  info: CkLogFn;
  warn: CkLogFn;
  error: CkLogFn;
  debug: CkLogFn;
  setLogLevel(level: number): void;
  namespace(): CkLogger;
}

interface CkMessage {
  key?: Buffer | null;
  value: Buffer | null;
  offset: string;
  timestamp: string;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

interface CkEachBatchPayload {
  batch: { topic: string; partition: number; highWatermark: string; messages: CkMessage[] };
  isRunning(): boolean;
  isStale(): boolean;
  heartbeat(): Promise<void>;
}

type CkTopicPartitions = { topic: string; partitions: number[] }[];
type CkTopicOffsets = { topic: string; partitions: { partition: number; offset: string }[] }[];
type CkOutgoing = { key: string | Buffer | null; value: string | Buffer | null; partition?: number; headers?: Record<string, string | Buffer> };

interface CkConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: {
    eachBatch: (payload: CkEachBatchPayload) => Promise<void>;
    eachBatchAutoResolve: boolean;
    partitionsConsumedConcurrently: number;
  }): Promise<void>;
  commitOffsets(offsets: PartitionOffset[]): Promise<void>;
  pause(topics: CkTopicPartitions): void;
  resume(topics: CkTopicPartitions): void;
  seek(offset: PartitionOffset): void;
  _getInternalClient(): { on(event: 'event.error', listener: (err: Error & { code?: number; isFatal?: boolean }) => void): void };
}

interface CkProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  sendBatch(batch: { topicMessages: { topic: string; messages: CkOutgoing[] }[] }): Promise<unknown>;
  transaction(): Promise<CkProducer>;
  sendOffsets(args: { consumer: CkConsumer; topics: CkTopicOffsets }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

interface CkAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  createTopics(options: {
    topics: { topic: string; numPartitions: number; replicationFactor: number; configEntries: { name: string; value: string }[] }[];
    timeout?: number;
  }): Promise<boolean>;
  deleteTopics(options: { topics: string[] }): Promise<void>;
  fetchTopicMetadata(options: { topics: string[] }): Promise<{ name: string; partitions: { partitionId: number; leader: number }[] }[]>;
  fetchTopicOffsets(topic: string): Promise<{ partition: number; high: string }[]>;
  fetchOffsets(options: { groupId: string; topics: string[] }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

type CkCallback<T = void> = (err: Error | null | undefined, result: T) => void;
/** The library's lower-level (node-rdkafka style) admin client; connected on create. */
interface CkRawAdmin {
  getMetadata(options: { timeout?: number }, cb: CkCallback<{ brokers: { id: number }[] }>): void;
  createPartitions(topic: string, totalPartitions: number, timeout: number, cb: (err?: Error | null) => void): void;
  disconnect(): void;
  on(event: 'event.log', listener: (log: { severity: number; fac: string; message: string }) => void): void;
}

interface CkKafka {
  producer(config: { kafkaJS: Record<string, unknown> } & Record<string, unknown>): CkProducer;
  consumer(config: { kafkaJS: Record<string, unknown> } & Record<string, unknown>): CkConsumer;
  admin(): CkAdmin;
}

export interface ConfluentKafkaModule {
  KafkaJS: {
    Kafka: new (config: { kafkaJS: Record<string, unknown> } & Record<string, unknown>) => CkKafka;
    logLevel: { NOTHING: number; ERROR: number; WARN: number; INFO: number; DEBUG: number };
  };
  AdminClient: { create(config: Record<string, unknown>): CkRawAdmin };
  librdkafkaVersion: string;
  features: string[];
}

// ---- loading from the on-demand install folder -------------------------------------------------

/** Folder scripts/install-confluent-kafka.sh installs into (its own package.json). */
export function confluentKafkaDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolve(env.PD_CACHE_DIR || join(homedir(), '.cache', 'pipeline-doctor')), 'confluent-kafka');
}

const loaded = new Map<string, { lib: ConfluentKafkaModule; version: string }>();

/** Loads the library from the cache folder; throws an error naming the install script if missing. */
export function loadConfluentKafka(dir: string = confluentKafkaDir()): { lib: ConfluentKafkaModule; version: string } {
  const cached = loaded.get(dir);
  if (cached) return cached;
  const hint = `KAFKA_CLIENT=confluent needs ${CONFLUENT_KAFKA_PACKAGE}, which is installed on demand: run scripts/install-confluent-kafka.sh (installs into ${dir}; PD_CACHE_DIR moves it)`;
  if (!existsSync(join(dir, 'node_modules', CONFLUENT_KAFKA_PACKAGE, 'package.json'))) throw new Error(`${hint}.`);
  const require = createRequire(join(dir, 'package.json'));
  try {
    const lib = require(CONFLUENT_KAFKA_PACKAGE) as ConfluentKafkaModule;
    const { version } = require(`${CONFLUENT_KAFKA_PACKAGE}/package.json`) as { version: string };
    const entry = { lib, version };
    loaded.set(dir, entry);
    return entry;
  } catch (err) {
    throw new Error(`${hint}; the installed copy does not load (${(err as Error).message}): re-run it with --force.`, { cause: err });
  }
}

/** True when the library is installed in the cache folder and its native module loads. */
export function confluentKafkaInstalled(): boolean {
  try {
    loadConfluentKafka();
    return true;
  } catch {
    return false;
  }
}

// ---- the adapter ------------------------------------------------------------------------------

type ConfluentKafkaConfig = Pick<Config['kafka'], 'brokers' | 'clientId' | 'ssl' | 'sasl'>;

/** A KafkaJS-style logger over pino, filtered at the level the library sets (warn). */
function libraryLogger(log: Logger, levels: ConfluentKafkaModule['KafkaJS']['logLevel']): CkLogger {
  let threshold = levels.WARN;
  const at =
    (level: number, method: 'error' | 'warn' | 'debug'): CkLogFn =>
    (message, extra) => {
      if (level > threshold) return;
      // `name` (the librdkafka handle) would clash with pino's own name field.
      const { timestamp: _timestamp, name, ...rest } = extra ?? {};
      log[method](name === undefined ? rest : { ...rest, client: name }, message);
    };
  const logger: CkLogger = {
    error: at(levels.ERROR, 'error'),
    warn: at(levels.WARN, 'warn'),
    info: at(levels.INFO, 'debug'),
    debug: at(levels.DEBUG, 'debug'),
    setLogLevel: (level) => {
      threshold = level;
    },
    namespace: () => logger,
  };
  return logger;
}

/** librdkafka settings equivalent to the kafkaJS connection block, for the lower-level client. */
function rdkafkaConnectionConfig(kafka: ConfluentKafkaConfig): Record<string, unknown> {
  const config: Record<string, unknown> = {
    'bootstrap.servers': kafka.brokers.join(','),
    'client.id': kafka.clientId,
    log_level: 4,
  };
  if (kafka.sasl) {
    config['security.protocol'] = kafka.ssl ? 'sasl_ssl' : 'sasl_plaintext';
    config['sasl.mechanism'] = kafka.sasl.mechanism.toUpperCase();
    config['sasl.username'] = kafka.sasl.username;
    config['sasl.password'] = kafka.sasl.password;
  } else if (kafka.ssl) {
    config['security.protocol'] = 'ssl';
  }
  return config;
}

function callback<T>(run: (cb: CkCallback<T>) => void): Promise<T> {
  return new Promise((resolvePromise, reject) => run((err, result) => (err ? reject(err) : resolvePromise(result))));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ConfluentBroker implements Broker {
  readonly library = CONFLUENT_KAFKA_PACKAGE;
  private readonly kafka: CkKafka;
  private readonly log: Logger;
  /** Connected consumer per group id, for transactional sendOffsets. */
  private readonly groupConsumers = new Map<string, CkConsumer>();

  private constructor(
    private readonly lib: ConfluentKafkaModule,
    readonly version: string,
    private readonly connection: ConfluentKafkaConfig,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'confluent-kafka' });
    this.kafka = new lib.KafkaJS.Kafka({
      kafkaJS: {
        clientId: connection.clientId,
        brokers: connection.brokers,
        ssl: connection.ssl,
        ...(connection.sasl ? { sasl: connection.sasl } : {}),
        logLevel: lib.KafkaJS.logLevel.WARN,
        logger: libraryLogger(this.log, lib.KafkaJS.logLevel),
      },
    });
  }

  static async create(kafka: Config['kafka'] | ConfluentKafkaConfig, logger: Logger): Promise<ConfluentBroker> {
    const { lib, version } = loadConfluentKafka();
    const broker = new ConfluentBroker(lib, version, kafka, logger);
    broker.log.debug({ version, librdkafka: lib.librdkafkaVersion }, 'kafka client loaded');
    return broker;
  }

  admin(): BrokerAdmin {
    const admin = this.kafka.admin();
    let raw: CkRawAdmin | undefined;
    let configs: BrokerAdmin | undefined;
    const rawAdmin = (): CkRawAdmin => {
      if (!raw) {
        raw = this.lib.AdminClient.create(rdkafkaConnectionConfig(this.connection));
        raw.on('event.log', (entry) => {
          if (entry.severity <= 4) this.log[entry.severity <= 3 ? 'error' : 'warn']({ fac: entry.fac }, entry.message);
        });
      }
      return raw;
    };
    // describeConfigs/alterConfigs do not exist in this library: a kafkajs admin does those two.
    const configAdmin = async (): Promise<BrokerAdmin> => {
      if (!configs) {
        const created = new KafkajsBroker(this.connection, this.log).admin();
        await created.connect();
        configs = created;
      }
      return configs;
    };
    const waitForLeaders = async (topics: string[], timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const metadata = await admin.fetchTopicMetadata({ topics });
          if (metadata.length === topics.length && metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
        } catch (err) {
          if (Date.now() > deadline) throw err;
        }
        if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
        await sleep(100);
      }
    };
    return {
      connect: () => admin.connect(),
      disconnect: async () => {
        raw?.disconnect();
        raw = undefined;
        await configs?.disconnect();
        configs = undefined;
        await admin.disconnect();
      },
      describeCluster: async () => {
        const metadata = await callback<{ brokers: { id: number }[] }>((cb) => rawAdmin().getMetadata({ timeout: 10_000 }, cb));
        return { brokers: metadata.brokers.length, controller: null };
      },
      listTopics: () => admin.listTopics(),
      createTopics: async (specs) => {
        if (specs.length === 0) return;
        await admin.createTopics({
          timeout: 30_000,
          topics: specs.map((s) => ({
            topic: s.topic,
            numPartitions: s.partitions,
            replicationFactor: s.replicationFactor,
            configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })),
          })),
        });
        await waitForLeaders(specs.map((s) => s.topic));
      },
      describeTopics: async (topics, configNames) => {
        const metadata = await admin.fetchTopicMetadata({ topics });
        const described = configNames.length > 0 ? await (await configAdmin()).describeTopics(topics, configNames) : [];
        return metadata.map((t) => ({
          topic: t.name,
          partitions: t.partitions.length,
          configs: described.find((d) => d.topic === t.name)?.configs ?? {},
        }));
      },
      createPartitions: async (topic, count) => {
        await new Promise<void>((resolvePromise, reject) =>
          rawAdmin().createPartitions(topic, count, 30_000, (err) => (err ? reject(err) : resolvePromise())),
        );
      },
      alterTopicConfigs: async (topic, values) => (await configAdmin()).alterTopicConfigs(topic, values),
      topicEndOffsets: async (topic) => (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high })),
      groupOffsets: async (groupId, topic) => {
        const result = await admin.fetchOffsets({ groupId, topics: [topic] });
        return (result.find((t) => t.topic === topic)?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }));
      },
      deleteTopics: async (topics) => {
        await admin.deleteTopics({ topics });
      },
    };
  }

  producer(options: ProducerOptions = {}): BrokerProducer {
    const producer = this.kafka.producer({
      kafkaJS: {
        idempotent: true,
        acks: -1,
        maxInFlightRequests: 5,
        // A killed predecessor's open transaction is aborted by the broker when we re-init.
        transactionTimeout: 60_000,
        ...(options.transactionalId ? { transactionalId: options.transactionalId } : {}),
      },
      // send() awaits every batch, so librdkafka's 5 ms default linger only adds latency
      // (bench/kafka-clients.ts: 40-46k ev/s with 5 ms, 78k with 0, 82-105k with 1).
      'linger.ms': 1,
    });
    const sendBatch = (target: CkProducer, batch: TopicRecords[]) =>
      target.sendBatch({
        topicMessages: batch
          .filter((t) => t.messages.length > 0)
          .map((t) => ({
            topic: t.topic,
            messages: t.messages.map((m) => ({
              key: m.key ?? null,
              value: m.value,
              ...(m.partition !== undefined ? { partition: m.partition } : {}),
              ...(m.headers ? { headers: { ...m.headers } } : {}),
            })),
          })),
      });
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
          sendOffsets: async (groupId, offsets) => {
            const consumer = this.groupConsumers.get(groupId);
            if (!consumer) {
              throw new Error(
                `sendOffsets: no connected consumer of group ${groupId} in this process; ${CONFLUENT_KAFKA_PACKAGE} sends transactional offsets with the consumer's group metadata`,
              );
            }
            await tx.sendOffsets({ consumer, topics: offsetsByTopic(offsets) });
          },
          commit: () => tx.commit(),
          abort: () => tx.abort(),
        };
      },
    };
  }

  consumer(options: ConsumerOptions): BrokerConsumer {
    let consumer: CkConsumer | undefined;
    let fromBeginningOf: boolean | undefined;
    const crashListeners: ((error: Error) => void)[] = [];
    const assignmentListeners: ((assigned: { topic: string; partition: number }[]) => void)[] = [];
    const connected = (): CkConsumer => {
      if (!consumer) throw new Error('consumer is not subscribed yet (the confluent adapter connects in subscribe())');
      return consumer;
    };
    return {
      connect: async () => {
        // Nothing to do yet: fromBeginning is fixed when the underlying consumer is created.
      },
      subscribe: async (topics, fromBeginning) => {
        if (!consumer) {
          const maxBytesPerPartition = options.maxBytesPerPartition ?? 4 * 1024 * 1024;
          const created = this.kafka.consumer({
            kafkaJS: {
              groupId: options.groupId,
              sessionTimeout: options.sessionTimeoutMs,
              heartbeatInterval: Math.max(1000, Math.floor(options.sessionTimeoutMs / 4)),
              maxBytesPerPartition,
              maxWaitTimeInMs: 250,
              readUncommitted: false,
              autoCommit: false,
              fromBeginning,
            },
            'js.consumer.max.batch.size': MAX_BATCH_RECORDS,
            // The library also sets this librdkafka alias of max.partition.fetch.bytes from kafkaJS
            // `maxBytes` (10 MB), which would override maxBytesPerPartition.
            'fetch.message.max.bytes': maxBytesPerPartition,
            // Called on assign and revoke (eager protocol: the whole assignment); returning nothing
            // keeps the library's own assignment handling.
            rebalance_cb: (err: { code: number }, assignment: { topic: string; partition: number }[]) => {
              const assigned = err.code === ERR_ASSIGN_PARTITIONS ? assignment.map(({ topic, partition }) => ({ topic, partition })) : [];
              for (const listener of assignmentListeners) listener(assigned);
            },
          });
          await created.connect();
          created._getInternalClient().on('event.error', (err) => {
            if (err.code === ERR_FATAL || err.isFatal) for (const listener of crashListeners) listener(err);
          });
          consumer = created;
          fromBeginningOf = fromBeginning;
          this.groupConsumers.set(options.groupId, created);
        } else if (fromBeginning !== fromBeginningOf) {
          throw new Error(`consumer of group ${options.groupId} already subscribed with fromBeginning=${String(fromBeginningOf)}`);
        }
        await consumer.subscribe({ topics });
      },
      run: (handler, runOptions) =>
        connected().run({
          eachBatchAutoResolve: true,
          partitionsConsumedConcurrently: runOptions?.concurrency ?? 1,
          eachBatch: async ({ batch, isRunning, isStale, heartbeat }) => {
            const records: ConsumedRecord[] = batch.messages.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: m.offset,
              key: m.key ?? null,
              value: m.value ?? null,
              headers: (m.headers ?? {}) as ConsumedRecord['headers'],
              timestamp: m.timestamp,
            }));
            await handler({ topic: batch.topic, partition: batch.partition, records, highWatermark: batch.highWatermark }, { isRunning, isStale, heartbeat });
          },
        }),
      commit: (offsets) => connected().commitOffsets(offsets),
      pause: (topic, partitions) => connected().pause([{ topic, partitions }]),
      resume: (topic, partitions) => connected().resume([{ topic, partitions }]),
      seek: ({ topic, partition, offset }) => connected().seek({ topic, partition, offset }),
      onCrash: (listener) => {
        crashListeners.push(listener);
      },
      onAssignment: (listener) => {
        assignmentListeners.push(listener);
      },
      disconnect: async () => {
        if (!consumer) return;
        const current = consumer;
        if (this.groupConsumers.get(options.groupId) === current) this.groupConsumers.delete(options.groupId);
        await current.disconnect();
      },
    };
  }
}
