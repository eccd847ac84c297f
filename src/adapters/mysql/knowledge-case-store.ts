import type { Pool, RowDataPacket } from 'mysql2/promise';
import { withMysqlRetryClass } from './mysql.js';

export interface KnowledgeCaseRow {
  case_id: string;
  error_type: string;
  error_subtype: string | null;
  error_pattern: string;
  root_cause: string;
  solution: string;
  fingerprint: string | null;
  source_exception_id: string | null;
  source_type: 'manual' | 'auto';
  verified: boolean;
}

/** Seed 001's knowledge_cases: the metadata of every case whose vector is in flink_cases. */
export class KnowledgeCaseStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Inserts or updates by case_id. A case someone verified keeps `verified` (loading the shipped
   * knowledge base again must not undo a review), and feedback counts are never touched here.
   */
  async upsert(rows: KnowledgeCaseRow[]): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map((r) => [r.case_id, r.error_type, r.error_subtype, r.error_pattern, r.root_cause, r.solution, r.fingerprint, r.source_exception_id, r.source_type, r.verified]);
    await withMysqlRetryClass('upsert knowledge_cases', () =>
      this.pool.query(
        `INSERT INTO knowledge_cases (case_id, error_type, error_subtype, error_pattern, root_cause, solution, fingerprint, source_exception_id, source_type, verified)
         VALUES ?
         ON DUPLICATE KEY UPDATE error_type = VALUES(error_type), error_subtype = VALUES(error_subtype), error_pattern = VALUES(error_pattern),
           root_cause = VALUES(root_cause), solution = VALUES(solution), verified = verified OR VALUES(verified)`,
        [values],
      ),
    );
  }

  async count(sourceType?: 'manual' | 'auto'): Promise<number> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      sourceType ? 'SELECT COUNT(*) AS n FROM knowledge_cases WHERE source_type = ?' : 'SELECT COUNT(*) AS n FROM knowledge_cases',
      sourceType ? [sourceType] : [],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
