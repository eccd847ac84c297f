import { describe, expect, it } from 'vitest';
import { compareResults, normaliseCell, orderOf } from '../../support/result-compare.js';

describe('normaliseCell', () => {
  it('reads both drivers\' numbers, dates and NULLs the same way', () => {
    expect(normaliseCell('12.50')).toEqual({ num: 12.5, decimals: 2 });
    expect(normaliseCell(12.5)).toEqual({ num: 12.5, decimals: 1 });
    expect(normaliseCell(10n)).toEqual({ num: 10, decimals: 0 });
    expect(normaliseCell(true)).toEqual({ num: 1, decimals: 0 });
    expect(normaliseCell(null)).toBeNull();
    expect(normaliseCell('2024-01-02 03:04:05.100000')).toEqual({ text: '2024-01-02 03:04:05.1' });
    expect(normaliseCell('2024-01-02T03:04:05.000Z')).toEqual({ text: '2024-01-02 03:04:05' });
    expect(normaliseCell(new Date('2024-01-02T03:04:05.120Z'))).toEqual({ text: '2024-01-02 03:04:05.12' });
    expect(normaliseCell('1995-03-15')).toEqual({ text: '1995-03-15' });
  });
});

describe('compareResults', () => {
  it('accepts numbers equal within the less precise side\'s last digit', () => {
    // MySQL rounds a decimal quotient to scale + 4; ClickHouse truncates to the dividend's scale.
    expect(compareResults([['0.03125000']], [['0.0312']]).equal).toBe(true);
    expect(compareResults([['6.943333']], [[6.9433333333333325]]).equal).toBe(true);
    expect(compareResults([['158452.4954']], [['158452.4955']]).equal).toBe(false);
    expect(compareResults([['2']], [['2.0000']]).equal).toBe(true);
    expect(compareResults([[2]], [[3]]).equal).toBe(false);
  });

  it('never equates NULL with 0 or an empty string', () => {
    expect(compareResults([[null]], [[0]]).equal).toBe(false);
    expect(compareResults([[null]], [['']]).equal).toBe(false);
    expect(compareResults([[null]], [[null]]).equal).toBe(true);
  });

  it('compares rows as a multiset unless ordered', () => {
    const a = [['x', 1], ['y', 2], ['y', 2]];
    expect(compareResults(a, [['y', 2], ['x', 1], ['y', 2]]).equal).toBe(true);
    const r = compareResults(a, [['y', 2], ['x', 1], ['x', 1]]);
    expect(r.equal).toBe(false);
    expect(r.differences.join('\n')).toMatch(/missing \("y", 2\)/);
    expect(r.differences.join('\n')).toMatch(/unexpected \("x", 1\)/);
    expect(compareResults(a, [['y', 2], ['x', 1], ['y', 2]], { ordered: true }).equal).toBe(false);
  });

  it('lets rows that tie on the ORDER BY keys come in either order', () => {
    const expected = [['a', 3], ['b', 3], ['c', 1]];
    expect(compareResults(expected, [['b', 3], ['a', 3], ['c', 1]], { ordered: true, orderKeys: [1] }).equal).toBe(true);
    expect(compareResults(expected, [['c', 1], ['a', 3], ['b', 3]], { ordered: true, orderKeys: [1] }).equal).toBe(false);
  });

  it('reports a row count difference', () => {
    const r = compareResults([[1], [2]], [[1]]);
    expect(r.equal).toBe(false);
    expect(r.differences[0]).toMatch(/row count: expected 2, got 1/);
  });
});

describe('orderOf', () => {
  it('finds the ORDER BY keys among the output columns', () => {
    expect(orderOf('SELECT a, sum(b) AS s FROM t GROUP BY a ORDER BY s DESC, a', ['a', 's'])).toEqual({ ordered: true, orderKeys: [1, 0] });
    expect(orderOf('SELECT a, b FROM t ORDER BY 2', ['a', 'b'])).toEqual({ ordered: true, orderKeys: [1] });
    // Sorted by something not in the output: the keys stop there.
    expect(orderOf('SELECT a, b FROM t ORDER BY c, a', ['a', 'b'])).toEqual({ ordered: true, orderKeys: [] });
    expect(orderOf('SELECT a FROM (SELECT a FROM t ORDER BY a) x', ['a'])).toEqual({ ordered: false });
  });
});

describe('numbers at different scales', () => {
  it('accepts rounding and truncation to the shorter scale, nothing more', () => {
    expect(compareResults([['0.03129999']], [['0.0312']]).equal).toBe(true); // truncated
    expect(compareResults([['0.03129999']], [['0.0313']]).equal).toBe(true); // rounded
    expect(compareResults([['0.03129999']], [['0.0311']]).equal).toBe(false);
    expect(compareResults([['-1.23456']], [['-1.234']]).equal).toBe(true);
    expect(compareResults([['-1.23456']], [['-1.236']]).equal).toBe(false);
    expect(compareResults([['2.4']], [['2']]).equal).toBe(false); // an integer is never a rounded decimal
  });
});
