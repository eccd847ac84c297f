import { createHash } from 'node:crypto';
import pRetry from 'p-retry';
import { ChangelogMirror } from './changelog-mirror.js';
import type { Config } from './config.js';
import { CircuitOpenError, PermanentError, TransientError, errorMessage } from './errors.js';
import { DlqCircuitBreaker } from './dlq-circuit-breaker.js';
import type { Logger } from './logger.js';
import type { PipelineMetrics } from './metrics.js';
import type { PartitionState, Sink, Stage, StageOutput } from './stage.js';
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

function emptyWork(): ChunkWork {
  return { records: new Map(), rows: new Map(), dlq: [], dlqReasons: [], invalidOffsets: new Set() };
}

function addOutputs(work: ChunkWork, outputs: StageOutput[]): void {
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
  /** Set by stop(): no new chunk starts. */
  private stopping = false;
  private readonly pauseTimers = new Set<NodeJS.Timeout>();
  /** Stateful stages only: the changelog follower, and the partitions whose state is in memory. */
  private mirror?: ChangelogMirror;
  private assigned: number[] = [];
  private readonly loaded = new Set<number>();
  /** Serialises a partition's chunks, timed outputs and state drops (each a promise chain). */
  private readonly locks = new Map<number, Promise<unknown>>();
  private punctuateTimer?: NodeJS.Timeout;
  /** The punctuation round in progress, if any (rounds never overlap). */
  private punctuationRound?: Promise<void>;

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
    if (stage.state) deps.catalog.get(stage.state.changelog);
  }

  /** Slot of the producer that delivers timed outputs; batches use slots 0 … concurrency-1. */
  private get punctuationSlot(): number {
    return this.deps.config.runner.partitionConcurrency;
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
    const state = this.stage.state;
    if (state) {
      this.producers.push(this.newProducer(this.punctuationSlot));
      this.mirror = new ChangelogMirror(broker, this.deps.catalog.get(state.changelog).topic, this.log);
      await this.mirror.start();
    }
    await Promise.all(this.producers.map((p) => p.connect()));
    this.consumer = broker.consumer({ groupId: this.groupId, sessionTimeoutMs: config.kafka.sessionTimeoutMs });
    this.consumer.onCrash((err) => this.fail(err, 'consumer crashed'));
    if (state) {
      const inputTopic = this.deps.catalog.get(this.stage.input).topic;
      this.consumer.onAssignment((assigned) => {
        this.assigned = assigned.filter((a) => a.topic === inputTopic).map((a) => a.partition);
        // Another member may have changed a partition's state meanwhile: re-read before use.
        for (const partition of [...this.loaded]) void this.withLock(partition, async () => this.forgetState(partition));
      });
      this.punctuateTimer = setInterval(() => this.punctuate(), state.punctuateEveryMs);
    }
    await this.consumer.connect();
    await this.consumer.subscribe([this.deps.catalog.get(this.stage.input).topic], true);
    await this.consumer.run((batch, control) => this.handleBatch(batch, control), { concurrency });
    this.running = true;
    this.log.info({ group: this.groupId, input: this.stage.input, exactlyOnce: config.exactlyOnce }, 'stage started');
  }

  /** Finishes the chunk in hand, commits it, leaves the group; bounded by PD_DRAIN_TIMEOUT_MS. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    for (const timer of this.pauseTimers) clearTimeout(timer);
    clearInterval(this.punctuateTimer);
    const drain = async () => {
      // Pending state is emitted while this member still owns its partitions, so no other member
      // restores (and emits again) what this one is about to emit.
      // One partition at a time: they share the punctuation producer, one transaction at a time.
      await this.punctuationRound;
      for (const partition of [...this.loaded]) await this.withLock(partition, () => this.emitDue(partition, true));
      await this.consumer?.disconnect();
      await this.mirror?.stop();
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
        if (this.failed || this.stopping || !control.isRunning() || control.isStale()) return;
        const handled = await this.withLock(batch.partition, () => this.handleChunk(slot, batch.topic, batch.partition, chunk, control));
        if (!handled) return;
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
          try {
            await this.ensureState(partition);
            const processed = await this.processRecords(records);
            this.addStateChanges(processed, partition);
            const last = records[records.length - 1]!.offset;
            await this.deliver(slot, `${topic}-${partition}-${records[0]!.offset}-${last}`, processed, [{ topic, partition, offset: String(BigInt(last) + 1n) }]);
            return processed;
          } catch (err) {
            // The in-memory state now holds changes that were never committed.
            this.forgetState(partition);
            throw err;
          }
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
    const work = emptyWork();
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
      addOutputs(work, outputs);
    }
    return work;
  }

  /**
   * Writes the sink rows, then sends the records and DLQ copies and commits `offsets` (none for
   * timed outputs) — in one transaction with exactly-once on. `batchId` de-duplicates sink inserts.
   */
  private async deliver(slot: number, batchId: string, work: ChunkWork, offsets: PartitionOffset[]): Promise<void> {
    const producer = this.producers[slot]!;
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
          if (offsets.length > 0) await timed('kafka.offsets', () => tx.sendOffsets(this.groupId, offsets));
          await timed('kafka.commit', () => tx.commit());
        } catch (err) {
          await tx.abort().catch(() => undefined);
          throw err;
        }
      } else {
        await writeSinks();
        for (const send of splitBySize(outgoing, MAX_SEND_BYTES)) await producer.send(send);
        if (offsets.length > 0) await this.consumer!.commit(offsets);
      }
    } catch (err) {
      if (isFencing(err)) throw new Error(`producer ${this.transactionalIdBase}-${slot} was fenced by another instance`, { cause: err });
      // A failed transaction can leave the producer unusable: start over with a fresh one.
      await this.resetProducer(slot);
      throw new TransientError('kafka', `delivering ${batchId}: ${errorMessage(err)}`, { cause: err });
    }
    this.log.debug({ batchId, ms: timings }, 'chunk delivered');
  }

  // ---- partition state (stateful stages only)

  private withLock<T>(partition: number, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(partition) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    // The chain must not hold on to a rejection: the caller gets it, the next holder does not.
    this.locks.set(partition, next.catch(() => undefined));
    return next;
  }

  /** Loads the partition's committed state before its first record (after start, rebalance or failure). */
  private async ensureState(partition: number): Promise<void> {
    const state = this.stage.state;
    if (!state || this.loaded.has(partition)) return;
    await this.mirror!.catchUp(partition);
    const entries = this.mirror!.entries(partition);
    state.restore(partition, entries);
    this.loaded.add(partition);
    this.log.debug({ partition, entries: entries.size }, 'partition state restored');
  }

  private forgetState(partition: number): void {
    if (!this.stage.state) return;
    this.stage.state.drop(partition);
    this.loaded.delete(partition);
  }

  /** Adds the state's changes as changelog records to the same transaction as the outputs. */
  private addStateChanges(work: ChunkWork, partition: number): void {
    const state = this.stage.state;
    if (!state) return;
    const changes = state.takeChanges(partition);
    if (changes.length === 0) return;
    const list = work.records.get(state.changelog) ?? [];
    for (const { key, value } of changes) list.push({ partition, key, value });
    work.records.set(state.changelog, list);
  }

  /** Restores newly assigned partitions and emits what became due by time alone. */
  private punctuate(): void {
    // One round at a time: a slow delivery must not pile up rounds.
    if (this.punctuationRound || this.stopping || this.failed || !this.running) return;
    this.punctuationRound = (async () => {
      for (const partition of this.assigned) {
        if (this.stopping || this.failed) return;
        await this.withLock(partition, async () => {
          await this.ensureState(partition);
          await this.emitDue(partition, false);
        }).catch((err) => this.log.warn({ partition, err: errorMessage(err) }, 'timed outputs not delivered; retrying next round'));
      }
    })().finally(() => (this.punctuationRound = undefined));
  }

  /** Delivers the outputs that are due (all pending ones when `final`); the caller holds the lock. */
  private async emitDue(partition: number, final: boolean): Promise<void> {
    const state = this.stage.state as PartitionState;
    if (!this.loaded.has(partition)) return;
    const work = emptyWork();
    addOutputs(work, state.due(partition, Date.now(), final));
    this.addStateChanges(work, partition);
    if (work.records.size === 0 && work.rows.size === 0) return;
    // Same outputs, same id: a retried delivery is de-duplicated by the sinks.
    const digest = createHash('sha256').update(JSON.stringify([...work.records.values()].flat().map((r) => [r.key, r.value?.toString()]))).digest('hex').slice(0, 16);
    try {
      await this.deliver(this.punctuationSlot, `${this.stage.input}-${partition}-due-${digest}`, work, []);
    } catch (err) {
      this.forgetState(partition);
      throw err;
    }
    for (const [logical, out] of work.records) this.deps.metrics.recordsOut.inc({ stage: this.stage.name, topic: logical }, out.length);
    for (const [sink, rows] of work.rows) this.deps.metrics.rowsWritten.inc({ stage: this.stage.name, sink }, rows.length);
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
