import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { createBroker } from '../adapters/kafka/create-broker.js';
import { ConfluentSchemaRegistry } from '../adapters/schema-registry/confluent-registry.js';
import { createClickHouse } from '../adapters/clickhouse/clickhouse.js';
import { createMysqlPool } from '../adapters/mysql/mysql.js';
import { createLogger } from '../core/logger.js';
import { TOPICS_DIR } from '../core/paths.js';
import { TopicCatalog } from '../core/topic-catalog.js';
import { startPipeline } from '../pipeline.js';
import { consumerLag } from '../sample/consumer-lag.js';
import { produceWorkload } from '../sample/workload.js';
import { classifyEvent } from '../stages/classify/classify-event.js';
import { readTopic } from '../sample/topic-reader.js';
import { formatCount, loadConfigOrExit } from './shared.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the pipeline end to end on generated sample data and print what happened.')
    .option('--events <n>', 'job-log events to produce (1% malformed, half of the rest Avro)', '20000')
    .option('--seed <n>', 'seed of the sample generator', '7')
    .option('--timeout <s>', 'give up waiting for the results after this many seconds', '180')
    .addHelpText('after', '\nNeeds the local stack (`pipeline-doctor stack up`) or the services named by the environment.')
    .action(async (options: { events: string; seed: string; timeout: string }) => {
      const count = Number(options.events);
      if (!Number.isInteger(count) || count < 1) throw new Error('--events must be a positive integer');
      const config = loadConfigOrExit({ PD_STAGES: 'catalog,ingest,classify,exceptions,diagnose,analytics', PD_HTTP_PORT: process.env.PD_HTTP_PORT ?? '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
      const logger = createLogger(config.logLevel);
      const say = (line: string) => process.stdout.write(`${line}\n`);
      const runId = randomBytes(4).toString('hex');
      const catalog = TopicCatalog.load(TOPICS_DIR, config.topicPrefix);
      const broker = await createBroker(config.kafka, logger);
      const registry = new ConfluentSchemaRegistry(config.schemaRegistry);

      say(`demo ${runId}: starting the pipeline (stages ${config.stages === 'all' ? 'all' : config.stages.join(', ')}) …`);
      const pipeline = await startPipeline(config, logger);
      const started = Date.now();
      let result;
      try {
        say(`producing ${formatCount(count)} job-log events to ${catalog.get('job-logs').topic} …`);
        result = await produceWorkload(broker, registry, catalog, {
          count,
          seed: Number(options.seed),
          runId,
          maxMessageBytes: config.ingest.maxMessageBytes,
          onProgress: (n) => n % 5000 === 0 && say(`  produced ${formatCount(n)}`),
        });
        const producedMs = Date.now() - started;
        // Ingest passes on error-bearing events; INFO chatter is counted and dropped.
        const expected = result.errorBearingEventIds.length;
        // Progress is the ingest group's committed offsets: exact, and cheap to ask for.
        const admin = broker.admin();
        await admin.connect();
        const input = catalog.get('job-logs').topic;
        const deadline = Date.now() + Number(options.timeout) * 1000;
        let behind = Infinity;
        let lastReport = 0;
        while (Date.now() < deadline) {
          behind = await consumerLag(admin, `${config.topicPrefix}ingest`, input);
          if (behind === 0) break;
          if (Date.now() - lastReport > 1000) {
            say(`  ingest is ${formatCount(behind)} records behind`);
            lastReport = Date.now();
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        await admin.disconnect();
        const processedMs = Date.now() - started;
        if (behind !== 0) throw new Error(`timed out: ingest still ${behind} records behind`);

        const jobEvents = await readTopic(broker, catalog.get('job-events').topic, {
          timeoutMs: 60_000,
          filter: (r) => (r.value?.includes(runId) ?? false),
          done: (records) => records.length >= expected,
        });
        // After the result topic: lines held by the multi-line join are written when they flush.
        const pool = createMysqlPool(config.mysql.url, 2);
        const [rows] = await pool.query("SELECT COUNT(*) AS n FROM job_log_events WHERE JSON_VALUE(attributes, '$.run_id') = ?", [runId]);
        const mysqlRows = Number((rows as { n: number }[])[0]!.n);
        await pool.end();
        const runKeys = new Set(result.malformed.map((m) => m.key));
        const dlq = await readTopic(broker, catalog.get('job-logs').dlqTopic!, {
          timeoutMs: 30_000,
          filter: (r) => runKeys.has(r.key?.toString() ?? ''),
          done: (records) => records.length >= result!.malformed.length,
        });
        // The stage must agree with the command path: classify every result event here too.
        const errorEvents = jobEvents.filter((r) => {
          const e = JSON.parse(r.value!.toString()) as { message: string; stack_trace: string | null; level: string };
          return classifyEvent(e.stack_trace ? `${e.message}\n${e.stack_trace}` : e.message, e.level === 'UNKNOWN' ? null : e.level).error_type !== 'none';
        }).length;
        const classified = await readTopic(broker, catalog.get('errors.classified').topic, {
          timeoutMs: 60_000,
          filter: (r) => (r.value?.includes(runId) ?? false),
          done: (records) => records.length >= errorEvents,
        });
        // The diagnosis queue: this run's errors as rows of flink_job_exceptions, worked by the diagnose worker.
        const diagnosisPool = createMysqlPool(config.mysql.url, 2);
        const runRows = async () => {
          const [rows] = await diagnosisPool.query("SELECT status, diagnosis_provider AS provider, COUNT(*) AS n FROM flink_job_exceptions WHERE event_id LIKE ? GROUP BY status, diagnosis_provider", [`${runId}-%`]);
          return rows as { status: string; provider: string | null; n: number }[];
        };
        const diagnosisDeadline = Date.now() + Number(options.timeout) * 1000;
        let diagnosed = await runRows();
        while (Date.now() < diagnosisDeadline && diagnosed.reduce((n, r) => n + (r.status === 'completed' ? Number(r.n) : 0), 0) < classified.length) {
          await new Promise((r) => setTimeout(r, 250));
          diagnosed = await runRows();
        }
        const [sampleRows] = await diagnosisPool.query("SELECT error_type, suggested_fix FROM flink_job_exceptions WHERE event_id LIKE ? AND status = 'completed' AND error_type = 'oom' LIMIT 1", [`${runId}-%`]);
        await diagnosisPool.end();
        // The analytics stage turns the diagnoses topic into ClickHouse facts: wait until it has read it all.
        const analyticsAdmin = broker.admin();
        await analyticsAdmin.connect();
        const analyticsDeadline = Date.now() + Number(options.timeout) * 1000;
        while (Date.now() < analyticsDeadline && (await consumerLag(analyticsAdmin, `${config.topicPrefix}analytics`, catalog.get('diagnoses').topic)) > 0) {
          await new Promise((r) => setTimeout(r, 250));
        }
        await analyticsAdmin.disconnect();
        await pipeline.stop();
        const { client } = createClickHouse(config.clickhouse);
        const rs = await client.query({
          query: `SELECT count() AS n FROM ${config.clickhouse.database}.job_log_events FINAL WHERE attributes['run_id'] = {runId:String}`,
          query_params: { runId },
          format: 'JSONEachRow',
        });
        const clickhouseRows = Number((await rs.json<{ n: string }>())[0]!.n);
        const factsRs = await client.query({
          query: `SELECT count() AS n, uniqExact(fingerprint) AS fingerprints FROM ${config.clickhouse.database}.diagnosis_facts FINAL WHERE startsWith(event_id, {prefix:String})`,
          query_params: { prefix: `${runId}-` },
          format: 'JSONEachRow',
        });
        const facts = (await factsRs.json<{ n: string; fingerprints: string }>())[0]!;
        const factRows = Number(facts.n);
        await client.close();

        const ids = jobEvents.map((r) => (JSON.parse(r.value!.toString()) as { event_id: string }).event_id);
        const reasons = new Map<string, number>();
        for (const r of dlq) reasons.set(String(r.headers['dlq.reason']), (reasons.get(String(r.headers['dlq.reason'])) ?? 0) + 1);
        say('');
        say(`demo ${runId} summary`);
        say(`  produced        ${formatCount(count)} events in ${(producedMs / 1000).toFixed(1)} s: ${formatCount(result.validEventIds.length - result.avroCount)} JSON, ${formatCount(result.avroCount)} Avro, ${formatCount(result.malformed.length)} malformed; ${formatCount(expected)} error-bearing, ${formatCount(result.validEventIds.length - expected)} INFO lines filtered`);
        say(`  result topic    ${catalog.get('job-events').topic}: ${formatCount(ids.length)} events, ${formatCount(ids.length - new Set(ids).size)} duplicates`);
        say(`  MySQL           job_log_events: ${formatCount(mysqlRows)} rows`);
        say(`  ClickHouse      job_log_events: ${formatCount(clickhouseRows)} rows (${config.clickhouse.url ? 'server' : 'embedded chdb'})`);
        say(`  DLQ             ${catalog.get('job-logs').dlqTopic}: ${formatCount(dlq.length)} (${[...reasons].map(([k, v]) => `${k} ${v}`).join(', ')})`);
        const types = new Map<string, number>();
        const fingerprints = new Set<string>();
        for (const r of classified) {
          const v = JSON.parse(r.value!.toString()) as { error_type: string; fingerprint: string };
          types.set(v.error_type, (types.get(v.error_type) ?? 0) + 1);
          fingerprints.add(v.fingerprint);
        }
        say(`  classified      ${catalog.get('errors.classified').topic}: ${formatCount(classified.length)} errors, ${fingerprints.size} fingerprints (${[...types].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')})`);
        const completedRows = diagnosed.reduce((n, r) => n + (r.status === 'completed' ? Number(r.n) : 0), 0);
        const providers = diagnosed.filter((r) => r.status === 'completed').map((r) => `${r.provider} ${formatCount(Number(r.n))}`).join(', ');
        say(`  diagnosed       flink_job_exceptions: ${formatCount(completedRows)} of ${formatCount(classified.length)} completed (${providers || 'none'})`);
        const sample = (sampleRows as { error_type: string; suggested_fix: string }[])[0];
        if (sample) {
          const fix = JSON.parse(sample.suggested_fix) as { root_cause: string; suggested_fix: string; priority: string };
          say(`  e.g. ${sample.error_type} (${fix.priority}): ${fix.root_cause.slice(0, 160)}${fix.root_cause.length > 160 ? '…' : ''}`);
          say(`        fix: ${fix.suggested_fix.slice(0, 160)}${fix.suggested_fix.length > 160 ? '…' : ''}`);
        }
        say(`  analytics       ClickHouse diagnosis_facts: ${formatCount(factRows)} rows, ${facts.fingerprints} fingerprints (the web page at / of the pipeline's HTTP server)`);
        say(`  throughput      ${formatCount(Math.round((count / processedMs) * 1000))} events/s, first produced to last committed by ingest`);
        const ok = classified.length === errorEvents && completedRows === classified.length && ids.length === expected && new Set(ids).size === expected && mysqlRows === expected && clickhouseRows === expected && factRows === completedRows && dlq.length === result.malformed.length;
        say(ok ? "  result          OK: every error-bearing event once in each store, every malformed one in the DLQ, every error classified, diagnosed and counted in ClickHouse" : "  result          MISMATCH (see figures above)");
        if (!ok) process.exitCode = 1;
      } catch (err) {
        await pipeline.stop().catch(() => undefined);
        throw err;
      }
    });
}
