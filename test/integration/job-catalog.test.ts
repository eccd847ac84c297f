import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { createMysqlPool, migrateMysql } from '../../src/adapters/mysql/mysql.js';
import { PACKAGE_ROOT, TOPICS_DIR } from '../../src/core/paths.js';
import { TopicCatalog } from '../../src/core/topic-catalog.js';
import { startPipeline, type RunningPipeline } from '../../src/pipeline.js';
import { readTopic } from '../../src/sample/topic-reader.js';
import type { JobEvent } from '../../src/stages/ingest/normalise.js';
import { quietLogger, testConfig, uniqueSuffix, waitFor } from '../support/integration.js';

/**
 * Real Debezium CDC of the job registry (MariaDB → Kafka Connect) through the catalog stage into
 * the compacted job-catalog topic, and the enrichment of log events at ingest.
 */
describe('job catalog from real Debezium CDC', () => {
  const suffix = uniqueSuffix();
  const chdbPath = join(PACKAGE_ROOT, '.stack', `chdb-itjc-${suffix}`);
  const config = testConfig({ PD_TOPIC_PREFIX: `itjc-${suffix}.`, PD_CHDB_PATH: chdbPath, PD_HTTP_PORT: '0', PD_STAGES: 'catalog,ingest', PD_INSTANCE_ID: `itjc-${suffix}` });
  const pool = createMysqlPool(config.mysql.url, 2);
  const catalog = TopicCatalog.load(TOPICS_DIR, config.topicPrefix);
  const jobA = `itjc-${suffix}-a`;
  const jobB = `itjc-${suffix}-b`;
  let pipeline: RunningPipeline | undefined;
  afterAll(async () => {
    await pipeline?.stop();
    await pool.query('DELETE FROM flink_jobs WHERE job_id IN (?, ?)', [jobA, jobB]);
    await pool.end();
    rmSync(chdbPath, { recursive: true, force: true });
  });

  /** Produces one log line for `jobId` and returns its normalised event from job-events. */
  async function ingestOne(jobId: string): Promise<JobEvent> {
    const broker = await createBroker(config.kafka, quietLogger);
    const marker = randomUUID();
    const producer = broker.producer();
    await producer.connect();
    await producer.send([{ topic: catalog.get('job-logs').topic, messages: [{ key: jobId, value: JSON.stringify({ job_id: jobId, job_name: 'name-from-the-log', level: 'ERROR', message: `boom ${marker}` }) }] }]);
    await producer.disconnect();
    const [record] = await readTopic(broker, catalog.get('job-events').topic, { timeoutMs: 60_000, filter: (r) => r.value?.includes(marker) ?? false, done: (r) => r.length >= 1 });
    expect(record, `log event of ${jobId} reached job-events`).toBeDefined();
    return JSON.parse(record!.value!.toString()) as JobEvent;
  }

  it('enriches after an insert and an update, stops after a delete, and survives a restart', async () => {
    await migrateMysql(config.mysql.url, quietLogger);
    pipeline = await startPipeline(config, quietLogger);
    await pool.query('INSERT INTO flink_jobs (job_id, job_name, job_type, job_config) VALUES (?, ?, ?, ?), (?, ?, ?, ?)', [
      jobA, 'orders-v1', 'streaming', JSON.stringify({ parallelism: 2 }),
      jobB, 'payments', 'batch', JSON.stringify({ parallelism: 8 }),
    ]);
    await waitFor('job A in the catalog', async () => pipeline!.jobs.get(jobA), 90_000);
    expect(await ingestOne(jobA)).toMatchObject({ job_name: 'orders-v1', job_type: 'streaming', job_config: { parallelism: 2 } });

    await pool.query('UPDATE flink_jobs SET job_name = ?, job_config = ? WHERE job_id = ?', ['orders-v2', JSON.stringify({ parallelism: 6 }), jobA]);
    await waitFor('job A renamed in the catalog', async () => pipeline!.jobs.get(jobA)?.job_name === 'orders-v2', 60_000);
    expect(await ingestOne(jobA)).toMatchObject({ job_name: 'orders-v2', job_config: { parallelism: 6 } });

    await pool.query('DELETE FROM flink_jobs WHERE job_id = ?', [jobA]);
    await waitFor('job A gone from the catalog', async () => pipeline!.jobs.get(jobA) === undefined, 60_000);
    expect(await ingestOne(jobA)).toMatchObject({ job_name: 'name-from-the-log', job_type: null, job_config: null });

    // Restart: the table comes back from the compacted topic, the change stream is not re-read.
    const broker = await createBroker(config.kafka, quietLogger);
    const admin = broker.admin();
    await admin.connect();
    const catalogEnd = async () => (await admin.topicEndOffsets(catalog.get('job-catalog').topic)).reduce((n, p) => n + Number(p.offset), 0);
    const before = await catalogEnd();
    await pipeline.stop();
    pipeline = await startPipeline(config, quietLogger);
    expect(pipeline.jobs.get(jobB)).toMatchObject({ job_name: 'payments', job_config: { parallelism: 8 } });
    expect(pipeline.jobs.get(jobA)).toBeUndefined();
    expect(await ingestOne(jobB)).toMatchObject({ job_name: 'payments', job_type: 'batch' });
    expect(await catalogEnd()).toBe(before);
    await admin.disconnect();
  }, 300_000);
});
