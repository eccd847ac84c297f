import type { DiagnosisRecordInput } from './diagnosis-fact.js';
import { mulberry32 } from '../../sample/prng.js';

/**
 * Deterministic diagnoses-topic records for the analytics test and benchmark: jobs with skewed
 * failure rates, fingerprints tied to a type and subtype, event times spread over days (some
 * fingerprints only in the last hours), and a share of exceptions diagnosed twice (the later
 * diagnosis must win). Same seed, same records.
 */
export interface SampleOptions {
  count: number;
  seed: number;
  /** Event times fall in (anchorMs − spanMs, anchorMs], at second :30 of a minute. */
  anchorMs: number;
  spanMs?: number;
  /** Share of exceptions with a second, later diagnosis record. */
  rediagnosedShare?: number;
  /** Prefix of the exception ids (several runs in one database stay apart). */
  idPrefix?: string;
}

const TYPES: Record<string, string[]> = {
  checkpoint_failure: ['checkpoint_timeout', 'checkpoint_declined'],
  backpressure: ['slow_sink', 'task_not_exiting'],
  deserialization_error: ['schema_mismatch', 'corrupt_record'],
  oom: ['heap_oom', 'metaspace_oom', 'container_killed'],
  network: ['kafka_broker_unreachable', 'connection_reset'],
  other: ['unknown'],
};
const TYPE_NAMES = Object.keys(TYPES);
const PRIORITIES = ['low', 'medium', 'high'] as const;
const PROVIDERS = ['openai:gpt-4o-mini', 'deterministic', 'openai:gpt-4o-mini:degraded'] as const;
const MINUTE_MS = 60_000;

/** The seeded PRNG of the sample generators (mulberry32). */
export const prng = mulberry32;

export interface SampleDiagnosis extends DiagnosisRecordInput {
  exception_id: string;
  job_id: string;
  diagnosed_at: string;
  event_time: string | null;
  fingerprint: string | null;
  error_type: string | null;
  subtype: string | null;
  time_to_diagnosis_ms: number | null;
  confidence: number;
  provider: string;
  degraded: boolean;
  cached: boolean;
  diagnosis: { root_cause: string; detailed_analysis: string; suggested_fix: string; priority: 'low' | 'medium' | 'high'; related_docs: string[] };
}

/** Every record, first diagnoses then (for the re-diagnosed share) the later ones, in generation order. */
export function generateDiagnoses(options: SampleOptions): SampleDiagnosis[] {
  const random = prng(options.seed);
  const span = options.spanMs ?? 10 * 24 * 3_600_000;
  const rediagnosed = options.rediagnosedShare ?? 0.05;
  const prefix = options.idPrefix ?? '';
  const anchorMinute = Math.floor(options.anchorMs / MINUTE_MS) * MINUTE_MS;
  const jobs = Array.from({ length: 40 }, (_, i) => `job-${String(i).padStart(2, '0')}`);
  // 150 fingerprints, each with its type and subtype; the last 10 are "fresh": last 3 hours only.
  const fingerprints = Array.from({ length: 150 }, (_, i) => {
    const type = TYPE_NAMES[i % TYPE_NAMES.length]!;
    const subtypes = TYPES[type]!;
    return { fp: `fp${i.toString(16).padStart(4, '0')}`, type, subtype: subtypes[Math.floor(i / TYPE_NAMES.length) % subtypes.length]!, fresh: i >= 140 };
  });
  const pick = <T>(items: readonly T[], skew = 1) => items[Math.min(items.length - 1, Math.floor(items.length * random() ** skew))]!;
  const records: SampleDiagnosis[] = [];
  const later: SampleDiagnosis[] = [];
  for (let i = 0; i < options.count; i++) {
    const f = pick(fingerprints, 1.6);
    const job = pick(jobs, 2.2);
    const minutesAgo = f.fresh ? 1 + Math.floor(random() * 180) : 1 + Math.floor(random() * (span / MINUTE_MS - 1));
    const eventMs = anchorMinute - minutesAgo * MINUTE_MS + 30_000;
    const knownTime = random() >= 0.005;
    const ttd = knownTime && random() >= 0.01 ? 200 + Math.floor(random() ** 3 * 600_000) : null;
    const diagnosedMs = eventMs + (ttd ?? 5_000);
    const provider = pick(PROVIDERS);
    const unclassified = random() < 0.003;
    const record: SampleDiagnosis = {
      exception_id: `${prefix}${1_000_000 + i}`,
      event_id: `ev-${prefix}${i}`,
      job_id: job,
      job_name: `Job ${job.slice(4)} (orders)`,
      error_type: unclassified ? null : f.type,
      subtype: unclassified ? null : f.subtype,
      fingerprint: unclassified ? null : f.fp,
      event_time: knownTime ? new Date(eventMs).toISOString().slice(0, 23).replace('T', ' ') : null,
      diagnosed_at: new Date(diagnosedMs).toISOString(),
      time_to_diagnosis_ms: ttd,
      diagnosis: {
        root_cause: `${f.type} in ${f.subtype}: root cause #${i % 7} for ${f.fp}`,
        detailed_analysis: `Analysis of ${f.fp} on ${job}.`,
        suggested_fix: `Fix ${i % 5} for ${f.subtype}`,
        priority: pick(PRIORITIES),
        related_docs: [`https://nightlies.apache.org/flink/doc-${i % 3}`],
      },
      confidence: Math.round(random() * 1000) / 1000,
      provider,
      degraded: provider.endsWith(':degraded'),
      cached: random() < 0.3,
      similar_cases: [{ case_id: `case-${i % 11}`, score: 0.5 }],
    };
    records.push(record);
    // A re-diagnosis keeps the exception's identity and time; the answer, its time and flags change.
    // (Not for exceptions without an event time: their fact's time is the diagnosis time.)
    if (record.event_time !== null && random() < rediagnosed) {
      const laterTtd = (ttd ?? 5_000) + 60_000 + Math.floor(random() * 600_000);
      later.push({
        ...record,
        diagnosed_at: new Date(eventMs + laterTtd).toISOString(),
        time_to_diagnosis_ms: ttd === null ? null : laterTtd,
        diagnosis: { ...record.diagnosis, root_cause: `re-diagnosed ${f.fp}: ${i}`, priority: pick(PRIORITIES) },
        provider: 'openai:gpt-4o-mini',
        degraded: false,
        confidence: Math.round(random() * 1000) / 1000,
      });
    }
  }
  return [...records, ...later];
}
