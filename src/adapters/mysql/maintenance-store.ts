import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { withMysqlRetryClass } from './mysql.js';
import type { KnowledgeCaseRow } from './knowledge-case-store.js';

const EXCEPTIONS = 'flink_job_exceptions';
const ARCHIVE = 'flink_job_exceptions_archive';

/** `NOW(3)` minus `days`, in the server's clock and zone: the one rows' `created_at` defaults use. */
async function horizon(pool: Pool, days: number): Promise<string> {
  const [rows] = await withMysqlRetryClass('read retention horizon', () => pool.query<RowDataPacket[]>('SELECT DATE_SUB(NOW(3), INTERVAL ? DAY) AS h', [days]));
  return String(rows[0]!.h);
}

async function columnsOf(pool: Pool, table: string): Promise<string[]> {
  const [rows] = await withMysqlRetryClass('read table columns', () =>
    pool.query<RowDataPacket[]>('SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [table]),
  );
  return rows.map((r) => String(r.c));
}

/** READ COMMITTED: the batch locks the rows it moves, not the gaps around them (no blocked inserts). */
async function readCommittedTransaction<T>(conn: PoolConnection, fn: () => Promise<T>): Promise<T> {
  await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
  await conn.beginTransaction();
  try {
    const result = await fn();
    await conn.commit();
    return result;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  }
}

export interface RetentionOutcome {
  /** Rows older than this (`created_at <`, server time) were removed. */
  horizon: string;
  rows: number;
  batches: number;
}

/**
 * The MySQL side of the scheduled maintenance jobs: retention of flink_job_exceptions (archived,
 * then deleted) and job_log_events (deleted), and reading every knowledge case for re-embedding.
 * Retention works in bounded batches, each its own transaction, so it never holds locks on, or
 * builds undo for, more than one batch; a run stopped half-way leaves only whole batches done.
 */
export class MaintenanceStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Moves the flink_job_exceptions rows created more than `days` ago to
   * flink_job_exceptions_archive and deletes them, `batchRows` per transaction. Between batches
   * `checkpoint` may throw to stop (shutdown, lost claim). Knowledge cases that name a removed
   * exception as their source keep existing; their link is set to NULL by seed 001's foreign key
   * (ON DELETE SET NULL), and the archive keeps the exception under the same id.
   */
  async archiveExceptions(days: number, batchRows: number, checkpoint: () => void = () => undefined): Promise<RetentionOutcome> {
    const live = await columnsOf(this.pool, EXCEPTIONS);
    const archived = new Set(await columnsOf(this.pool, ARCHIVE));
    const missing = live.filter((c) => !archived.has(c));
    if (archived.size === 0) throw new Error(`${ARCHIVE} does not exist: run the MySQL migrations (any pipeline-doctor command that uses MySQL applies them)`);
    if (missing.length > 0) throw new Error(`${ARCHIVE} lacks column(s) ${missing.join(', ')} of ${EXCEPTIONS}: add them to the archive in the migration that added them`);
    const columns = live.map((c) => `\`${c}\``).join(', ');
    const before = await horizon(this.pool, days);
    let rows = 0;
    let batches = 0;
    for (;;) {
      checkpoint();
      const moved = await withMysqlRetryClass('archive flink_job_exceptions', async () => {
        const conn = await this.pool.getConnection();
        try {
          return await readCommittedTransaction(conn, async () => {
            const [ids] = await conn.query<RowDataPacket[]>(`SELECT id FROM ${EXCEPTIONS} WHERE created_at < ? ORDER BY created_at, id LIMIT ? FOR UPDATE`, [before, batchRows]);
            if (ids.length === 0) return 0;
            const idList = ids.map((r) => String(r.id));
            const [inserted] = await conn.query<ResultSetHeader>(`INSERT INTO ${ARCHIVE} (${columns}, archived_at) SELECT ${columns}, UTC_TIMESTAMP(3) FROM ${EXCEPTIONS} WHERE id IN (?)`, [idList]);
            const [deleted] = await conn.query<ResultSetHeader>(`DELETE FROM ${EXCEPTIONS} WHERE id IN (?)`, [idList]);
            // The rows are locked, so both must match the batch; anything else is rolled back.
            if (inserted.affectedRows !== idList.length || deleted.affectedRows !== idList.length) {
              throw new Error(`archive batch mismatch: ${idList.length} selected, ${inserted.affectedRows} archived, ${deleted.affectedRows} deleted`);
            }
            return idList.length;
          });
        } finally {
          conn.release();
        }
      });
      rows += moved;
      if (moved > 0) batches++;
      if (moved < batchRows) return { horizon: before, rows, batches };
    }
  }

  /** Deletes job_log_events rows created more than `days` ago, `batchRows` per statement (each its own transaction). */
  async deleteJobLogEvents(days: number, batchRows: number, checkpoint: () => void = () => undefined): Promise<RetentionOutcome> {
    const before = await horizon(this.pool, days);
    let rows = 0;
    let batches = 0;
    for (;;) {
      checkpoint();
      const [result] = await withMysqlRetryClass('delete job_log_events', () =>
        this.pool.query<ResultSetHeader>('DELETE FROM job_log_events WHERE created_at < ? ORDER BY created_at LIMIT ?', [before, batchRows]),
      );
      rows += result.affectedRows;
      if (result.affectedRows > 0) batches++;
      if (result.affectedRows < batchRows) return { horizon: before, rows, batches };
    }
  }

  /** Every knowledge case, `pageSize` at a time in id order (a large table is never read whole). */
  async *knowledgeCases(pageSize = 500): AsyncGenerator<KnowledgeCaseRow[]> {
    let after = '0';
    for (;;) {
      const [rows] = await withMysqlRetryClass('read knowledge_cases', () =>
        this.pool.query<RowDataPacket[]>(
          `SELECT id, case_id, error_type, error_subtype, error_pattern, root_cause, solution, fingerprint, source_exception_id, source_type, verified
             FROM knowledge_cases WHERE id > ? ORDER BY id LIMIT ?`,
          [after, pageSize],
        ),
      );
      if (rows.length === 0) return;
      yield rows.map((r) => ({
        case_id: String(r.case_id),
        error_type: String(r.error_type),
        error_subtype: r.error_subtype === null ? null : String(r.error_subtype),
        error_pattern: String(r.error_pattern ?? ''),
        root_cause: String(r.root_cause),
        solution: String(r.solution),
        fingerprint: r.fingerprint === null ? null : String(r.fingerprint),
        source_exception_id: r.source_exception_id === null ? null : String(r.source_exception_id),
        source_type: (r.source_type ?? 'manual') as KnowledgeCaseRow['source_type'],
        verified: Boolean(Number(r.verified)),
      }));
      if (rows.length < pageSize) return;
      after = String(rows[rows.length - 1]!.id);
    }
  }
}
