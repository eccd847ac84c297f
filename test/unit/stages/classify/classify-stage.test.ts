import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../src/core/errors.js';
import { createClassifyStage } from '../../../../src/stages/classify/classify-stage.js';
import { ReloadingTextModel } from '../../../../src/stages/classify/text-model.js';
import type { ConsumedRecord } from '../../../../src/ports/broker.js';
import { calibratedModel, frob } from './model-fixtures.js';

const record = (value: unknown): ConsumedRecord => ({
  topic: 'pd.job-events', partition: 0, offset: '7', key: null, headers: {}, timestamp: '0',
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});
const event = (over: Record<string, unknown>) => ({
  event_id: 'e1', job_id: 'j1', job_name: 'orders', job_type: 'streaming', cluster: null, env: null, host: null, task: null, thread: null,
  level: 'ERROR', timestamp: '2026-11-20T08:15:02.118Z', message: 'Task failed', stack_trace: null, attributes: {},
  source: { topic: 'pd.job-logs', partition: 0, offset: '1', format: 'json', schema_id: null }, ingested_at: '2026-11-20T08:15:03.000Z', ...over,
});

describe('classify stage', () => {
  const stage = createClassifyStage({ now: () => new Date('2026-11-20T09:00:00.000Z') });

  it('emits a classified error keyed by fingerprint', () => {
    const [out] = stage.process(record(event({ stack_trace: 'java.lang.RuntimeException: x\nCaused by: java.lang.OutOfMemoryError: Java heap space\n\tat a.B.c(B.java:1)' }))) as { kind: 'record'; key: string; value: string }[];
    const value = JSON.parse(out!.value);
    expect(value).toMatchObject({ event_id: 'e1', job_name: 'orders', error_type: 'oom', subtype: 'heap_oom', classified_at: '2026-11-20T09:00:00.000Z', needs_review: false });
    expect(out!.key).toBe(value.fingerprint);
  });

  it('filters events that are not errors', () => {
    expect(stage.process(record(event({ level: 'INFO', message: 'Completed checkpoint 3 for job j1' })))).toEqual([]);
  });

  it('dead-letters values that are not job events', () => {
    expect(() => stage.process(record('{nope'))).toThrow(PermanentError);
    expect(() => stage.process(record({ hello: 1 }))).toThrow(/lacks event_id/);
  });

  it('flags errors no rule names for review, grouped by fingerprint, and counts them', async () => {
    const registry = new Registry();
    const reviewCounter = new Counter({ name: 'pd_classify_review_total', help: 'h', labelNames: ['error_type'], registers: [registry] });
    const reviewing = createClassifyStage({ reviewCounter });
    const odd = (line: number, timestamp: string) => event({ timestamp, stack_trace: frob(line) });
    const [out] = reviewing.process(record(odd(1, '2026-11-20T08:00:00.000Z'))) as { kind: 'record'; value: string; headers: Record<string, string> }[];
    reviewing.process(record(odd(2, '2026-11-20T08:05:00.000Z')));
    expect(JSON.parse(out!.value)).toMatchObject({ error_type: 'other', subtype: 'unknown', needs_review: true });
    expect(out!.headers['pd.needs_review']).toBe('true');
    expect(reviewing.review.entries()).toEqual([
      expect.objectContaining({ error_type: 'other', count: 2, first_seen: '2026-11-20T08:00:00.000Z', last_seen: '2026-11-20T08:05:00.000Z', sample: expect.stringContaining('frobnication of widget 1') }),
    ]);
    expect(await registry.metrics()).toContain('pd_classify_review_total{error_type="other"} 2');
  });

  it('follows a new model file without being recreated', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stage-model-')), 'classifier.json');
    const reloading = createClassifyStage({ model: new ReloadingTextModel(path, { checkEveryMs: 0 }) });
    const odd = event({ stack_trace: frob(3) });
    const classify = () => JSON.parse((reloading.process(record(odd)) as { value: string }[])[0]!.value) as { error_type: string; decided_by: string };
    expect(classify()).toMatchObject({ error_type: 'other', decided_by: 'default' });
    const modelSaying = (label: 'network' | 'backpressure') => calibratedModel(Array.from({ length: 20 }, (_, n) => ({ text: frob(n), label })));
    modelSaying('network').save(path);
    expect(classify()).toMatchObject({ error_type: 'network', decided_by: 'model' });
    modelSaying('backpressure').save(path);
    expect(classify()).toMatchObject({ error_type: 'backpressure', decided_by: 'model' });
  });
});

