import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/paths.js';

/** The SQL compiler's golden query cases: one folder per case with query.sql (+ expected.json). */
export const DEFAULT_CASES_DIR = join(PACKAGE_ROOT, 'test', 'golden', 'sql', 'cases');

export interface GoldenCase {
  name: string;
  query: string;
  /** From expected.json; else from a `default database <name>` remark in the query's comments. */
  defaultDatabase: string | null;
  /** expected.json declares an error: the compiler must refuse the query (it has no result). */
  expectsError: boolean;
}

export function readGoldenCases(dir = DEFAULT_CASES_DIR): GoldenCase[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'query.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const query = readFileSync(join(dir, name, 'query.sql'), 'utf8');
      let defaultDatabase: string | null = null;
      let expectsError = false;
      const expected = join(dir, name, 'expected.json');
      if (existsSync(expected)) {
        const parsed = JSON.parse(readFileSync(expected, 'utf8')) as { defaultDatabase?: string | null; error?: unknown };
        defaultDatabase = parsed.defaultDatabase ?? null;
        expectsError = parsed.error !== undefined;
      } else {
        defaultDatabase = /default database (\w+)/i.exec(query)?.[1] ?? null;
      }
      return { name, query, defaultDatabase, expectsError };
    });
}
