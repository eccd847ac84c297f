import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfluentSchemaRegistry } from '../../src/adapters/schema-registry/confluent-registry.js';
import { ValueDecoder } from '../../src/adapters/schema-registry/value-decoder.js';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import { SCHEMAS_DIR } from '../../src/core/paths.js';
import { testConfig, uniqueSuffix } from '../support/integration.js';

describe('schema registry adapter against the local Apicurio (Confluent API)', () => {
  const config = testConfig();
  const registry = new ConfluentSchemaRegistry(config.schemaRegistry);
  const subject = `itr-${uniqueSuffix()}-value`;
  const avro = readFileSync(join(SCHEMAS_DIR, 'job-log-event.avsc'), 'utf8');

  it('registers idempotently and round-trips an Avro value in the Confluent wire format', async () => {
    const id = await registry.register(subject, 'AVRO', avro).catch((err) => {
      throw new Error(`schema registry at ${config.schemaRegistry.url} is not reachable (run \`pipeline-doctor stack up\`): ${err}`);
    });
    expect(await registry.register(subject, 'AVRO', avro)).toBe(id);
    expect(await registry.subjects()).toContain(subject);

    const event = { event_id: 'e1', job_id: 'j1', job_name: "o'brien; DROP TABLE x", job_type: null, cluster: null, env: null, host: null, task: null, thread: null, level: 'ERROR', timestamp: 1795162502118, message: 'boom ✓', stack_trace: null, attributes: { a: 'b' } };
    const framed = await registry.encode(id, event);
    expect(framed[0]).toBe(0);
    expect(framed.readUInt32BE(1)).toBe(id);

    const decoded = await new ValueDecoder(registry, 1 << 20).decode(framed);
    expect(decoded).toMatchObject({ format: 'avro', schemaId: id, value: event });
  });

  it('round-trips a JSON-Schema-framed job log through the ingest decoder and rejects one that breaks the schema', async () => {
    const id = await registry.register(`${subject}-jsonschema`, 'JSON', readFileSync(join(SCHEMAS_DIR, 'job-log-event.schema.json'), 'utf8'));
    const event = { job_id: 'j2', level: 'ERROR', timestamp: '2026-11-22T08:15:02.118Z', message: 'Checkpoint 7 expired ✓', attributes: { run: 'x' } };
    const framed = await registry.encode(id, event);
    expect(framed[0]).toBe(0);
    expect(framed.readUInt32BE(1)).toBe(id);
    const decoded = await new ValueDecoder(registry, 1 << 20).decode(framed);
    expect(decoded).toEqual({ format: 'json-schema', schemaId: id, value: event });

    // A producer that frames a value its schema does not allow: refused with the schema's verdict.
    const bad = Buffer.concat([framed.subarray(0, 5), Buffer.from(JSON.stringify({ level: 'ERROR', message: 'no job id' }))]);
    const error = await new ValueDecoder(registry, 1 << 20).decode(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).reason).toBe('undecodable_registry_payload');
  });

  it('registers a new subject from several processes at once: one id, no error', async () => {
    // Ten clients, as ten pipeline instances starting together on a fresh topic prefix.
    const clients = Array.from({ length: 10 }, () => new ConfluentSchemaRegistry(config.schemaRegistry));
    const ids = await Promise.all(clients.map((c) => c.register(`${subject}-concurrent`, 'AVRO', avro)));
    expect(new Set(ids).size).toBe(1);
  });

  it('registers the JSON Schema of the result topic', async () => {
    const id = await registry.register(`${subject}-json`, 'JSON', readFileSync(join(SCHEMAS_DIR, 'job-event.schema.json'), 'utf8'));
    expect(id).toBeGreaterThan(0);
  });

  it('calls an unknown schema id a permanent error', async () => {
    const framed = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]);
    const error = await registry.decode(framed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).reason).toBe('unknown_schema_id');
  });

  it('calls an unreachable registry a transient error', async () => {
    const down = new ConfluentSchemaRegistry({ url: 'http://127.0.0.1:1/apis/ccompat/v7' });
    const error = await down.decode(Buffer.from([0, 0, 0, 0, 1, 0])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).dependency).toBe('schema-registry');
  });
});
