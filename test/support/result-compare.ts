import type { FieldPacket, RowDataPacket } from 'mysql2/promise';
import NodeSqlParser from 'node-sql-parser';
import { connectSource } from '../../src/sample/source-data.js';

/**
 * Compares two query results cell by cell across drivers (mysql2 with dateStrings and
 * bigNumberStrings, @clickhouse/client JSON formats): numbers within the precision of the less
 * precise side, dates and date-times by value, NULL only equal to NULL; rows as a multiset, or in
 * order where the query sorts (rows that tie on the ORDER BY keys may come in either order).
 */

type Cell = null | { num: number; decimals: number } | { text: string };

export interface CompareOptions {
  /** The query has an ORDER BY: compare positions (see orderKeys). @default false */
  ordered?: boolean;
  /** Column positions of the ORDER BY keys; rows with equal keys may be permuted. Unset + ordered = strict positions. */
  orderKeys?: number[];
  /** Absolute tolerance for numbers that both print without decimals. @default 1e-9 */
  absTolerance?: number;
  /** Relative tolerance (float noise in large sums). @default 1e-12 */
  relTolerance?: number;
  /** How many differences to describe. @default 10 */
  maxDifferences?: number;
}

export interface CompareResult {
  equal: boolean;
  differences: string[];
  expectedRows: number;
  actualRows: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]00:?00)?$/;

/** One cell, driver differences removed. */
export function normaliseCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return { num: value ? 1 : 0, decimals: 0 };
  if (typeof value === 'bigint') return { num: Number(value), decimals: 0 };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { text: String(value) };
    const s = String(value);
    return { num: value, decimals: /e/i.test(s) ? 20 : (s.split('.')[1]?.length ?? 0) };
  }
  if (value instanceof Date) return { text: normaliseDateTime(value.toISOString()) };
  if (Buffer.isBuffer(value)) return { text: value.toString('utf8') };
  if (typeof value === 'string') {
    if (NUMBER.test(value)) {
      const [mantissa, exponent] = value.split(/[eE]/);
      return { num: Number(value), decimals: exponent ? 20 : (mantissa!.split('.')[1]?.length ?? 0) };
    }
    return { text: DATE_TIME.test(value) ? normaliseDateTime(value) : value };
  }
  return { text: JSON.stringify(value) };
}

/** `2024-01-02T03:04:05.100Z`, `2024-01-02 03:04:05.100000` → `2024-01-02 03:04:05.1`; `.000` dropped. */
function normaliseDateTime(s: string): string {
  const m = DATE_TIME.exec(s);
  if (!m) return s;
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  return `${m[1]} ${m[2]}${fraction === '.' ? '' : fraction}`;
}

function cellsEqual(a: Cell, b: Cell, options: Required<Pick<CompareOptions, 'absTolerance' | 'relTolerance'>>): boolean {
  if (a === null || b === null) return a === b;
  if ('num' in a && 'num' in b) {
    if (Math.abs(a.num - b.num) <= Math.max(options.absTolerance, options.relTolerance * Math.max(Math.abs(a.num), Math.abs(b.num)))) return true;
    // Equal at the less precise side's scale: MySQL rounds a decimal quotient to scale + 4,
    // ClickHouse truncates it to the dividend's scale, a Float64 average prints 17 digits. So the
    // more precise value, rounded or truncated to the other's decimals, must give the other.
    const [less, more] = a.decimals <= b.decimals ? [a, b] : [b, a];
    if (less.decimals === 0 || less.decimals === more.decimals) return false;
    const f = 10 ** Math.min(less.decimals, 15);
    const target = Math.round(less.num * f);
    const scaled = more.num * f;
    const eps = 1e-9 * Math.max(1, Math.abs(scaled));
    return Math.round(scaled) === target || Math.trunc(scaled + Math.sign(scaled) * eps) === target;
  }
  if ('text' in a && 'text' in b) return a.text === b.text;
  return false;
}

function render(row: Cell[]): string {
  return `(${row.map((c) => (c === null ? 'NULL' : 'num' in c ? String(c.num) : JSON.stringify(c.text))).join(', ')})`;
}

/** Coarse key for matching: the non-numeric cells (numbers may differ within tolerance). */
function bucketKey(row: Cell[]): string {
  return row.map((c) => (c === null ? '\u0000' : 'num' in c ? '#' : c.text)).join('\u0001');
}

export function compareResults(expected: readonly (readonly unknown[])[], actual: readonly (readonly unknown[])[], options: CompareOptions = {}): CompareResult {
  const tol = { absTolerance: options.absTolerance ?? 1e-9, relTolerance: options.relTolerance ?? 1e-12 };
  const max = options.maxDifferences ?? 10;
  const left = expected.map((r) => r.map(normaliseCell));
  const right = actual.map((r) => r.map(normaliseCell));
  const differences: string[] = [];
  const result = (): CompareResult => ({ equal: differences.length === 0, differences: differences.slice(0, max), expectedRows: left.length, actualRows: right.length });
  const rowsEqual = (a: Cell[], b: Cell[]) => a.length === b.length && a.every((c, i) => cellsEqual(c, b[i]!, tol));

  if (left.length !== right.length) differences.push(`row count: expected ${left.length}, got ${right.length}`);
  const width = left[0]?.length ?? right[0]?.length ?? 0;
  if (left.some((r) => r.length !== width) || right.some((r) => r.length !== width)) {
    differences.push(`column count differs (expected ${left[0]?.length}, got ${right[0]?.length})`);
    return result();
  }

  if (options.ordered && !options.orderKeys) {
    for (let i = 0; i < Math.min(left.length, right.length); i++) {
      if (!rowsEqual(left[i]!, right[i]!)) differences.push(`row ${i + 1}: expected ${render(left[i]!)}, got ${render(right[i]!)}`);
    }
    return result();
  }
  if (options.ordered && options.orderKeys) {
    // Runs of rows that tie on the ORDER BY keys: positions must agree on the keys, and each run
    // must hold the same rows in any order.
    const keys = options.orderKeys;
    const keyEqual = (a: Cell[], b: Cell[]) => keys.every((k) => cellsEqual(a[k] ?? null, b[k] ?? null, tol));
    let start = 0;
    while (start < left.length && start < right.length) {
      let end = start + 1;
      while (end < left.length && keyEqual(left[end]!, left[start]!)) end++;
      for (let i = start; i < Math.min(end, right.length); i++) {
        if (!keyEqual(right[i]!, left[start]!)) differences.push(`row ${i + 1}: ORDER BY keys expected ${render(keys.map((k) => left[start]![k] ?? null))}, got ${render(keys.map((k) => right[i]![k] ?? null))}`);
      }
      differences.push(...multisetDifferences(left.slice(start, end), right.slice(start, end), rowsEqual, `rows ${start + 1}..${end}: `));
      start = end;
    }
    return result();
  }
  differences.push(...multisetDifferences(left, right, rowsEqual, ''));
  return result();
}

function multisetDifferences(left: Cell[][], right: Cell[][], rowsEqual: (a: Cell[], b: Cell[]) => boolean, prefix: string): string[] {
  const buckets = new Map<string, Cell[][]>();
  for (const row of right) {
    const key = bucketKey(row);
    buckets.set(key, [...(buckets.get(key) ?? []), row]);
  }
  const out: string[] = [];
  for (const row of left) {
    const candidates = buckets.get(bucketKey(row)) ?? [];
    const i = candidates.findIndex((c) => rowsEqual(row, c));
    if (i < 0) out.push(`${prefix}missing ${render(row)}`);
    else candidates.splice(i, 1);
  }
  for (const rest of buckets.values()) for (const row of rest) out.push(`${prefix}unexpected ${render(row)}`);
  return out;
}

const parser = new NodeSqlParser.Parser();

/**
 * Whether the top-level query sorts, and the output columns of its ORDER BY keys (by alias, column
 * name or position) up to the first key that is not an output column (no keys: the sort is by
 * something not in the output, so only the multiset can be compared).
 */
export function orderOf(sql: string, columns: readonly string[]): { ordered: boolean; orderKeys?: number[] } {
  let ast: unknown;
  try {
    ast = parser.astify(sql, { database: 'MySQL' });
  } catch {
    // Unparsable here: the keys are unknown, so only the multiset can be compared.
    return { ordered: /\border\s+by\b/i.test(sql), orderKeys: [] };
  }
  const top = (Array.isArray(ast) ? ast[ast.length - 1] : ast) as { orderby?: { expr: Record<string, unknown> }[] | null; _next?: unknown } | undefined;
  let last = top as { orderby?: { expr: Record<string, unknown> }[] | null; _next?: unknown } | undefined;
  while (last && last._next) last = last._next as typeof last;
  const orderby = top?.orderby ?? last?.orderby;
  if (!orderby || orderby.length === 0) return { ordered: false };
  const lower = columns.map((c) => c.toLowerCase());
  const keys: number[] = [];
  for (const { expr } of orderby) {
    let index = -1;
    if (expr.type === 'number') index = Number(expr.value) - 1;
    else if (expr.type === 'column_ref') {
      const column = expr.column as string | { expr?: { value?: string } };
      const name = typeof column === 'string' ? column : column?.expr?.value;
      if (typeof name === 'string') index = lower.indexOf(name.toLowerCase());
    }
    if (index < 0 || index >= columns.length) break;
    keys.push(index);
  }
  return { ordered: true, orderKeys: keys };
}

/** Runs a query on MySQL/MariaDB as the comparisons read it: rows as arrays, with the column names. */
export async function queryMysql(url: string, query: string, database: string | null): Promise<{ columns: string[]; rows: unknown[][] }> {
  const conn = await connectSource(url);
  try {
    if (database) await conn.query('USE ??', [database]);
    const [rows, fields] = (await conn.query<RowDataPacket[]>({ sql: query, rowsAsArray: true })) as unknown as [unknown[][], FieldPacket[]];
    return { columns: fields.map((f) => f.name), rows };
  } finally {
    await conn.end();
  }
}
