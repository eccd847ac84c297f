import type { Stage, StageOutput } from '../../core/stage.js';
import type { ConsumedRecord } from '../../ports/broker.js';
import { toDiagnosisFact } from './diagnosis-fact.js';

export const DIAGNOSIS_FACTS_SINK = 'clickhouse.diagnosis_facts';

/**
 * diagnoses → ClickHouse diagnosis_facts, one fact row per record. The runner batches a chunk's
 * rows into one insert (at most PD_BATCH_MAX_RECORDS, whatever one fetch returned) and commits
 * the offsets only after ClickHouse acknowledged it; malformed records go to diagnoses.dlq.
 */
export function createAnalyticsStage(): Stage {
  return {
    name: 'analytics',
    input: 'diagnoses',
    outputs: { topics: [], sinks: [DIAGNOSIS_FACTS_SINK] },
    process(record: ConsumedRecord): StageOutput[] {
      return [{ kind: 'row', sink: DIAGNOSIS_FACTS_SINK, row: toDiagnosisFact(record.value, record) }];
    },
  };
}
