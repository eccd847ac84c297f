import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { withClickHouseRetryClass } from '../../adapters/clickhouse/clickhouse.js';
import type { ValueDecoder } from '../../adapters/schema-registry/value-decoder.js';
import { parseChangeEvent } from '../../cdc/debezium-envelope.js';
import type { Sink, Stage, StageOutput } from '../../core/stage.js';
import type { TopicDeclaration } from '../../core/topic-catalog.js';
import type { ConsumedRecord } from '../../ports/broker.js';
import type { PlannedTable } from '../sqlgen/plan.js';
import { changeToRows } from './change-rows.js';

/** Quotes a ClickHouse identifier; backquotes inside are doubled, so no name can break out. */
export function quoteClickHouseIdentifier(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
}

/** A topic-catalog-safe slug of a table name; a hash keeps names that differ only in case or punctuation apart. */
function slug(name: string): string {
  const clean = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return clean === name ? clean : `${clean}-${createHash('sha1').update(name).digest('hex').slice(0, 6)}`;
}

/** The logical topic name of a planned table's change stream (its DLQ is `<prefix><name>.dlq`). */
export function syncInputName(table: Pick<PlannedTable, 'database' | 'table'>): string {
  return `sync.${slug(table.database)}.${slug(table.table)}`;
}

/** A declaration for the Debezium topic of a planned table: not ours to create, with our DLQ. */
export function syncInputDeclaration(table: PlannedTable): TopicDeclaration {
  return {
    name: syncInputName(table),
    physical: table.cdcTopic,
    role: 'input',
    description: `Debezium change events of ${table.database}.${table.table}, applied by the sync executor`,
    managed: false,
    partitions: 1,
    cleanup: 'delete',
    key: 'row primary key',
    value: { schema: 'debezium-envelope', formats: ['json', 'avro'] },
    dlq: true,
  };
}

export const syncSinkName = (table: Pick<PlannedTable, 'database' | 'table'>) => `clickhouse.sync.${table.database}.${table.table}`;

/**
 * One planned table's change stream → rows for its ClickHouse table. The Kafka offset is the
 * row version: Debezium keys records by primary key, so one key's changes are in one partition,
 * in source order, and a replay writes the same versions again (idempotent under FINAL).
 */
export function createSyncStage(table: PlannedTable, decoder: ValueDecoder, planName: string): Stage {
  const sink = syncSinkName(table);
  return {
    name: `sync-${planName}-${syncInputName(table).slice('sync.'.length)}`,
    input: syncInputName(table),
    outputs: { topics: [], sinks: [sink] },
    async process(record: ConsumedRecord): Promise<StageOutput[]> {
      // The tombstone after a delete: the `d` event already marked the row deleted.
      if (record.value === null || record.value.length === 0) return [];
      const change = parseChangeEvent((await decoder.decode(record.value)).value);
      const version = Number(record.offset) + 1;
      return changeToRows(change, table, version).map((row) => ({ kind: 'row', sink, row }));
    },
  };
}

/** Inserts a table's rows; retried batches are dropped by their de-duplication token. */
export class ClickHouseSyncSink implements Sink {
  readonly name: string;
  private readonly target: string;
  /** Named explicitly: JSONEachRow without a column list would silently skip MATERIALIZED columns. */
  private readonly columns: [string, ...string[]];

  constructor(
    private readonly client: ClickHouseClient,
    table: PlannedTable,
  ) {
    this.name = syncSinkName(table);
    this.target = `${quoteClickHouseIdentifier(table.clickhouse.database)}.${quoteClickHouseIdentifier(table.clickhouse.table)}`;
    this.columns = ['_version', '_is_deleted', ...table.columns.map((c) => c.name)];
  }

  async write(rows: unknown[], batchId: string): Promise<void> {
    await withClickHouseRetryClass(`insert ${this.target}`, () =>
      this.client.insert({
        table: this.target,
        values: rows as Record<string, unknown>[],
        columns: this.columns,
        format: 'JSONEachRow',
        // The plan's version and delete columns are MATERIALIZED (hidden from SELECT *): set them explicitly.
        clickhouse_settings: { insert_deduplication_token: batchId, insert_deduplicate: 1, insert_allow_materialized_columns: 1 },
      }),
    );
  }

  async close(): Promise<void> {}
}
