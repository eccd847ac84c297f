import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/logger.js';
import type { Broker, BrokerConsumer } from '../../ports/broker.js';
import type { JobCatalogEntry } from './catalog-stage.js';

/**
 * The in-memory copy of the compacted job-catalog topic (a KTable in Kafka Streams terms).
 * Read from the beginning at start, then followed; each process has its own throw-away group
 * and commits nothing, so a restart rebuilds the table from the compacted topic.
 */
export class JobCatalog {
  private readonly jobs = new Map<string, JobCatalogEntry>();
  private consumer?: BrokerConsumer;

  constructor(
    private readonly broker: Broker,
    private readonly topic: string,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.jobs.size;
  }

  get(jobId: string): JobCatalogEntry | undefined {
    return this.jobs.get(jobId);
  }

  /** Resolves once everything present at start has been read (or the topic went quiet). */
  async start(options: { quietMs?: number; timeoutMs?: number } = {}): Promise<void> {
    const quietMs = options.quietMs ?? 1000;
    const admin = this.broker.admin();
    await admin.connect();
    const ends = new Map((await admin.topicEndOffsets(this.topic)).map((p) => [p.partition, Number(p.offset)]));
    await admin.disconnect();
    const seen = new Map<number, number>();
    let lastBatchAt = Date.now();
    this.consumer = this.broker.consumer({ groupId: `pd-job-catalog-${randomUUID()}`, sessionTimeoutMs: 10_000 });
    await this.consumer.connect();
    await this.consumer.subscribe([this.topic], true);
    await this.consumer.run(async (batch) => {
      for (const r of batch.records) {
        const key = r.key?.toString('utf8');
        if (!key) continue;
        if (r.value === null || r.value.length === 0) this.jobs.delete(key);
        else this.jobs.set(key, JSON.parse(r.value.toString('utf8')) as JobCatalogEntry);
        seen.set(batch.partition, Number(r.offset));
      }
      lastBatchAt = Date.now();
    });
    // A partition is caught up when it is empty, read to its end offset, or has delivered
    // records and then gone quiet (transaction markers sit after the last record).
    const caughtUp = () =>
      [...ends].every(([p, end]) => end === 0 || (seen.get(p) ?? -1) + 1 >= end || (seen.has(p) && Date.now() - lastBatchAt > quietMs));
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    while (!caughtUp()) {
      if (Date.now() > deadline) {
        // Only compacted-away history can cause this; enrichment fills in as entries arrive.
        this.log.warn({ topic: this.topic, jobs: this.jobs.size, timeoutMs }, 'job catalog not confirmed caught up; continuing');
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.log.info({ jobs: this.jobs.size, topic: this.topic }, 'job catalog loaded');
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
