// MySQL column types → Flink SQL and ClickHouse types. Flink follows the Flink CDC MySQL
// connector's documented mapping (unsigned types widened); ClickHouse is chosen so the unchanged
// query returns MySQL's values (exact decimals, NULLs, full date ranges where possible).
import type { CatalogColumn } from './catalog.js';
import { UnsupportedQueryError } from './errors.js';

export interface ParsedMysqlType {
  base: string;
  args: string[];
  unsigned: boolean;
}

export function parseMysqlType(columnType: string): ParsedMysqlType {
  const m = /^\s*([a-z ]+?)\s*(?:\((.*)\))?\s*((?:unsigned|signed|zerofill|\s)*)$/i.exec(columnType);
  if (!m) throw new UnsupportedQueryError(`cannot read the column type ${JSON.stringify(columnType)}`);
  const args = m[2] === undefined ? [] : splitArgs(m[2]);
  return { base: m[1]!.toLowerCase().trim(), args, unsigned: /unsigned/i.test(m[3] ?? '') };
}

// enum('a','b,c') has commas inside quotes; numeric args have none.
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "'") {
      if (quoted && s[i + 1] === "'") { cur += "''"; i++; continue; }
      quoted = !quoted;
    }
    if (ch === ',' && !quoted) { out.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function int(arg: string | undefined, fallback: number): number {
  const n = arg === undefined ? NaN : Number.parseInt(arg, 10);
  return Number.isFinite(n) ? n : fallback;
}

export interface MappedType {
  /** Flink type of the sink and of a mysql-cdc source. */
  flink: string;
  /**
   * Flink type of a Kafka debezium-json source column when Debezium's JSON differs from `flink`
   * (time.precision.mode=connect: DATE as days, DATETIME as epoch milliseconds, TIME as ms of day),
   * with the expression that converts it in the INSERT (`{}` is the column).
   */
  kafka?: { type: string; convert: string };
  clickhouse: string;
  /** Something the query's result may differ in, said once in the report. */
  caveat?: string;
}

const FLINK_MAX_DECIMAL_PRECISION = 38;

/** Maps one catalog column; `nullable` wraps the ClickHouse type in Nullable(). */
export function mapColumnType(column: CatalogColumn): MappedType {
  const t = parseMysqlType(column.columnType);
  const mapped = mapBase(t);
  return { ...mapped, clickhouse: column.nullable ? `Nullable(${mapped.clickhouse})` : mapped.clickhouse };
}

function mapBase(t: ParsedMysqlType): MappedType {
  const u = t.unsigned;
  switch (t.base) {
    case 'tinyint':
      // TINYINT(1) (BOOLEAN) stays a number: Debezium sends it as a number, and MySQL returns 0/1.
      return u ? { flink: 'SMALLINT', clickhouse: 'UInt8' } : { flink: 'TINYINT', clickhouse: 'Int8' };
    case 'bool':
    case 'boolean':
      return { flink: 'TINYINT', clickhouse: 'Int8' };
    case 'smallint':
      return u ? { flink: 'INT', clickhouse: 'UInt16' } : { flink: 'SMALLINT', clickhouse: 'Int16' };
    case 'mediumint':
      return u ? { flink: 'INT', clickhouse: 'UInt32' } : { flink: 'INT', clickhouse: 'Int32' };
    case 'int':
    case 'integer':
      return u ? { flink: 'BIGINT', clickhouse: 'UInt32' } : { flink: 'INT', clickhouse: 'Int32' };
    case 'bigint':
      return u ? { flink: 'DECIMAL(20, 0)', clickhouse: 'UInt64' } : { flink: 'BIGINT', clickhouse: 'Int64' };
    case 'float':
      return { flink: 'FLOAT', clickhouse: 'Float32' };
    case 'double':
    case 'double precision':
    case 'real':
      return { flink: 'DOUBLE', clickhouse: 'Float64' };
    case 'decimal':
    case 'numeric':
    case 'dec':
    case 'fixed': {
      const p = int(t.args[0], 10);
      const s = int(t.args[1], 0);
      // Flink's DECIMAL stops at 38 digits: wider values travel as text; ClickHouse keeps them exact.
      const flink = p <= FLINK_MAX_DECIMAL_PRECISION ? `DECIMAL(${p}, ${s})` : 'STRING';
      return { flink, clickhouse: `Decimal(${p}, ${s})` };
    }
    case 'bit': {
      const n = int(t.args[0], 1);
      return n === 1 ? { flink: 'BOOLEAN', clickhouse: 'UInt8' } : { flink: 'BYTES', clickhouse: 'UInt64', caveat: 'BIT(n) values are synced as numbers' };
    }
    case 'date':
      return {
        flink: 'DATE',
        kafka: { type: 'INT', convert: "CAST(TIMESTAMPADD(DAY, {}, DATE '1970-01-01') AS DATE)" },
        clickhouse: 'Date32',
        caveat: 'DATE values before 1900-01-01 or after 2299-12-31 do not fit ClickHouse Date32',
      };
    case 'datetime': {
      const n = Math.min(int(t.args[0], 0), 6);
      return {
        flink: `TIMESTAMP(${n})`,
        kafka: { type: 'BIGINT', convert: `CAST(TO_TIMESTAMP_LTZ({}, 3) AS TIMESTAMP(${n}))` },
        clickhouse: `DateTime64(${n}, 'UTC')`,
        caveat: 'DATETIME values before 1900 or after 2299 do not fit ClickHouse DateTime64',
      };
    }
    case 'timestamp': {
      const n = Math.min(int(t.args[0], 0), 6);
      return { flink: `TIMESTAMP_LTZ(${n})`, clickhouse: `DateTime64(${n}, 'UTC')`, caveat: 'TIMESTAMP columns are compared in UTC' };
    }
    case 'time': {
      const n = Math.min(int(t.args[0], 0), 3);
      return {
        flink: `TIME(${n})`,
        kafka: { type: 'INT', convert: `CAST(CAST(TO_TIMESTAMP_LTZ({}, 3) AS TIMESTAMP(3)) AS TIME(${n}))` },
        clickhouse: 'String',
        caveat: 'TIME columns are text in ClickHouse (HH:MM:SS); they compare as text',
      };
    }
    case 'year':
      return { flink: 'INT', clickhouse: 'UInt16' };
    case 'char':
      return { flink: `CHAR(${int(t.args[0], 1)})`, clickhouse: 'String' };
    case 'varchar':
      return { flink: `VARCHAR(${int(t.args[0], 255)})`, clickhouse: 'String' };
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'json':
    case 'set':
      return { flink: 'STRING', clickhouse: 'String' };
    case 'enum':
      return { flink: 'STRING', clickhouse: 'String', caveat: 'ENUM columns are text in ClickHouse: ORDER BY sorts them by name, MySQL by declaration order' };
    case 'binary':
      return { flink: `BINARY(${int(t.args[0], 1)})`, clickhouse: 'String' };
    case 'varbinary':
      return { flink: `VARBINARY(${int(t.args[0], 255)})`, clickhouse: 'String' };
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return { flink: 'BYTES', clickhouse: 'String' };
    case 'uuid':
    case 'inet4':
    case 'inet6':
      return { flink: 'STRING', clickhouse: 'String' };
    default:
      throw new UnsupportedQueryError(`no type mapping for the MySQL type ${JSON.stringify(t.base)}`);
  }
}
