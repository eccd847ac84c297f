import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Sink } from '../../core/stage.js';
import { DIAGNOSIS_FACTS_SINK } from '../../stages/analytics/analytics-stage.js';
import type { DiagnosisFactRow } from '../../stages/analytics/diagnosis-fact.js';
import { withClickHouseRetryClass } from './clickhouse.js';

/**
 * One insert per chunk into diagnosis_facts. Idempotent twice over: a retried chunk carries the
 * same de-duplication token and is dropped at insert time; the same facts in another batch
 * collapse by ReplacingMergeTree, and the aggregates' states ignore repeats (migration 0003).
 */
export class ClickHouseDiagnosisFactsSink implements Sink {
  readonly name = DIAGNOSIS_FACTS_SINK;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  async write(rows: unknown[], batchId: string): Promise<void> {
    if (rows.length === 0) return;
    const facts = rows as DiagnosisFactRow[];
    await withClickHouseRetryClass('insert diagnosis_facts', () =>
      this.client.insert({
        table: `${this.database}.diagnosis_facts`,
        values: facts,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplicate: 1, insert_deduplication_token: dedupToken(batchId, facts) },
      }),
    );
  }

  async close(): Promise<void> {}
}

/**
 * The input range names the batch; a hash of what identifies its facts (exception, diagnosis
 * time, offset) keeps a recreated topic, whose offsets start from 0 again, from having its new
 * batches dropped as repeats of old ones still in the de-duplication window.
 */
export function dedupToken(batchId: string, facts: readonly DiagnosisFactRow[]): string {
  const hash = createHash('sha256');
  for (const f of facts) hash.update(`${f.exception_id}\u0000${f.diagnosed_at}\u0000${f.source_offset}\n`);
  return `${batchId}:${hash.digest('hex').slice(0, 32)}`;
}
