import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { startPipeline, type RunningPipeline } from '../../src/pipeline.js';
import { exitOf, quietLogger, spawnPipeline, testConfig, uniqueSuffix, waitFor } from '../support/integration.js';

describe('pipeline process: HTTP surface and start-up checks', () => {
  const suffix = uniqueSuffix();
  const chdbPath = join(PACKAGE_ROOT, '.stack', `chdb-ith-${suffix}`);
  const config = testConfig({ PD_TOPIC_PREFIX: `ith-${suffix}.`, PD_CHDB_PATH: chdbPath, PD_HTTP_PORT: '0', PD_STAGES: 'ingest', PD_INSTANCE_ID: `ith-${suffix}` });
  let pipeline: RunningPipeline;
  const url = (path: string) => `http://127.0.0.1:${pipeline.httpPort}${path}`;

  beforeAll(async () => {
    pipeline = await startPipeline(config, quietLogger);
  });
  afterAll(async () => {
    await pipeline.stop();
    rmSync(chdbPath, { recursive: true, force: true });
  });

  it('is healthy and ready once its stages joined', async () => {
    expect((await fetch(url('/healthz'))).status).toBe(200);
    await waitFor('ready', async () => (await fetch(url('/readyz'))).status === 200, 30_000);
    expect((await fetch(url('/nope'))).status).toBe(404);
  });

  it('counts records in, out, and dead-lettered by reason in /metrics', async () => {
    const broker = await createBroker(config.kafka, quietLogger);
    const producer = broker.producer();
    await producer.connect();
    await producer.send([
      {
        topic: `${config.topicPrefix}job-logs`,
        messages: [
          { key: 'j', value: JSON.stringify({ job_id: 'j', level: 'ERROR', message: 'boom' }) },
          { key: 'j', value: JSON.stringify({ job_id: 'j', level: 'INFO', message: 'fine' }) },
          { key: 'j', value: '{"job_id":' },
        ],
      },
    ]);
    await producer.disconnect();
    const metrics = await waitFor(
      'metrics to count 3 records',
      async () => {
        const text = await (await fetch(url('/metrics'))).text();
        return /pd_records_in_total\{stage="ingest"\} 3/.test(text) && text;
      },
      60_000,
    );
    // The ERROR line goes on (once the INFO line after it closed its multi-line window); the INFO line is counted and dropped.
    expect(metrics).toMatch(/pd_records_out_total\{stage="ingest",topic="job-events"\} 1/);
    expect(metrics).toMatch(/pd_ingest_events_total\{outcome="forwarded"\} 1/);
    expect(metrics).toMatch(/pd_ingest_events_total\{outcome="filtered"\} 1/);
    expect(metrics).toMatch(/pd_dlq_total\{stage="ingest",reason="malformed_json"\} 1/);
    expect(metrics).toMatch(/pd_sink_rows_total\{stage="ingest",sink="mysql.job_log_events"\} 1/);
    expect(metrics).toMatch(/pd_record_latency_seconds_count\{stage="ingest"\} 3/);
    expect(metrics).toMatch(/pd_process_resident_memory_bytes/);
  });

  it('drains and exits 0 on a SIGTERM that arrives during start-up', async () => {
    const child = spawnPipeline({ PD_TOPIC_PREFIX: `ith-${suffix}.`, PD_CHDB_PATH: `${chdbPath}-early`, PD_STAGES: 'ingest', PD_INSTANCE_ID: `ith-early-${suffix}` });
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    const exit = await exitOf(child);
    rmSync(`${chdbPath}-early`, { recursive: true, force: true });
    expect(exit, child.output.join('')).toEqual({ code: 0, signal: null });
  });

  it('refuses to start on a bad configuration, listing every problem and no secret', () => {
    const result = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'pipeline-doctor.js'), 'run'], {
      env: { ...process.env, PD_HTTP_PORT: 'x', PD_BATCH_MAX_RECORDS: '-1', MYSQL_URL: 'nope://root:s3cret@h/db', PD_TYPO: '1' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    for (const name of ['PD_HTTP_PORT', 'PD_BATCH_MAX_RECORDS', 'MYSQL_URL', 'PD_TYPO']) expect(result.stderr).toContain(name);
    expect(result.stderr).not.toContain('s3cret');
  });
});
