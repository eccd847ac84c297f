// The Avro CDC decode path without the stack: real bytes captured from the Avro connector
// (fixtures/flink-jobs-change.json) through ConfluentSchemaRegistry + ValueDecoder, with a
// stand-in for Apicurio's ccompat `GET /schemas/ids/{id}` on a loopback port.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfluentSchemaRegistry } from '../../../src/adapters/schema-registry/confluent-registry.js';
import { ValueDecoder } from '../../../src/adapters/schema-registry/value-decoder.js';
import { parseChangeEvent } from '../../../src/cdc/debezium-envelope.js';
import type { ConsumedRecord } from '../../../src/ports/broker.js';
import { createCatalogStage } from '../../../src/stages/catalog/catalog-stage.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/flink-jobs-change.json', import.meta.url), 'utf8')) as {
  keySchemaId: number; valueSchemaId: number; keySchema: unknown;
  avroKey: string; avroValue: string; jsonKey: string; jsonValue: string;
};
const valueSchema = readFileSync(new URL('./fixtures/flink-jobs-envelope.avsc', import.meta.url), 'utf8');
const schemas = new Map<number, string>([
  [fixture.keySchemaId, JSON.stringify(fixture.keySchema)],
  [fixture.valueSchemaId, valueSchema],
]);

let server: Server;
let decoder: ValueDecoder;
let registry: ConfluentSchemaRegistry;

beforeAll(async () => {
  server = createServer((req, res) => {
    const id = /^\/schemas\/ids\/(\d+)/.exec(req.url ?? '')?.[1];
    const schema = id === undefined ? undefined : schemas.get(Number(id));
    res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
    if (schema === undefined) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error_code: 40403, message: 'Schema not found' }));
    } else {
      res.end(JSON.stringify({ schema }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = new ConfluentSchemaRegistry({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  decoder = new ValueDecoder(registry, 1 << 20);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('Debezium Avro (Confluent framing) through ConfluentSchemaRegistry + ValueDecoder', () => {
  it('decodes key and value; the change equals the JSON connector\'s', async () => {
    const key = await decoder.decode(Buffer.from(fixture.avroKey, 'hex'));
    expect(key).toMatchObject({ format: 'avro', schemaId: fixture.keySchemaId, value: JSON.parse(fixture.jsonKey) });

    const value = await decoder.decode(Buffer.from(fixture.avroValue, 'hex'));
    expect(value).toMatchObject({ format: 'avro', schemaId: fixture.valueSchemaId });
    const avro = parseChangeEvent(value.value);
    const json = parseChangeEvent(JSON.parse(fixture.jsonValue));
    expect(avro.op).toBe('c');
    expect(avro.before).toBeNull();
    expect(avro.after).toStrictEqual(json.after);
    // Same binlog event; only the connector's name and its own processing time differ.
    const { name: avroName, ...avroSource } = avro.source;
    const { name: jsonName, ...jsonSource } = json.source;
    expect([avroName, jsonName]).toEqual(['cdc.avro', 'cdc.local']);
    expect(avroSource).toStrictEqual(jsonSource);
    expect(typeof avro.tsMs).toBe('number');
  });

  it('reads longs past 2^53 (ts_ns) as JSON.parse reads the same digits', async () => {
    const { value } = await decoder.decode(Buffer.from(fixture.avroValue, 'hex'));
    const source = (value as { source: { ts_ns: number; ts_ms: number } }).source;
    expect(source.ts_ns).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(source.ts_ns).toBe(JSON.parse(fixture.jsonValue).source.ts_ns);
    expect(source.ts_ns).toBe(source.ts_ms * 1_000_000);
  });

  it('still encodes only safe integers as Avro longs', async () => {
    const schema = JSON.stringify({ type: 'record', name: 'L', namespace: 'pd.test', fields: [{ name: 'n', type: 'long' }] });
    schemas.set(99, schema);
    const framed = await registry.encode(99, { n: -(2 ** 40) });
    expect((await decoder.decode(framed)).value).toEqual({ n: -(2 ** 40) });
    await expect(registry.encode(99, { n: 2 ** 60 })).rejects.toThrow();
  });

  it('gives the catalog stage the same entry as the JSON record', async () => {
    const stage = createCatalogStage(decoder);
    const rec = (value: Buffer): ConsumedRecord => ({ topic: 't', partition: 0, offset: '0', key: null, value, headers: {}, timestamp: '0' });
    const fromAvro = await stage.process(rec(Buffer.from(fixture.avroValue, 'hex')));
    const fromJson = await stage.process(rec(Buffer.from(fixture.jsonValue)));
    expect(fromAvro).toStrictEqual(fromJson);
    expect(fromAvro).toHaveLength(1);
  });
});
