import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../src/core/errors.js';
import { createClassifyStage } from '../../../../src/stages/classify/classify-stage.js';
import type { ConsumedRecord } from '../../../../src/ports/broker.js';

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
  const stage = createClassifyStage(() => new Date('2026-11-20T09:00:00.000Z'));

  it('emits a classified error keyed by fingerprint', () => {
    const [out] = stage.process(record(event({ stack_trace: 'java.lang.RuntimeException: x\nCaused by: java.lang.OutOfMemoryError: Java heap space\n\tat a.B.c(B.java:1)' }))) as { kind: 'record'; key: string; value: string }[];
    const value = JSON.parse(out!.value);
    expect(value).toMatchObject({ event_id: 'e1', job_name: 'orders', error_type: 'oom', subtype: 'heap_oom', classified_at: '2026-11-20T09:00:00.000Z' });
    expect(out!.key).toBe(value.fingerprint);
  });

  it('filters events that are not errors', () => {
    expect(stage.process(record(event({ level: 'INFO', message: 'Completed checkpoint 3 for job j1' })))).toEqual([]);
  });

  it('dead-letters values that are not job events', () => {
    expect(() => stage.process(record('{nope'))).toThrow(PermanentError);
    expect(() => stage.process(record({ hello: 1 }))).toThrow(/lacks event_id/);
  });
});
