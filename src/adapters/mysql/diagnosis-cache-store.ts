import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Diagnosis, SharedDiagnosisCache } from '../../stages/diagnose/diagnoser.js';
import { withMysqlRetryClass } from './mysql.js';

/** Longest wait for another worker's generation of the same fingerprint before generating anyway. */
const LOCK_WAIT_SECONDS = 120;

/**
 * The diagnosis cache shared by every diagnose worker of a deployment (table diagnosis_cache),
 * plus a named lock per fingerprint so two workers never generate the same failure at once: the
 * second waits, then finds the first one's answer.
 */
export class MysqlDiagnosisCache implements SharedDiagnosisCache {
  constructor(private readonly pool: Pool) {}

  async get(key: string): Promise<Diagnosis | undefined> {
    const [rows] = await withMysqlRetryClass('read diagnosis_cache', () =>
      this.pool.query<RowDataPacket[]>('SELECT diagnosis FROM diagnosis_cache WHERE fingerprint = ? AND expires_at > NOW(3)', [key]),
    );
    return rows[0] ? (JSON.parse(String(rows[0].diagnosis)) as Diagnosis) : undefined;
  }

  async put(key: string, diagnosis: Diagnosis, ttlMs: number): Promise<void> {
    await withMysqlRetryClass('write diagnosis_cache', () =>
      this.pool.query(
        `INSERT INTO diagnosis_cache (fingerprint, diagnosis, provider, expires_at) VALUES (?, ?, ?, TIMESTAMPADD(MICROSECOND, ?, NOW(3)))
         ON DUPLICATE KEY UPDATE diagnosis = VALUES(diagnosis), provider = VALUES(provider), created_at = NOW(3), expires_at = VALUES(expires_at)`,
        [key, JSON.stringify(diagnosis), diagnosis.provider, ttlMs * 1000],
      ),
    );
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    try {
      // Lock names are limited to 64 characters; fingerprints are 16 hex digits.
      const name = `pd_gen_${key}`.slice(0, 64);
      await conn.query('SELECT GET_LOCK(?, ?)', [name, LOCK_WAIT_SECONDS]);
      try {
        return await fn();
      } finally {
        await conn.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => undefined);
      }
    } finally {
      conn.release();
    }
  }
}
