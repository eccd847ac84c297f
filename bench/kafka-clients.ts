/**
 * Raw Kafka client benchmark through the broker port: kafkajs vs @confluentinc/kafka-javascript
 * (librdkafka) on the real broker (KAFKA_BROKERS, default 127.0.0.1:9092), no pipeline stages.
 *
 * Per client, on a fresh topic (--partitions, RF 1):
 *   produce  N job-log JSON events (src/sample/job-log-generator.ts output, keyed by job id like
 *            src/sample/workload.ts) in batches of --batch, each send awaited (acks=-1, idempotent)
 *   consume  the N events with a new consumer group (read_committed), committing after every batch
 * and reports produce events/s (first send to last ack), consume events/s (connect, group join and
 * fetches to the last commit; the time to the first batch is shown too), CPU time of the process
 * in each phase and the process RSS peak (getrusage maxrss, so native librdkafka
 * memory counts too). `--client both` runs each client in its own child process so RSS and
 * loaded libraries do not mix, then prints the lines again side by side.
 *
 *   npx tsx bench/kafka-clients.ts --client kafkajs|confluent|both [--events 100000]
 *       [--batch 500] [--partitions 3]
 *
 * Output: one summary line per client and one JSON line (prefix `BENCH `) for scripts.
 * --client confluent needs scripts/install-confluent-kafka.sh first.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBroker } from '../src/adapters/kafka/create-broker.js';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import type { Broker, OutgoingRecord } from '../src/ports/broker.js';
import { generateJobLogEvents } from '../src/sample/job-log-generator.js';

type Client = 'kafkajs' | 'confluent';

interface Result {
  bench: 'kafka-clients';
  client: Client;
  library: string;
  events: number;
  partitions: number;
  batch: number;
  avgValueBytes: number;
  produce: { seconds: number; eventsPerSec: number; mbPerSec: number; cpuSeconds: number };
  consume: { firstBatchSeconds: number; seconds: number; eventsPerSec: number; batches: number; avgBatch: number; cpuSeconds: number };
  /** RSS once the payloads are built, before any client connects. */
  rssBeforeMb: number;
  rssPeakMb: number;
}

const { values: args } = parseArgs({
  options: {
    client: { type: 'string', default: 'both' },
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '500' },
    partitions: { type: 'string', default: '3' },
  },
});
const events = Number(args.events);
const batchSize = Number(args.batch);
const partitions = Number(args.partitions);
if (!['kafkajs', 'confluent', 'both'].includes(args.client)) throw new Error(`--client must be kafkajs, confluent or both, not ${args.client}`);
for (const [name, value] of Object.entries({ events, batch: batchSize, partitions })) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

function summary(r: Result): string {
  return [
    `${r.client.padEnd(9)}`,
    `produce ${fmt(r.produce.eventsPerSec).padStart(7)} ev/s (${r.produce.mbPerSec.toFixed(1)} MB/s, ${r.produce.seconds.toFixed(2)} s, cpu ${r.produce.cpuSeconds.toFixed(1)} s)`,
    `consume ${fmt(r.consume.eventsPerSec).padStart(7)} ev/s (${r.consume.seconds.toFixed(2)} s, ${r.consume.batches} batches of ~${fmt(r.consume.avgBatch)}, 1st batch after ${r.consume.firstBatchSeconds.toFixed(1)} s, cpu ${r.consume.cpuSeconds.toFixed(1)} s)`,
    `RSS peak ${fmt(r.rssPeakMb)} MB (${fmt(r.rssBeforeMb)} MB before connecting)`,
    `[${fmt(r.events)} events of ~${fmt(r.avgValueBytes)} B, ${r.partitions} partitions, batch ${r.batch}]`,
  ].join('  ');
}

async function runOne(client: Client): Promise<Result> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'bench-kafka-clients');
  const config = loadConfig();
  const broker: Broker = await createBroker({ ...config.kafka, client, clientId: `pd-bench-${client}` }, logger);
  const topic = `pd-bench-clients-${client}-${randomUUID().slice(0, 8)}`;
  const groupId = `${topic}-group`;

  // Payloads are built before timing starts.
  const batches: OutgoingRecord[][] = [];
  let bytes = 0;
  let current: OutgoingRecord[] = [];
  for (const event of generateJobLogEvents(events, { seed: 42, runId: 'bench' })) {
    const value = Buffer.from(JSON.stringify(event));
    bytes += value.length;
    current.push({ key: event.job_id, value });
    if (current.length === batchSize) {
      batches.push(current);
      current = [];
    }
  }
  if (current.length > 0) batches.push(current);
  const rssBeforeMb = process.memoryUsage.rss() / 2 ** 20;

  const admin = broker.admin();
  await admin.connect();
  await admin.createTopics([{ topic, partitions, replicationFactor: 1, configs: {} }]);
  try {
    // ---- produce
    const producer = broker.producer();
    await producer.connect();
    let cpu = process.cpuUsage();
    let t0 = performance.now();
    for (const messages of batches) await producer.send([{ topic, messages }]);
    const produceSeconds = (performance.now() - t0) / 1000;
    const produceCpu = cpuSeconds(cpu);
    await producer.disconnect();
    batches.length = 0;
    const end = (await admin.topicEndOffsets(topic)).reduce((sum, p) => sum + Number(p.offset), 0);
    if (end !== events) throw new Error(`${client}: topic holds ${end} records, expected ${events}`);

    // ---- consume, committing every batch
    const consumer = broker.consumer({ groupId, sessionTimeoutMs: config.kafka.sessionTimeoutMs });
    let consumed = 0;
    let batchCount = 0;
    let firstBatchAt = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    cpu = process.cpuUsage();
    t0 = performance.now();
    await consumer.connect();
    await consumer.subscribe([topic], true);
    await consumer.run(async (batch) => {
      if (batch.records.length === 0) return;
      if (firstBatchAt === 0) firstBatchAt = performance.now();
      const last = batch.records[batch.records.length - 1]!;
      await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }]);
      consumed += batch.records.length;
      batchCount += 1;
      if (consumed >= events) finish();
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${client}: consumed ${consumed}/${events} within 10 minutes`)), 600_000);
    });
    await Promise.race([finished, timeout]);
    clearTimeout(timer);
    const consumeSeconds = (performance.now() - t0) / 1000;
    const consumeCpu = cpuSeconds(cpu);
    await consumer.disconnect();
    const committed = (await admin.groupOffsets(groupId, topic)).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    if (committed !== events) throw new Error(`${client}: group committed ${committed} offsets, expected ${events}`);

    return {
      bench: 'kafka-clients',
      client,
      library: broker.library,
      events,
      partitions,
      batch: batchSize,
      avgValueBytes: bytes / events,
      produce: { seconds: produceSeconds, eventsPerSec: events / produceSeconds, mbPerSec: bytes / produceSeconds / 1e6, cpuSeconds: produceCpu },
      consume: {
        firstBatchSeconds: (firstBatchAt - t0) / 1000,
        seconds: consumeSeconds,
        eventsPerSec: events / consumeSeconds,
        batches: batchCount,
        avgBatch: consumed / batchCount,
        cpuSeconds: consumeCpu,
      },
      // Linux reports ru_maxrss in kilobytes.
      rssBeforeMb,
      rssPeakMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Runs one client in a child process (same node flags, so tsx applies) and returns its JSON line. */
function runChild(client: Client): Promise<Result> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, script, '--client', client, '--events', String(events), '--batch', String(batchSize), '--partitions', String(partitions)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let result: Result | undefined;
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    process.stdout.write(chunk);
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.startsWith('BENCH ')) result = JSON.parse(line.slice(6)) as Result;
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`bench for ${client} failed (exit ${code ?? signal})`));
    });
  });
}

async function main(): Promise<void> {
  if (args.client !== 'both') {
    const result = await runOne(args.client as Client);
    console.log(summary(result));
    console.log(`BENCH ${JSON.stringify(result)}`);
    return;
  }
  const results: Result[] = [];
  for (const client of ['kafkajs', 'confluent'] as const) results.push(await runChild(client));
  console.log('\nsummary');
  for (const r of results) console.log(summary(r));
  const [a, b] = results as [Result, Result];
  console.log(
    `confluent/kafkajs: produce ×${(b.produce.eventsPerSec / a.produce.eventsPerSec).toFixed(2)}, consume ×${(b.consume.eventsPerSec / a.consume.eventsPerSec).toFixed(2)}, RSS peak ×${(b.rssPeakMb / a.rssPeakMb).toFixed(2)}`,
  );
}

main().then(
  // librdkafka threads or kafkajs timers must not keep a finished bench alive.
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
