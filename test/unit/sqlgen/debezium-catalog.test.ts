import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/stages/sqlgen/catalog.js';
import { compileSyncPlan } from '../../../src/stages/sqlgen/compile.js';
import { catalogFromDebezium, tableFromDebezium } from '../../../src/stages/sqlgen/debezium-catalog.js';

// The Avro envelope the stack's Debezium MariaDB connector registered for pipeline_doctor.flink_jobs
// (AvroConverter via Apicurio), kept by the CDC tests.
const avroEnvelope = readFileSync(new URL('../cdc/fixtures/flink-jobs-envelope.avsc', import.meta.url), 'utf8');
const avroKey = { type: 'record', name: 'Key', namespace: 'cdc.avro.pipeline_doctor.flink_jobs', fields: [{ name: 'job_id', type: 'string' }], 'connect.name': 'cdc.avro.pipeline_doctor.flink_jobs.Key' };

// JsonConverter (schemas.enable=true) output for shop.orders with column.propagate.source.type=.*,
// in Kafka Connect's schema form (Debezium MySQL/MariaDB connector documentation, "change event values").
const field = (name: string, type: string, optional: boolean, source: [string, string?, string?], extra: Record<string, unknown> = {}) => ({
  type,
  optional,
  field: name,
  ...extra,
  parameters: { ...((extra.parameters as object) ?? {}), '__debezium.source.column.type': source[0], ...(source[1] ? { '__debezium.source.column.length': source[1] } : {}), ...(source[2] ? { '__debezium.source.column.scale': source[2] } : {}) },
});
const orderFields = [
  field('id', 'int64', false, ['BIGINT', '20']),
  field('customer_id', 'int32', false, ['INT', '11']),
  field('status', 'string', false, ['ENUM', '1'], { name: 'io.debezium.data.Enum', parameters: { allowed: 'pending,paid,shipped,cancelled,refunded' } }),
  field('ordered_at', 'int64', false, ['DATETIME', '3'], { name: 'org.apache.kafka.connect.data.Timestamp' }),
  field('shipped_at', 'int64', true, ['DATETIME', '3'], { name: 'org.apache.kafka.connect.data.Timestamp' }),
  field('total', 'string', false, ['DECIMAL', '12', '2']),
  field('coupon_code', 'string', true, ['VARCHAR', '20']),
];
const jsonMessage = {
  schema: {
    type: 'struct',
    name: 'cdc.local.shop.orders.Envelope',
    optional: false,
    fields: [
      { type: 'struct', fields: orderFields, optional: true, name: 'cdc.local.shop.orders.Value', field: 'before' },
      { type: 'struct', fields: orderFields, optional: true, name: 'cdc.local.shop.orders.Value', field: 'after' },
      { type: 'struct', fields: [{ type: 'string', optional: false, field: 'db' }], optional: false, name: 'io.debezium.connector.mariadb.Source', field: 'source' },
      { type: 'string', optional: false, field: 'op' },
    ],
  },
  payload: { before: null, after: null, op: 'c' },
};
const jsonKey = { type: 'struct', name: 'cdc.local.shop.orders.Key', optional: false, fields: [{ type: 'int64', optional: false, field: 'id' }] };

describe('catalog from Debezium schemas', () => {
  it('reads the registered Avro envelope: columns in order, nullability, logical types, key', () => {
    const t = tableFromDebezium('local', { value: avroEnvelope, key: avroKey });
    expect(t).toMatchObject({ server: 'local', database: 'pipeline_doctor', table: 'flink_jobs', primaryKey: ['job_id'] });
    // Without column.propagate.source.type the string lengths are unknown: longtext.
    expect(t.columns.map((c) => [c.name, c.columnType, c.nullable])).toEqual([
      ['job_id', 'longtext', false],
      ['job_name', 'longtext', true],
      ['job_type', 'longtext', true],
      ['job_config', 'longtext', true],
      ['updated_at', 'datetime(3)', false],
    ]);
  });

  it('reads a JSON-with-schema message with propagated source types exactly as information_schema has them', () => {
    const t = tableFromDebezium('local', { value: jsonMessage, key: jsonKey });
    expect(t.database).toBe('shop');
    expect(t.table).toBe('orders');
    expect(t.primaryKey).toEqual(['id']);
    expect(t.columns.map((c) => [c.name, c.columnType, c.nullable])).toEqual([
      ['id', 'bigint(20)', false],
      ['customer_id', 'int(11)', false],
      ['status', "enum('pending','paid','shipped','cancelled','refunded')", false],
      ['ordered_at', 'datetime(3)', false],
      ['shipped_at', 'datetime(3)', true],
      ['total', 'decimal(12,2)', false],
      ['coupon_code', 'varchar(20)', true],
    ]);
  });

  it('gives the compiler a catalog to plan against', () => {
    const catalog = new Catalog(catalogFromDebezium('local', [{ value: jsonMessage, key: jsonKey }]));
    const plan = compileSyncPlan('select status, sum(total) from shop.orders where shipped_at is null group by status', { catalog });
    expect(plan.tables[0]!.columns.map((c) => [c.name, c.clickhouseType])).toEqual([
      ['id', 'Int64'],
      ['status', 'String'],
      ['shipped_at', "Nullable(DateTime64(3, 'UTC'))"],
      ['total', 'Decimal(12, 2)'],
    ]);
  });

  it('refuses what is not a Debezium envelope, and a key that is not a column', () => {
    expect(() => tableFromDebezium('x', { value: { type: 'struct', fields: [{ field: 'a', type: 'int32' }] } })).toThrow(/not a Debezium envelope/);
    expect(() => tableFromDebezium('x', { value: '{nope' })).toThrow(/not JSON/);
    expect(() => tableFromDebezium('x', { value: jsonMessage, key: { type: 'struct', fields: [{ field: 'nope', type: 'int32' }] } })).toThrow(/key field nope is not a column/);
  });
});
