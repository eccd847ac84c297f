import { describe, expect, it } from 'vitest';
import { dedupToken } from '../../../../src/adapters/clickhouse/diagnosis-facts-sink.js';
import { PermanentError } from '../../../../src/core/errors.js';
import { DIAGNOSIS_FACTS_SINK, createAnalyticsStage } from '../../../../src/stages/analytics/analytics-stage.js';
import { toDiagnosisFact, type DiagnosisFactRow } from '../../../../src/stages/analytics/diagnosis-fact.js';
import { generateDiagnoses } from '../../../../src/stages/analytics/sample-diagnoses.js';
import type { DiagnosisRecord } from '../../../../src/stages/diagnose/diagnose-worker.js';

/** A record exactly as the diagnose worker publishes it. */
const record: DiagnosisRecord = {
  exception_id: '4711',
  event_id: 'ev-1',
  job_id: 'job-7',
  job_name: 'Orders → ClickHouse',
  error_type: 'oom',
  subtype: 'metaspace_oom',
  fingerprint: '0123456789abcdef',
  event_time: '2026-11-20 08:15:30.250',
  diagnosed_at: '2026-11-20T08:16:00.750Z',
  time_to_diagnosis_ms: 30500,
  diagnosis: { root_cause: 'Metaspace exhausted', detailed_analysis: 'Classes leak', suggested_fix: 'Raise MaxMetaspaceSize', priority: 'high', related_docs: ['https://flink.apache.org/a'] },
  confidence: 0.82,
  provider: 'openai:gpt-4o-mini',
  degraded: false,
  cached: true,
  similar_cases: [{ case_id: 'c-1', score: 0.91 }, { case_id: 'c-2', score: 0.5 }],
};
const source = { partition: 3, offset: '1234567890123' };
const encode = (value: unknown) => Buffer.from(JSON.stringify(value));
const reasonOf = (value: Buffer | null): string => {
  try {
    toDiagnosisFact(value, source);
  } catch (err) {
    if (err instanceof PermanentError) return `${err.reason}: ${err.message}`;
    throw err;
  }
  return 'accepted';
};

describe('diagnoses record → diagnosis_facts row', () => {
  it('maps every field, times as UTC DateTime64 text', () => {
    expect(toDiagnosisFact(encode(record), source)).toEqual<DiagnosisFactRow>({
      exception_id: '4711',
      event_id: 'ev-1',
      event_time: '2026-11-20 08:15:30.250',
      job_id: 'job-7',
      job_name: 'Orders → ClickHouse',
      error_type: 'oom',
      subtype: 'metaspace_oom',
      fingerprint: '0123456789abcdef',
      priority: 'high',
      confidence: 0.82,
      diagnosed_at: '2026-11-20 08:16:00.750',
      time_to_diagnosis_ms: 30500,
      provider: 'openai:gpt-4o-mini',
      degraded: false,
      cached: true,
      root_cause: 'Metaspace exhausted',
      detailed_analysis: 'Classes leak',
      suggested_fix: 'Raise MaxMetaspaceSize',
      related_docs: ['https://flink.apache.org/a'],
      similar_case_ids: ['c-1', 'c-2'],
      similar_case_scores: [0.91, 0.5],
      source_partition: 3,
      source_offset: '1234567890123',
    });
  });

  it('fills what an exception from another system may lack', () => {
    const row = toDiagnosisFact(encode({ ...record, event_id: null, job_name: null, error_type: null, subtype: null, fingerprint: null, event_time: null, time_to_diagnosis_ms: null }), source);
    expect(row).toMatchObject({ event_id: null, job_name: null, error_type: 'unknown', subtype: '', fingerprint: '', time_to_diagnosis_ms: null });
    // The diagnosis time stands in for the missing event time (partition and TTL need one).
    expect(row.event_time).toBe('2026-11-20 08:16:00.750');
  });

  it('accepts ISO event times with an offset, a numeric exception id, and extra fields', () => {
    const row = toDiagnosisFact(encode({ ...record, exception_id: 99, event_time: '2026-11-20T10:15:30+02:00', added_later: { x: 1 } }), source);
    expect(row.exception_id).toBe('99');
    expect(row.event_time).toBe('2026-11-20 08:15:30.000');
  });

  it('defaults the descriptive fields a producer may leave out', () => {
    const { detailed_analysis: _a, related_docs: _d, ...diagnosis } = record.diagnosis;
    const { similar_cases: _s, cached: _c, degraded: _g, ...rest } = record;
    const row = toDiagnosisFact(encode({ ...rest, diagnosis }), source);
    expect(row).toMatchObject({ detailed_analysis: '', related_docs: [], similar_case_ids: [], similar_case_scores: [], cached: false, degraded: false });
  });

  it('rejects bad input with the reason the DLQ records', () => {
    expect(reasonOf(null)).toMatch(/^empty_value/);
    expect(reasonOf(Buffer.alloc(0))).toMatch(/^empty_value/);
    expect(reasonOf(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))).toMatch(/^invalid_utf8/);
    expect(reasonOf(Buffer.from('{"exception_id":'))).toMatch(/^malformed_json/);
    expect(reasonOf(encode([record]))).toMatch(/^schema_violation/);
    expect(reasonOf(encode({ ...record, exception_id: '' }))).toMatch(/^schema_violation: .*exception_id/);
    expect(reasonOf(encode({ ...record, job_id: undefined }))).toMatch(/^schema_violation: .*job_id/);
    expect(reasonOf(encode({ ...record, diagnosed_at: 'yesterday' }))).toMatch(/^schema_violation: .*diagnosed_at: not a timestamp/);
    // A time without a zone is only taken as UTC in MySQL's own format.
    expect(reasonOf(encode({ ...record, event_time: '2026-11-20T08:15:30' }))).toMatch(/^schema_violation: .*event_time/);
    expect(reasonOf(encode({ ...record, event_time: '1812-01-01 00:00:00' }))).toMatch(/^schema_violation: .*event_time/);
    expect(reasonOf(encode({ ...record, diagnosis: { ...record.diagnosis, priority: 'urgent' } }))).toMatch(/^schema_violation: .*diagnosis\.priority/);
    expect(reasonOf(encode({ ...record, confidence: 1.5 }))).toMatch(/^schema_violation: .*confidence/);
    expect(reasonOf(encode({ ...record, time_to_diagnosis_ms: -1 }))).toMatch(/^schema_violation: .*time_to_diagnosis_ms/);
    expect(reasonOf(encode(record))).toBe('accepted');
  });

  it('keeps hostile strings as data', () => {
    const hostile = "x'); DROP TABLE diagnosis_facts; -- \\ ✓";
    const row = toDiagnosisFact(encode({ ...record, job_id: hostile, diagnosis: { ...record.diagnosis, root_cause: hostile } }), source);
    expect(row.job_id).toBe(hostile);
    expect(row.root_cause).toBe(hostile);
  });
});

describe('analytics stage', () => {
  const stage = createAnalyticsStage();
  const consumed = (value: Buffer | null) => ({ topic: 'pd.diagnoses', partition: 2, offset: '41', key: null, value, headers: {}, timestamp: '0' });

  it('reads diagnoses and writes one fact row to the ClickHouse sink', async () => {
    expect(stage.input).toBe('diagnoses');
    expect(stage.outputs).toEqual({ topics: [], sinks: [DIAGNOSIS_FACTS_SINK] });
    const outputs = await stage.process(consumed(encode(record)));
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ kind: 'row', sink: 'clickhouse.diagnosis_facts', row: { exception_id: '4711', source_partition: 2, source_offset: '41' } });
  });

  it('throws PermanentError (DLQ) for a malformed record', () => {
    expect(() => stage.process(consumed(Buffer.from('nope')))).toThrow(PermanentError);
  });

  it('maps every generated sample record', () => {
    const records = generateDiagnoses({ count: 2000, seed: 1, anchorMs: Date.UTC(2026, 10, 22, 12) });
    expect(records.length).toBeGreaterThan(2000);
    for (const r of records) expect(() => toDiagnosisFact(encode(r), source)).not.toThrow();
    // Same seed, same data: the integration test's true counts depend on it.
    expect(generateDiagnoses({ count: 2000, seed: 1, anchorMs: Date.UTC(2026, 10, 22, 12) })).toEqual(records);
  });
});

describe('insert de-duplication token', () => {
  const rows = [toDiagnosisFact(encode(record), source), toDiagnosisFact(encode({ ...record, exception_id: '4712' }), { partition: 3, offset: '1234567890124' })];
  it('is stable for the same chunk and differs when its facts differ', () => {
    expect(dedupToken('pd.diagnoses-3-0-1', rows)).toBe(dedupToken('pd.diagnoses-3-0-1', rows.map((r) => ({ ...r }))));
    expect(dedupToken('pd.diagnoses-3-0-1', rows)).toMatch(/^pd\.diagnoses-3-0-1:[0-9a-f]{32}$/);
    // A recreated topic reuses offsets: other facts under the same range must not be dropped.
    expect(dedupToken('pd.diagnoses-3-0-1', [rows[0]!, { ...rows[1]!, diagnosed_at: '2026-11-21 00:00:00.000' }])).not.toBe(dedupToken('pd.diagnoses-3-0-1', rows));
    expect(dedupToken('pd.diagnoses-3-0-1', rows)).not.toBe(dedupToken('pd.diagnoses-3-2-3', rows));
  });
});
