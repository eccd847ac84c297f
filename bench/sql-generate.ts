// SQL generation time per query: compileSyncPlan (parse → resolve → Flink SQL + ClickHouse DDL +
// report) over every successful golden case (TPC-H's 22 and the operational ones), in one
// process, after a warm-up. Prints p50 / p99 / max in ms (target: < 100 ms per query).
//   npx tsx bench/sql-generate.ts [--rounds 30] [--source mysql-cdc|kafka]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Catalog, loadCatalogFile } from '../src/stages/sqlgen/catalog.js';
import { compileSyncPlan } from '../src/stages/sqlgen/compile.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' }, source: { type: 'string', default: 'mysql-cdc' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
const source = values.source === 'kafka' ? 'kafka-debezium-json' : 'mysql-cdc';

const golden = join(import.meta.dirname, '../test/golden/sql');
const catalog = new Catalog(loadCatalogFile(join(golden, 'catalog.json')));
const cases = readdirSync(join(golden, 'cases'))
  .sort()
  .map((name) => ({
    name,
    query: readFileSync(join(golden, 'cases', name, 'query.sql'), 'utf8'),
    expected: JSON.parse(readFileSync(join(golden, 'cases', name, 'expected.json'), 'utf8')) as { defaultDatabase?: string | null; error?: unknown },
  }))
  .filter((c) => !c.expected.error);

const compile = (c: (typeof cases)[number]) => compileSyncPlan(c.query, { catalog, defaultDatabase: c.expected.defaultDatabase ?? null, source });

// The first call loads the parser's grammar and JIT-compiles; measure it apart.
const coldStart = performance.now();
compile(cases[0]!);
const coldMs = performance.now() - coldStart;
for (const c of cases) compile(c);

const samples: number[] = [];
const perCase = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    const t0 = performance.now();
    compile(c);
    const ms = performance.now() - t0;
    samples.push(ms);
    perCase.set(c.name, [...(perCase.get(c.name) ?? []), ms]);
  }
}
samples.sort((a, b) => a - b);
const q = (p: number) => samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)]!;
const slowest = [...perCase.entries()].map(([name, ms]) => [name, ms.reduce((a, b) => a + b, 0) / ms.length] as const).sort((a, b) => b[1] - a[1]).slice(0, 3);
const fmt = (n: number) => n.toFixed(2);
console.log(
  `sql generate (${source}): ${cases.length} queries × ${rounds} rounds = ${samples.length} compilations; ` +
    `p50 ${fmt(q(0.5))} ms, p99 ${fmt(q(0.99))} ms, max ${fmt(samples.at(-1)!)} ms (first call, cold: ${fmt(coldMs)} ms); ` +
    `slowest mean: ${slowest.map(([n, ms]) => `${n} ${fmt(ms)} ms`).join(', ')}`,
);
console.log(JSON.stringify({ bench: 'sql-generate', source, queries: cases.length, rounds, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: samples.at(-1), coldMs }));
