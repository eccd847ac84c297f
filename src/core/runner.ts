import pRetry from 'p-retry';
import type { Config } from './config.js';
import { CircuitOpenError, PermanentError, TransientError, errorMessage } from './errors.js';
import { DlqCircuitBreaker } from './dlq-circuit-breaker.js';
import type { Logger } from './logger.js';
import type { PipelineMetrics } from './metrics.js';
import type { Sink, Stage } from './stage.js';
import type { TopicCatalog } from './topic-catalog.js';
import type { BatchControl, Broker, BrokerConsumer, BrokerProducer, ConsumedBatch, ConsumedRecord, OutgoingRecord, PartitionOffset, TopicRecords } from '../ports/broker.js';

export interface RunnerDeps {
  broker: Broker;
  catalog: TopicCatalog;
  sinks: ReadonlyMap<string, Sink>;
  config: Pick<Config, 'runner' | 'exactlyOnce' | 'instanceId' | 'topicPrefix' | 'kafka'>;
  logger: Logger;
  metrics: PipelineMetrics;
  /** Called once when the stage hits a bug or its circuit breaker opens; the process must stop. */
  onFatal(error: unknown): void;
}

/** What processing a chunk of records produced, before anything is delivered. */
interface ChunkWork {
  records: Map<string, OutgoingRecord[]>;
  rows: Map<string, unknown[]>;
  dlq: OutgoingRecord[];
  dlqReasons: string[];
  /** Offsets of the records that went to the DLQ, for the circuit breaker. */
  invalidOffsets: Set<string>;
}

/** Builds the DLQ copy of a record: original key, bytes and headers plus why and where. */
export function dlqRecord(record: ConsumedRecord, error: PermanentError, stage: string, now: Date = new Date()): OutgoingRecord {
  const headers: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(record.headers)) if (v !== undefined) headers[k] = v;
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...headers,
      'dlq.reason': error.reason,
      'dlq.error': error.message.slice(0, 2000),
      'dlq.stage': stage,
      'dlq.source.topic': record.topic,
      'dlq.source.partition': String(record.partition),
      'dlq.source.offset': record.offset,
      'dlq.time': now.toISOString(),
    },
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Splits outgoing records into sends of at most `maxBytes`, so no per-partition record batch
 * passes the broker's size limit (a DLQ copy of a near-limit value travels alone).
 */
export function splitBySize(batch: TopicRecords[], maxBytes: number): TopicRecords[][] {
  const sends: TopicRecords[][] = [];
  let current: TopicRecords[] = [];
  let bytes = 0;
  const size = (m: OutgoingRecord) =>
    64 + (m.key?.length ?? 0) + (m.value?.length ?? 0) + Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);
  for (const { topic, messages } of batch) {
    for (const message of messages) {
      const n = size(message);
      if (bytes > 0 && bytes + n > maxBytes) {
        sends.push(current);
        current = [];
        bytes = 0;
      }
      const last = current[current.length - 1];
      if (last?.topic === topic) last.messages.push(message);
      else current.push({ topic, messages: [message] });
      bytes += n;
    }
  }
  if (current.length > 0) sends.push(current);
  return sends;
}

/** Below the default 1 MiB max.message.bytes, leaving room for batch overhead. */
const MAX_SEND_BYTES = 768 * 1024;

function isFencing(err: unknown): boolean {
  const type = (err as { type?: string } | null)?.type ?? '';
  return /FENCED|INVALID_PRODUCER_EPOCH/.test(type) || /fenced/i.test(errorMessage(err));
}

/**
 * Runs one stage as a consumer group member. Per partition, a batch is processed in chunks; a
 * chunk's outputs (sink rows, topic records, DLQ records) are all acknowledged before its offsets
 * are committed, and with exactly-once on, records and offsets go in one Kafka transaction.
 */
export class StageRunner {
  readonly groupId: string;
  /** Transactional ids are `<base>-<slot>`: stable, so a restarted instance fences its predecessor. */
  readonly transactionalIdBase: string;
  private consumer?: BrokerConsumer;
  /** One producer per concurrently processed partition; a transaction needs its own producer. */
  private readonly producers: BrokerProducer[] = [];
  private readonly idleSlots: number[] = [];
  private readonly breaker: DlqCircuitBreaker;
  private readonly log: Logger;
  private failed = false;
  private running = false;
  private readonly pauseTimers = new Set<NodeJS.Timeout>();

  constructor(
    readonly stage: Stage,
    private readonly deps: RunnerDeps,
  ) {
    this.groupId = `${deps.config.topicPrefix}${stage.name}`;
    this.transactionalIdBase = `${deps.config.topicPrefix}${stage.name}-${deps.config.instanceId}`;
    this.breaker = new DlqCircuitBreaker(deps.config.runner.dlq);
    this.log = deps.logger.child({ stage: stage.name });
    // Fail at start, not at the first record, when the wiring is wrong.
    deps.catalog.get(stage.input);
    for (const topic of stage.outputs.topics) deps.catalog.get(topic);
    for (const sink of stage.outputs.sinks) if (!deps.sinks.has(sink)) throw new Error(`stage ${stage.name}: sink "${sink}" is not registered`);
  }

  get isReady(): boolean {
    return this.running && !this.failed;
  }

  async start(): Promise<void> {
    const { broker, config } = this.deps;
    const concurrency = config.runner.partitionConcurrency;
    for (let slot = 0; slot < concurrency; slot++) {
      this.producers.push(this.newProducer(slot));
      this.idleSlots.push(slot);
    }
    await Promise.all(this.producers.map((p) => p.connect()));
    this.consumer = broker.consumer({ groupId: this.groupId, sessionTimeoutMs: config.kafka.sessionTimeoutMs });
    this.consumer.onCrash((err) => this.fail(err, 'consumer crashed'));
    await this.consumer.connect();
    await this.consumer.subscribe([this.deps.catalog.get(this.stage.input).topic], true);
    await this.consumer.run((batch, control) => this.handleBatch(batch, control), { concurrency });
    this.running = true;
    this.log.info({ group: this.groupId, input: this.stage.input, exactlyOnce: config.exactlyOnce }, 'stage started');
  }

  /** Finishes the chunk in hand, commits it, leaves the group; bounded by PD_DRAIN_TIMEOUT_MS. */
  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.pauseTimers) clearTimeout(timer);
    const drain = async () => {
      await this.consumer?.disconnect();
      await this.stage.close?.();
      await Promise.all(this.producers.map((p) => p.disconnect().catch(() => undefined)));
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.deps.config.runner.drainTimeoutMs);
    });
    const outcome = await Promise.race([drain().then(() => 'drained' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.log.warn({ drainTimeoutMs: this.deps.config.runner.drainTimeoutMs }, 'drain timed out; uncommitted records will be redelivered');
  }

  private async handleBatch(batch: ConsumedBatch, control: BatchControl): Promise<void> {
    // After a failure nothing more may be committed, or a later offset would skip the failed one.
    if (this.failed || batch.records.length === 0) return;
    const last = batch.records[batch.records.length - 1]!;
    this.deps.metrics.lag.set({ stage: this.stage.name, partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1));
    // The consumer runs at most `partitionConcurrency` batches at once, so a slot is always free.
    const slot = this.idleSlots.pop();
    if (slot === undefined) throw new Error('no idle producer slot: consumer concurrency exceeds the producer pool');
    try {
      for (const chunk of chunks(batch.records, this.deps.config.runner.batchMaxRecords)) {
        if (this.failed || !control.isRunning() || control.isStale()) return;
        if (!(await this.handleChunk(slot, batch.topic, batch.partition, chunk, control))) return;
        await control.heartbeat();
      }
    } finally {
      this.idleSlots.push(slot);
    }
  }

  /** Returns false when the partition was paused or the stage failed. */
  private async handleChunk(slot: number, topic: string, partition: number, records: ConsumedRecord[], control: BatchControl): Promise<boolean> {
    const { metrics, config } = this.deps;
    const stageLabel = { stage: this.stage.name };
    const endTimer = metrics.batchSeconds.startTimer(stageLabel);
    let work: ChunkWork;
    try {
      work = await pRetry(
        async () => {
          const processed = await this.processRecords(records);
          await this.deliver(slot, topic, partition, records, processed);
          return processed;
        },
        {
          retries: config.runner.retry.maxAttempts - 1,
          minTimeout: config.runner.retry.minMs,
          maxTimeout: config.runner.retry.maxMs,
          randomize: true,
          shouldRetry: ({ error }) => error instanceof TransientError && control.isRunning() && !this.failed,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (!(error instanceof TransientError)) return;
            metrics.transientErrors.inc({ ...stageLabel, dependency: error.dependency });
            this.log.warn({ dependency: error.dependency, attempt: attemptNumber, retriesLeft, topic, partition, err: error.message }, 'transient failure, retrying');
          },
        },
      );
    } catch (err) {
      endTimer();
      if (err instanceof TransientError) {
        if (control.isRunning()) this.pausePartition(topic, partition, records[0]!.offset, err);
        return false;
      }
      this.fail(err, `processing ${topic}[${partition}] from offset ${records[0]!.offset}`);
      return false;
    }
    endTimer();

    metrics.recordsIn.inc(stageLabel, records.length);
    for (const [logical, out] of work.records) metrics.recordsOut.inc({ ...stageLabel, topic: logical }, out.length);
    for (const [sink, rows] of work.rows) metrics.rowsWritten.inc({ ...stageLabel, sink }, rows.length);
    for (const reason of work.dlqReasons) metrics.dlq.inc({ ...stageLabel, reason });
    const now = Date.now();
    for (const r of records) metrics.latencySeconds.observe(stageLabel, Math.max(0, now - Number(r.timestamp)) / 1000);
    try {
      // Counted after delivery so retries do not count a record twice.
      for (const r of records) this.breaker.record(work.invalidOffsets.has(r.offset));
    } catch (err) {
      if (err instanceof CircuitOpenError) this.fail(err, 'DLQ circuit breaker');
      else throw err;
      return false;
    }
    return true;
  }

  private async processRecords(records: ConsumedRecord[]): Promise<ChunkWork> {
    const work: ChunkWork = { records: new Map(), rows: new Map(), dlq: [], dlqReasons: [], invalidOffsets: new Set() };
    for (const record of records) {
      let outputs;
      try {
        outputs = await this.stage.process(record);
      } catch (err) {
        if (err instanceof PermanentError) {
          work.dlq.push(dlqRecord(record, err, this.stage.name));
          work.dlqReasons.push(err.reason);
          work.invalidOffsets.add(record.offset);
          continue;
        }
        if (err instanceof TransientError) throw err;
        throw new Error(`stage ${this.stage.name} failed on ${record.topic}[${record.partition}]@${record.offset}: ${errorMessage(err)}`, { cause: err });
      }
      for (const output of outputs) {
        if (output.kind === 'record') {
          const list = work.records.get(output.topic) ?? [];
          list.push({ key: output.key, value: output.value, headers: output.headers });
          work.records.set(output.topic, list);
        } else {
          const list = work.rows.get(output.sink) ?? [];
          list.push(output.row);
          work.rows.set(output.sink, list);
        }
      }
    }
    return work;
  }

  private async deliver(slot: number, topic: string, partition: number, records: ConsumedRecord[], work: ChunkWork): Promise<void> {
    const producer = this.producers[slot]!;
    const first = records[0]!.offset;
    const last = records[records.length - 1]!.offset;
    const batchId = `${topic}-${partition}-${first}-${last}`;
    const timings: Record<string, number> = {};
    const timed = async (label: string, fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      timings[label] = Math.round(performance.now() - t0);
    };
    const writeSinks = () => Promise.all([...work.rows].map(([name, rows]) => timed(name, () => this.deps.sinks.get(name)!.write(rows, batchId))));

    const outgoing: TopicRecords[] = [...work.records].map(([logical, messages]) => ({ topic: this.deps.catalog.get(logical).topic, messages }));
    if (work.dlq.length > 0) {
      const dlqTopic = this.deps.catalog.get(this.stage.input).dlqTopic;
      if (!dlqTopic) throw new Error(`topic ${this.stage.input} declares no DLQ but stage ${this.stage.name} rejected records`);
      outgoing.push({ topic: dlqTopic, messages: work.dlq });
    }
    const next: PartitionOffset[] = [{ topic, partition, offset: String(BigInt(last) + 1n) }];
    try {
      if (this.deps.config.exactlyOnce) {
        const tx = await producer.transaction();
        try {
          // Sink writes and the (uncommitted) sends overlap; the commit waits for both.
          const sinksDone = writeSinks();
          await timed('kafka.send', async () => {
            for (const send of splitBySize(outgoing, MAX_SEND_BYTES)) await tx.send(send);
          });
          await sinksDone;
          await timed('kafka.offsets', () => tx.sendOffsets(this.groupId, next));
          await timed('kafka.commit', () => tx.commit());
        } catch (err) {
          await tx.abort().catch(() => undefined);
          throw err;
        }
      } else {
        await writeSinks();
        for (const send of splitBySize(outgoing, MAX_SEND_BYTES)) await producer.send(send);
        await this.consumer!.commit(next);
      }
    } catch (err) {
      if (isFencing(err)) throw new Error(`producer ${this.transactionalIdBase}-${slot} was fenced by another instance`, { cause: err });
      // A failed transaction can leave the producer unusable: start over with a fresh one.
      await this.resetProducer(slot);
      throw new TransientError('kafka', `delivering ${batchId}: ${errorMessage(err)}`, { cause: err });
    }
    this.log.debug({ batchId, records: records.length, ms: timings }, 'chunk delivered');
  }

  private newProducer(slot: number): BrokerProducer {
    return this.deps.broker.producer(this.deps.config.exactlyOnce ? { transactionalId: `${this.transactionalIdBase}-${slot}` } : {});
  }

  private async resetProducer(slot: number): Promise<void> {
    await this.producers[slot]!.disconnect().catch(() => undefined);
    this.producers[slot] = this.newProducer(slot);
    await this.producers[slot].connect().catch((err) => this.log.warn({ err: errorMessage(err) }, 'producer reconnect failed; will retry'));
  }

  private pausePartition(topic: string, partition: number, fromOffset: string, cause: TransientError): void {
    const { consumer, deps } = this;
    if (!consumer) return;
    consumer.pause(topic, [partition]);
    // Rewind so the records of the failed chunk are fetched again after resuming.
    consumer.seek({ topic, partition, offset: fromOffset });
    deps.metrics.partitionsPaused.inc({ stage: this.stage.name });
    this.log.error({ topic, partition, fromOffset, dependency: cause.dependency, pauseMs: deps.config.runner.pauseMs, err: cause.message }, 'retries exhausted; partition paused');
    const timer = setTimeout(() => {
      this.pauseTimers.delete(timer);
      deps.metrics.partitionsPaused.dec({ stage: this.stage.name });
      if (this.running && !this.failed) consumer.resume(topic, [partition]);
    }, deps.config.runner.pauseMs);
    this.pauseTimers.add(timer);
  }

  private fail(error: unknown, context: string): void {
    if (this.failed) return;
    this.failed = true;
    this.log.fatal({ err: error instanceof Error ? { message: error.message, stack: error.stack, cause: errorMessage(error.cause) } : error, context }, 'stage failed; stopping without committing');
    this.deps.onFatal(error);
  }
}
