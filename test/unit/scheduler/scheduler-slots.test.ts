import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/core/config.js';
import { formatInterval, nextSlotStart, slotLiteral, slotStart } from '../../../src/scheduler/slots.js';

const DAY = 86_400_000;

describe('slots', () => {
  it('aligns a daily slot to 00:00 UTC, whatever the moment in the day', () => {
    for (const moment of ['2026-11-22T00:00:00.000Z', '2026-11-22T09:56:02.428Z', '2026-11-22T23:59:59.999Z']) {
      expect(slotLiteral(slotStart(Date.parse(moment), DAY))).toBe('2026-11-22 00:00:00.000');
    }
    expect(slotLiteral(nextSlotStart(Date.parse('2026-11-22T23:59:59.999Z'), DAY))).toBe('2026-11-23 00:00:00.000');
  });

  it('gives every instance the same slot for moments in one interval, and a new one after it', () => {
    const interval = 15 * 60_000;
    const a = slotStart(Date.parse('2026-11-22T10:00:00.000Z'), interval);
    const b = slotStart(Date.parse('2026-11-22T10:14:59.999Z'), interval);
    const c = slotStart(Date.parse('2026-11-22T10:15:00.000Z'), interval);
    expect(a).toBe(b);
    expect(c - a).toBe(interval);
    expect(slotLiteral(c)).toBe('2026-11-22 10:15:00.000');
  });

  it('aligns a weekly slot to the epoch (Thursdays 00:00 UTC)', () => {
    const slot = new Date(slotStart(Date.parse('2026-11-22T12:00:00Z'), 7 * DAY));
    expect(slot.toISOString()).toBe('2026-11-19T00:00:00.000Z');
    expect(slot.getUTCDay()).toBe(4);
  });

  it('refuses an interval that is not a positive integer', () => {
    expect(() => slotStart(0, 0)).toThrow(/positive integer/);
    expect(() => slotStart(0, -5)).toThrow(/positive integer/);
    expect(() => slotStart(0, 1.5)).toThrow(/positive integer/);
  });

  it('formats intervals for humans', () => {
    expect(formatInterval(0)).toBe('off');
    expect(formatInterval(DAY)).toBe('1d');
    expect(formatInterval(7 * DAY)).toBe('7d');
    expect(formatInterval(90_500)).toBe('1m30s500ms');
  });
});

describe('scheduler configuration', () => {
  it('defaults: retention daily, re-embedding weekly, retraining off, 90 days, batches of 1000', () => {
    const s = loadConfig({}).scheduler;
    expect(s.intervalsMs).toEqual({ retention: DAY, reembed: 7 * DAY, retrain: 0 });
    expect(s.retention).toEqual({ exceptionDays: 90, logEventDays: 90, batchRows: 1000 });
    expect(s.leaseMs).toBe(600_000);
    expect(s.maxAttempts).toBe(3);
    expect(s.retrainCorpus).toEqual(['test/fixtures/flink-errors/corpus.jsonl']);
  });

  it('takes 0 as off and splits the corpus list', () => {
    const s = loadConfig({ PD_SCHEDULE_RETENTION_MS: '0', PD_SCHEDULE_RETRAIN_MS: '3600000', PD_RETENTION_LOG_EVENTS_DAYS: '0', PD_RETRAIN_CORPUS: 'a.jsonl, b.jsonl' }).scheduler;
    expect(s.intervalsMs.retention).toBe(0);
    expect(s.intervalsMs.retrain).toBe(3_600_000);
    expect(s.retention.logEventDays).toBe(0);
    expect(s.retrainCorpus).toEqual(['a.jsonl', 'b.jsonl']);
  });

  it('refuses intervals under a minute (seconds typed as ms), negative or zero retention, and lists them all', () => {
    let error: unknown;
    try {
      loadConfig({ PD_SCHEDULE_RETENTION_MS: '3600', PD_SCHEDULE_REEMBED_MS: '-1', PD_RETENTION_DAYS: '0', PD_RETENTION_LOG_EVENTS_DAYS: '-3', PD_SCHEDULE_MAX_ATTEMPTS: 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PD_SCHEDULE_RETENTION_MS="3600": must be 0 \(off\) or at least 60000/);
    expect(problems).toMatch(/PD_SCHEDULE_REEMBED_MS/);
    expect(problems).toMatch(/PD_RETENTION_DAYS/);
    expect(problems).toMatch(/PD_RETENTION_LOG_EVENTS_DAYS/);
    expect(problems).toMatch(/PD_SCHEDULE_MAX_ATTEMPTS/);
  });
});
