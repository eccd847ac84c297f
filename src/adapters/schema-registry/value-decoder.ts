import { PermanentError } from '../../core/errors.js';
import type { SchemaRegistryPort } from '../../ports/schema-registry.js';

export interface DecodedValue {
  format: 'json' | 'avro' | 'json-schema';
  schemaId: number | null;
  value: unknown;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Confluent wire format: magic byte 0, then a big-endian 4-byte schema id. */
const MAGIC_BYTE = 0;
const FRAME_HEADER_BYTES = 5;

/**
 * Tells registry-framed values from plain JSON by the magic byte (a JSON text never starts with
 * a NUL byte) and decodes either. Every failure is a PermanentError with a bounded reason.
 */
export class ValueDecoder {
  constructor(
    private readonly registry: SchemaRegistryPort,
    private readonly maxBytes: number,
  ) {}

  async decode(bytes: Buffer | null): Promise<DecodedValue> {
    if (bytes === null || bytes.length === 0) throw new PermanentError('empty_value', 'record has no value (tombstone or empty)');
    if (bytes.length > this.maxBytes) {
      throw new PermanentError('oversized', `value is ${bytes.length} bytes, limit is ${this.maxBytes} (PD_MAX_MESSAGE_BYTES)`);
    }
    if (bytes[0] === MAGIC_BYTE) {
      if (bytes.length < FRAME_HEADER_BYTES) throw new PermanentError('undecodable_registry_payload', `framed value of ${bytes.length} bytes is shorter than the 5-byte header`);
      const { schemaId, value } = await this.registry.decode(bytes);
      // The registry library returns JSON-Schema payloads as plain objects and Avro as records.
      return { format: isAvroRecord(value) ? 'avro' : 'json-schema', schemaId, value: toPlain(value) };
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch (err) {
      throw new PermanentError('invalid_utf8', 'value is not valid UTF-8', { cause: err });
    }
    try {
      return { format: 'json', schemaId: null, value: JSON.parse(text) };
    } catch (err) {
      throw new PermanentError('malformed_json', `value is not JSON: ${(err as Error).message}`, { cause: err });
    }
  }
}

function isAvroRecord(value: unknown): boolean {
  // avsc decodes records into instances of a generated class, not Object.
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) !== Object.prototype;
}

/** avsc records are class instances: spread them into plain objects for validation. */
function toPlain(value: unknown): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as object) } : value;
}
