import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PermanentError } from '../../core/errors.js';

/** Levels after normalisation; producers use many spellings. */
export const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'UNKNOWN'] as const;
export type Level = (typeof LEVELS)[number];

const LEVEL_ALIASES: Record<string, Level> = {
  T: 'TRACE', TRACE: 'TRACE', FINEST: 'TRACE', FINER: 'TRACE',
  D: 'DEBUG', DEBUG: 'DEBUG', FINE: 'DEBUG', VERBOSE: 'DEBUG', V: 'DEBUG',
  I: 'INFO', INFO: 'INFO', INFORMATION: 'INFO', NOTICE: 'INFO', CONFIG: 'INFO',
  W: 'WARN', WARN: 'WARN', WARNING: 'WARN',
  E: 'ERROR', ERR: 'ERROR', ERROR: 'ERROR', SEVERE: 'ERROR',
  F: 'FATAL', FATAL: 'FATAL', CRIT: 'FATAL', CRITICAL: 'FATAL', ALERT: 'FATAL', EMERG: 'FATAL', EMERGENCY: 'FATAL', PANIC: 'FATAL',
};

const text = (max: number) => z.string().max(max, `longer than ${max} characters`);
const optionalText = (max: number) => text(max).nullish();

/** Input contract (schemas/job-log-event.schema.json; Avro: schemas/job-log-event.avsc). */
const jobLogEventSchema = z.object({
  event_id: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 of [A-Za-z0-9._:-]').nullish(),
  job_id: z.string().min(1, 'must not be empty').max(64, 'longer than 64 characters'),
  job_name: optionalText(256),
  job_type: optionalText(32),
  cluster: optionalText(128),
  env: optionalText(64),
  host: optionalText(256),
  task: optionalText(256),
  thread: optionalText(256),
  level: optionalText(16),
  timestamp: z.union([z.string(), z.number(), z.bigint()]).nullish(),
  message: z.string().nullish(),
  stack_trace: z.string().nullish(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullish(),
});

export type JobLogEvent = z.input<typeof jobLogEventSchema>;

export interface JobEvent {
  event_id: string;
  job_id: string;
  job_name: string | null;
  job_type: string | null;
  /** From the job catalog (registry row) when the job is known; null otherwise. */
  job_config: unknown;
  cluster: string | null;
  env: string | null;
  host: string | null;
  task: string | null;
  thread: string | null;
  level: Level;
  /** UTC ISO 8601 with milliseconds. */
  timestamp: string;
  message: string;
  stack_trace: string | null;
  attributes: Record<string, string>;
  source: { topic: string; partition: number; offset: string; format: 'json' | 'avro' | 'json-schema'; schema_id: number | null };
  ingested_at: string;
}

export function normaliseLevel(raw: string | null | undefined): { level: Level; unrecognised?: string } {
  if (raw === null || raw === undefined || raw.trim() === '') return { level: 'UNKNOWN' };
  const level = LEVEL_ALIASES[raw.trim().toUpperCase()];
  return level ? { level } : { level: 'UNKNOWN', unrecognised: raw };
}

const MIN_TIME_MS = Date.UTC(1990, 0, 1);
const MAX_TIME_MS = Date.UTC(2200, 0, 1);

/** Epoch numbers come in s, ms, µs or ns; the magnitude tells which. */
function epochToMs(value: number): number {
  const abs = Math.abs(value);
  if (abs < 1e11) return value * 1000;
  if (abs < 1e14) return value;
  if (abs < 1e17) return value / 1000;
  return value / 1e6;
}

// log4j / logback default: "2026-11-20 08:15:02,118" (no zone: UTC is assumed, as documented).
const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?$/;

/** Returns epoch milliseconds, or throws a PermanentError naming the bad value. */
export function parseTimestamp(raw: string | number | bigint): number {
  let ms: number;
  if (typeof raw === 'bigint') ms = epochToMs(Number(raw));
  else if (typeof raw === 'number') ms = epochToMs(raw);
  else {
    const value = raw.trim();
    const local = LOCAL_DATE_TIME.exec(value);
    if (/^-?\d+(\.\d+)?$/.test(value)) ms = epochToMs(Number(value));
    else if (local) ms = Date.parse(`${local[1]}T${local[2]}.${(local[3] ?? '0').padEnd(3, '0').slice(0, 3)}Z`);
    else ms = Date.parse(value.replace(',', '.'));
  }
  if (!Number.isFinite(ms) || ms < MIN_TIME_MS || ms > MAX_TIME_MS) {
    throw new PermanentError('schema_violation', `timestamp: cannot read ${JSON.stringify(String(raw)).slice(0, 80)} as a time between 1990 and 2200`);
  }
  return Math.trunc(ms);
}

/** Deterministic id from the content, so a re-sent event gets the same identity. */
export function deriveEventId(e: { job_id: string; timestamp: string; host: string | null; task: string | null; thread: string | null; level: string; message: string; stack_trace: string | null }): string {
  const hash = createHash('sha256');
  for (const part of [e.job_id, e.timestamp, e.host, e.task, e.thread, e.level, e.message, e.stack_trace]) {
    hash.update(part ?? '\u0001');
    hash.update('\u0000');
  }
  return hash.digest('hex').slice(0, 32);
}

function assertWellFormed(value: unknown, path: string): void {
  // Lone UTF-16 surrogates (e.g. "\ud800" in JSON) cannot be stored as UTF-8 anywhere downstream.
  if (typeof value === 'string' && !value.isWellFormed()) {
    throw new PermanentError('invalid_utf8', `${path}: contains a lone UTF-16 surrogate, not representable as UTF-8`);
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      assertWellFormed(k, path ? `${path}.${k}` : k);
      assertWellFormed(v, path ? `${path}.${k}` : k);
    }
  }
}

export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka record timestamp, used when the event carries none. */
  timestampMs: number;
  format: JobEvent['source']['format'];
  schemaId: number | null;
}

/** Validates a decoded value against the input contract and returns the normalised event. */
export function normaliseJobLogEvent(value: unknown, origin: RecordOrigin, now: Date = new Date()): JobEvent {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PermanentError('schema_violation', `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  assertWellFormed(value, '');
  const parsed = jobLogEventSchema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PermanentError('schema_violation', detail);
  }
  const input = parsed.data;
  const message = input.message ?? '';
  const stackTrace = input.stack_trace && input.stack_trace.length > 0 ? input.stack_trace : null;
  if (message.trim() === '' && stackTrace === null) {
    throw new PermanentError('schema_violation', 'message and stack_trace are both empty');
  }
  const { level, unrecognised } = normaliseLevel(input.level);
  const timestampMs = input.timestamp === null || input.timestamp === undefined ? origin.timestampMs : parseTimestamp(input.timestamp);
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.attributes ?? {})) attributes[k] = String(v);
  if (unrecognised !== undefined) attributes.level_raw = unrecognised;

  const event: Omit<JobEvent, 'event_id'> = {
    job_id: input.job_id,
    job_name: input.job_name ?? null,
    job_type: input.job_type ?? null,
    job_config: null,
    cluster: input.cluster ?? null,
    env: input.env ?? null,
    host: input.host ?? null,
    task: input.task ?? null,
    thread: input.thread ?? null,
    level,
    timestamp: new Date(timestampMs).toISOString(),
    message,
    stack_trace: stackTrace,
    attributes,
    source: { topic: origin.topic, partition: origin.partition, offset: origin.offset, format: origin.format, schema_id: origin.schemaId },
    ingested_at: now.toISOString(),
  };
  return { event_id: input.event_id ?? deriveEventId(event), ...event };
}
