import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMAS_DIR } from '../core/paths.js';
import type { TopicCatalog } from '../core/topic-catalog.js';
import type { Broker, OutgoingRecord } from '../ports/broker.js';
import type { SchemaRegistryPort } from '../ports/schema-registry.js';
import { MALFORMED_KINDS, generateJobLogEvents, malformedValue, type MalformedKind } from './job-log-generator.js';
import { isErrorBearing } from '../stages/ingest/error-bearing.js';
import { normaliseLevel } from '../stages/ingest/normalise.js';

export interface WorkloadOptions {
  count: number;
  /** Share of records that are malformed (default 0.01), spread over the four kinds. */
  malformedShare?: number;
  /** Share of valid records sent as registry-framed Avro (default 0.5). */
  avroShare?: number;
  seed?: number;
  runId: string;
  maxMessageBytes: number;
  /** Paces production to about this many records per second (default: as fast as possible). */
  ratePerSecond?: number;
  /** Called after each produced chunk, for a progress line. */
  onProgress?: (produced: number) => void;
}

export interface WorkloadResult {
  validEventIds: string[];
  /** The valid events ingest passes on (error-bearing); the rest it counts and drops. */
  errorBearingEventIds: string[];
  malformed: { key: string; kind: MalformedKind }[];
  avroCount: number;
}

/**
 * Produces a mixed job-logs workload (plain JSON, registry-framed Avro, and malformed values)
 * and returns what a correct pipeline must make of it.
 */
export async function produceWorkload(broker: Broker, registry: SchemaRegistryPort, catalog: TopicCatalog, options: WorkloadOptions): Promise<WorkloadResult> {
  const topic = catalog.get('job-logs').topic;
  const schemaId = await registry.register(`${topic}-value`, 'AVRO', readFileSync(join(SCHEMAS_DIR, 'job-log-event.avsc'), 'utf8'));
  const malformedEvery = Math.max(1, Math.round(1 / (options.malformedShare ?? 0.01)));
  const avroShare = options.avroShare ?? 0.5;
  const producer = broker.producer();
  await producer.connect();
  const result: WorkloadResult = { validEventIds: [], errorBearingEventIds: [], malformed: [], avroCount: 0 };
  let chunk: OutgoingRecord[] = [];
  let produced = 0;
  const started = Date.now();
  const flush = async () => {
    if (chunk.length === 0) return;
    await producer.send([{ topic, messages: chunk }]);
    produced += chunk.length;
    chunk = [];
    options.onProgress?.(produced);
    if (options.ratePerSecond) {
      const aheadMs = (produced / options.ratePerSecond) * 1000 - (Date.now() - started);
      if (aheadMs > 0) await new Promise((r) => setTimeout(r, aheadMs));
    }
  };
  try {
    let i = 0;
    for (const event of generateJobLogEvents(options.count, { seed: options.seed, runId: options.runId })) {
      if (i % malformedEvery === malformedEvery - 1) {
        const kind = MALFORMED_KINDS[result.malformed.length % MALFORMED_KINDS.length]!;
        const key = `${options.runId}-bad-${i}`;
        // A record batch must fit the topic's max.message.bytes: send a big value on its own.
        if (kind === 'oversized') await flush();
        chunk.push({ key, value: malformedValue(kind, i, options.maxMessageBytes), headers: { 'test.expect': kind } });
        result.malformed.push({ key, kind });
        if (kind === 'oversized') await flush();
      } else {
        // Spread by position: exactly `avroShare` of the valid records are Avro.
        const asAvro = Math.floor((i + 1) * avroShare) > Math.floor(i * avroShare);
        const value = asAvro
          ? await registry.encode(schemaId, { ...event, timestamp: Date.parse(String(event.timestamp)), attributes: event.attributes ?? {} })
          : Buffer.from(JSON.stringify(event));
        if (asAvro) result.avroCount++;
        chunk.push({ key: event.job_id, value });
        result.validEventIds.push(event.event_id);
        if (isErrorBearing({ level: normaliseLevel(event.level).level, message: event.message ?? '', stack_trace: event.stack_trace ?? null })) result.errorBearingEventIds.push(event.event_id);
      }
      i++;
      if (chunk.length >= (options.ratePerSecond ? Math.max(1, Math.ceil(options.ratePerSecond / 20)) : 500)) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return result;
}
