/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The analytics web page in real headless Chromium (Debian's chromium package, installed by the
// test command): the pipeline's HTTP server with the dashboard source over embedded ClickHouse
// and the real broker; known facts in, the chart and tables checked in the rendered page.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrateClickHouse } from '../../src/adapters/clickhouse/clickhouse.js';
import { ClickHouseDiagnosisFactsSink } from '../../src/adapters/clickhouse/diagnosis-facts-sink.js';
import { createBroker } from '../../src/adapters/kafka/create-broker.js';
import { PipelineMetrics } from '../../src/core/metrics.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { createDashboardSource, type DashboardSource } from '../../src/http/dashboard-data.js';
import { startHttpServer } from '../../src/http/server.js';
import { toDiagnosisFact } from '../../src/stages/analytics/diagnosis-fact.js';
import { provisionTestTopics, quietLogger, testConfig, uniqueSuffix } from '../support/integration.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
// Headless in a container: no sandbox (no user namespaces as root), no GPU, /tmp instead of a small /dev/shm.
const LAUNCH_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'];

const suffix = uniqueSuffix();
const chdbPath = join(PACKAGE_ROOT, '.stack', `chdb-itdash-${suffix}`);
const config = testConfig({ PD_CHDB_PATH: chdbPath, PD_TOPIC_PREFIX: `it-dash-${suffix}.` });
const { client } = createClickHouse(config.clickhouse);
const HOUR = 3_600_000;
const now = Date.now();
const HOSTILE = '<img src=x onerror="window.pwned=1">';

// Known facts: 3 fingerprints over the last 30 hours, one with a hostile root cause.
const fingerprints = [
  { fp: 'aaaa0000000000000000000000000001', type: 'checkpoint_failure', subtype: 'checkpoint_timeout', count: 40, root: 'Checkpoint 17 expired before completing', priority: 'high' },
  { fp: 'bbbb0000000000000000000000000002', type: 'oom', subtype: 'heap_oom', count: 25, root: HOSTILE, priority: 'medium' },
  { fp: 'cccc0000000000000000000000000003', type: 'network', subtype: 'kafka_broker_unreachable', count: 10, root: 'Kafka broker unreachable', priority: 'low' },
] as const;

let browser: Browser | undefined;
let dashboard: DashboardSource;
let server: Awaited<ReturnType<typeof startHttpServer>>;

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('chromium not found: the test command installs it (apt-get install chromium), or set CHROMIUM_PATH');
  await migrateClickHouse(client, config.clickhouse.database, quietLogger);
  let offset = 0;
  const facts = fingerprints.flatMap((f) =>
    Array.from({ length: f.count }, (_, i) => {
      const at = now - (i % 30) * HOUR - 60_000;
      const record = {
        exception_id: `${f.fp.slice(0, 4)}-${i}`,
        job_id: `job-${i % 3}`,
        error_type: f.type,
        subtype: f.subtype,
        fingerprint: f.fp,
        event_time: new Date(at).toISOString(),
        diagnosed_at: new Date(at + 2000).toISOString(),
        time_to_diagnosis_ms: 2000,
        diagnosis: { root_cause: f.root, suggested_fix: `fix for ${f.subtype}`, priority: f.priority },
        confidence: 0.9,
        provider: 'deterministic',
      };
      return toDiagnosisFact(Buffer.from(JSON.stringify(record)), { partition: 0, offset: String(offset++) });
    }),
  );
  await new ClickHouseDiagnosisFactsSink(client, config.clickhouse.database).write(facts, `dash-${suffix}`);

  const broker = await createBroker(config.kafka, quietLogger);
  const catalog = await provisionTestTopics(broker, config.topicPrefix);
  const producer = broker.producer();
  await producer.connect();
  const dlqTopic = catalog.get('job-logs').dlqTopic!;
  await producer.send([{ topic: dlqTopic, messages: [1, 2, 3].map((i) => ({ key: `k${i}`, value: 'not json', headers: { 'dlq.reason': i === 3 ? 'invalid_utf8' : 'malformed_json' } })) }]);
  await producer.disconnect();
  dashboard = await createDashboardSource({ clickhouse: client, database: config.clickhouse.database, broker, catalog, stages: [{ stage: 'ingest', input: 'job-logs' }], log: quietLogger });
  server = await startHttpServer('127.0.0.1', 0, new PipelineMetrics(), { healthy: () => true, ready: () => true }, undefined, dashboard);
  browser = await puppeteer.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.server.close(resolve));
  await dashboard?.close();
  await client.close();
  rmSync(chdbPath, { recursive: true, force: true });
}, 60_000);

describe('analytics web page (headless Chromium)', () => {
  it('draws the error trend, the top fingerprints with their diagnosis, DLQ and lag figures', async () => {
    const page = await browser!.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await page.setViewport({ width: 1400, height: 1000 });
    await page.goto(`http://127.0.0.1:${server.port}/`, { waitUntil: 'networkidle0' });
    await page.waitForFunction(() => (window as unknown as { dashboard?: { rendered: boolean } }).dashboard?.rendered === true, { timeout: 30_000 });
    // The DLQ tally reads its topics in the background: reload until it has seen our three records.
    await page.waitForFunction(
      async () => {
        const r = await fetch('/api/dashboard?hours=168');
        const s = (await r.json()) as { dlq: { records: number }[] };
        return s.dlq.reduce((n, d) => n + d.records, 0) >= 3;
      },
      { timeout: 30_000, polling: 500 },
    );
    await page.select('#hours', '168');
    await page.waitForFunction(() => (window as unknown as { dashboard: { snapshot: { dlq: { records: number }[] } } }).dashboard.snapshot.dlq.some((d) => d.records === 3), { timeout: 30_000 });

    const state = await page.evaluate(() => {
      const w = window as unknown as { dashboard: { chart: { total: number; types: string[]; buckets: number } }; pwned?: number };
      const rows = (sel: string) => [...document.querySelectorAll(`${sel} tbody tr`)].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''));
      return { chart: w.dashboard.chart, pwned: w.pwned, canvas: !!document.querySelector('canvas#trend')?.getAttribute('width'), top: rows('#top'), dlq: rows('#dlq'), lag: rows('#lag') };
    });
    expect(pageErrors).toEqual([]);
    // Every fact is within 30 hours, so the 7-day chart holds all 75, by the three types.
    expect(state.chart.total).toBe(75);
    expect(state.chart.types).toEqual(['checkpoint_failure', 'network', 'oom']);
    expect(state.canvas).toBe(true);
    expect(state.top.map((r) => [r[1], r[2]])).toEqual([
      ['checkpoint_failure / checkpoint_timeout', '40'],
      ['oom / heap_oom', '25'],
      ['network / kafka_broker_unreachable', '10'],
    ]);
    expect(state.top[0]![7]).toContain('Checkpoint 17 expired');
    expect(state.top[0]![7]).toContain('fix for checkpoint_timeout');
    // Model output is shown as text, never run as HTML.
    expect(state.top[1]![7]).toContain(HOSTILE);
    expect(state.pwned).toBeUndefined();
    const jobLogsDlq = state.dlq.find((r) => r[0]!.endsWith('job-logs.dlq'))!;
    expect(jobLogsDlq.slice(1)).toEqual(['3', 'invalid_utf8 1, malformed_json 2']);
    expect(state.lag.map((r) => r[0])).toEqual(['ingest']);

    const shot = process.env.UPDATE_DOCS_SCREENSHOT ? join(PACKAGE_ROOT, 'docs', 'dashboard.png') : join(PACKAGE_ROOT, '.stack', `dashboard-${suffix}.png`);
    mkdirSync(join(shot, '..'), { recursive: true });
    await page.screenshot({ path: shot as `${string}.png`, fullPage: true });
    expect(existsSync(shot)).toBe(true);
    if (!process.env.UPDATE_DOCS_SCREENSHOT) rmSync(shot);

    // The 24-hour window keeps only the facts of the last 24 hourly buckets.
    await page.select('#hours', '24');
    await page.waitForFunction(() => (window as unknown as { dashboard: { snapshot: { hours: number } } }).dashboard.snapshot.hours === 24, { timeout: 30_000 });
    const dayTotal = await page.evaluate(() => (window as unknown as { dashboard: { chart: { total: number } } }).dashboard.chart.total);
    const expectedDay = fingerprints.reduce((n, f) => n + Array.from({ length: f.count }, (_, i) => i % 30).filter((h) => Math.floor((now - h * HOUR - 60_000) / HOUR) >= Math.floor(now / HOUR) - 23).length, 0);
    expect(dayTotal).toBe(expectedDay);
  }, 120_000);

  it('refuses a bad window and serves the page with a script-only-from-self policy', async () => {
    const bad = await fetch(`http://127.0.0.1:${server.port}/api/dashboard?hours=0`);
    expect(bad.status).toBe(400);
    const page = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
