// The contract between the SQL compiler (src/stages/sqlgen) and everything that uses its output:
// `sql generate` writes it as report.json, the sync executor (src/stages/sync) applies it, the
// sql-jobs topic carries it. Plain data, JSON-serialisable.

/** Which Flink source connector the generated script uses. */
export type FlinkSourceKind = 'mysql-cdc' | 'kafka-debezium-json';

/** One column the sync keeps, in the source table's ordinal order. */
export interface PlannedColumn {
  name: string;
  /** The MySQL column type as information_schema.COLUMNS.COLUMN_TYPE reports it, e.g. `decimal(15,2)`. */
  mysqlType: string;
  /** The Flink SQL type used in the source and sink tables, e.g. `DECIMAL(15, 2)`. */
  flinkType: string;
  /** The ClickHouse type of the sink column, e.g. `Nullable(Decimal(15, 2))`. */
  clickhouseType: string;
  /**
   * Type of the column in a Kafka debezium-json source when Debezium's JSON encoding differs from
   * `flinkType` (DATE as days, DATETIME as epoch milliseconds); the INSERT converts it. Absent when equal.
   */
  flinkKafkaType?: string;
  nullable: boolean;
  /** Why the query needs it: `primary key`, `projection`, `join`, `filter`, `group by`, … */
  reasons: string[];
}

/** One source table the query reads, with exactly the columns it needs plus the primary key. */
export interface PlannedTable {
  /** Catalog name of the MySQL server the table lives on (several servers are allowed). */
  server: string;
  database: string;
  table: string;
  columns: PlannedColumn[];
  primaryKey: string[];
  /** Debezium topic with the table's change events, e.g. `cdc.local.tpch.lineitem`. */
  cdcTopic: string;
  /** The ClickHouse sink table: same database and table name as the source. */
  clickhouse: { database: string; table: string };
}

export interface PlanCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

/**
 * ClickHouse sink tables: `ReplacingMergeTree(_version, _is_deleted)` ordered by the primary key,
 * with the planned columns plus `_version UInt64` (a higher version wins) and `_is_deleted UInt8`
 * (1 = the row was deleted at that version), both MATERIALIZED so `SELECT *` does not show them
 * (writers set them with insert_allow_materialized_columns = 1 and an explicit column list). The unchanged query returns MySQL's result with
 * `clickhouseSettings` (e.g. `final = 1`, `join_use_nulls = 1`).
 */
export interface SyncPlan {
  /** The requested query, unchanged. */
  query: string;
  /** Database unqualified table names resolve to (as a MySQL connection's default schema). */
  defaultDatabase: string | null;
  tables: PlannedTable[];
  /** Flink SQL: source tables, ClickHouse sink tables, one statement set of INSERT … SELECT. */
  flinkSql: string;
  /** ClickHouse DDL: CREATE DATABASE / CREATE TABLE for every planned table. */
  clickhouseSql: string;
  /** The same DDL as separate statements, in order (safe to run one by one, no splitting needed). */
  clickhouseStatements?: string[];
  /** Settings the unchanged query needs on ClickHouse to return MySQL's result. */
  clickhouseSettings: Record<string, string | number>;
  source: FlinkSourceKind;
  /** Which path produced the plan: the compiler, or the LLM fallback after it gave up. */
  path: 'compiler' | 'llm';
  checks: PlanCheck[];
  /** Generation time in milliseconds. */
  elapsedMs: number;
}
