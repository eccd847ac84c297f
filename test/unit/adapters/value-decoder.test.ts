import { describe, expect, it } from 'vitest';
import { ValueDecoder } from '../../../src/adapters/schema-registry/value-decoder.js';
import { PermanentError } from '../../../src/core/errors.js';
import type { SchemaRegistryPort } from '../../../src/ports/schema-registry.js';

/** Pure routing logic only: the real registry is exercised in test/integration. */
class StubRegistry implements SchemaRegistryPort {
  decoded: Buffer[] = [];
  async register(): Promise<number> {
    return 1;
  }
  async encode(): Promise<Buffer> {
    return Buffer.alloc(0);
  }
  async decode(framed: Buffer) {
    this.decoded.push(framed);
    return { schemaId: framed.readUInt32BE(1), value: { job_id: 'from-registry' } };
  }
  async subjects(): Promise<string[]> {
    return [];
  }
}

async function reasonOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PermanentError) return err.reason;
    throw err;
  }
  return undefined;
}

describe('ValueDecoder', () => {
  const registry = new StubRegistry();
  const decoder = new ValueDecoder(registry, 1024);

  it('reads plain JSON', async () => {
    expect(await decoder.decode(Buffer.from('{"job_id":"j"}'))).toEqual({ format: 'json', schemaId: null, value: { job_id: 'j' } });
  });

  it('sends magic-byte framed values to the registry', async () => {
    const framed = Buffer.from([0, 0, 0, 0, 42, 1, 2, 3]);
    expect(await decoder.decode(framed)).toMatchObject({ schemaId: 42, value: { job_id: 'from-registry' } });
    expect(registry.decoded).toContainEqual(framed);
  });

  it.each([
    ['empty', Buffer.alloc(0), 'empty_value'],
    ['a short frame', Buffer.from([0, 1]), 'undecodable_registry_payload'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'invalid_utf8'],
    ['truncated JSON', Buffer.from('{"job_id":'), 'malformed_json'],
    ['oversized', Buffer.alloc(2048, 0x20), 'oversized'],
  ])('rejects %s', async (_name, bytes, reason) => {
    expect(await reasonOf(decoder.decode(bytes))).toBe(reason);
  });

  it('rejects a missing value (tombstone)', async () => {
    expect(await reasonOf(decoder.decode(null))).toBe('empty_value');
  });
});
