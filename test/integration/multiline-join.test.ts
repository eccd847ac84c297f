import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import type { TopicCatalog } from '../../src/core/topic-catalog.js';
import type { Broker } from '../../src/ports/broker.js';
import { readTopic } from '../../src/sample/topic-reader.js';
import type { ClassifiedError } from '../../src/stages/classify/classify-stage.js';
import { committedRecords, exitOf, provisionTestTopics, quietLogger, spawnPipeline, testConfig, uniqueSuffix, waitFor } from '../support/integration.js';

/**
 * A producer that sends one log line per message (as Flink's Kafka log appender does): a
 * 40-line Flink trace, interleaved with another job's trace and INFO chatter, must come out of
 * ingest → classify as one event, classified by its root cause at the bottom of the chain —
 * also when the pipeline is SIGKILLed while the first half of the trace is pending in the join.
 */
const suffix = uniqueSuffix();
const chdbPath = join(PACKAGE_ROOT, '.stack', `chdb-join-${suffix}`);
const env = {
  PD_TOPIC_PREFIX: `it-join-${suffix}.`,
  PD_INSTANCE_ID: `it-join-${suffix}`,
  PD_CHDB_PATH: chdbPath,
  PD_KAFKA_SESSION_TIMEOUT_MS: '6000',
  PD_STAGES: 'ingest,classify',
  // Long enough that the half-trace is still pending when the process is killed.
  PD_JOIN_WINDOW_MS: '15000',
};
const config = testConfig(env);
const TRACE_A = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'multiline', 'kafka-timeout-trace.txt'), 'utf8').trimEnd().split('\n');
const TRACE_B = [
  'Failed to deserialize consumer record from topic payments partition 2 offset 8812',
  'java.io.IOException: Failed to deserialize consumer record due to',
  '\tat org.apache.flink.connector.kafka.source.reader.KafkaRecordEmitter.emitRecord(KafkaRecordEmitter.java:56)',
  'Caused by: org.apache.avro.AvroRuntimeException: Malformed data. Length is negative: -62',
  '\tat org.apache.avro.io.BinaryDecoder.readString(BinaryDecoder.java:308)',
  '\t... 25 more',
];
const JOB_A: { job_id: string; host: string; task: string | null; thread: string } = { job_id: `orders-${suffix}`, host: 'jm-1.flink.internal', task: null, thread: 'flink-akka.actor.default-dispatcher-18' };
const JOB_B = { job_id: `payments-${suffix}`, host: 'tm-2.flink.internal', task: 'Source: payments (2/4)', thread: 'Source: payments (2/4)#0' };

interface Line {
  key: string;
  value: string;
}

/** A's 40 lines, each followed by one of B's (its trace, then INFO chatter). */
function interleavedLines(): Line[] {
  const t0 = Date.now();
  const lines: Line[] = [];
  const line = (job: typeof JOB_A, id: string, level: string, message: string, at: number) =>
    lines.push({ key: job.job_id, value: JSON.stringify({ event_id: id, ...job, level, timestamp: new Date(at).toISOString(), message }) });
  TRACE_A.forEach((message, i) => {
    line(JOB_A, `a-${suffix}-${i}`, i === 0 ? 'INFO' : 'ERROR', message, t0 + i);
    const b = TRACE_B[i] ?? `Completed checkpoint ${1000 + i} for job ${JOB_B.job_id} (2311 bytes, checkpointDuration=41 ms).`;
    line(JOB_B, `b-${suffix}-${i}`, i < TRACE_B.length ? 'ERROR' : 'INFO', b, t0 + i);
  });
  return lines;
}

describe('ingest: one-line-per-message traces are joined', () => {
  let broker: Broker;
  let catalog: TopicCatalog;

  beforeAll(async () => {
    broker = await createBroker(config.kafka, quietLogger);
    catalog = await provisionTestTopics(broker, config.topicPrefix);
  });

  afterAll(() => rmSync(chdbPath, { recursive: true, force: true }));

  /** Progress as the ingest group's committed offsets: cheap, exact, and what a restart resumes from. */
  const committedInput = () => committedRecords(broker, `${config.topicPrefix}ingest`, catalog.get('job-logs').topic);

  it('assembles a 40-line trace split over messages, across a SIGKILL, and classifies it by its root cause', async () => {
    const lines = interleavedLines();
    const producer = broker.producer();
    await producer.connect();
    const send = (part: Line[]) => producer.send([{ topic: catalog.get('job-logs').topic, messages: part }]);

    // First half, then kill the pipeline once it has committed it (the half-trace is pending).
    let child = spawnPipeline(env);
    const half = lines.slice(0, 40);
    await send(half);
    await waitFor('first half committed by ingest', async () => (await committedInput()) >= half.length, 120_000, 100);
    child.kill('SIGKILL');
    expect((await exitOf(child)).signal).toBe('SIGKILL');

    // The rest, then a restart that must restore the pending trace from the changelog.
    await send(lines.slice(40));
    // A's next log line closes its trace at once; B's trace was closed by its chatter.
    await send([{ key: JOB_A.job_id, value: JSON.stringify({ ...JOB_A, level: 'INFO', timestamp: new Date().toISOString(), message: 'Job orders switched from state FAILING to FAILED.' }) }]);
    await producer.disconnect();
    child = spawnPipeline(env);

    const classified = await readTopic(broker, catalog.get('errors.classified').topic, {
      timeoutMs: 120_000,
      filter: (r) => r.value?.includes(suffix) ?? false,
      done: (records) => records.some((r) => r.value!.includes(`a-${suffix}-0"`)) && records.some((r) => r.value!.includes(`b-${suffix}-0"`)),
    });
    const events = await readTopic(broker, catalog.get('job-events').topic, {
      timeoutMs: 30_000,
      filter: (r) => r.value?.includes(suffix) ?? false,
      done: (records) => records.some((r) => r.value!.includes(`a-${suffix}-0"`)) && records.some((r) => r.value!.includes(`b-${suffix}-0"`)),
    });
    child.kill('SIGTERM');
    expect((await exitOf(child)).code, child.output.join('')).toBe(0);

    const byId = new Map(classified.map((r) => [(JSON.parse(r.value!.toString()) as ClassifiedError).event_id, JSON.parse(r.value!.toString()) as ClassifiedError]));
    const a = byId.get(`a-${suffix}-0`);
    expect(a, 'job A trace not classified').toBeDefined();
    expect(a!.message).toBe(TRACE_A[0]);
    expect(a!.stack_trace).toBe(TRACE_A.slice(1).join('\n'));
    expect(a!.attributes.joined_lines).toBe('40');
    expect(a!.error_type).toBe('network');
    expect(a!.root_cause).toContain('org.apache.kafka.common.errors.TimeoutException');

    const b = byId.get(`b-${suffix}-0`);
    expect(b, 'job B trace not classified').toBeDefined();
    expect(b!.stack_trace).toBe(TRACE_B.slice(1).join('\n'));
    expect(b!.error_type).toBe('deserialization_error');

    // Each trace once; no line of either trace as an event of its own; INFO chatter filtered.
    const ids = events.map((r) => (JSON.parse(r.value!.toString()) as { event_id?: string; message: string }));
    expect(ids.filter((e) => e.event_id === `a-${suffix}-0`)).toHaveLength(1);
    expect(ids.filter((e) => e.event_id === `b-${suffix}-0`)).toHaveLength(1);
    expect(ids.filter((e) => /^(\tat |Caused by:|\t\.\.\.)/.test(e.message))).toEqual([]);
    expect(ids.filter((e) => e.message.startsWith('Completed checkpoint'))).toEqual([]);
    expect(classified.filter((r) => r.value!.includes(`"a-${suffix}-0"`))).toHaveLength(1);
  }, 300_000);
});
