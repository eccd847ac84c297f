// The Debezium MariaDB source connectors of the local stack: one place for their config, so the
// stack (src/stack/services/connect.ts) and anything reading their topics agree on names and
// formats. Production (docker-compose) runs the JSON connector's settings from infra/compose/connect/.
//
// Two connectors run in the same Connect worker, each its own binlog client:
// - mariadb-cdc: every non-system database as bare JSON → cdc.local.<db>.<table>
// - mariadb-cdc-avro: only the job registry table, as registry-framed Avro (Confluent wire
//   format: magic byte 0, 4-byte schema id, Avro body) → cdc.avro.<db>.<table>. Its schemas are
//   registered in Apicurio by the Apicurio AvroConverter and read back by our ValueDecoder through
//   Apicurio's Confluent-compatible API.

/** Debezium's `topic.prefix`: change events land in `cdc.local.<db>.<table>` (SPEC: cdc.<server>.<db>.<table>). */
export const CDC_TOPIC_PREFIX = 'cdc.local';

/** Connector name in Kafka Connect (REST: /connectors/<name>/status). */
export const CDC_CONNECTOR_NAME = 'mariadb-cdc';

/** High-volume tables kept out of CDC (regexes over `<db>.<table>`). */
export const CDC_EXCLUDED_TABLES = ['pipeline_doctor\\.job_log_events'];

/** Topic holding the change events of one table. */
export const cdcTopic = (database: string, table: string) => `${CDC_TOPIC_PREFIX}.${database}.${table}`;

/** `topic.prefix` of the Avro connector: `cdc.avro.<db>.<table>`. */
export const CDC_AVRO_TOPIC_PREFIX = 'cdc.avro';

/** The Avro connector's name in Kafka Connect. */
export const CDC_AVRO_CONNECTOR_NAME = 'mariadb-cdc-avro';

/** Tables the Avro connector captures (regexes over `<db>.<table>`): the job registry only. */
export const CDC_AVRO_TABLES = ['pipeline_doctor\\.flink_jobs'];

/** Topic holding the Avro change events of one table. */
export const cdcAvroTopic = (database: string, table: string) => `${CDC_AVRO_TOPIC_PREFIX}.${database}.${table}`;

/**
 * Apicurio's Kafka Connect AvroConverter (io.apicurio:apicurio-registry-utils-converter, 2.6.x
 * client of the registry's v2 REST API, which Apicurio 3.x still serves).
 */
export const APICURIO_AVRO_CONVERTER = 'io.apicurio.registry.utils.converter.AvroConverter';

export interface MariaDbConnectorOptions {
  /** FileSchemaHistory file (DDL history Debezium replays on restart); kept next to the offsets. */
  schemaHistoryFile: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
}

export interface MariaDbAvroConnectorOptions extends MariaDbConnectorOptions {
  /** Apicurio's native v2 REST API, e.g. http://127.0.0.1:8080/apis/registry/v2 (not ccompat). */
  registryUrl: string;
}

/** What both connectors share: the database, snapshot/time/decimal handling, history, topics. */
function commonConfig(opts: MariaDbConnectorOptions): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
    'tasks.max': '1', // binlog connectors always run exactly one task
    'database.hostname': opts.host ?? '127.0.0.1',
    'database.port': String(opts.port ?? 3306),
    'database.user': opts.user ?? 'debezium',
    'database.password': opts.password ?? 'dbz',
    // Snapshot existing rows when there are no offsets, or when the recorded binlog position
    // is gone (e.g. MariaDB's data dir was recreated); otherwise resume streaming.
    'snapshot.mode': 'when_needed',
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
    // In Avro these are plain longs/ints/strings too (Connect's Timestamp/Date/Time logical
    // types over long/int), so both formats decode to the same values.
    'time.precision.mode': 'connect',
    'schema.history.internal': 'io.debezium.storage.file.history.FileSchemaHistory',
    'schema.history.internal.file.filename': opts.schemaHistoryFile,
    // The broker does not auto-create topics: Connect creates each table's topic before its
    // first event (needs topic.creation.enable=true on the worker, the default).
    'topic.creation.default.replication.factor': '1',
    'topic.creation.default.partitions': '1',
  };
}

/** The JSON connector's config (flat map of strings, as Kafka Connect wants it). */
export function mariaDbConnectorConfig(opts: MariaDbConnectorOptions): Record<string, string> {
  return {
    ...commonConfig(opts),
    // Our replica id in the binlog protocol; must differ from mariadbd's --server-id=1 and
    // from every other connector's.
    'database.server.id': '184054',
    'topic.prefix': CDC_TOPIC_PREFIX,
    // No database.include.list: every non-system database is captured (mysql, sys,
    // information_schema, performance_schema are skipped by table.ignore.builtin=true), so
    // databases and tables created later are streamed without reconfiguring.
    'table.exclude.list': CDC_EXCLUDED_TABLES.join(','),
    // Bare JSON, no embedded schema: key {"<pk>": ...}, value {before, after, source, op, ts_ms}.
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
  };
}

/**
 * Apicurio converter settings for `key.converter` or `value.converter`, in Confluent
 * compatibility mode. Names as defined by io.apicurio.registry.serde.SerdeConfig /
 * BaseKafkaSerDeConfig (apicurio-registry-serde-common 2.6.13.Final).
 */
function apicurioAvroConverter(prefix: 'key.converter' | 'value.converter', registryUrl: string): Record<string, string> {
  return {
    [prefix]: APICURIO_AVRO_CONVERTER,
    [`${prefix}.apicurio.registry.url`]: registryUrl,
    // Register each new Debezium schema version (artifact `<topic>-key` / `<topic>-value` in the
    // default group, which the ccompat API lists as subjects of the same names)...
    [`${prefix}.apicurio.registry.auto-register`]: 'true',
    // ...and reuse the latest version when the schema is unchanged.
    [`${prefix}.apicurio.registry.find-latest`]: 'true',
    // Confluent framing: magic byte + 4-byte id (Legacy4ByteIdHandler) instead of Apicurio's 8-byte id.
    [`${prefix}.apicurio.registry.as-confluent`]: 'true',
    // The id in the frame is the contentId, which is what Apicurio 3's ccompat
    // GET /schemas/ids/{id} resolves (apicurio.ccompat.legacy-id-mode.enabled=false, the default).
    [`${prefix}.apicurio.registry.use-id`]: 'contentId',
    // Id in the payload, not in Kafka record headers (a Confluent client reads only the payload).
    [`${prefix}.apicurio.registry.headers.enabled`]: 'false',
  };
}

/** The Avro connector's config: the job registry table, Confluent-framed Avro via Apicurio. */
export function mariaDbAvroConnectorConfig(opts: MariaDbAvroConnectorOptions): Record<string, string> {
  return {
    ...commonConfig(opts),
    'database.server.id': '184055',
    'topic.prefix': CDC_AVRO_TOPIC_PREFIX,
    'table.include.list': CDC_AVRO_TABLES.join(','),
    ...apicurioAvroConverter('key.converter', opts.registryUrl),
    ...apicurioAvroConverter('value.converter', opts.registryUrl),
    // Avro names allow only [A-Za-z0-9_]: Debezium replaces anything else in schema and field
    // names (e.g. a `-` in a database name) with `_`. Valid names pass unchanged.
    'schema.name.adjustment.mode': 'avro',
    'field.name.adjustment.mode': 'avro',
  };
}
