import { PermanentError } from '../core/errors.js';

/**
 * Debezium change events as the pipeline sees them, whatever the converter: bare JSON envelopes,
 * JSON with the `{schema, payload}` wrapper, or Avro through the registry (already decoded into
 * an object by the value decoder). A tombstone (null value) follows each delete.
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a decoded value as a change event; throws PermanentError when it is not one. */
export function parseChangeEvent(value: unknown): ChangeEvent {
  // JsonConverter with schemas.enable=true wraps the envelope: {schema: {...}, payload: {...}}.
  const envelope = isObject(value) && 'payload' in value && 'schema' in value ? value.payload : value;
  if (!isObject(envelope)) throw new PermanentError('schema_violation', 'change event is not an object');
  const op = envelope.op;
  if (typeof op !== 'string' || !OPS.has(op)) throw new PermanentError('schema_violation', `change event has no valid op (got ${JSON.stringify(op)})`);
  const before = envelope.before ?? null;
  const after = envelope.after ?? null;
  if ((before !== null && !isObject(before)) || (after !== null && !isObject(after))) {
    throw new PermanentError('schema_violation', 'change event before/after must be objects or null');
  }
  if ((op === 'c' || op === 'r' || op === 'u') && after === null) throw new PermanentError('schema_violation', `op ${op} without "after"`);
  if (op === 'd' && before === null) throw new PermanentError('schema_violation', 'op d without "before"');
  const ts = envelope.ts_ms;
  return { op: op as ChangeOp, before, after, source: isObject(envelope.source) ? envelope.source : {}, tsMs: typeof ts === 'number' ? ts : typeof ts === 'string' && /^\d+$/.test(ts) ? Number(ts) : null };
}
