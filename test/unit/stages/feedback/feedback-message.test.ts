import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SCHEMAS_DIR } from '../../../../src/core/paths.js';
import { ERROR_TYPES, SUBTYPES } from '../../../../src/stages/classify/taxonomy.js';
import { feedbackFields, feedbackKey, validateFeedback } from '../../../../src/stages/feedback/feedback-message.js';

const problemsOf = (value: unknown) => {
  const result = validateFeedback(value);
  return result.ok ? [] : result.problems;
};

describe('feedback message', () => {
  it('agrees with the examples in schemas/examples/feedback', () => {
    const dir = join(SCHEMAS_DIR, 'examples', 'feedback');
    const files = readdirSync(dir);
    expect(files.filter((f) => f.startsWith('invalid-')).length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const result = validateFeedback(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      expect(result.ok, `${file}: ${result.ok ? '' : result.problems.join('; ')}`).toBe(file.startsWith('valid-'));
    }
  });

  it('is the contract schemas/feedback.schema.json describes', () => {
    const file = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'feedback.schema.json'), 'utf8')) as {
      properties: Record<string, Record<string, unknown>>;
      additionalProperties: boolean;
      allOf: { if: { properties: { corrected_error_type?: { const: string } } }; then: { properties?: { corrected_subtype: { enum: string[] } } } }[];
    };
    const withoutDescriptions = Object.fromEntries(Object.entries(file.properties).map(([name, { description: _, ...rest }]) => [name, rest]));
    expect(withoutDescriptions).toEqual((z.toJSONSchema(feedbackFields, { target: 'draft-7' }) as { properties: unknown }).properties);
    expect(file.additionalProperties).toBe(false);
    const subtypesByType = Object.fromEntries(file.allOf.flatMap((rule) => (rule.if.properties.corrected_error_type ? [[rule.if.properties.corrected_error_type.const, rule.then.properties!.corrected_subtype.enum]] : [])));
    expect(subtypesByType).toEqual(Object.fromEntries(ERROR_TYPES.map((t) => [t, [...SUBTYPES[t]]])));
  });

  it('names each problem with its field', () => {
    expect(problemsOf({ exception_id: '12', corrected_error_type: 'disk' })).toEqual([expect.stringMatching(/^corrected_error_type: Invalid option/)]);
    expect(problemsOf({ exception_id: '12', corrected_error_type: 'network', corrected_subtype: 'heap_oom' })).toEqual([
      expect.stringMatching(/^corrected_subtype: not a subtype of network; one of kafka_broker_unreachable, connection_refused/),
    ]);
    expect(problemsOf({ exception_id: '12', helpful: 'yes' })).toEqual([expect.stringMatching(/^helpful: /)]);
    expect(problemsOf({ helpful: true })).toEqual(['give exactly one of exception_id and event_id']);
    expect(problemsOf({ exception_id: '12' })).toEqual(['say something: helpful, corrected_error_type, corrected_fix or verified']);
    expect(problemsOf({ exception_id: '12', helpful: true, corrected_type: 'oom' })).toEqual(['Unrecognized key: "corrected_type"']);
    expect(problemsOf([])).toHaveLength(1);
    expect(problemsOf(null)).toHaveLength(1);
  });

  it('takes exception ids as strings of digits within BIGINT', () => {
    expect(problemsOf({ exception_id: '9223372036854775807', helpful: true })).toEqual([]);
    expect(problemsOf({ exception_id: '9223372036854775808', helpful: true })).toEqual(['exception_id: out of range']);
    expect(problemsOf({ exception_id: '19223372036854775807', helpful: true })).toHaveLength(1);
    for (const id of ['0', '012', '-1', '1e3', ' 12', 12]) expect(problemsOf({ exception_id: id, helpful: true }), String(id)).toHaveLength(1);
  });

  it('bounds the free texts', () => {
    const base = { exception_id: '1', verified: true };
    expect(problemsOf({ ...base, corrected_fix: 'x'.repeat(8000) })).toEqual([]);
    expect(problemsOf({ ...base, corrected_fix: 'x'.repeat(8001) })).toEqual([expect.stringMatching(/^corrected_fix: Too big/)]);
    expect(problemsOf({ ...base, corrected_fix: '   ' })).toEqual([expect.stringMatching(/^corrected_fix: Too small/)]);
    expect(problemsOf({ ...base, by: 'b'.repeat(129) })).toEqual([expect.stringMatching(/^by: Too big/)]);
    expect(problemsOf({ ...base, comment: 'c'.repeat(2001) })).toEqual([expect.stringMatching(/^comment: Too big/)]);
    expect(problemsOf({ ...base, feedback_id: 'a b' })).toEqual([expect.stringMatching(/^feedback_id: /)]);
  });

  it('keeps hostile text as data', () => {
    const hostile = "'); DROP TABLE knowledge_cases;-- <script>alert(1)</script>\u0000\u202e";
    const result = validateFeedback({ event_id: hostile.slice(0, 60), corrected_fix: hostile, by: hostile, comment: hostile, verified: true });
    expect(result.ok && result.message).toMatchObject({ corrected_fix: hostile.trim(), by: hostile, comment: hostile });
  });

  it('refuses to verify a diagnosis called unhelpful without the right fix', () => {
    expect(problemsOf({ exception_id: '1', helpful: false, verified: true })).toEqual(['corrected_fix: verified with helpful=false needs corrected_fix']);
    expect(problemsOf({ exception_id: '1', helpful: false, verified: true, corrected_fix: 'restart the sink' })).toEqual([]);
  });

  it('keys records by the exception', () => {
    const by = (value: unknown) => {
      const result = validateFeedback(value);
      if (!result.ok) throw new Error(result.problems.join('; '));
      return feedbackKey(result.message);
    };
    expect(by({ exception_id: '42', helpful: true })).toBe('42');
    expect(by({ event_id: 'ev-1', helpful: true })).toBe('ev-1');
  });
});
