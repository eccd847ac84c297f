import { PermanentError } from '../core/errors.js';

/**
 * Debezium change events as the pipeline sees them, whatever the converter: bare JSON envelopes,
 * JSON with the `{schema, payload}` wrapper, or Avro through the registry (already decoded into
 * an object by the value decoder). A tombstone (null value) follows each delete; it has no
 * envelope, so consumers check for a null value before decoding (see the catalog stage).
 *
 * Avro-decoded envelopes differ from JSON ones only in form, and are normalised here so both
 * give the same ChangeEvent:
 * - avsc decodes records (the envelope, before/after, source) into instances of generated
 *   classes: rows and source come back as plain objects.
 * - Optional fields are unions [null, T]. avsc's default (`wrapUnions: 'auto'`) returns the bare
 *   value; a decoder set to wrap unions returns `{"<type name>": value}`, which is unwrapped.
 * - Connect/Debezium temporal types are longs/ints (epoch ms, days, ms of day) in both formats;
 *   a decoder with avsc logical types turns `timestamp-millis` into a Date, read back as epoch ms.
 * - JSON columns are strings in both formats; DECIMAL is a string (decimal.handling.mode=string).
 * - Longs past 2^53 (ts_ns) are numbers rounded as JSON.parse rounds them (see the registry adapter).
 */
export type ChangeOp = 'c' | 'u' | 'd' | 'r' | 't';

export interface ChangeEvent {
  op: ChangeOp;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Source metadata (db, table, binlog position, snapshot flag); kept as Debezium sent it. */
  source: Record<string, unknown>;
  tsMs: number | null;
}

const OPS = new Set(['c', 'u', 'd', 'r', 't']);

/** Avro primitive type names: the keys of a wrapped union holding a primitive. */
const AVRO_PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date);
}

/**
 * `{"string": "x"}` or `{"cdc.avro.db.table.Value": {...}}` → the branch's value. A wrapped union
 * has exactly one key: an Avro primitive, or the full (dotted) name of a named type. Where the
 * union must hold a record (before, after, source), only the latter with an object value counts,
 * so a one-column row is never taken for a wrapper; Debezium struct fields are never dotted.
 */
function unwrapUnion(value: unknown, recordOnly = false): unknown {
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return value;
  const key = keys[0]!;
  const inner = value[key];
  if (recordOnly) return key.includes('.') && isObject(inner) ? inner : value;
  return AVRO_PRIMITIVES.has(key) || key.includes('.') ? inner : value;
}

function plainValue(value: unknown): unknown {
  const v = unwrapUnion(value);
  if (v instanceof Date) return v.getTime();
  if (Array.isArray(v)) return v.map(plainValue);
  return isObject(v) ? plainRecord(v) : v;
}

/** A decoded row or struct as a plain object (avsc records are class instances). */
function plainRecord(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = plainValue(v);
  return out;
}

/** Reads a decoded value as a change event; throws PermanentError when it is not one. */
export function parseChangeEvent(value: unknown): ChangeEvent {
  // JsonConverter with schemas.enable=true wraps the envelope: {schema: {...}, payload: {...}}.
  const envelope = isObject(value) && 'payload' in value && 'schema' in value ? value.payload : value;
  if (!isObject(envelope)) throw new PermanentError('schema_violation', 'change event is not an object');
  const op = unwrapUnion(envelope.op);
  if (typeof op !== 'string' || !OPS.has(op)) throw new PermanentError('schema_violation', `change event has no valid op (got ${JSON.stringify(op)})`);
  const before = unwrapUnion(envelope.before, true) ?? null;
  const after = unwrapUnion(envelope.after, true) ?? null;
  if ((before !== null && !isObject(before)) || (after !== null && !isObject(after))) {
    throw new PermanentError('schema_violation', 'change event before/after must be objects or null');
  }
  if ((op === 'c' || op === 'r' || op === 'u') && after === null) throw new PermanentError('schema_violation', `op ${op} without "after"`);
  if (op === 'd' && before === null) throw new PermanentError('schema_violation', 'op d without "before"');
  const ts = unwrapUnion(envelope.ts_ms);
  const source = unwrapUnion(envelope.source, true);
  return {
    op: op as ChangeOp,
    before: before === null ? null : plainRecord(before),
    after: after === null ? null : plainRecord(after),
    source: isObject(source) ? plainRecord(source) : {},
    tsMs: typeof ts === 'number' ? ts : typeof ts === 'string' && /^\d+$/.test(ts) ? Number(ts) : null,
  };
}
