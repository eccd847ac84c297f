import { describe, expect, it } from 'vitest';
import type { ClassifiedEvent } from '../../../../src/stages/classify/classify-event.js';
import { needsReview, ReviewQueue } from '../../../../src/stages/classify/review.js';

const classified = (fingerprint: string, over: Partial<ClassifiedEvent> = {}): ClassifiedEvent & { fingerprint: string } => ({
  error_type: 'other', subtype: 'unknown', confidence: 0.35, root_cause: 'x', decided_by: 'default', ...over, fingerprint,
});

describe('review', () => {
  it('wants errors no rule names and low confidence, not sure decisions or non-errors', () => {
    expect(needsReview(classified('a'))).toBe(true);
    expect(needsReview(classified('a', { error_type: 'network', subtype: 'rpc_timeout', confidence: 0.6 }))).toBe(true);
    expect(needsReview(classified('a', { error_type: 'network', subtype: 'rpc_timeout', confidence: 0.7 }))).toBe(false);
    expect(needsReview(classified('a', { error_type: 'none', subtype: null, confidence: 0.1 }))).toBe(false);
  });

  it('groups by fingerprint with counts, first and last sighting, the latest label and the first sample', () => {
    const queue = new ReviewQueue();
    queue.add(classified('a'), 'first text', 1);
    queue.add(classified('b'), 'other text', 2);
    queue.add(classified('a', { error_type: 'network', decided_by: 'model', confidence: 0.6 }), 'second text', 3);
    expect(queue.entries()).toEqual([
      { fingerprint: 'a', error_type: 'network', subtype: 'unknown', confidence: 0.6, decided_by: 'model', count: 2, first_seen: 1, last_seen: 3, sample: 'first text' },
      expect.objectContaining({ fingerprint: 'b', count: 1 }),
    ]);
  });

  it('forgets the least recently seen fingerprint when full', () => {
    const queue = new ReviewQueue(2);
    queue.add(classified('a'), 'a', 1);
    queue.add(classified('b'), 'b', 2);
    queue.add(classified('a'), 'a', 3);
    queue.add(classified('c'), 'c', 4);
    expect(queue.entries().map((e) => e.fingerprint).sort()).toEqual(['a', 'c']);
  });
});
