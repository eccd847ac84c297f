import { describe, expect, it } from 'vitest';
import { ValueDecoder } from '../../../../src/adapters/schema-registry/value-decoder.js';
import { PermanentError } from '../../../../src/core/errors.js';
import type { ConsumedRecord } from '../../../../src/ports/broker.js';
import type { SchemaRegistryPort } from '../../../../src/ports/schema-registry.js';
import { createCatalogStage } from '../../../../src/stages/catalog/catalog-stage.js';

const noRegistry = { decode: async () => { throw new Error('not used'); } } as unknown as SchemaRegistryPort;
const stage = createCatalogStage(new ValueDecoder(noRegistry, 1 << 20));
const record = (value: unknown): ConsumedRecord => ({ topic: 'cdc', partition: 0, offset: '1', key: null, headers: {}, timestamp: '0', value: value === null ? null : Buffer.from(JSON.stringify(value)) });
const row = { job_id: 'j1', job_name: 'orders', job_type: 'streaming', job_config: '{"parallelism":4}', updated_at: 1 };

describe('catalog stage', () => {
  it('writes the latest row per job with its config parsed', async () => {
    const [out] = await stage.process(record({ op: 'c', before: null, after: row, source: { ts_ms: 9 } }));
    expect(out).toMatchObject({ kind: 'record', topic: 'job-catalog', key: 'j1' });
    expect(JSON.parse((out as { value: string }).value)).toEqual({ job_id: 'j1', job_name: 'orders', job_type: 'streaming', job_config: { parallelism: 4 }, changed_at_ms: 9 });
  });

  it('writes a tombstone on delete, ignores Debezium tombstones, and moves a changed key', async () => {
    expect(await stage.process(record({ op: 'd', before: row, after: null }))).toEqual([{ kind: 'record', topic: 'job-catalog', key: 'j1', value: null }]);
    expect(await stage.process(record(null))).toEqual([]);
    const moved = await stage.process(record({ op: 'u', before: row, after: { ...row, job_id: 'j2' } }));
    expect(moved.map((o) => (o as { key: string; value: unknown }).key)).toEqual(['j1', 'j2']);
    expect((moved[0] as { value: unknown }).value).toBeNull();
  });

  it('dead-letters what is not a registry change', async () => {
    await expect(stage.process(record({ op: 'c', after: { name: 'no id' } }))).rejects.toThrow(PermanentError);
  });
});
