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
import type { Config } from './core/config.js';
import { redactUrl, type Logger } from './core/logger.js';
import { PipelineMetrics } from './core/metrics.js';
import { SCHEMAS_DIR, TOPICS_DIR } from './core/paths.js';
import { provisionTopics, registerSchemas } from './core/provision.js';
import { StageRunner } from './core/runner.js';
import type { Sink } from './core/stage.js';
import { TopicCatalog } from './core/topic-catalog.js';
import { startHttpServer } from './http/server.js';
import { JobCatalog } from './stages/catalog/job-catalog.js';
import { ExceptionsSink } from './stages/diagnose/exceptions-stage.js';
import { DiagnoseWorker } from './stages/diagnose/diagnose-worker.js';
import { createDiagnosisServices } from './stages/diagnose/diagnosis-services.js';
import { KnowledgeCaseStore } from './adapters/mysql/knowledge-case-store.js';
import { MysqlDiagnosisCache } from './adapters/mysql/diagnosis-cache-store.js';
import type { Broker } from './ports/broker.js';
import { STAGES, selectStages } from './stages/index.js';

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

  const sinks = new Map<string, Sink>(
    [new MysqlJobLogEventsSink(pool), new ClickHouseJobLogEventsSink(clickhouse, config.clickhouse.database), new ExceptionsSink(new ExceptionStore(pool))].map((s) => [s.name, s]),
  );
  const decoder = new ValueDecoder(registry, config.ingest.maxMessageBytes);

  const stageNames = selectStages(config.stages);
  // Ingest enriches events from the job catalog: load it before consuming any log event.
  const jobs = new JobCatalog(broker, catalog.get('job-catalog').topic, logger);
  if (stageNames.includes('ingest')) await jobs.start();

  let reportFatal!: (err: unknown) => void;
  const fatal = new Promise<unknown>((resolve) => (reportFatal = resolve));
  const runners = stageNames.filter((name) => name in STAGES).map(
    (name) => new StageRunner(STAGES[name]!({ decoder, jobs, config, metrics, logger }), { broker, catalog, sinks, config, logger, metrics, onFatal: reportFatal }),
  );

  let failed = false;
  void fatal.then(() => (failed = true));
  const http = await startHttpServer(config.http.host, config.http.port, metrics, {
    healthy: () => !failed,
    ready: () => stageNames.length > 0 && runners.every((r) => r.isReady),
  });
  for (const runner of runners) await runner.start();
  const diagnose = stageNames.includes('diagnose') ? await startDiagnoseWorker(config, logger, metrics, broker, catalog, pool) : undefined;
  logger.info({ stages: runners.map((r) => r.stage.name), http: `${config.http.host}:${http.port}` }, 'pipeline running');

  return {
    httpPort: http.port,
    jobs,
    runners,
    fatal,
    async stop() {
      await diagnose?.stop();
      await Promise.all(runners.map((r) => r.stop()));
      await jobs.stop();
      for (const sink of sinks.values()) await sink.close();
      await pool.end();
      await clickhouse.close();
      await new Promise((resolve) => http.server.close(resolve));
    },
  };
}

/** The diagnose worker with its services: retrieval, generation, the exceptions queue, a producer. */
async function startDiagnoseWorker(config: Config, logger: Logger, metrics: PipelineMetrics, broker: Broker, catalog: TopicCatalog, pool: Pool): Promise<{ stop(): Promise<void> }> {
  const log = logger.child({ stage: 'diagnose' });
  const services = await createDiagnosisServices(config, log, {
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
      await services.close();
    },
  };
}
