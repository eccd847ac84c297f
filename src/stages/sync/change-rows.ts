import type { ChangeEvent } from '../../cdc/debezium-envelope.js';
import { PermanentError } from '../../core/errors.js';
import type { PlannedColumn, PlannedTable } from '../sqlgen/plan.js';

/**
 * Turns one Debezium change event into rows for a plan's ClickHouse sink table
 * (ReplacingMergeTree(_version, _is_deleted)): the planned columns, a version and a delete flag.
 * Pure: the executor's stage feeds it decoded events; this file knows the value encodings of our
 * connectors (src/cdc/debezium-connector.ts: decimal.handling.mode=string,
 * time.precision.mode=connect) and the text forms ClickHouse reads in JSONEachRow.
 */
export type SyncRow = Record<string, unknown> & { _version: number; _is_deleted: 0 | 1 };

const MS_PER_DAY = 86_400_000;

/**
 * Rows for one event. `version` must grow with the source's order of changes per primary key:
 * the executor uses the Kafka offset (Debezium keys records by primary key, so one key's
 * changes stay in one partition, in order).
 *
 * - c / r (snapshot read) / u: the after image, live.
 * - u that changed the primary key (Debezium usually emits d + c instead; both are handled):
 *   the before key deleted, the after row live.
 * - d: the before image with `_is_deleted = 1`, so FINAL hides the key.
 * - t (truncate) cannot be expressed per row: refused, for the DLQ and an operator.
 */
export function changeToRows(event: ChangeEvent, table: PlannedTable, version: number): SyncRow[] {
  switch (event.op) {
    case 'c':
    case 'r':
      return [toRow(event.after!, table, version, 0)];
    case 'u': {
      const rows: SyncRow[] = [];
      if (event.before && primaryKeyChanged(event.before, event.after!, table.primaryKey)) rows.push(toRow(event.before, table, version, 1));
      rows.push(toRow(event.after!, table, version, 0));
      return rows;
    }
    case 'd':
      return [toRow(event.before!, table, version, 1)];
    case 't':
      throw new PermanentError('unsupported_change', `truncate of ${table.database}.${table.table} cannot be applied row by row; re-snapshot the table`);
  }
}

function primaryKeyChanged(before: Record<string, unknown>, after: Record<string, unknown>, key: string[]): boolean {
  return key.some((column) => String(before[column]) !== String(after[column]));
}

function toRow(image: Record<string, unknown>, table: PlannedTable, version: number, deleted: 0 | 1): SyncRow {
  const row: Record<string, unknown> = {};
  for (const column of table.columns) {
    if (!(column.name in image)) {
      throw new PermanentError('schema_violation', `change event for ${table.database}.${table.table} has no column ${column.name}`);
    }
    row[column.name] = toClickHouseValue(image[column.name], column, table);
  }
  return { ...row, _version: version, _is_deleted: deleted } as SyncRow;
}

/** The MySQL type's base name: `decimal(15,2) unsigned` → `decimal`. */
function baseType(mysqlType: string): string {
  return mysqlType.toLowerCase().split(/[\s(]/, 1)[0]!;
}

/** A Debezium value of a planned column → what ClickHouse's JSONEachRow reads for its type. */
export function toClickHouseValue(value: unknown, column: PlannedColumn, table: Pick<PlannedTable, 'database' | 'table'>): unknown {
  if (value === null || value === undefined) {
    if (!column.nullable) throw new PermanentError('schema_violation', `NULL in NOT NULL column ${table.database}.${table.table}.${column.name}`);
    return null;
  }
  const bad = () => new PermanentError('schema_violation', `unexpected value ${JSON.stringify(value)?.slice(0, 80)} for ${table.database}.${table.table}.${column.name} (${column.mysqlType})`);
  switch (baseType(column.mysqlType)) {
    case 'date':
      // connect mode: days since the epoch.
      if (typeof value !== 'number') throw bad();
      return isoDate(value * MS_PER_DAY);
    case 'datetime':
      // connect mode: epoch milliseconds of the wall-clock value, read as UTC.
      if (typeof value !== 'number') throw bad();
      return isoDateTime(value);
    case 'timestamp':
      // An ISO-8601 UTC string in every mode, e.g. 2024-05-01T10:00:00.123Z.
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw bad();
      return isoDateTime(Date.parse(value));
    case 'time':
      // connect mode: milliseconds of the day; MySQL shows it as HH:MM:SS[.fff].
      if (typeof value !== 'number') throw bad();
      return timeOfDay(value);
    case 'decimal':
    case 'numeric':
      // decimal.handling.mode=string keeps the exact digits; ClickHouse parses the string.
      if (typeof value !== 'string' && typeof value !== 'number') throw bad();
      return String(value);
    case 'bit':
    case 'bool':
    case 'boolean':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value !== 'number') throw bad();
      return value;
    case 'tinyint':
      // TINYINT(1) arrives as a number (Debezium) but may be mapped to Bool: 0/1 reads as either.
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value !== 'number') throw bad();
      return value;
    default:
      if (typeof value === 'object') return JSON.stringify(value);
      return value;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function isoDateTime(ms: number): string {
  // ClickHouse's default input format for DateTime64 is `YYYY-MM-DD hh:mm:ss.fff`.
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function timeOfDay(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = Math.floor((abs % 60_000) / 1000);
  const millis = abs % 1000;
  return `${sign}${pad(hours)}:${pad(minutes)}:${pad(seconds)}${millis ? `.${pad(millis, 3)}` : ''}`;
}
