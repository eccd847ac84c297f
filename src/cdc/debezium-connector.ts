// The Debezium MariaDB source connector of the local stack: one place for its config, so the
// stack (src/stack/services/connect.ts) and anything reading its topics agree on names and
// formats. Production (docker-compose) runs the same settings from infra/compose/connect/.

/** Debezium's `topic.prefix`: change events land in `cdc.local.<db>.<table>` (SPEC: cdc.<server>.<db>.<table>). */
export const CDC_TOPIC_PREFIX = 'cdc.local';

/** Connector name in Kafka Connect (REST: /connectors/<name>/status). */
export const CDC_CONNECTOR_NAME = 'mariadb-cdc';

/** High-volume tables kept out of CDC (regexes over `<db>.<table>`). */
export const CDC_EXCLUDED_TABLES = ['pipeline_doctor\\.job_log_events'];

/** Topic holding the change events of one table. */
export const cdcTopic = (database: string, table: string) => `${CDC_TOPIC_PREFIX}.${database}.${table}`;

export interface MariaDbConnectorOptions {
  /** FileSchemaHistory file (DDL history Debezium replays on restart); kept next to the offsets. */
  schemaHistoryFile: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
}

/** Connector config (flat map of strings, as Kafka Connect wants it). */
export function mariaDbConnectorConfig(opts: MariaDbConnectorOptions): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
    'tasks.max': '1', // binlog connectors always run exactly one task
    'database.hostname': opts.host ?? '127.0.0.1',
    'database.port': String(opts.port ?? 3306),
    'database.user': opts.user ?? 'debezium',
    'database.password': opts.password ?? 'dbz',
    // Our replica id in the binlog protocol; must differ from mariadbd's --server-id=1.
    'database.server.id': '184054',
    'topic.prefix': CDC_TOPIC_PREFIX,
    // No database.include.list: every non-system database is captured (mysql, sys,
    // information_schema, performance_schema are skipped by table.ignore.builtin=true), so
    // databases and tables created later are streamed without reconfiguring.
    'table.exclude.list': CDC_EXCLUDED_TABLES.join(','),
    // Snapshot existing rows when there are no offsets, or when the recorded binlog position
    // is gone (e.g. MariaDB's data dir was recreated); otherwise resume streaming.
    'snapshot.mode': 'when_needed',
    // Bare JSON, no embedded schema: key {"<pk>": ...}, value {before, after, source, op, ts_ms}.
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    // A delete is a `d` event followed by a null-value record with the same key.
    'tombstones.on.delete': 'true',
    // No DDL events topic (cdc.local); DDL still goes to the schema history below.
    'include.schema.changes': 'false',
    // DECIMAL as its exact text ("12.50"), not base64 bytes of an unscaled BigInteger.
    'decimal.handling.mode': 'string',
    // `connect`: DATETIME/DATETIME(n) → epoch milliseconds, DATE → days since epoch, TIME →
    // milliseconds of the day, whatever the column's precision. adaptive_time_microseconds would
    // switch DATETIME(4-6) and TIME to microseconds, so a ClickHouse/Flink sink would need the
    // column precision to decode a number; with `connect` one rule per type does (e.g.
    // fromUnixTimestamp64Milli). The cost, sub-millisecond digits, does not matter for our
    // DATETIME(3) columns. TIMESTAMP columns are ISO-8601 UTC strings in every mode.
    'time.precision.mode': 'connect',
    'schema.history.internal': 'io.debezium.storage.file.history.FileSchemaHistory',
    'schema.history.internal.file.filename': opts.schemaHistoryFile,
    // The broker does not auto-create topics: Connect creates each table's topic before its
    // first event (needs topic.creation.enable=true on the worker, the default).
    'topic.creation.default.replication.factor': '1',
    'topic.creation.default.partitions': '1',
  };
}
