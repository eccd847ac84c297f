import { randomBytes } from 'node:crypto';
import { mulberry32 } from './prng.js';
import type { JobLogEvent } from '../stages/ingest/normalise.js';

/**
 * Realistic Flink job logs for the demo, tests and benchmarks: INFO/WARN chatter plus errors with
 * Java stack traces of the kinds the classifier handles. Deterministic for a given seed.
 */

const JOBS = [
  { id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', name: 'orders-enrichment', type: 'streaming' },
  { id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0', name: 'payments-fraud-scoring', type: 'streaming' },
  { id: '5c6d7e8f90a1b2c3d4e5f60718293a4b', name: 'clickstream-sessionizer', type: 'streaming' },
  { id: '9a8b7c6d5e4f30211203f4e5d6c7b8a9', name: 'daily-inventory-compaction', type: 'batch' },
  { id: 'deadbeefcafebabe0123456789abcdef', name: "ads'); DROP TABLE job_log_events;--", type: 'streaming' },
];

const INFO_LINES = [
  'Completed checkpoint {n} for job {job} ({bytes} bytes, checkpointDuration={ms} ms, finalizationTime=0 ms).',
  'Triggering checkpoint {n} (type=CheckpointType{name=\'Checkpoint\'}) @ {ts} for job {job}.',
  'Source: kafka-orders (1/4) switched from INITIALIZING to RUNNING.',
  'Received resource requirements from job {job}: [ResourceRequirement{resourceProfile=ResourceProfile{UNKNOWN}, numberOfRequiredSlots=4}]',
];

const WARN_LINES = [
  'Failed to trigger checkpoint for job {job} since Checkpoint triggering task Source: kafka-orders (1/4) is not being executed at the moment.',
  'Backpressure is high: ratio 0.93 on task Window(TumblingEventTimeWindows(60000)) ({sub}/4).',
  'Could not fetch metadata for topic orders-v2 from broker kafka-{sub}.internal:9092, retrying.',
];

const ERRORS: { message: string; stack: string }[] = [
  {
    message: 'Checkpoint {n} of job {job} expired before completing.',
    stack: [
      'org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing.',
      '\tat org.apache.flink.runtime.checkpoint.CheckpointCoordinator$CheckpointCanceller.run(CheckpointCoordinator.java:2250)',
      '\tat java.util.concurrent.Executors$RunnableAdapter.call(Executors.java:511)',
      '\tat java.util.concurrent.FutureTask.run(FutureTask.java:266)',
    ].join('\n'),
  },
  {
    message: 'Job {job} failed: java.lang.OutOfMemoryError: Java heap space',
    stack: [
      'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy',
      '\tat org.apache.flink.runtime.executiongraph.failover.flip1.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:138)',
      'Caused by: java.lang.OutOfMemoryError: Java heap space',
      '\tat java.util.Arrays.copyOf(Arrays.java:3236)',
      '\tat org.apache.flink.runtime.state.heap.CopyOnWriteStateMap.put(CopyOnWriteStateMap.java:318)',
      '\t... 12 more',
    ].join('\n'),
  },
  {
    message: 'Failed to deserialize consumer record from topic orders-v2 partition {sub} offset {n}',
    stack: [
      'java.io.IOException: Failed to deserialize consumer record due to',
      '\tat org.apache.flink.connector.kafka.source.reader.KafkaRecordEmitter.emitRecord(KafkaRecordEmitter.java:56)',
      'Caused by: org.apache.avro.AvroRuntimeException: Malformed data. Length is negative: -62',
      '\tat org.apache.avro.io.BinaryDecoder.readString(BinaryDecoder.java:308)',
      '\t... 25 more',
    ].join('\n'),
  },
  {
    message: 'Connection to kafka-{sub}.internal:9092 failed',
    stack: [
      'org.apache.flink.runtime.io.network.netty.exception.RemoteTransportException: Connection unexpectedly closed by remote task manager \'tm-{sub}.flink.internal/10.0.3.{sub}:41023\'. This might indicate that the remote task manager was lost.',
      '\tat org.apache.flink.runtime.io.network.netty.CreditBasedPartitionRequestClientHandler.channelInactive(CreditBasedPartitionRequestClientHandler.java:134)',
      '\tat org.apache.flink.shaded.netty4.io.netty.channel.AbstractChannelHandlerContext.invokeChannelInactive(AbstractChannelHandlerContext.java:262)',
    ].join('\n'),
  },
  {
    message: 'Task did not exit gracefully within 180 + seconds; buffer pool exhausted under backpressure.',
    stack: [
      'org.apache.flink.util.FlinkRuntimeException: Buffer pool is destroyed.',
      '\tat org.apache.flink.runtime.io.network.buffer.LocalBufferPool.requestMemorySegmentBlocking(LocalBufferPool.java:352)',
      '\tat org.apache.flink.runtime.io.network.api.writer.RecordWriter.emit(RecordWriter.java:107)',
    ].join('\n'),
  },
];

/** Small deterministic PRNG (mulberry32) so a seed reproduces a run. */
const rng = mulberry32;

export interface GeneratedEvent {
  event: JobLogEvent & { event_id: string };
}

export function* generateJobLogEvents(count: number, options: { seed?: number; runId?: string; errorShare?: number; startMs?: number } = {}): Generator<JobLogEvent & { event_id: string }> {
  const random = rng(options.seed ?? 42);
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const errorShare = options.errorShare ?? 0.3;
  const start = options.startMs ?? Date.now() - count;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  for (let i = 0; i < count; i++) {
    const job = pick(JOBS);
    const sub = String(1 + Math.floor(random() * 4));
    const fill = (s: string) =>
      s.replaceAll('{n}', String(1000 + i)).replaceAll('{job}', job.id).replaceAll('{sub}', sub)
        .replaceAll('{bytes}', String(Math.floor(random() * 1e7))).replaceAll('{ms}', String(Math.floor(random() * 900)))
        .replaceAll('{ts}', String(start + i));
    const roll = random();
    const isError = roll < errorShare;
    const isWarn = !isError && roll < errorShare + 0.15;
    const error = isError ? pick(ERRORS) : undefined;
    yield {
      event_id: `${runId}-${i}`,
      job_id: job.id,
      job_name: job.name,
      job_type: job.type,
      cluster: 'flink-prod-eu',
      env: 'prod',
      host: `tm-${sub}.flink.internal`,
      task: `Window(TumblingEventTimeWindows) (${sub}/4)`,
      thread: `Flink Task Thread ${sub}`,
      level: isError ? 'ERROR' : isWarn ? 'WARN' : 'INFO',
      timestamp: new Date(start + i).toISOString(),
      message: fill(error ? error.message : pick(isWarn ? WARN_LINES : INFO_LINES)),
      stack_trace: error ? fill(error.stack) : null,
      attributes: { run_id: runId, seq: String(i) },
    };
  }
}

/** The malformed inputs the DLQ must catch, one per kind. */
export const MALFORMED_KINDS = ['malformed_json', 'unknown_schema_id', 'invalid_utf8', 'oversized'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export function malformedValue(kind: MalformedKind, index: number, maxMessageBytes: number): Buffer {
  switch (kind) {
    case 'malformed_json':
      return Buffer.from(`{"job_id":"job-${index}","message":"truncated`);
    case 'unknown_schema_id': {
      // Magic byte + a schema id the registry has never issued + junk.
      const buf = Buffer.alloc(20, 7);
      buf.writeUInt8(0, 0);
      buf.writeUInt32BE(2_000_000_000 + index, 1);
      return buf;
    }
    case 'invalid_utf8':
      return Buffer.concat([Buffer.from(`{"job_id":"job-${index}","message":"bad `), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]);
    case 'oversized':
      return Buffer.from(JSON.stringify({ job_id: `job-${index}`, level: 'ERROR', message: 'x'.repeat(maxMessageBytes + 1024) }));
  }
}
