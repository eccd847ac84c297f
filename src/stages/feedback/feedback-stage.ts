import { PermanentError } from '../../core/errors.js';
import type { Sink, Stage, StageOutput } from '../../core/stage.js';
import type { ConsumedRecord } from '../../ports/broker.js';
import { FEEDBACK_MAX_BYTES, validateFeedback, type FeedbackMessage } from './feedback-message.js';
import type { KnowledgeCaseRow } from '../../adapters/mysql/knowledge-case-store.js';

export const FEEDBACK_SINK = 'mysql.diagnosis_feedback';

/** A validated feedback message bound to its exception row: one diagnosis_feedback row. */
export interface FeedbackRow {
  feedback_id: string;
  exception_id: string;
  helpful: boolean | null;
  corrected_error_type: string | null;
  corrected_subtype: string | null;
  corrected_fix: string | null;
  verified: boolean | null;
  submitted_by: string | null;
  comment: string | null;
}

/** What feedback needs of the exception it judges, read under a row lock. */
export interface JudgedException {
  id: string;
  error_message: string;
  stack_trace: string | null;
  error_type: string | null;
  error_subtype: string | null;
  fingerprint: string | null;
  /** The stored diagnosis (seed 001: a JSON object), or null before diagnosis. */
  suggested_fix: string | null;
}

/** A knowledge case someone vouched for: MySQL holds it, the vector store mirrors it. */
export type VerifiedCase = Omit<KnowledgeCaseRow, 'source_exception_id' | 'source_type' | 'verified'> & { source_exception_id: string };

/** A case as stored, to index. */
export type StoredCase = Omit<KnowledgeCaseRow, 'fingerprint' | 'source_exception_id' | 'source_type'>;

export interface ExceptionFinder {
  /** The id of the flink_job_exceptions row with this id or event_id, or null. */
  findException(ref: { exception_id?: string; event_id?: string }): Promise<string | null>;
}

/** The statements applying one feedback, all inside one MySQL transaction. */
export interface FeedbackTransaction {
  /** False when a row with this feedback_id exists: the feedback was applied before. */
  insertFeedback(row: FeedbackRow): Promise<boolean>;
  /** The case an applied feedback verified, if any. */
  verifiedCaseOf(feedbackId: string): Promise<string | null>;
  lockException(id: string): Promise<JudgedException | null>;
  /** Adds one to the case's helpful or unhelpful count; false when there is no such case. */
  rateCase(caseId: string, helpful: boolean): Promise<boolean>;
  correctType(exceptionId: string, errorType: string, subtype: string | null): Promise<void>;
  /** Marks a case verified (and relabels it when a label is given); false when there is no such case. */
  markVerified(caseId: string, label: { error_type: string; subtype: string | null } | null): Promise<boolean>;
  upsertVerifiedCase(c: VerifiedCase): Promise<void>;
  recordOutcome(feedbackId: string, outcome: { previous: { error_type: string | null; subtype: string | null } | null; ratedCaseId: string | null; verifiedCaseId: string | null }): Promise<void>;
}

export interface FeedbackStorePort {
  /** Runs `fn` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: (tx: FeedbackTransaction) => Promise<T>): Promise<T>;
  readCase(caseId: string): Promise<StoredCase | null>;
}

/** The diagnose worker's case for a fingerprint (diagnose-worker.ts `learn`). */
function autoCaseId(fingerprint: string): string {
  return `auto-${fingerprint}`.slice(0, 32);
}

/** The case one exception's verified feedback creates. */
function feedbackCaseId(exceptionId: string): string {
  return `fb-${exceptionId}`;
}

/** The error text as the diagnose worker diagnoses it (and the classifier should have read it). */
export function exceptionText(e: Pick<JudgedException, 'error_message' | 'stack_trace'>): string {
  return e.stack_trace ? `${e.error_message}\n${e.stack_trace}` : e.error_message;
}

/** Decodes a value of the feedback topic; anything wrong with it is permanent. */
function decodeFeedback(record: ConsumedRecord): FeedbackMessage {
  const value = record.value;
  if (!value || value.length === 0) throw new PermanentError('empty_value', 'feedback record has no value');
  if (value.length > FEEDBACK_MAX_BYTES) throw new PermanentError('oversized', `feedback value of ${value.length} bytes exceeds ${FEEDBACK_MAX_BYTES}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    throw new PermanentError('invalid_utf8', 'feedback value is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PermanentError('malformed_json', `feedback value is not JSON: ${(err as Error).message}`);
  }
  const validation = validateFeedback(json);
  if (!validation.ok) throw new PermanentError('schema_violation', `invalid feedback: ${validation.problems.join('; ')}`);
  return validation.message;
}

/** Binds a message to its exception row; the Kafka position is the idempotency key unless the client chose one. */
function toFeedbackRow(message: FeedbackMessage, exceptionId: string, record: Pick<ConsumedRecord, 'topic' | 'partition' | 'offset'>): FeedbackRow {
  return {
    feedback_id: message.feedback_id ?? `${record.topic}-${record.partition}-${record.offset}`,
    exception_id: exceptionId,
    helpful: message.helpful ?? null,
    corrected_error_type: message.corrected_error_type ?? null,
    corrected_subtype: message.corrected_subtype ?? null,
    corrected_fix: message.corrected_fix ?? null,
    verified: message.verified ?? null,
    submitted_by: message.by ?? null,
    comment: message.comment ?? null,
  };
}

/**
 * feedback → diagnosis_feedback and its effects (sink `mysql.diagnosis_feedback`). Invalid values
 * and feedback on exceptions that do not exist go to the DLQ with their reason.
 */
export function createFeedbackStage(exceptions: ExceptionFinder): Stage {
  return {
    name: 'feedback',
    input: 'feedback',
    outputs: { topics: [], sinks: [FEEDBACK_SINK] },
    async process(record: ConsumedRecord): Promise<StageOutput[]> {
      const message = decodeFeedback(record);
      const exceptionId = await exceptions.findException({ exception_id: message.exception_id, event_id: message.event_id });
      if (exceptionId === null) {
        const ref = message.exception_id !== undefined ? `exception_id ${message.exception_id}` : `event_id ${JSON.stringify(message.event_id)}`;
        throw new PermanentError('unknown_exception', `no flink_job_exceptions row with ${ref}`);
      }
      return [{ kind: 'row', sink: FEEDBACK_SINK, row: toFeedbackRow(message, exceptionId, record) }];
    },
  };
}

export interface StoredDiagnosis {
  root_cause?: string;
  suggested_fix?: string;
}

/** The stored diagnosis' root cause and fix; text written by another system counts as the fix. */
export function storedDiagnosis(suggestedFix: string | null): StoredDiagnosis | null {
  if (suggestedFix === null || suggestedFix.trim() === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(suggestedFix);
  } catch {
    return { suggested_fix: suggestedFix };
  }
  if (parsed === null || typeof parsed !== 'object') return { suggested_fix: suggestedFix };
  const { root_cause, suggested_fix } = parsed as Record<string, unknown>;
  return {
    ...(typeof root_cause === 'string' && root_cause ? { root_cause } : {}),
    ...(typeof suggested_fix === 'string' && suggested_fix ? { suggested_fix } : {}),
  };
}

const headline = (text: string) => (text.split('\n', 1)[0] ?? '').slice(0, 500);

/** The label the exception has once this feedback is applied. */
function effectiveLabel(row: FeedbackRow, e: JudgedException): { error_type: string; subtype: string | null } {
  if (row.corrected_error_type) return { error_type: row.corrected_error_type, subtype: row.corrected_subtype };
  return { error_type: e.error_type ?? 'other', subtype: e.error_subtype };
}

/**
 * The case `fb-<exception id>`: found by the error's text, stating the fix the operator gave (or
 * confirmed). Its root cause is the diagnosis' own, except when the feedback called the diagnosis
 * unhelpful: then only the error's headline is known to be right.
 */
function feedbackCase(row: FeedbackRow, e: JudgedException, diagnosis: StoredDiagnosis | null, solution: string): VerifiedCase {
  const label = effectiveLabel(row, e);
  const rootCause = row.helpful !== false && diagnosis?.root_cause ? diagnosis.root_cause : headline(e.error_message);
  return {
    case_id: feedbackCaseId(e.id),
    error_type: label.error_type,
    error_subtype: label.subtype,
    error_pattern: exceptionText(e).slice(0, 2000),
    root_cause: rootCause,
    solution,
    fingerprint: e.fingerprint,
    source_exception_id: e.id,
  };
}

/**
 * Verified feedback vouches for one case: with a corrected fix, `fb-<id>` states it; without, the
 * auto case learned from this fingerprint is the diagnosis being confirmed, or, when none was
 * learned (deterministic or cached answers), `fb-<id>` keeps the stored diagnosis' fix.
 */
async function verifyCase(tx: FeedbackTransaction, row: FeedbackRow, e: JudgedException): Promise<string | null> {
  if (row.corrected_fix === null && e.fingerprint) {
    const autoCase = autoCaseId(e.fingerprint);
    if (await tx.markVerified(autoCase, row.corrected_error_type ? effectiveLabel(row, e) : null)) return autoCase;
  }
  const diagnosis = storedDiagnosis(e.suggested_fix);
  const solution = row.corrected_fix ?? diagnosis?.suggested_fix;
  // Nothing to vouch for: no fix given and none diagnosed yet.
  if (!solution) return null;
  const c = feedbackCase(row, e, diagnosis, solution);
  await tx.upsertVerifiedCase(c);
  return c.case_id;
}

/**
 * Applies one feedback inside a transaction: the feedback row, the helpful/unhelpful count of the
 * auto case of the exception's fingerprint (what MySQL knows produced the diagnosis), the
 * corrected type on the exception, the verified case. Returns the case to (re-)index. A replay
 * changes nothing and returns what the first application verified, so an indexing that failed
 * after the commit is done by the retry.
 */
export async function applyFeedback(tx: FeedbackTransaction, row: FeedbackRow): Promise<string | null> {
  if (!(await tx.insertFeedback(row))) return tx.verifiedCaseOf(row.feedback_id);
  const e = await tx.lockException(row.exception_id);
  // Deleted since the stage found it: the feedback row alone is kept.
  if (!e) return null;
  const autoCase = e.fingerprint ? autoCaseId(e.fingerprint) : null;
  const rated = row.helpful !== null && autoCase !== null && (await tx.rateCase(autoCase, row.helpful)) ? autoCase : null;
  const previous = row.corrected_error_type ? { error_type: e.error_type, subtype: e.error_subtype } : null;
  if (row.corrected_error_type) await tx.correctType(e.id, row.corrected_error_type, row.corrected_subtype);
  const verified = row.verified ? await verifyCase(tx, row, e) : null;
  await tx.recordOutcome(row.feedback_id, { previous, ratedCaseId: rated, verifiedCaseId: verified });
  return verified;
}

/**
 * Applies feedback rows, one transaction each, then mirrors the verified cases into the vector
 * store through `indexCase`. A vector store outage there is a TransientError: the runner retries
 * the chunk, every row is then a replay, and the cases are indexed again (an upsert by case_id).
 */
export class FeedbackSink implements Sink {
  readonly name = FEEDBACK_SINK;

  constructor(
    private readonly store: FeedbackStorePort,
    private readonly indexCase: (c: StoredCase) => Promise<void>,
  ) {}

  async write(rows: unknown[]): Promise<void> {
    const verified = new Set<string>();
    for (const row of rows as FeedbackRow[]) {
      const caseId = await this.store.transaction((tx) => applyFeedback(tx, row));
      if (caseId) verified.add(caseId);
    }
    for (const caseId of verified) {
      // MySQL is the system of record: index the case as it is now, whichever feedback came last.
      const stored = await this.store.readCase(caseId);
      if (stored) await this.indexCase(stored);
    }
  }

  async close(): Promise<void> {}
}
