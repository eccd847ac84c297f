import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { ExceptionFinder, FeedbackRow, FeedbackStorePort, FeedbackTransaction, JudgedException, StoredCase, VerifiedCase } from '../../stages/feedback/feedback-stage.js';
import { inTransaction, withMysqlRetryClass } from './mysql.js';

/** A corrected label with the text it labels, for training. */
export interface Correction {
  exception_id: string;
  feedback_id: string;
  error_message: string;
  stack_trace: string | null;
  error_type: string;
  subtype: string | null;
}

const EXPORT_PAGE = 500;

/** The statements of one feedback transaction, on the transaction's connection. */
class MysqlFeedbackTransaction implements FeedbackTransaction {
  constructor(private readonly conn: PoolConnection) {}

  async insertFeedback(row: FeedbackRow): Promise<boolean> {
    try {
      await this.conn.query(
        `INSERT INTO diagnosis_feedback (feedback_id, exception_id, helpful, corrected_error_type, corrected_subtype, corrected_fix, verified, submitted_by, comment)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [row.feedback_id, row.exception_id, row.helpful, row.corrected_error_type, row.corrected_subtype, row.corrected_fix, row.verified, row.submitted_by, row.comment],
      );
      return true;
    } catch (err) {
      // Not ON DUPLICATE KEY UPDATE: with the FOUND_ROWS flag mysql2 sets, its affected-row count
      // is 1 for a duplicate too. A duplicate-key error undoes the statement, not the transaction.
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') return false;
      throw err;
    }
  }

  async verifiedCaseOf(feedbackId: string): Promise<string | null> {
    const [rows] = await this.conn.query<RowDataPacket[]>('SELECT verified_case_id FROM diagnosis_feedback WHERE feedback_id = ?', [feedbackId]);
    return (rows[0]?.verified_case_id as string | null | undefined) ?? null;
  }

  async lockException(id: string): Promise<JudgedException | null> {
    const [rows] = await this.conn.query<RowDataPacket[]>(
      'SELECT id, error_message, stack_trace, error_type, error_subtype, fingerprint, suggested_fix FROM flink_job_exceptions WHERE id = ? FOR UPDATE',
      [id],
    );
    const r = rows[0];
    return r ? { ...(r as JudgedException), id: String(r.id) } : null;
  }

  async rateCase(caseId: string, helpful: boolean): Promise<boolean> {
    const [res] = await this.conn.query<ResultSetHeader>(
      'UPDATE knowledge_cases SET helpful_count = helpful_count + ?, unhelpful_count = unhelpful_count + ? WHERE case_id = ?',
      [helpful ? 1 : 0, helpful ? 0 : 1, caseId],
    );
    return res.affectedRows === 1;
  }

  async correctType(exceptionId: string, errorType: string, subtype: string | null): Promise<void> {
    await this.conn.query('UPDATE flink_job_exceptions SET error_type = ?, error_subtype = ? WHERE id = ?', [errorType, subtype, exceptionId]);
  }

  async markVerified(caseId: string, label: { error_type: string; subtype: string | null } | null): Promise<boolean> {
    // affectedRows counts matched rows (FOUND_ROWS), so an already verified case still counts.
    const [res] = label
      ? await this.conn.query<ResultSetHeader>('UPDATE knowledge_cases SET verified = TRUE, error_type = ?, error_subtype = ? WHERE case_id = ?', [label.error_type, label.subtype, caseId])
      : await this.conn.query<ResultSetHeader>('UPDATE knowledge_cases SET verified = TRUE WHERE case_id = ?', [caseId]);
    return res.affectedRows === 1;
  }

  async upsertVerifiedCase(c: VerifiedCase): Promise<void> {
    await this.conn.query(
      `INSERT INTO knowledge_cases (case_id, error_type, error_subtype, error_pattern, root_cause, solution, fingerprint, source_exception_id, source_type, verified)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'manual', TRUE)
       ON DUPLICATE KEY UPDATE error_type = VALUES(error_type), error_subtype = VALUES(error_subtype), error_pattern = VALUES(error_pattern),
         root_cause = VALUES(root_cause), solution = VALUES(solution), verified = TRUE`,
      [c.case_id, c.error_type, c.error_subtype, c.error_pattern, c.root_cause, c.solution, c.fingerprint, c.source_exception_id],
    );
  }

  async recordOutcome(feedbackId: string, outcome: { previous: { error_type: string | null; subtype: string | null } | null; ratedCaseId: string | null; verifiedCaseId: string | null }): Promise<void> {
    await this.conn.query(
      'UPDATE diagnosis_feedback SET previous_error_type = ?, previous_error_subtype = ?, rated_case_id = ?, verified_case_id = ? WHERE feedback_id = ?',
      [outcome.previous?.error_type ?? null, outcome.previous?.subtype ?? null, outcome.ratedCaseId, outcome.verifiedCaseId, feedbackId],
    );
  }
}

/** diagnosis_feedback and the rows feedback changes (flink_job_exceptions, knowledge_cases). */
export class FeedbackStore implements ExceptionFinder, FeedbackStorePort {
  constructor(private readonly pool: Pool) {}

  async findException(ref: { exception_id?: string; event_id?: string }): Promise<string | null> {
    const [rows] = await withMysqlRetryClass('find flink_job_exceptions', () =>
      ref.exception_id !== undefined
        ? this.pool.query<RowDataPacket[]>('SELECT id FROM flink_job_exceptions WHERE id = ?', [ref.exception_id])
        : this.pool.query<RowDataPacket[]>('SELECT id FROM flink_job_exceptions WHERE event_id = ?', [ref.event_id ?? null]),
    );
    return rows[0] ? String(rows[0].id) : null;
  }

  transaction<T>(fn: (tx: FeedbackTransaction) => Promise<T>): Promise<T> {
    return withMysqlRetryClass('apply feedback', () => inTransaction(this.pool, (conn) => fn(new MysqlFeedbackTransaction(conn))));
  }

  async readCase(caseId: string): Promise<StoredCase | null> {
    const [rows] = await withMysqlRetryClass('read knowledge_cases', () =>
      this.pool.query<RowDataPacket[]>('SELECT case_id, error_type, error_subtype, error_pattern, root_cause, solution, verified FROM knowledge_cases WHERE case_id = ?', [caseId]),
    );
    const r = rows[0];
    return r ? { ...(r as StoredCase), error_pattern: String(r.error_pattern ?? ''), verified: Boolean(r.verified) } : null;
  }

  /**
   * Every exception's latest type correction with the exception's text, by exception id. Paged,
   * so a large table is never held in memory at once.
   */
  async *corrections(): AsyncGenerator<Correction> {
    let after = '0';
    for (;;) {
      const [rows] = await withMysqlRetryClass('read corrections', () =>
        this.pool.query<RowDataPacket[]>(
          `SELECT f.exception_id, f.feedback_id, e.error_message, e.stack_trace, f.corrected_error_type AS error_type, f.corrected_subtype AS subtype
             FROM diagnosis_feedback f
             -- Retention moves old exceptions to the archive; their corrections stay training data.
             JOIN (SELECT id, error_message, stack_trace FROM flink_job_exceptions
                   UNION ALL SELECT id, error_message, stack_trace FROM flink_job_exceptions_archive) e ON e.id = f.exception_id
            WHERE f.corrected_error_type IS NOT NULL AND f.exception_id > ?
              AND NOT EXISTS (SELECT 1 FROM diagnosis_feedback later
                               WHERE later.exception_id = f.exception_id AND later.corrected_error_type IS NOT NULL AND later.id > f.id)
            ORDER BY f.exception_id
            LIMIT ?`,
          [after, EXPORT_PAGE],
        ),
      );
      for (const r of rows) yield { ...(r as Correction), exception_id: String(r.exception_id) };
      if (rows.length < EXPORT_PAGE) return;
      after = String(rows[rows.length - 1]!.exception_id);
    }
  }
}
