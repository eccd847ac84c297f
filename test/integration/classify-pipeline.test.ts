import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { createMysqlPool } from '../../src/adapters/mysql/mysql.js';
import { ConfluentSchemaRegistry } from '../../src/adapters/schema-registry/confluent-registry.js';
import { PACKAGE_ROOT, TOPICS_DIR } from '../../src/core/paths.js';
import { TopicCatalog } from '../../src/core/topic-catalog.js';
import { startPipeline, type RunningPipeline } from '../../src/pipeline.js';
import { generateJobLogEvents } from '../../src/sample/job-log-generator.js';
import { readTopic } from '../../src/sample/topic-reader.js';
import { produceWorkload } from '../../src/sample/workload.js';
import type { ClassifiedError } from '../../src/stages/classify/classify-stage.js';
import { quietLogger, testConfig, uniqueSuffix, waitFor } from '../support/integration.js';

describe('ingest → classify on the local stack', () => {
  const suffix = uniqueSuffix();
  const chdbPath = join(PACKAGE_ROOT, '.stack', `chdb-itcl-${suffix}`);
  const config = testConfig({ PD_TOPIC_PREFIX: `itcl-${suffix}.`, PD_CHDB_PATH: chdbPath, PD_HTTP_PORT: '0', PD_STAGES: 'ingest,classify,exceptions', PD_INSTANCE_ID: `itcl-${suffix}` });
  let pipeline: RunningPipeline;
  beforeAll(async () => {
    pipeline = await startPipeline(config, quietLogger);
  });
  afterAll(async () => {
    await pipeline.stop();
    rmSync(chdbPath, { recursive: true, force: true });
  });

  it('publishes every error, typed and fingerprinted, and no INFO line', async () => {
    const runId = `cl${suffix}`;
    const count = 1000;
    const broker = await createBroker(config.kafka, quietLogger);
    const catalog = TopicCatalog.load(TOPICS_DIR, config.topicPrefix);
    const workload = await produceWorkload(broker, new ConfluentSchemaRegistry(config.schemaRegistry), catalog, { count, runId, seed: 21, malformedShare: 0.01, maxMessageBytes: config.ingest.maxMessageBytes });
    // What the generator made, minus the positions the workload replaced with malformed values.
    const valid = new Set(workload.validEventIds);
    const sent = new Map([...generateJobLogEvents(count, { seed: 21, runId })].filter((e) => valid.has(e.event_id)).map((e) => [e.event_id, e]));
    const errorIds = [...sent.values()].filter((e) => e.level === 'ERROR').map((e) => e.event_id);

    const classified = await readTopic(broker, catalog.get('errors.classified').topic, {
      timeoutMs: 120_000,
      filter: (r) => r.value?.includes(runId) ?? false,
      done: (records) => errorIds.every((id) => records.some((r) => r.headers['pd.event_id']?.toString() === id)),
    });
    const byId = new Map(classified.map((r) => [r.headers['pd.event_id']!.toString(), { key: r.key?.toString(), value: JSON.parse(r.value!.toString()) as ClassifiedError }]));
    const expected: Record<string, string> = {
      'expired before completing': 'checkpoint_failure',
      'Java heap space': 'oom',
      'Failed to deserialize consumer record': 'deserialization_error',
      'Connection to kafka': 'network',
      'Task did not exit gracefully': 'backpressure',
    };
    for (const id of errorIds) {
      const got = byId.get(id);
      expect(got, `error event ${id} was not classified`).toBeDefined();
      if (!got) continue;
      const pattern = Object.keys(expected).find((p) => String(sent.get(id)!.message).includes(p));
      expect(got.value.error_type, String(sent.get(id)!.message)).toBe(expected[pattern!]);
      expect(got.key).toBe(got.value.fingerprint);
      expect(got.value.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    }
    for (const { value } of byId.values()) expect(sent.get(value.event_id)?.level).not.toBe('INFO');
    // One failure, one fingerprint: the checkpoint timeouts of different checkpoints/jobs agree.
    const ckpt = new Set([...byId.values()].filter((v) => v.value.subtype === 'checkpoint_timeout').map((v) => v.value.fingerprint));
    expect(ckpt.size).toBe(1);

    // Every classified error becomes one pending row of flink_job_exceptions (the diagnosis queue).
    const pool = createMysqlPool(config.mysql.url, 1);
    try {
      const ids = [...byId.keys()];
      const rows = await waitFor('classified errors in flink_job_exceptions', async () => {
        const [found] = await pool.query('SELECT event_id, status, error_type, fingerprint FROM flink_job_exceptions WHERE event_id IN (?)', [ids]);
        const list = found as { event_id: string; status: string; error_type: string; fingerprint: string }[];
        return list.length === ids.length ? list : undefined;
      }, 60_000);
      for (const row of rows) {
        expect(row.status).toBe('pending');
        expect(row.error_type).toBe(byId.get(row.event_id)!.value.error_type);
        expect(row.fingerprint).toBe(byId.get(row.event_id)!.value.fingerprint);
      }
    } finally {
      await pool.end();
    }
  }, 240_000);
});
