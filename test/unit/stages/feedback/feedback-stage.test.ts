import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../../../src/core/errors.js';
import type { ConsumedRecord } from '../../../../src/ports/broker.js';
import {
  FEEDBACK_SINK,
  FeedbackSink,
  applyFeedback,
  createFeedbackStage,
  storedDiagnosis,
  type FeedbackRow,
  type FeedbackStorePort,
  type FeedbackTransaction,
  type JudgedException,
  type StoredCase,
  type VerifiedCase,
} from '../../../../src/stages/feedback/feedback-stage.js';

const record = (value: string | Buffer | null, offset = '17'): ConsumedRecord => ({
  topic: 'pd.feedback',
  partition: 2,
  offset,
  key: null,
  value: typeof value === 'string' ? Buffer.from(value) : value,
  headers: {},
  timestamp: '0',
});

const reasonOf = async (fn: () => unknown): Promise<string | undefined> => {
  try {
    await fn();
    return undefined;
  } catch (err) {
    if (err instanceof PermanentError) return err.reason;
    throw err;
  }
};

const EXCEPTION: JudgedException = {
  id: '42',
  error_message: 'org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing.',
  stack_trace: '\tat org.apache.flink.runtime.checkpoint.CheckpointCoordinator.abortPendingCheckpoint(CheckpointCoordinator.java:2190)',
  error_type: 'checkpoint_failure',
  error_subtype: 'checkpoint_timeout',
  fingerprint: '0123456789abcdef',
  suggested_fix: JSON.stringify({ root_cause: 'Checkpoints are slower than the timeout.', suggested_fix: 'Raise execution.checkpointing.timeout.', priority: 'high' }),
};

/** The tables feedback touches, in memory; a transaction applies on commit only. */
class MemoryFeedbackStore implements FeedbackStorePort {
  feedback = new Map<string, FeedbackRow & { outcome?: unknown; verified_case_id?: string | null }>();
  exceptions = new Map<string, JudgedException>([[EXCEPTION.id, { ...EXCEPTION }]]);
  cases = new Map<string, StoredCase & { helpful: number; unhelpful: number }>();
  transactions = 0;

  addCase(caseId: string, verified = false): void {
    this.cases.set(caseId, { case_id: caseId, error_type: 'checkpoint_failure', error_subtype: 'checkpoint_timeout', error_pattern: 'p', root_cause: 'r', solution: 'model fix', verified, helpful: 0, unhelpful: 0 });
  }

  async transaction<T>(fn: (tx: FeedbackTransaction) => Promise<T>): Promise<T> {
    this.transactions++;
    const copy = structuredClone({ feedback: this.feedback, exceptions: this.exceptions, cases: this.cases });
    const tx: FeedbackTransaction = {
      insertFeedback: async (row) => !copy.feedback.has(row.feedback_id) && !!copy.feedback.set(row.feedback_id, { ...row }),
      verifiedCaseOf: async (id) => copy.feedback.get(id)?.verified_case_id ?? null,
      lockException: async (id) => copy.exceptions.get(id) ?? null,
      rateCase: async (caseId, helpful) => {
        const c = copy.cases.get(caseId);
        if (c) c[helpful ? 'helpful' : 'unhelpful']++;
        return !!c;
      },
      correctType: async (id, errorType, subtype) => {
        Object.assign(copy.exceptions.get(id)!, { error_type: errorType, error_subtype: subtype });
      },
      markVerified: async (caseId, label) => {
        const c = copy.cases.get(caseId);
        if (c) Object.assign(c, { verified: true }, label ? { error_type: label.error_type, error_subtype: label.subtype } : {});
        return !!c;
      },
      upsertVerifiedCase: async (c: VerifiedCase) => {
        copy.cases.set(c.case_id, { ...(copy.cases.get(c.case_id) ?? { helpful: 0, unhelpful: 0 }), ...c, verified: true });
      },
      recordOutcome: async (id, outcome) => {
        Object.assign(copy.feedback.get(id)!, { outcome, verified_case_id: outcome.verifiedCaseId });
      },
    };
    const result = await fn(tx);
    Object.assign(this, copy);
    return result;
  }

  async readCase(caseId: string): Promise<StoredCase | null> {
    const c = this.cases.get(caseId);
    if (!c) return null;
    const { helpful: _h, unhelpful: _u, ...stored } = c;
    return stored;
  }
}

const row = (fields: Partial<FeedbackRow>): FeedbackRow => ({
  feedback_id: 'f1',
  exception_id: EXCEPTION.id,
  helpful: null,
  corrected_error_type: null,
  corrected_subtype: null,
  corrected_fix: null,
  verified: null,
  submitted_by: null,
  comment: null,
  ...fields,
});

describe('feedback stage', () => {
  const stage = createFeedbackStage({ findException: async (ref) => (ref.exception_id === '42' || ref.event_id === 'ev-42' ? '42' : null) });

  it('dead-letters what cannot be feedback, with the reason', async () => {
    expect(await reasonOf(() => stage.process(record(null)))).toBe('empty_value');
    expect(await reasonOf(() => stage.process(record(`{"comment":"${'x'.repeat(70_000)}"}`)))).toBe('oversized');
    expect(await reasonOf(() => stage.process(record(Buffer.from([0x7b, 0xff, 0x7d]))))).toBe('invalid_utf8');
    expect(await reasonOf(() => stage.process(record('{"exception_id":')))).toBe('malformed_json');
    expect(await reasonOf(() => stage.process(record('{"exception_id":"42","corrected_error_type":"disk"}')))).toBe('schema_violation');
    expect(await reasonOf(() => stage.process(record('{"exception_id":"43","helpful":true}')))).toBe('unknown_exception');
  });

  it('says in the DLQ message what is wrong', async () => {
    await expect(stage.process(record('{"exception_id":"42","corrected_error_type":"oom","corrected_subtype":"rpc_timeout"}'))).rejects.toThrow(/invalid feedback: corrected_subtype: not a subtype of oom/);
    await expect(stage.process(record('{"event_id":"ev-9","helpful":true}'))).rejects.toThrow('no flink_job_exceptions row with event_id "ev-9"');
  });

  it('keys a feedback by its Kafka position unless the client named it', async () => {
    const [derived] = await stage.process(record('{"event_id":"ev-42","helpful":true}'));
    expect(derived).toEqual({ kind: 'row', sink: FEEDBACK_SINK, row: row({ feedback_id: 'pd.feedback-2-17', helpful: true }) });
    const [named] = await stage.process(record('{"feedback_id":"ticket-1","exception_id":"42","verified":true,"by":"a"}'));
    expect(named).toMatchObject({ row: { feedback_id: 'ticket-1', verified: true, submitted_by: 'a' } });
  });
});

describe('applying feedback', () => {
  it('counts, corrects the type and verifies the corrected fix as fb-<id>', async () => {
    const store = new MemoryFeedbackStore();
    store.addCase('auto-0123456789abcdef');
    const feedback = row({ helpful: false, corrected_error_type: 'oom', corrected_subtype: 'heap_oom', corrected_fix: 'Give the task managers 4 GB of heap.', verified: true });
    expect(await store.transaction((tx) => applyFeedback(tx, feedback))).toBe('fb-42');

    expect(store.cases.get('auto-0123456789abcdef')).toMatchObject({ unhelpful: 1, helpful: 0, verified: false });
    expect(store.exceptions.get('42')).toMatchObject({ error_type: 'oom', error_subtype: 'heap_oom' });
    expect(store.cases.get('fb-42')).toMatchObject({
      error_type: 'oom',
      error_subtype: 'heap_oom',
      error_pattern: `${EXCEPTION.error_message}\n${EXCEPTION.stack_trace}`,
      // The diagnosis was called unhelpful: its root cause is not carried into a verified case.
      root_cause: EXCEPTION.error_message,
      solution: 'Give the task managers 4 GB of heap.',
      source_exception_id: '42',
      verified: true,
    });
    expect(store.feedback.get('f1')?.outcome).toEqual({ previous: { error_type: 'checkpoint_failure', subtype: 'checkpoint_timeout' }, ratedCaseId: 'auto-0123456789abcdef', verifiedCaseId: 'fb-42' });
  });

  it('changes nothing on a replay and names the case to index again', async () => {
    const store = new MemoryFeedbackStore();
    store.addCase('auto-0123456789abcdef');
    const feedback = row({ helpful: false, corrected_fix: 'fix', verified: true });
    await store.transaction((tx) => applyFeedback(tx, feedback));
    const before = structuredClone(store.cases);
    expect(await store.transaction((tx) => applyFeedback(tx, { ...feedback, helpful: true }))).toBe('fb-42');
    expect(store.cases).toEqual(before);
  });

  it('verifies the auto case when the diagnosis is confirmed as it is', async () => {
    const store = new MemoryFeedbackStore();
    store.addCase('auto-0123456789abcdef');
    expect(await store.transaction((tx) => applyFeedback(tx, row({ helpful: true, verified: true })))).toBe('auto-0123456789abcdef');
    expect(store.cases.get('auto-0123456789abcdef')).toMatchObject({ helpful: 1, verified: true, solution: 'model fix' });
    expect(store.cases.has('fb-42')).toBe(false);
  });

  it('keeps a confirmed diagnosis as fb-<id> when no auto case was learned', async () => {
    const store = new MemoryFeedbackStore();
    expect(await store.transaction((tx) => applyFeedback(tx, row({ helpful: true, verified: true })))).toBe('fb-42');
    expect(store.cases.get('fb-42')).toMatchObject({ root_cause: 'Checkpoints are slower than the timeout.', solution: 'Raise execution.checkpointing.timeout.', error_type: 'checkpoint_failure', error_subtype: 'checkpoint_timeout' });
    expect(store.feedback.get('f1')?.outcome).toMatchObject({ ratedCaseId: null, previous: null });
  });

  it('verifies nothing when there is neither a fix given nor a diagnosis', async () => {
    const store = new MemoryFeedbackStore();
    store.exceptions.get('42')!.suggested_fix = null;
    expect(await store.transaction((tx) => applyFeedback(tx, row({ verified: true })))).toBeNull();
    expect(store.cases.size).toBe(0);
    expect(store.feedback.has('f1')).toBe(true);
  });

  it('reads diagnoses other systems stored as plain text', () => {
    expect(storedDiagnosis('restart the job')).toEqual({ suggested_fix: 'restart the job' });
    expect(storedDiagnosis('{"root_cause":"r","suggested_fix":""}')).toEqual({ root_cause: 'r' });
    expect(storedDiagnosis('  ')).toBeNull();
  });
});

describe('feedback sink', () => {
  it('indexes verified cases after the commit, and again after a vector store outage without counting twice', async () => {
    const store = new MemoryFeedbackStore();
    store.addCase('auto-0123456789abcdef');
    const indexed: StoredCase[] = [];
    let down = true;
    const sink = new FeedbackSink(store, async (c) => {
      if (down) throw new TransientError('milvus', 'UNAVAILABLE');
      indexed.push(c);
    });
    const rows = [row({ helpful: false, corrected_fix: 'the right fix', verified: true }), row({ feedback_id: 'f2', helpful: false })];
    await expect(sink.write(rows)).rejects.toBeInstanceOf(TransientError);
    expect(store.cases.get('fb-42')?.verified).toBe(true);
    down = false;
    await sink.write(rows);
    expect(indexed).toEqual([expect.objectContaining({ case_id: 'fb-42', solution: 'the right fix', verified: true })]);
    expect(store.cases.get('auto-0123456789abcdef')?.unhelpful).toBe(2);
    expect(store.feedback.size).toBe(2);
  });
});
