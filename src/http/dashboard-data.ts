import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../core/logger.js';
import type { TopicCatalog } from '../core/topic-catalog.js';
import type { Broker, BrokerConsumer } from '../ports/broker.js';
import { consumerLag } from '../sample/consumer-lag.js';
import { errorCountsByHour, topFingerprints, type HourlyErrorCount, type TopFingerprint } from '../stages/analytics/dashboard-queries.js';

/** What the web page shows, as one JSON document (GET /api/dashboard). */
export interface DashboardSnapshot {
  generated_at: string;
  hours: number;
  /** Exceptions per hour × error type (ClickHouse aggregates; exact under replays). */
  trend: HourlyErrorCount[];
  /** The most frequent fingerprints of the window with their latest diagnosis. */
  top_fingerprints: TopFingerprint[];
  /** Records in each DLQ, by reason, counted by reading the DLQ topics (read_committed). */
  dlq: { topic: string; records: number; by_reason: Record<string, number> }[];
  /** Records each stage's consumer group still has to read on its input topic. */
  lag: { stage: string; topic: string; records: number }[];
  /** Parts that could not be read (say Kafka is down), so the page can say so instead of showing 0. */
  errors: string[];
}

export interface DashboardSource {
  snapshot(hours: number): Promise<DashboardSnapshot>;
  close(): Promise<void>;
}

/** The stages whose lag the page shows: consumer group `<prefix><stage>` on its input topic. */
export interface StageInput {
  stage: string;
  /** Logical input topic (topics/). */
  input: string;
}

/**
 * Counts DLQ records by following every DLQ topic from the beginning with a throw-away group.
 * End offsets would overcount: a topic written in transactions has commit markers between records.
 */
class DlqTally {
  private readonly counts = new Map<string, { records: number; byReason: Map<string, number> }>();
  private consumer?: BrokerConsumer;

  constructor(
    private readonly broker: Broker,
    private readonly topics: string[],
    private readonly log: Logger,
  ) {
    for (const topic of topics) this.counts.set(topic, { records: 0, byReason: new Map() });
  }

  async start(): Promise<void> {
    if (this.topics.length === 0) return;
    this.consumer = this.broker.consumer({ groupId: `pd-dashboard-${randomUUID()}`, sessionTimeoutMs: 10_000 });
    this.consumer.onCrash((err) => this.log.warn({ err: err.message }, 'DLQ tally consumer stopped; the page shows counts up to here'));
    await this.consumer.connect();
    await this.consumer.subscribe(this.topics, true);
    await this.consumer.run(async (batch) => {
      const tally = this.counts.get(batch.topic)!;
      for (const record of batch.records) {
        const reason = record.headers['dlq.reason']?.toString() ?? 'unknown';
        tally.records++;
        tally.byReason.set(reason, (tally.byReason.get(reason) ?? 0) + 1);
      }
    });
  }

  snapshot(): DashboardSnapshot['dlq'] {
    return [...this.counts].map(([topic, t]) => ({ topic, records: t.records, by_reason: Object.fromEntries(t.byReason) }));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export async function createDashboardSource(o: {
  clickhouse: ClickHouseClient;
  database: string;
  broker: Broker;
  catalog: TopicCatalog;
  stages: StageInput[];
  log: Logger;
}): Promise<DashboardSource> {
  const dlqTopics = o.catalog.all().flatMap((t) => (t.dlqTopic ? [t.dlqTopic] : []));
  const tally = new DlqTally(o.broker, dlqTopics, o.log);
  // Started by the first page view, not with every pipeline process (most never serve the page);
  // a broker that is down then shows as an error on the page, not as a failed start.
  let started: Promise<void> | undefined;
  return {
    async snapshot(hours) {
      started ??= tally.start().catch((err: Error) => o.log.warn({ err: err.message }, 'DLQ tally not started'));
      const errors: string[] = [];
      const attempt = async <T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
        try {
          return await fn();
        } catch (err) {
          errors.push(`${what}: ${(err as Error).message}`);
          return fallback;
        }
      };
      const [trend, top, lag] = await Promise.all([
        attempt('trend', () => errorCountsByHour(o.clickhouse, o.database, { hours }), []),
        attempt('top fingerprints', () => topFingerprints(o.clickhouse, o.database, { hours, limit: 10 }), []),
        attempt('lag', () => stageLag(o.broker, o.catalog, o.stages), []),
      ]);
      return { generated_at: new Date().toISOString(), hours, trend, top_fingerprints: top, dlq: tally.snapshot(), lag, errors };
    },
    async close() {
      if (!started) return;
      await started;
      await tally.stop();
    },
  };
}

async function stageLag(broker: Broker, catalog: TopicCatalog, stages: StageInput[]): Promise<DashboardSnapshot['lag']> {
  const admin = broker.admin();
  await admin.connect();
  try {
    return await Promise.all(
      stages.map(async ({ stage, input }) => {
        const topic = catalog.get(input).topic;
        // Our stages' inputs are written in transactions (or may be): allow the commit marker.
        return { stage, topic, records: await consumerLag(admin, `${catalog.prefix}${stage}`, topic, { transactional: true }) };
      }),
    );
  } finally {
    await admin.disconnect();
  }
}
