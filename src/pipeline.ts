import type { Pool } from 'mysql2/promise';
import type { ClickHouseClient } from '@clickhouse/client';
import { createBroker } from './adapters/kafka/create-broker.js';
import { ConfluentSchemaRegistry } from './adapters/schema-registry/confluent-registry.js';
import { ValueDecoder } from './adapters/schema-registry/value-decoder.js';
import { createMysqlPool, migrateMysql } from './adapters/mysql/mysql.js';
import { MysqlJobLogEventsSink } from './adapters/mysql/job-log-events-sink.js';
import { ExceptionStore } from './adapters/mysql/exception-store.js';
import { createClickHouse, migrateClickHouse } from './adapters/clickhouse/clickhouse.js';
import { ClickHouseJobLogEventsSink } from './adapters/clickhouse/job-log-events-sink.js';
import { ClickHouseDiagnosisFactsSink } from './adapters/clickhouse/diagnosis-facts-sink.js';
import type { Config } from './core/config.js';
import { redactUrl, type Logger } from './core/logger.js';
import { PipelineMetrics } from './core/metrics.js';
import { SCHEMAS_DIR, TOPICS_DIR } from './core/paths.js';
import { provisionTopics, registerSchemas } from './core/provision.js';
import { StageRunner } from './core/runner.js';
import type { Sink } from './core/stage.js';
import { TopicCatalog } from './core/topic-catalog.js';
import { startHttpServer } from './http/server.js';
import { createDashboardSource } from './http/dashboard-data.js';
import { JobCatalog } from './stages/catalog/job-catalog.js';
import { ExceptionsSink } from './stages/diagnose/exceptions-stage.js';
import { DiagnoseWorker } from './stages/diagnose/diagnose-worker.js';
import { createDiagnosisServices, type DiagnosisServices } from './stages/diagnose/diagnosis-services.js';
import { FeedbackStore } from './adapters/mysql/feedback-store.js';
import { FeedbackSink } from './stages/feedback/feedback-stage.js';
import { createFeedbackIntake } from './stages/feedback/feedback-intake.js';
import { vectorCaseIndexer } from './stages/feedback/case-indexer.js';
import { KnowledgeCaseStore } from './adapters/mysql/knowledge-case-store.js';
import { MysqlDiagnosisCache } from './adapters/mysql/diagnosis-cache-store.js';
import type { Broker, BrokerProducer } from './ports/broker.js';
import { STAGES, selectStages } from './stages/index.js';
import { startSchedulerWorker } from './scheduler/index.js';

export interface RunningPipeline {
  httpPort: number;
  /** The job catalog ingest enriches from (loaded when ingest runs). */
  jobs: JobCatalog;
  runners: StageRunner[];
  /** Resolves with the first fatal error of any stage. */
  fatal: Promise<unknown>;
  /** Drains every stage (commit what is done), then closes the clients. */
  stop(): Promise<void>;
}

/**
 * The composition root: builds the adapters from the configuration, applies migrations and
 * topic provisioning, starts the selected stages and the HTTP server.
 */
export async function startPipeline(config: Config, logger: Logger): Promise<RunningPipeline> {
  const metrics = new PipelineMetrics();
  const catalog = TopicCatalog.load(TOPICS_DIR, config.topicPrefix);
  const broker = await createBroker(config.kafka, logger);
  const registry = new ConfluentSchemaRegistry(config.schemaRegistry);

  logger.info({ kafka: config.kafka.brokers, client: broker.library, registry: config.schemaRegistry.url, mysql: redactUrl(config.mysql.url), clickhouse: config.clickhouse.url ? redactUrl(config.clickhouse.url) : `embedded:${config.clickhouse.chdbPath}` }, 'starting');

  const admin = broker.admin();
  await admin.connect();
  try {
    const report = await provisionTopics(admin, catalog);
    if (report.created.length) logger.info({ created: report.created }, 'topics created');
    for (const d of report.drift) logger.warn(d, 'topic drift (run `pipeline-doctor topics apply --fix`)');
  } finally {
    await admin.disconnect();
  }
  await registerSchemas(registry, catalog, SCHEMAS_DIR);

  await migrateMysql(config.mysql.url, logger);
  const pool: Pool = createMysqlPool(config.mysql.url, config.mysql.poolSize);
  const { client: clickhouse, mode }: { client: ClickHouseClient; mode: string } = createClickHouse(config.clickhouse);
  await migrateClickHouse(clickhouse, config.clickhouse.database, logger);
  logger.info({ mode }, 'clickhouse ready');

  // One set of diagnosis services per process, shared by the diagnose worker and the feedback
  // stage: the embedded vector store is an in-memory copy that both must see.
  const diagnosis = onDemand(() => diagnosisServices(config, logger, metrics, pool));
  const feedbackStore = new FeedbackStore(pool);
  const sinks = new Map<string, Sink>(
    [
      new MysqlJobLogEventsSink(pool),
      new ClickHouseJobLogEventsSink(clickhouse, config.clickhouse.database),
      new ClickHouseDiagnosisFactsSink(clickhouse, config.clickhouse.database),
      new ExceptionsSink(new ExceptionStore(pool)),
      new FeedbackSink(feedbackStore, vectorCaseIndexer(diagnosis.get)),
    ].map((s) => [s.name, s]),
  );
  const decoder = new ValueDecoder(registry, config.ingest.maxMessageBytes);

  const stageNames = selectStages(config.stages);
  // Ingest enriches events from the job catalog: load it before consuming any log event.
  const jobs = new JobCatalog(broker, catalog.get('job-catalog').topic, logger);
  if (stageNames.includes('ingest')) await jobs.start();

  let reportFatal!: (err: unknown) => void;
  const fatal = new Promise<unknown>((resolve) => (reportFatal = resolve));
  const runners = stageNames.filter((name) => name in STAGES).map(
    (name) => new StageRunner(STAGES[name]!({ decoder, jobs, exceptions: feedbackStore, config, metrics, logger }), { broker, catalog, sinks, config, logger, metrics, onFatal: reportFatal }),
  );
  const feedbackProducer = stageNames.includes('feedback') ? broker.producer() : undefined;
  await feedbackProducer?.connect();

  let failed = false;
  void fatal.then(() => (failed = true));
  const dashboard = await createDashboardSource({
    clickhouse,
    database: config.clickhouse.database,
    broker,
    catalog,
    stages: runners.map((r) => ({ stage: r.stage.name, input: r.stage.input })),
    log: logger.child({ component: 'dashboard' }),
  });
  const http = await startHttpServer(config.http.host, config.http.port, metrics, {
    healthy: () => !failed,
    ready: () => stageNames.length > 0 && runners.every((r) => r.isReady),
  }, feedbackProducer && createFeedbackIntake(sendTo(feedbackProducer, catalog.get('feedback').topic)), dashboard);
  for (const runner of runners) await runner.start();
  const diagnose = stageNames.includes('diagnose') ? await startDiagnoseWorker(config, logger, metrics, broker, catalog, pool, await diagnosis.get()) : undefined;
  const scheduler = stageNames.includes('scheduler') ? await startSchedulerWorker({ config, pool, vectors: diagnosis.get, log: logger.child({ stage: 'scheduler' }), metrics }) : undefined;
  logger.info({ stages: runners.map((r) => r.stage.name), http: `${config.http.host}:${http.port}` }, 'pipeline running');

  return {
    httpPort: http.port,
    jobs,
    runners,
    fatal,
    async stop() {
      await diagnose?.stop();
      await scheduler?.stop();
      await Promise.all(runners.map((r) => r.stop()));
      await jobs.stop();
      await dashboard.close();
      for (const sink of sinks.values()) await sink.close();
      await diagnosis.close();
      await pool.end();
      await clickhouse.close();
      await new Promise((resolve) => http.server.close(resolve));
      await feedbackProducer?.disconnect();
    },
  };
}

/**
 * A resource built on first use and shared; a failed build (say Milvus is down) is tried again
 * on the next use, so a stage that needs it retries instead of the process failing to start.
 */
function onDemand<T extends { close(): Promise<void> }>(build: () => Promise<T>): { get: () => Promise<T>; close: () => Promise<void> } {
  let built: Promise<T> | undefined;
  const get = () =>
    (built ??= build().catch((err: unknown) => {
      built = undefined;
      throw err;
    }));
  return { get, close: async () => (await built?.catch(() => undefined))?.close() };
}

/** Retrieval and generation, with the pipeline's metrics and the MySQL diagnosis cache. */
function diagnosisServices(config: Config, logger: Logger, metrics: PipelineMetrics, pool: Pool): Promise<DiagnosisServices> {
  return createDiagnosisServices(config, logger.child({ component: 'diagnosis' }), {
    onGeneration: (provider, outcome, usage) => {
      metrics.llmCalls.inc({ provider, outcome });
      if (usage) {
        metrics.llmTokens.inc({ kind: 'prompt' }, usage.promptTokens);
        metrics.llmTokens.inc({ kind: 'completion' }, usage.completionTokens);
      }
    },
    onCache: (outcome) => metrics.diagnosisCache.inc({ outcome }),
    shared: new MysqlDiagnosisCache(pool),
  });
}

/** Feedback taken over HTTP goes to the feedback topic, keyed like every feedback record. */
function sendTo(producer: BrokerProducer, topic: string): (key: string, value: string) => Promise<void> {
  return async (key, value) => {
    await producer.send([{ topic, messages: [{ key, value }] }]);
  };
}

/** The diagnose worker on the shared services: the exceptions queue, a producer. */
async function startDiagnoseWorker(config: Config, logger: Logger, metrics: PipelineMetrics, broker: Broker, catalog: TopicCatalog, pool: Pool, services: DiagnosisServices): Promise<{ stop(): Promise<void> }> {
  const log = logger.child({ stage: 'diagnose' });
  const producer = broker.producer();
  await producer.connect();
  const worker = new DiagnoseWorker({
    workerId: `${config.instanceId}-${process.pid}`,
    store: new ExceptionStore(pool),
    cases: new KnowledgeCaseStore(pool),
    diagnoser: services.diagnoser,
    retriever: services.retriever,
    producer,
    topics: { diagnoses: catalog.get('diagnoses').topic, alerts: catalog.get('alerts').topic },
    log,
    metrics,
    ...config.diagnosis.worker,
  });
  worker.start();
  log.info({ llm: services.diagnoser.llmName ?? 'none (deterministic)', embedder: services.embedder.model, vectors: services.store.kind }, 'diagnose worker running');
  return {
    async stop() {
      await worker.stop();
      await producer.disconnect();
    },
  };
}
