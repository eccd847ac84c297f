import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/paths.js';
import { LiteralIndex, requiredLiterals } from '../../../../src/stages/classify/literal-index.js';
import { RULES } from '../../../../src/stages/classify/rules.js';
import { splitLogText } from '../../../../src/stages/classify/log-lines.js';

describe('requiredLiterals', () => {
  it('reads the strings every match contains off a regex source', () => {
    expect(requiredLiterals(String.raw`Checkpoint (?:\d+ )?expired before completing`)).toEqual(expect.arrayContaining(['expired before completing']));
    const alternatives = requiredLiterals('Metaspace|Java heap space');
    expect(alternatives).not.toBeNull();
    expect(alternatives!.some((l) => 'metaspace'.includes(l.toLowerCase()))).toBe(true);
    expect(alternatives!.some((l) => 'java heap space'.includes(l.toLowerCase()))).toBe(true);
  });

  it('gives up (null: the rule is always tried) when no literal is required or the syntax is not read', () => {
    expect(requiredLiterals(String.raw`\d+`)).toBeNull();
    expect(requiredLiterals(String.raw`(?<n>ab)\k<n>`)).toBeNull();
  });

  it('every rule has literals, so no rule is tried on every text', () => {
    expect(RULES.filter((r) => r.strength === 'specific' && requiredLiterals(r.pattern.source) === null).map((r) => r.id)).toEqual([]);
  });
});

describe('LiteralIndex', () => {
  it('flags every rule that matches, on real texts (a missed flag would change a decision)', () => {
    const rules = RULES.filter((r) => r.strength === 'specific');
    const index = new LiteralIndex(rules.map((r) => r.pattern));
    const possible = new Uint8Array(rules.length);
    const corpus = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'flink-errors', 'corpus.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
    let matches = 0;
    for (const text of corpus.flatMap((t) => [t, ...splitLogText(t)])) {
      index.scan(text, possible);
      rules.forEach((rule, i) => {
        if (rule.pattern.test(text)) {
          matches++;
          expect(possible[i], `${rule.id} matches but was not flagged: ${text.slice(0, 120)}`).toBe(1);
        }
      });
    }
    expect(matches).toBeGreaterThan(100);
  });

  it('folds ASCII case for literals of case-insensitive rules', () => {
    const index = new LiteralIndex([/out of memory/i, /Metaspace/]);
    const possible = new Uint8Array(2);
    expect(index.scan('java.lang.OutOfMemoryError: OUT OF MEMORY', possible)).toBeGreaterThanOrEqual(1);
    expect(possible[0]).toBe(1);
  });
});
