import { z } from 'zod';
import { PermanentError } from '../../core/errors.js';

/**
 * The diagnoses topic's value (DiagnosisRecord in ../diagnose/diagnose-worker.ts) as analytics
 * reads it: the identity, time and group-by fields are required, descriptive ones default, and
 * unknown fields pass (a newer producer may add some). Strings are data, inserted as values.
 */
const timestamp = z
  .string()
  .max(40)
  .transform((s, ctx) => {
    const ms = parseUtc(s);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `not a timestamp: ${JSON.stringify(s.slice(0, 40))}`, input: s });
      return z.NEVER;
    }
    return ms;
  });

const diagnosisRecordSchema = z.object({
  // flink_job_exceptions.id; a number is accepted from producers that did not stringify it
  exception_id: z.union([z.string().min(1).max(64), z.number().int().nonnegative().transform(String)]),
  event_id: z.string().max(64).nullish(),
  job_id: z.string().min(1).max(256),
  job_name: z.string().max(1024).nullish(),
  error_type: z.string().max(64).nullish(),
  subtype: z.string().max(64).nullish(),
  fingerprint: z.string().max(64).nullish(),
  event_time: timestamp.nullish(),
  diagnosed_at: timestamp,
  time_to_diagnosis_ms: z.number().nonnegative().finite().nullish(),
  diagnosis: z.object({
    root_cause: z.string(),
    detailed_analysis: z.string().default(''),
    suggested_fix: z.string(),
    priority: z.enum(['low', 'medium', 'high']),
    related_docs: z.array(z.string()).default([]),
  }),
  confidence: z.number().min(0).max(1),
  provider: z.string().min(1).max(128),
  degraded: z.boolean().default(false),
  cached: z.boolean().default(false),
  similar_cases: z.array(z.object({ case_id: z.string(), score: z.number().finite() })).default([]),
});

export type DiagnosisRecordInput = z.input<typeof diagnosisRecordSchema>;

/** A row of ClickHouse `diagnosis_facts` (migrations/0002), as JSONEachRow values. */
export interface DiagnosisFactRow {
  exception_id: string;
  event_id: string | null;
  /** `YYYY-MM-DD hh:mm:ss.sss`, UTC. */
  event_time: string;
  job_id: string;
  job_name: string | null;
  error_type: string;
  subtype: string;
  fingerprint: string;
  priority: 'low' | 'medium' | 'high';
  confidence: number;
  diagnosed_at: string;
  time_to_diagnosis_ms: number | null;
  provider: string;
  degraded: boolean;
  cached: boolean;
  root_cause: string;
  detailed_analysis: string;
  suggested_fix: string;
  related_docs: string[];
  similar_case_ids: string[];
  similar_case_scores: number[];
  source_partition: number;
  source_offset: string;
}

/** What the facts table stores for an exception the classifier did not type. */
export const UNKNOWN_ERROR_TYPE = 'unknown';

/**
 * Decodes one diagnoses record into its fact row. Bad input (not UTF-8, not JSON, missing or
 * mistyped fields) is a PermanentError, so the runner dead-letters it with the reason.
 */
export function toDiagnosisFact(value: Buffer | null, source: { partition: number; offset: string }): DiagnosisFactRow {
  if (value === null || value.length === 0) throw new PermanentError('empty_value', 'diagnoses record has no value');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    throw new PermanentError('invalid_utf8', 'diagnoses value is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PermanentError('malformed_json', `diagnoses value is not JSON: ${(err as Error).message}`);
  }
  const parsed = diagnosisRecordSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`);
    throw new PermanentError('schema_violation', `diagnoses value is not a diagnosis record: ${problems.join('; ')}`);
  }
  const r = parsed.data;
  return {
    exception_id: r.exception_id,
    event_id: r.event_id ?? null,
    // Without the exception's own time the diagnosis time stands in (the table needs one to
    // partition and expire by).
    event_time: toClickHouseTime(r.event_time ?? r.diagnosed_at),
    job_id: r.job_id,
    job_name: r.job_name ?? null,
    error_type: r.error_type || UNKNOWN_ERROR_TYPE,
    subtype: r.subtype ?? '',
    fingerprint: r.fingerprint ?? '',
    priority: r.diagnosis.priority,
    confidence: r.confidence,
    diagnosed_at: toClickHouseTime(r.diagnosed_at),
    time_to_diagnosis_ms: r.time_to_diagnosis_ms == null ? null : Math.round(r.time_to_diagnosis_ms),
    provider: r.provider,
    degraded: r.degraded,
    cached: r.cached,
    root_cause: r.diagnosis.root_cause,
    detailed_analysis: r.diagnosis.detailed_analysis,
    suggested_fix: r.diagnosis.suggested_fix,
    related_docs: r.diagnosis.related_docs,
    similar_case_ids: r.similar_cases.map((c) => c.case_id),
    similar_case_scores: r.similar_cases.map((c) => c.score),
    source_partition: source.partition,
    source_offset: source.offset,
  };
}

// DateTime64's range; anything outside is a producer bug, not a time.
const MIN_MS = Date.UTC(1900, 0, 1);
const MAX_MS = Date.UTC(2299, 11, 31);
const SQL_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;

/** ISO 8601 (with a zone), or MySQL's `YYYY-MM-DD hh:mm:ss[.fff]` taken as UTC (the pool's time zone). */
function parseUtc(s: string): number | undefined {
  const ms = SQL_TIME.test(s) ? Date.parse(`${s.replace(' ', 'T')}Z`) : /(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(s) ? Date.parse(s) : NaN;
  return Number.isFinite(ms) && ms >= MIN_MS && ms <= MAX_MS ? ms : undefined;
}

export function toClickHouseTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
}
