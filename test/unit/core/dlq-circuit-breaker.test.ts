import { describe, expect, it } from 'vitest';
import { DlqCircuitBreaker } from '../../../src/core/dlq-circuit-breaker.js';
import { CircuitOpenError } from '../../../src/core/errors.js';

describe('DlqCircuitBreaker', () => {
  it('tolerates an invalid share at the limit and opens above it', () => {
    const breaker = new DlqCircuitBreaker({ maxInvalidRatio: 0.1, window: 100, minSample: 50 });
    for (let i = 0; i < 100; i++) breaker.record(i % 10 === 9); // exactly 10%, never above it at any prefix
    expect(breaker.ratio()).toBeCloseTo(0.1);
    expect(() => {
      for (let i = 0; i < 5; i++) breaker.record(true);
    }).toThrow(CircuitOpenError);
  });

  it('does not judge before the minimum sample', () => {
    const breaker = new DlqCircuitBreaker({ maxInvalidRatio: 0.5, window: 1000, minSample: 200 });
    for (let i = 0; i < 199; i++) breaker.record(true);
    expect(() => breaker.record(true)).toThrow(/200 of the last 200/);
  });

  it('forgets outcomes that slid out of the window', () => {
    const breaker = new DlqCircuitBreaker({ maxInvalidRatio: 0.5, window: 10, minSample: 10 });
    for (let i = 0; i < 5; i++) breaker.record(true);
    for (let i = 0; i < 10; i++) breaker.record(false);
    expect(breaker.ratio()).toBe(0);
  });
});
