import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../src/core/errors.js';
import { SCHEMAS_DIR } from '../../../src/core/paths.js';
import { deriveEventId, normaliseJobLogEvent, normaliseLevel, parseTimestamp, type RecordOrigin } from '../../../src/stages/ingest/normalise.js';

const origin: RecordOrigin = { topic: 'pd.job-logs', partition: 2, offset: '41', timestampMs: Date.UTC(2026, 10, 20, 8, 0, 0), format: 'json', schemaId: null };
const now = new Date('2026-11-20T09:00:00.000Z');

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof PermanentError) return err.reason;
    throw err;
  }
  return undefined;
}

describe('parseTimestamp', () => {
  const expected = Date.UTC(2026, 10, 20, 8, 15, 2, 118);
  it.each([
    ['ISO with Z', '2026-11-20T08:15:02.118Z'],
    ['ISO with offset', '2026-11-20T10:15:02.118+02:00'],
    ['log4j comma millis, UTC assumed', '2026-11-20 08:15:02,118'],
    ['space separated, microseconds', '2026-11-20 08:15:02.118456'],
    ['epoch ms number', expected],
    ['epoch µs number', expected * 1000],
    ['epoch ns bigint', BigInt(expected) * 1_000_000n],
    ['epoch ms as string', String(expected)],
  ])('%s', (_name, raw) => {
    expect(parseTimestamp(raw as string | number | bigint)).toBe(expected);
  });

  it('reads epoch seconds', () => {
    expect(parseTimestamp(1795162502)).toBe(1795162502000);
  });

  it.each(['yesterday', '', '2026-13-45T99:00:00Z', 1e30, -5])('rejects %s', (raw) => {
    expect(reasonOf(() => parseTimestamp(raw as string | number))).toBe('schema_violation');
  });
});

describe('normaliseLevel', () => {
  it.each([
    ['warning', 'WARN'],
    ['E', 'ERROR'],
    ['severe', 'ERROR'],
    ['CRITICAL', 'FATAL'],
    [' info ', 'INFO'],
  ])('%s → %s', (raw, level) => {
    expect(normaliseLevel(raw).level).toBe(level);
  });

  it('keeps an unknown spelling as UNKNOWN with the original', () => {
    expect(normaliseLevel('LOUD')).toEqual({ level: 'UNKNOWN', unrecognised: 'LOUD' });
    expect(normaliseLevel(undefined)).toEqual({ level: 'UNKNOWN' });
  });
});

describe('normaliseJobLogEvent', () => {
  it('normalises a full event and keeps the producer id', () => {
    const event = normaliseJobLogEvent({ event_id: 'p-1', job_id: 'j', level: 'warning', timestamp: '2026-11-20 08:15:02,118', message: 'm', attributes: { n: 3, ok: true } }, origin, now);
    expect(event).toMatchObject({ event_id: 'p-1', level: 'WARN', timestamp: '2026-11-20T08:15:02.118Z', attributes: { n: '3', ok: 'true' }, stack_trace: null, ingested_at: now.toISOString() });
    expect(event.source).toEqual({ topic: 'pd.job-logs', partition: 2, offset: '41', format: 'json', schema_id: null });
  });

  it('derives a stable id from the content, independent of where the record sat', () => {
    const a = normaliseJobLogEvent({ job_id: 'j', timestamp: 1795162502000, message: 'boom' }, origin, now);
    const b = normaliseJobLogEvent({ job_id: 'j', timestamp: 1795162502000, message: 'boom' }, { ...origin, offset: '999', partition: 0 }, new Date());
    const c = normaliseJobLogEvent({ job_id: 'j', timestamp: 1795162502000, message: 'boom!' }, origin, now);
    expect(a.event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(b.event_id).toBe(a.event_id);
    expect(c.event_id).not.toBe(a.event_id);
  });

  it('uses the Kafka record time when the event has none', () => {
    expect(normaliseJobLogEvent({ job_id: 'j', message: 'm' }, origin, now).timestamp).toBe('2026-11-20T08:00:00.000Z');
  });

  it.each([
    ['an array', [1, 2], 'schema_violation'],
    ['null', null, 'schema_violation'],
    ['no job_id', { message: 'm' }, 'schema_violation'],
    ['empty text', { job_id: 'j', message: '  ' }, 'schema_violation'],
    ['a long job name', { job_id: 'j', job_name: 'n'.repeat(300), message: 'm' }, 'schema_violation'],
    ['a hostile event id', { event_id: "1' OR '1'='1", job_id: 'j', message: 'm' }, 'schema_violation'],
    ['a lone surrogate', { job_id: 'j', message: 'bad \ud800 text' }, 'invalid_utf8'],
    ['a lone surrogate in an attribute key', { job_id: 'j', message: 'm', attributes: { ['k\udfff']: 'v' } }, 'invalid_utf8'],
  ])('rejects %s', (_name, value, reason) => {
    expect(reasonOf(() => normaliseJobLogEvent(value, origin, now))).toBe(reason);
  });

  it('accepts hostile but well-formed text as data', () => {
    const event = normaliseJobLogEvent({ job_id: 'j', job_name: "x'); DROP TABLE job_log_events;--", message: '<script>alert(1)</script>\u0000' }, origin, now);
    expect(event.job_name).toBe("x'); DROP TABLE job_log_events;--");
  });

  it('agrees with the schema examples in schemas/examples', () => {
    const dir = join(SCHEMAS_DIR, 'examples', 'job-log-event');
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const value = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const reason = reasonOf(() => normaliseJobLogEvent(value, origin, now));
      if (file.startsWith('valid-')) expect(reason, file).toBeUndefined();
      else expect(reason, file).toBe('schema_violation');
    }
  });

  it('derives ids only from identity fields', () => {
    const base = { job_id: 'j', timestamp: 't', host: null, task: null, thread: null, level: 'INFO', message: 'm', stack_trace: null };
    expect(deriveEventId(base)).toBe(deriveEventId({ ...base }));
    // null and the empty string must not collide.
    expect(deriveEventId({ ...base, host: '' })).not.toBe(deriveEventId(base));
  });
});
