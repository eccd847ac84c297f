// The source catalog from Debezium change-event schemas, for sources the compiler cannot reach by
// SQL: a Kafka Connect JSON schema (JsonConverter with schemas.enable=true) or the Avro schema a
// registry holds. The value envelope's `after` struct gives the columns in order, the key schema
// the primary key. Exact MySQL types need the connector's `column.propagate.source.type`
// (parameters `__debezium.source.column.*`); without it types are inferred from the Connect types
// and logical names (string lengths then unknown: text).
import type { CatalogColumn, CatalogData, CatalogTable } from './catalog.js';
import { CatalogError } from './errors.js';

/** One field in Kafka Connect's schema form (what JsonConverter writes as `schema`). */
interface ConnectField {
  field: string;
  type: string;
  optional?: boolean;
  name?: string;
  parameters?: Record<string, string>;
  fields?: ConnectField[];
}

export interface DebeziumTableSchema {
  /** The change-event value schema: Connect JSON (`{type: 'struct', fields, name}`, or a whole
   *  `{schema, payload}` message) or Avro (`{type: 'record', name: 'Envelope', …}`). */
  value: unknown;
  /** The key schema (same forms); its fields are the primary key. */
  key?: unknown;
  /** Default: from the envelope name `<prefix>.<db>.<table>.Envelope`. */
  database?: string;
  table?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Avro (as Debezium's AvroConverter writes it) → the Connect field form. `named` holds the
 * records seen so far: Avro refers to a record defined earlier by name (`after: ["null", "Value"]`).
 */
function avroToConnect(name: string, avro: unknown, named: Map<string, ConnectField>, namespace: string): ConnectField {
  let optional = false;
  let t: unknown = avro;
  if (Array.isArray(t)) {
    optional = t.includes('null');
    const rest = t.filter((x) => x !== 'null');
    if (rest.length !== 1) throw new CatalogError(`field ${name}: unsupported Avro union ${JSON.stringify(avro).slice(0, 100)}`);
    t = rest[0];
  }
  if (typeof t === 'string') {
    const ref = named.get(t) ?? named.get(`${namespace}.${t}`);
    if (ref) return { ...ref, field: name, optional };
    const primitive = AVRO_PRIMITIVE[t];
    if (!primitive) throw new CatalogError(`field ${name}: unknown Avro type ${JSON.stringify(t)}`);
    return { field: name, type: primitive, optional };
  }
  if (!isObject(t)) throw new CatalogError(`field ${name}: unreadable Avro type`);
  if (t.type === 'record') {
    const ns = typeof t.namespace === 'string' ? t.namespace : namespace;
    const recordName = String(t.name ?? '');
    const fields = (t.fields as { name: string; type: unknown }[] | undefined) ?? [];
    const record: ConnectField = { field: name, type: 'struct', optional, name: recordName.includes('.') || !ns ? recordName : `${ns}.${recordName}`, fields: [] };
    named.set(record.name!, record);
    named.set(recordName, record);
    for (const f of fields) record.fields!.push(avroToConnect(f.name, f.type, named, ns));
    return record;
  }
  const params = isObject(t['connect.parameters']) ? (t['connect.parameters'] as Record<string, string>) : undefined;
  const logical = typeof t['connect.name'] === 'string' ? (t['connect.name'] as string) : t.logicalType === 'decimal' ? 'org.apache.kafka.connect.data.Decimal' : undefined;
  const decimalParams = t.logicalType === 'decimal' ? { scale: String(t.scale ?? 0), 'connect.decimal.precision': String(t.precision ?? 38) } : undefined;
  return { field: name, type: AVRO_PRIMITIVE[String(t.type)] ?? String(t.type), optional, ...(logical ? { name: logical } : {}), ...(params || decimalParams ? { parameters: { ...decimalParams, ...params } } : {}) };
}

const AVRO_PRIMITIVE: Record<string, string> = { int: 'int32', long: 'int64', float: 'float32', double: 'float64', boolean: 'boolean', string: 'string', bytes: 'bytes' };

/** Accepts a Connect struct schema, a `{schema, payload}` message, or an Avro record schema. */
function toConnectStruct(schema: unknown, what: string): ConnectField {
  let s = schema;
  if (typeof s === 'string') {
    try {
      s = JSON.parse(s);
    } catch {
      throw new CatalogError(`${what}: not JSON`);
    }
  }
  if (isObject(s) && isObject(s.schema) && 'payload' in s) s = s.schema;
  if (isObject(s) && s.type === 'record') return avroToConnect('', s, new Map(), '');
  if (isObject(s) && s.type === 'struct' && Array.isArray(s.fields)) return { ...(s as unknown as ConnectField), field: '' };
  throw new CatalogError(`${what}: expected a Kafka Connect struct schema or an Avro record schema`);
}

function columnType(f: ConnectField): { columnType: string; dataType: string } {
  const p = f.parameters ?? {};
  const source = p['__debezium.source.column.type'];
  if (source) {
    const base = source.toLowerCase();
    const dataType = base.replace(/\s+unsigned.*$/, '').trim();
    const unsigned = /unsigned/.test(base) ? ' unsigned' : '';
    const len = p['__debezium.source.column.length'];
    const scale = p['__debezium.source.column.scale'];
    if (dataType === 'enum' || dataType === 'set') {
      const allowed = (p.allowed ?? '').split(',').filter(Boolean).map((v) => `'${v.replaceAll("'", "''")}'`);
      return { columnType: `${dataType}(${allowed.join(',')})`, dataType };
    }
    const args = len !== undefined ? `(${len}${scale !== undefined ? `,${scale}` : ''})` : '';
    return { columnType: `${dataType}${args}${unsigned}`, dataType };
  }
  switch (f.name) {
    case 'io.debezium.time.Date':
    case 'org.apache.kafka.connect.data.Date':
      return { columnType: 'date', dataType: 'date' };
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
      return { columnType: 'datetime(3)', dataType: 'datetime' };
    case 'io.debezium.time.MicroTimestamp':
    case 'io.debezium.time.NanoTimestamp':
      return { columnType: 'datetime(6)', dataType: 'datetime' };
    case 'io.debezium.time.ZonedTimestamp':
      return { columnType: 'timestamp(6)', dataType: 'timestamp' };
    case 'io.debezium.time.Time':
    case 'io.debezium.time.MicroTime':
    case 'io.debezium.time.NanoTime':
    case 'org.apache.kafka.connect.data.Time':
      return { columnType: 'time', dataType: 'time' };
    case 'io.debezium.time.Year':
      return { columnType: 'year', dataType: 'year' };
    case 'org.apache.kafka.connect.data.Decimal':
      return { columnType: `decimal(${p['connect.decimal.precision'] ?? 65},${p.scale ?? 0})`, dataType: 'decimal' };
    case 'io.debezium.data.Enum':
      return { columnType: `enum(${(p.allowed ?? '').split(',').filter(Boolean).map((v) => `'${v.replaceAll("'", "''")}'`).join(',')})`, dataType: 'enum' };
    case 'io.debezium.data.EnumSet':
      return { columnType: 'set', dataType: 'set' };
    case 'io.debezium.data.Json':
      return { columnType: 'json', dataType: 'json' };
    case 'io.debezium.data.Bits':
      return { columnType: `bit(${p.length ?? 1})`, dataType: 'bit' };
    default:
      break;
  }
  switch (f.type) {
    case 'int8': return { columnType: 'tinyint', dataType: 'tinyint' };
    case 'int16': return { columnType: 'smallint', dataType: 'smallint' };
    case 'int32': return { columnType: 'int', dataType: 'int' };
    case 'int64': return { columnType: 'bigint', dataType: 'bigint' };
    case 'float32': return { columnType: 'float', dataType: 'float' };
    case 'float64': return { columnType: 'double', dataType: 'double' };
    case 'boolean': return { columnType: 'bit(1)', dataType: 'bit' };
    case 'string': return { columnType: 'longtext', dataType: 'longtext' };
    case 'bytes': return { columnType: 'longblob', dataType: 'longblob' };
    default:
      throw new CatalogError(`field ${f.field}: no MySQL type for the Connect type ${f.type}${f.name ? ` (${f.name})` : ''}`);
  }
}

/** One table from its Debezium schemas. */
export function tableFromDebezium(server: string, schema: DebeziumTableSchema): CatalogTable {
  const envelope = toConnectStruct(schema.value, 'value schema');
  const after = envelope.fields?.find((f) => f.field === 'after');
  if (!after?.fields) throw new CatalogError(`value schema ${envelope.name ?? ''}: not a Debezium envelope (no "after" struct)`);
  const parts = (envelope.name ?? '').split('.');
  const database = schema.database ?? (parts.length >= 4 && parts.at(-1) === 'Envelope' ? parts.at(-3) : undefined);
  const table = schema.table ?? (parts.length >= 4 && parts.at(-1) === 'Envelope' ? parts.at(-2) : undefined);
  if (!database || !table) throw new CatalogError(`value schema ${JSON.stringify(envelope.name ?? '')}: cannot tell the database and table; pass them`);
  const columns: CatalogColumn[] = after.fields.map((f) => ({ name: f.field, ...columnType(f), nullable: f.optional === true, collation: null }));
  const keyFields = schema.key === undefined ? [] : (toConnectStruct(schema.key, 'key schema').fields ?? []).map((f) => f.field);
  for (const k of keyFields) if (!columns.some((c) => c.name === k)) throw new CatalogError(`${database}.${table}: key field ${k} is not a column of the value`);
  return { server, database, table, columns, primaryKey: keyFields };
}

/** A catalog for one server from the Debezium schemas of its tables. */
export function catalogFromDebezium(server: string, tables: DebeziumTableSchema[]): CatalogData {
  return { servers: [{ name: server }], tables: tables.map((t) => tableFromDebezium(server, t)) };
}
