import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_TYPES, SUBTYPES, type ErrorType } from '../../../src/stages/classify/taxonomy.js';

/**
 * Checks the knowledge base shipped in kb/ (see kb/README.md): the manual diagnosis cases that seed
 * MySQL `knowledge_cases` / Milvus `flink_cases`, and the documentation snippets that seed Milvus
 * `flink_docs` (storage contract: shared seed 001).
 */

interface KbCase {
  case_id: string;
  error_type: string;
  subtype: string;
  error_pattern: string;
  root_cause: string;
  solution: string;
  keywords: string[];
  related_docs: string[];
  priority: string;
}

interface KbDoc {
  doc_id: string;
  title: string;
  content: string;
  doc_url: string;
  category: string;
}

const CASE_KEYS = [
  'case_id',
  'error_type',
  'subtype',
  'error_pattern',
  'root_cause',
  'solution',
  'keywords',
  'related_docs',
  'priority',
].sort();
const DOC_KEYS = ['doc_id', 'title', 'content', 'doc_url', 'category'].sort();
const PRIORITIES = ['high', 'medium', 'low'];
const DOC_CATEGORIES = [
  'checkpoint',
  'state',
  'network',
  'memory',
  'kafka',
  'serialization',
  'restart',
  'deployment',
  'sql',
  'config',
  'monitoring',
  'classloading',
  'filesystem',
  'time',
];

const MIN_CASES = 40;
const MIN_DOCS = 60;
const MIN_DOC_WORDS = 60;
const MAX_DOC_WORDS = 200;

const here = dirname(fileURLToPath(import.meta.url));
const kbDir = resolve(here, '../../../kb');

function readLines(file: string): string[] {
  return readFileSync(resolve(kbDir, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

function parseObjects(lines: string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function words(text: string): number {
  return text.split(/\s+/).filter((w) => w !== '').length;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

const caseLines = readLines('cases.jsonl');
const docLines = readLines('docs.jsonl');

describe('kb/cases.jsonl', () => {
  it('has one JSON object per line with exactly the expected keys', () => {
    caseLines.forEach((line, index) => {
      let parsed: unknown;
      expect(() => {
        parsed = JSON.parse(line);
      }, `line ${index + 1} is not valid JSON`).not.toThrow();
      expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), `line ${index + 1}`).toBe(true);
      expect(Object.keys(parsed as object).sort(), `line ${index + 1}`).toEqual(CASE_KEYS);
    });
  });

  const cases = parseObjects(caseLines) as unknown as KbCase[];

  it(`has at least ${MIN_CASES} cases`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(MIN_CASES);
  });

  it('has unique case ids that fit knowledge_cases.case_id VARCHAR(32)', () => {
    const ids = cases.map((c) => c.case_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id, id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(id.length, id).toBeLessThanOrEqual(32);
    }
  });

  it('uses only error_type/subtype pairs of the classifier taxonomy', () => {
    const types: readonly string[] = ERROR_TYPES;
    for (const c of cases) {
      expect(types, c.case_id).toContain(c.error_type);
      expect(SUBTYPES[c.error_type as ErrorType], c.case_id).toContain(c.subtype);
    }
  });

  it('covers every subtype except other/unknown', () => {
    const covered = new Set(cases.map((c) => `${c.error_type}/${c.subtype}`));
    const missing: string[] = [];
    for (const type of ERROR_TYPES) {
      for (const subtype of SUBTYPES[type]) {
        if (type === 'other' && subtype === 'unknown') continue;
        if (!covered.has(`${type}/${subtype}`)) missing.push(`${type}/${subtype}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has non-empty text fields within the flink_cases column limits', () => {
    for (const c of cases) {
      expect(isNonEmptyString(c.error_pattern), c.case_id).toBe(true);
      expect(isNonEmptyString(c.root_cause), c.case_id).toBe(true);
      expect(isNonEmptyString(c.solution), c.case_id).toBe(true);
      expect(c.error_pattern.length, c.case_id).toBeLessThanOrEqual(2000);
      expect(c.root_cause.length, c.case_id).toBeLessThanOrEqual(2000);
      expect(c.solution.length, c.case_id).toBeLessThanOrEqual(4000);
      // root cause and solution are explanations, not one-liners
      expect(words(c.root_cause), c.case_id).toBeGreaterThanOrEqual(20);
      expect(words(c.solution), c.case_id).toBeGreaterThanOrEqual(20);
    }
  });

  it('masks variable parts of the error pattern with <placeholders> where it has any', () => {
    for (const c of cases) {
      // no raw 32-hex job/vertex ids or container ids survive in a generalised pattern
      expect(c.error_pattern, c.case_id).not.toMatch(/\b[0-9a-f]{32}\b/);
      expect(c.error_pattern, c.case_id).not.toMatch(/container_(e\d+_)?\d{10,}/);
    }
  });

  it('has keywords and a valid priority', () => {
    for (const c of cases) {
      expect(Array.isArray(c.keywords), c.case_id).toBe(true);
      expect(c.keywords.length, c.case_id).toBeGreaterThan(0);
      for (const k of c.keywords) expect(isNonEmptyString(k), c.case_id).toBe(true);
      expect(PRIORITIES, c.case_id).toContain(c.priority);
    }
  });

  it('links only documentation snippets that exist in kb/docs.jsonl', () => {
    const docIds = new Set(parseObjects(docLines).map((d) => d.doc_id));
    for (const c of cases) {
      expect(Array.isArray(c.related_docs), c.case_id).toBe(true);
      expect(c.related_docs.length, c.case_id).toBeGreaterThan(0);
      expect(new Set(c.related_docs).size, c.case_id).toBe(c.related_docs.length);
      for (const id of c.related_docs) expect(docIds.has(id), `${c.case_id} -> ${id}`).toBe(true);
    }
  });
});

describe('kb/docs.jsonl', () => {
  it('has one JSON object per line with exactly the expected keys', () => {
    docLines.forEach((line, index) => {
      let parsed: unknown;
      expect(() => {
        parsed = JSON.parse(line);
      }, `line ${index + 1} is not valid JSON`).not.toThrow();
      expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), `line ${index + 1}`).toBe(true);
      expect(Object.keys(parsed as object).sort(), `line ${index + 1}`).toEqual(DOC_KEYS);
    });
  });

  const docs = parseObjects(docLines) as unknown as KbDoc[];

  it(`has at least ${MIN_DOCS} snippets`, () => {
    expect(docs.length).toBeGreaterThanOrEqual(MIN_DOCS);
  });

  it('has unique doc ids that fit flink_docs.doc_id VARCHAR(64)', () => {
    const ids = docs.map((d) => d.doc_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id, id).toMatch(/^doc-[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(id.length, id).toBeLessThanOrEqual(64);
    }
  });

  it('links official Apache Flink pages over https', () => {
    for (const d of docs) {
      expect(d.doc_url.length, d.doc_id).toBeLessThanOrEqual(512);
      const url = new URL(d.doc_url);
      expect(url.protocol, d.doc_id).toBe('https:');
      const official =
        (url.hostname === 'nightlies.apache.org' && url.pathname.startsWith('/flink/')) ||
        url.hostname === 'flink.apache.org';
      expect(official, `${d.doc_id}: ${d.doc_url}`).toBe(true);
    }
  });

  it('has titles and contents within the flink_docs column limits and the snippet length bounds', () => {
    for (const d of docs) {
      expect(isNonEmptyString(d.title), d.doc_id).toBe(true);
      expect(d.title.length, d.doc_id).toBeLessThanOrEqual(512);
      expect(isNonEmptyString(d.content), d.doc_id).toBe(true);
      expect(d.content.length, d.doc_id).toBeLessThanOrEqual(8000);
      expect(words(d.content), d.doc_id).toBeGreaterThanOrEqual(MIN_DOC_WORDS);
      expect(words(d.content), d.doc_id).toBeLessThanOrEqual(MAX_DOC_WORDS);
    }
  });

  it('uses categories from the fixed list', () => {
    for (const d of docs) {
      expect(DOC_CATEGORIES, d.doc_id).toContain(d.category);
      expect(d.category.length, d.doc_id).toBeLessThanOrEqual(64);
    }
  });

  it('has no two snippets with the same content', () => {
    const contents = docs.map((d) => d.content);
    expect(new Set(contents).size).toBe(contents.length);
  });
});
