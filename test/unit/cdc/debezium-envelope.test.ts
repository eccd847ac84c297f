import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { parseChangeEvent } from '../../../src/cdc/debezium-envelope.js';
import { PermanentError } from '../../../src/core/errors.js';

/** The value schema Apicurio's AvroConverter registered for cdc.avro.pipeline_doctor.flink_jobs. */
const envelopeSchema = JSON.parse(readFileSync(new URL('./fixtures/flink-jobs-envelope.avsc', import.meta.url), 'utf8'));

const after = { job_id: 'j1', job_name: 'orders' };

describe('parseChangeEvent', () => {
  it('reads bare envelopes for each op', () => {
    expect(parseChangeEvent({ op: 'c', before: null, after, source: { db: 'd' }, ts_ms: 5 })).toEqual({ op: 'c', before: null, after, source: { db: 'd' }, tsMs: 5 });
    expect(parseChangeEvent({ op: 'r', after }).op).toBe('r');
    expect(parseChangeEvent({ op: 'u', before: after, after: { ...after, job_name: 'x' } }).after).toMatchObject({ job_name: 'x' });
    expect(parseChangeEvent({ op: 'd', before: after, after: null }).before).toEqual(after);
  });

  it('unwraps the JsonConverter schema envelope', () => {
    expect(parseChangeEvent({ schema: { type: 'struct' }, payload: { op: 'u', before: after, after } }).op).toBe('u');
  });

  it.each([
    ['not an object', 'x'],
    ['an unknown op', { op: 'z', after }],
    ['a create without after', { op: 'c', after: null }],
    ['a delete without before', { op: 'd', before: null }],
    ['a non-object row', { op: 'c', after: [1] }],
  ])('rejects %s', (_n, value) => {
    expect(() => parseChangeEvent(value)).toThrow(PermanentError);
  });
});

describe('parseChangeEvent on Avro-decoded envelopes', () => {
  const row = { job_id: 'j1', job_name: 'orders', job_type: null, job_config: '{"parallelism":2}', updated_at: Date.UTC(2024, 4, 1, 12, 34, 56, 789) };
  const source = {
    version: '3.2.0.Final', connector: 'mariadb', name: 'cdc.avro', ts_ms: 1_714_566_896_000, snapshot: 'false', db: 'pipeline_doctor',
    sequence: null, ts_us: 1_714_566_896_000_000, ts_ns: null, table: 'flink_jobs', server_id: 1, gtid: '0-1-9', file: 'mysql-bin.000007',
    pos: 4, row: 0, thread: null, query: null,
  };
  // What the JSON connector sends for the same change (ts_ns left null: avsc's own long type
  // cannot hold 1.7e18; the registry adapter's lenient long is tested in avro-registry-decode).
  const envelope = (op: string, before: unknown, after: unknown) => ({ before, after, source, transaction: null, op, ts_ms: 1_714_566_896_100, ts_us: null, ts_ns: null });
  const cases = [
    ['c', null, row],
    ['r', null, row],
    ['u', row, { ...row, job_name: 'orders-v2' }],
    ['d', row, null],
  ] as const;

  it.each(cases)('reads avsc records (class instances, unwrapped unions) for op %s like JSON', (op, before, after) => {
    const type = avro.Type.forSchema(envelopeSchema);
    const decoded = type.fromBuffer(type.toBuffer(envelope(op, before, after)));
    expect(Object.getPrototypeOf(decoded)).not.toBe(Object.prototype);
    const parsed = parseChangeEvent({ ...decoded }); // ValueDecoder spreads the top level only
    expect(parsed).toStrictEqual(parseChangeEvent(envelope(op, before, after)));
    for (const r of [parsed.before, parsed.after, parsed.source]) if (r) expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(parsed.after?.job_config ?? parsed.before?.job_config).toBe('{"parallelism":2}'); // JSON column: a string
  });

  it('unwraps wrapped unions and reads timestamp-millis Dates as epoch ms', () => {
    const type = avro.Type.forSchema(envelopeSchema, {
      wrapUnions: true,
      logicalTypes: {
        'timestamp-millis': class extends avro.types.LogicalType {
          override _fromValue(v: number) { return new Date(v); }
          override _toValue(d: Date) { return d.getTime(); }
        },
      },
    });
    const json = envelope('u', row, { ...row, job_name: 'orders-v2' });
    // Same bytes, read by a decoder that wraps unions and maps timestamp-millis to Date.
    const decoded = type.fromBuffer(avro.Type.forSchema(envelopeSchema).toBuffer(json));
    expect((decoded as { after: Record<string, Record<string, unknown>> }).after['cdc.avro.pipeline_doctor.flink_jobs.Value']?.updated_at).toBeInstanceOf(Date);
    expect((decoded as { ts_ms: unknown }).ts_ms).toEqual({ long: json.ts_ms }); // really wrapped
    expect(parseChangeEvent({ ...decoded })).toStrictEqual(parseChangeEvent(json));
  });

  it('keeps a one-column row whose column is named like an Avro type', () => {
    expect(parseChangeEvent({ op: 'c', before: null, after: { string: 'x' } }).after).toEqual({ string: 'x' });
    expect(parseChangeEvent({ op: 'c', before: null, after: { 'a.b': 1 } }).after).toEqual({ 'a.b': 1 });
  });

  it('rejects a tombstone: consumers skip null values before decoding', () => {
    expect(() => parseChangeEvent(null)).toThrow(PermanentError);
  });
});
