/**
 * End-to-end benchmark of the ingest path on the real local broker:
 *   producer ─► job-logs ─► `pipeline-doctor run --stages ingest` (separate process) ─► job-events,
 *   MySQL, ClickHouse (embedded) ─► a read_committed reader in this process.
 *
 * Two phases, each printing one comparable line:
 *   throughput  N events produced up front (backlog), then the pipeline drains them: events/s
 *               from "ready" to "group caught up", and the pipeline's peak RSS.
 *   latency     events produced at a steady rate; for each output record, reader arrival time
 *               minus the event's produce time: p50 / p99 / max.
 *
 *   npx tsx bench/pipeline-e2e.ts [--events 100000] [--rate 2000] [--seconds 20] [--client kafkajs|confluent]
 *                                 [--stages ingest|ingest,classify]
 */
import { parseArgs } from 'node:util';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createBroker } from '../src/adapters/kafka/create-broker.js';
import { ConfluentSchemaRegistry } from '../src/adapters/schema-registry/confluent-registry.js';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { PACKAGE_ROOT, TOPICS_DIR } from '../src/core/paths.js';
import { provisionTopics } from '../src/core/provision.js';
import { TopicCatalog } from '../src/core/topic-catalog.js';
import type { Broker, OutgoingRecord } from '../src/ports/broker.js';
import { generateJobLogEvents } from '../src/sample/job-log-generator.js';
import { consumerLag } from '../src/sample/consumer-lag.js';
import { produceWorkload } from '../src/sample/workload.js';
import { exitOf, spawnPipeline, uniqueSuffix, waitFor } from '../test/support/integration.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '20' },
    client: { type: 'string', default: 'kafkajs' },
    concurrency: { type: 'string', default: '3' },
    stages: { type: 'string', default: 'ingest' },
  },
});
const stageList = args.stages!.split(',').map((x) => x.trim());
const events = Number(args.events);

/** A free loopback port for the pipeline's HTTP server, so /readyz can be polled. */
const httpPort = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});
const suffix = uniqueSuffix();
const env = {
  PD_TOPIC_PREFIX: `bench-${suffix}.`,
  PD_INSTANCE_ID: `bench-${suffix}`,
  PD_CHDB_PATH: join(PACKAGE_ROOT, '.stack', `chdb-bench-${suffix}`),
  PD_STAGES: args.stages!,
  PD_PARTITION_CONCURRENCY: args.concurrency!,
  KAFKA_CLIENT: args.client!,
  PD_HTTP_PORT: String(httpPort),
};
const config = loadConfig({ ...process.env, ...env, KAFKA_CLIENT: 'kafkajs' });
const logger = createLogger('error');
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Peak resident set (VmHWM) of a process, in MiB. */
function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function lag(broker: Broker, groupId: string, topic: string, transactional: boolean): Promise<number> {
  const admin = broker.admin();
  await admin.connect();
  try {
    return await consumerLag(admin, groupId, topic, { transactional });
  } finally {
    await admin.disconnect();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const broker = await createBroker(config.kafka, logger);
  const catalog = TopicCatalog.load(TOPICS_DIR, config.topicPrefix);
  const admin = broker.admin();
  await admin.connect();
  await provisionTopics(admin, catalog);
  await admin.disconnect();
  const registry = new ConfluentSchemaRegistry(config.schemaRegistry);
  const input = catalog.get('job-logs').topic;

  // Phase 1: backlog drain.
  const t0 = Date.now();
  await produceWorkload(broker, registry, catalog, { count: events, runId: `b${suffix}`, seed: 3, malformedShare: 0.01, maxMessageBytes: config.ingest.maxMessageBytes });
  say(`produced ${events} events (half Avro, 1% malformed) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const child = spawnPipeline(env);
  let readyAt = 0;
  await waitFor('pipeline /readyz', async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    readyAt = Date.now();
    return res.ok;
  }, 120_000, 100);
  await waitFor('backlog drained by ingest', async () => (await lag(broker, `${config.topicPrefix}ingest`, input, false)) === 0, 900_000, 250);
  // With classify running too, the drain ends when it has also caught up on job-events.
  if (stageList.includes('classify')) {
    await waitFor('backlog drained by classify', async () => (await lag(broker, `${config.topicPrefix}classify`, catalog.get('job-events').topic, true)) === 0, 900_000, 250);
  }
  const drainS = (Date.now() - readyAt) / 1000;
  const rssAfterDrain = peakRssMiB(child.pid!);
  say(`throughput  stages=${args.stages} client=${args.client} concurrency=${args.concurrency} events=${events} drain=${drainS.toFixed(1)}s rate=${Math.round(events / drainS)} events/s peakRSS=${rssAfterDrain.toFixed(0)}MiB`);

  // Phase 2: steady rate, end-to-end latency at a read_committed reader.
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const latencies: number[] = [];
  const reader = broker.consumer({ groupId: `bench-reader-${suffix}`, sessionTimeoutMs: 10_000 });
  await reader.connect();
  // Latency is measured where the last stage writes: errors.classified when classify runs.
  const outputTopic = stageList.includes('classify') ? catalog.get('errors.classified').topic : catalog.get('job-events').topic;
  await reader.subscribe([outputTopic], false);
  const phaseStart = Date.now();
  await reader.run(async (batch) => {
    const now = Date.now();
    for (const r of batch.records) {
      const event = JSON.parse(r.value!.toString()) as { timestamp: string; attributes: { phase?: string } };
      if (event.attributes.phase === 'latency') latencies.push(now - Date.parse(event.timestamp));
    }
  });
  await new Promise((r) => setTimeout(r, 3000)); // reader joins its group before we produce
  const producer = broker.producer();
  await producer.connect();
  const total = rate * seconds;
  // Only error events reach errors.classified: every latency-phase event is one there.
  const errorOnly = stageList.includes('classify');
  const generator = generateJobLogEvents(total, { seed: 5, runId: `l${suffix}` });
  const tickMs = 20;
  let sent = 0;
  const started = Date.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate));
    const messages: OutgoingRecord[] = [];
    for (; sent < due; sent++) {
      const e = generator.next().value!;
      const errorFields = errorOnly ? { level: 'ERROR', message: 'Task failed', stack_trace: 'java.lang.OutOfMemoryError: Java heap space\n\tat java.util.Arrays.copyOf(Arrays.java:3236)' } : {};
      messages.push({ key: e.job_id, value: JSON.stringify({ ...e, ...errorFields, timestamp: new Date().toISOString(), attributes: { ...e.attributes, phase: 'latency' } }) });
    }
    if (messages.length) await producer.send([{ topic: input, messages }]);
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await producer.disconnect();
  await waitFor('latency phase outputs', async () => latencies.length >= total, 120_000, 200).catch(() => undefined);
  await reader.disconnect();
  const sorted = [...latencies].sort((a, b) => a - b);
  const rss = peakRssMiB(child.pid!);
  say(`latency     stages=${args.stages} client=${args.client} rate=${rate}/s for ${seconds}s received=${latencies.length}/${total} p50=${percentile(sorted, 50)}ms p99=${percentile(sorted, 99)}ms max=${sorted.at(-1)}ms peakRSS=${rss.toFixed(0)}MiB`);
  say(JSON.stringify({ bench: 'pipeline-e2e', stages: args.stages, client: args.client, concurrency: Number(args.concurrency), events, drainSeconds: drainS, eventsPerSecond: Math.round(events / drainS), rate, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1), peakRssMiB: Math.round(rss), phaseSeconds: (Date.now() - phaseStart) / 1000 }));

  // Split the RSS: what V8 holds (our code, kafkajs buffers) versus native memory (chdb engine).
  const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN) / 2 ** 20;
  say(`memory      rss=${metric('pd_process_resident_memory_bytes').toFixed(0)}MiB heapUsed=${metric('pd_nodejs_heap_size_used_bytes').toFixed(0)}MiB heapTotal=${metric('pd_nodejs_heap_size_total_bytes').toFixed(0)}MiB external=${metric('pd_nodejs_external_memory_bytes').toFixed(0)}MiB (the rest is native: the embedded ClickHouse engine)`);

  child.kill('SIGTERM');
  const exit = await exitOf(child);
  if (exit.code !== 0) say(`pipeline exited with ${exit.code}:\n${child.output.join('').slice(-2000)}`);
  rmSync(env.PD_CHDB_PATH, { recursive: true, force: true });
  const cleanup = broker.admin();
  await cleanup.connect();
  await cleanup.deleteTopics(catalog.managedTopics().map((t) => t.topic)).catch(() => undefined);
  await cleanup.disconnect();
}

await main();
process.exit(0);
