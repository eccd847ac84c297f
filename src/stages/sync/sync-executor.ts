import type { ClickHouseClient } from '@clickhouse/client';
import { splitStatements } from '../../adapters/clickhouse/clickhouse.js';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-registry.js';
import { ValueDecoder } from '../../adapters/schema-registry/value-decoder.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { PipelineMetrics } from '../../core/metrics.js';
import { provisionTopics } from '../../core/provision.js';
import { StageRunner } from '../../core/runner.js';
import { TopicCatalog } from '../../core/topic-catalog.js';
import type { Broker } from '../../ports/broker.js';
import type { SyncPlan } from '../sqlgen/plan.js';
import { ClickHouseSyncSink, createSyncStage, syncInputDeclaration } from './sync-stage.js';

export interface SyncExecutorOptions {
  plan: SyncPlan;
  /** Names this application of the plan: consumer groups are `<prefix>sync-<name>-<db>.<table>`. */
  name: string;
  broker: Broker;
  clickhouse: ClickHouseClient;
  decoder: ValueDecoder;
  config: Config;
  logger: Logger;
  metrics: PipelineMetrics;
  onFatal(error: unknown): void;
}

export interface SyncProgress {
  table: string;
  topic: string;
  /** Records applied (committed offsets) and available (end offsets), summed over partitions. */
  applied: number;
  available: number;
}

/**
 * Applies a sync plan without a Flink cluster: one stage per planned table, on the engine's
 * runner (chunks, DLQ, retries, offsets committed after ClickHouse acknowledged), consuming the
 * table's Debezium topic from the beginning and upserting the planned columns into the plan's
 * ClickHouse tables (created from its DDL). Restarting with the same name resumes.
 */
export class SyncExecutor {
  private runners: StageRunner[] = [];
  private readonly catalog: TopicCatalog;

  constructor(private readonly o: SyncExecutorOptions) {
    if (!/^[a-z0-9-]{1,64}$/.test(o.name)) throw new Error(`sync name must be 1–64 of [a-z0-9-], got ${JSON.stringify(o.name)}`);
    if (o.plan.tables.length === 0) throw new Error('the plan has no tables to sync');
    this.catalog = new TopicCatalog(o.plan.tables.map(syncInputDeclaration), o.config.topicPrefix);
  }

  async start(): Promise<void> {
    const { plan, broker, clickhouse, config, logger, metrics } = this.o;
    for (const statement of plan.clickhouseStatements ?? splitStatements(plan.clickhouseSql)) await clickhouse.command({ query: statement });

    const admin = broker.admin();
    await admin.connect();
    try {
      // DLQ topics are ours; a table that never had a row has no Debezium topic yet, and
      // subscribing needs one (Debezium's own topic.creation defaults: 1 partition).
      await provisionTopics(admin, this.catalog);
      const existing = new Set(await admin.listTopics());
      const missing = plan.tables.filter((t) => !existing.has(t.cdcTopic));
      if (missing.length > 0) {
        await admin.createTopics(missing.map((t) => ({ topic: t.cdcTopic, partitions: 1, replicationFactor: 1, configs: {} })));
      }
    } finally {
      await admin.disconnect();
    }

    // One partition per Debezium topic by default: one producer slot per table is enough. No
    // Kafka transactions: the only output is ClickHouse rows, idempotent by (key, offset version),
    // so a redelivered chunk rewrites the same versions; offsets are still committed only after
    // ClickHouse acknowledged.
    const runnerConfig = { ...config, exactlyOnce: false, runner: { ...config.runner, partitionConcurrency: 1 } };
    this.runners = plan.tables.map((table) => {
      const sink = new ClickHouseSyncSink(clickhouse, table);
      return new StageRunner(createSyncStage(table, this.o.decoder, this.o.name), {
        broker,
        catalog: this.catalog,
        sinks: new Map([[sink.name, sink]]),
        config: runnerConfig,
        logger,
        metrics,
        onFatal: this.o.onFatal,
      });
    });
    // Group joins in parallel: a plan over eight tables starts in one join's time.
    await Promise.all(this.runners.map((runner) => runner.start()));
    logger.info({ sync: this.o.name, tables: plan.tables.map((t) => `${t.database}.${t.table}`) }, 'sync executor running');
  }

  /** Applied vs available records per table, from the broker (committed vs end offsets). */
  async progress(): Promise<SyncProgress[]> {
    const admin = this.o.broker.admin();
    await admin.connect();
    try {
      return await Promise.all(
        this.runners.map(async (runner, i) => {
          const table = this.o.plan.tables[i]!;
          const ends = await admin.topicEndOffsets(table.cdcTopic);
          const committed = new Map((await admin.groupOffsets(runner.groupId, table.cdcTopic)).map((p) => [p.partition, Number(p.offset)]));
          let applied = 0;
          let available = 0;
          for (const end of ends) {
            available += Number(end.offset);
            applied += Math.max(0, committed.get(end.partition) ?? 0);
          }
          return { table: `${table.database}.${table.table}`, topic: table.cdcTopic, applied, available };
        }),
      );
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Resolves once every table has applied what its topic held when this was called (later
   * changes may keep arriving). Calls `onProgress` about once a second.
   */
  async waitCaughtUp(timeoutMs: number, onProgress?: (progress: SyncProgress[]) => void): Promise<SyncProgress[]> {
    const deadline = Date.now() + timeoutMs;
    const target = new Map((await this.progress()).map((p) => [p.table, p.available]));
    for (;;) {
      const progress = await this.progress();
      onProgress?.(progress);
      if (progress.every((p) => p.applied >= (target.get(p.table) ?? 0))) return progress;
      if (Date.now() > deadline) {
        const behind = progress.filter((p) => p.applied < (target.get(p.table) ?? 0)).map((p) => `${p.table} ${p.applied}/${target.get(p.table)}`);
        throw new Error(`sync did not catch up within ${timeoutMs} ms: ${behind.join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  get isReady(): boolean {
    return this.runners.length > 0 && this.runners.every((r) => r.isReady);
  }

  /** Drains every table's stage (the chunk in hand is committed) and leaves the groups. */
  async stop(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }
}

/** An executor wired from the configuration: change events decoded as JSON or through the registry. */
export function syncExecutorFromConfig(o: Omit<SyncExecutorOptions, 'decoder' | 'metrics'> & { metrics?: PipelineMetrics }): SyncExecutor {
  const decoder = new ValueDecoder(new ConfluentSchemaRegistry(o.config.schemaRegistry), o.config.ingest.maxMessageBytes);
  return new SyncExecutor({ ...o, decoder, metrics: o.metrics ?? new PipelineMetrics() });
}
