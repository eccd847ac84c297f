import { describe, expect, it } from 'vitest';
import { parseChangeEvent } from '../../../src/cdc/debezium-envelope.js';
import { PermanentError } from '../../../src/core/errors.js';

const after = { job_id: 'j1', job_name: 'orders' };

describe('parseChangeEvent', () => {
  it('reads bare envelopes for each op', () => {
    expect(parseChangeEvent({ op: 'c', before: null, after, source: { db: 'd' }, ts_ms: 5 })).toEqual({ op: 'c', before: null, after, source: { db: 'd' }, tsMs: 5 });
    expect(parseChangeEvent({ op: 'r', after }).op).toBe('r');
    expect(parseChangeEvent({ op: 'u', before: after, after: { ...after, job_name: 'x' } }).after).toMatchObject({ job_name: 'x' });
    expect(parseChangeEvent({ op: 'd', before: after, after: null }).before).toEqual(after);
  });

  it('unwraps the JsonConverter schema envelope', () => {
    expect(parseChangeEvent({ schema: { type: 'struct' }, payload: { op: 'u', before: after, after } }).op).toBe('u');
  });

  it.each([
    ['not an object', 'x'],
    ['an unknown op', { op: 'z', after }],
    ['a create without after', { op: 'c', after: null }],
    ['a delete without before', { op: 'd', before: null }],
    ['a non-object row', { op: 'c', after: [1] }],
  ])('rejects %s', (_n, value) => {
    expect(() => parseChangeEvent(value)).toThrow(PermanentError);
  });
});
