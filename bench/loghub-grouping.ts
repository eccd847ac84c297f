/**
 * Grouping accuracy (GA, Zhu et al. 2019, "Tools and Benchmarks for Automated Log Parsing") of the
 * log-template fingerprint on the 16 Loghub-2k sets in shared/data/loghub-2k (the `Content`
 * column of each `<Name>_2k.log_structured.csv`, ground truth `EventId`).
 *
 * A message is correct when the set of messages sharing its predicted template is exactly the set
 * sharing its ground-truth EventId. Approaches:
 *   digits  baseline: whitespace tokens containing a digit become `<*>` (the usual minimal
 *           preprocessing), nothing else
 *   mask    stateless `maskVariables` alone: one template per distinct masked string
 *   miner   `maskVariables`, then `TemplateMiner` over each whole set (the optional second stage)
 *
 *   npx tsx bench/loghub-grouping.ts [--data DIR] [--only Name,Name] [--show Name]
 *       [--approach digits|mask|miner] [--max-distinct N]
 *
 * Output: a table (dataset × approach) with the mean, then one JSON line prefixed `BENCH `.
 * `--show Name` also prints the wrongly grouped templates of that dataset (for rule work).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TemplateMiner, maskVariables } from '../src/stages/classify/fingerprint.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface Dataset {
  name: string;
  contents: string[];
  eventIds: string[];
}

/** RFC 4180 CSV (quoted fields, doubled quotes, newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      field = '';
      rows.push(row);
      row = [];
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function defaultDataDir(): string {
  const candidates = [process.env.LOGHUB_2K_DIR, join(here, '../../shared/data/loghub-2k'), '/work/shared/data/loghub-2k'];
  for (const c of candidates) if (c && existsSync(c)) return resolve(c);
  throw new Error('loghub-2k not found: pass --data DIR or set LOGHUB_2K_DIR');
}

export function loadDatasets(dir: string, only?: string[]): Dataset[] {
  const out: Dataset[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (only && !only.includes(name)) continue;
    const file = join(dir, name, `${name}_2k.log_structured.csv`);
    if (!existsSync(file)) continue;
    const rows = parseCsv(readFileSync(file, 'utf8'));
    const header = rows[0]!;
    const ci = header.indexOf('Content');
    const ei = header.indexOf('EventId');
    const contents: string[] = [];
    const eventIds: string[] = [];
    for (const r of rows.slice(1)) {
      if (r.length < header.length) continue;
      contents.push(r[ci]!);
      eventIds.push(r[ei]!);
    }
    out.push({ name, contents, eventIds });
  }
  return out;
}

/** GA: share of messages whose predicted group equals their ground-truth group exactly. */
export function groupingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  const groups = new Map<string, number[]>();
  predicted.forEach((p, i) => {
    let g = groups.get(p);
    if (!g) groups.set(p, (g = []));
    g.push(i);
  });
  let correct = 0;
  for (const idx of groups.values()) {
    const t0 = truth[idx[0]!]!;
    if (idx.every((i) => truth[i] === t0) && truthSize.get(t0) === idx.length) correct += idx.length;
  }
  return correct / truth.length;
}

type Approach = 'digits' | 'mask' | 'miner';

export function predict(approach: Approach, contents: readonly string[], maxDistinct?: number): string[] {
  if (approach === 'digits') return contents.map((c) => c.split(/\s+/).map((t) => (/\d/.test(t) ? '<*>' : t)).join(' '));
  if (approach === 'mask') return contents.map((c) => maskVariables(c));
  const miner = new TemplateMiner(maxDistinct === undefined ? {} : { maxDistinct });
  return miner.fit(contents).map((r) => r.template);
}

function showErrors(ds: Dataset, predicted: string[]): void {
  const byPred = new Map<string, number[]>();
  predicted.forEach((p, i) => {
    let g = byPred.get(p);
    if (!g) byPred.set(p, (g = []));
    g.push(i);
  });
  const byTruth = new Map<string, number[]>();
  ds.eventIds.forEach((t, i) => {
    let g = byTruth.get(t);
    if (!g) byTruth.set(t, (g = []));
    g.push(i);
  });
  for (const [eid, idx] of byTruth) {
    const preds = new Map<string, number>();
    for (const i of idx) preds.set(predicted[i]!, (preds.get(predicted[i]!) ?? 0) + 1);
    const merged = [...preds.keys()].some((p) => byPred.get(p)!.some((i) => ds.eventIds[i] !== eid));
    if (preds.size === 1 && !merged) continue;
    console.log(`--- ${eid} (${idx.length} msgs) -> ${preds.size} predicted${merged ? ' [merged with other events]' : ''}`);
    for (const [p, n] of [...preds].slice(0, 6)) {
      const others = new Set(byPred.get(p)!.map((i) => ds.eventIds[i]).filter((e) => e !== eid));
      console.log(`   ${n}x ${p.slice(0, 220)}${others.size ? `   <also ${[...others].slice(0, 5).join(',')}>` : ''}`);
    }
    if (preds.size > 6) console.log(`   ... ${preds.size - 6} more`);
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      only: { type: 'string' },
      show: { type: 'string' },
      approach: { type: 'string' },
      'max-distinct': { type: 'string' },
    },
  });
  const dir = values.data ?? defaultDataDir();
  const datasets = loadDatasets(dir, values.only?.split(','));
  const approaches: Approach[] = values.approach ? [values.approach as Approach] : ['digits', 'mask', 'miner'];
  const maxDistinct = values['max-distinct'] === undefined ? undefined : Number(values['max-distinct']);
  const results: Record<string, Record<string, number>> = {};
  const t0 = performance.now();
  for (const a of approaches) results[a] = {};
  for (const ds of datasets) {
    for (const a of approaches) {
      const predicted = predict(a, ds.contents, maxDistinct);
      results[a]![ds.name] = groupingAccuracy(predicted, ds.eventIds);
      if (values.show === ds.name) {
        console.log(`=== ${ds.name} / ${a}`);
        showErrors(ds, predicted);
      }
    }
  }
  const mean: Record<string, number> = {};
  for (const a of approaches) {
    const v = Object.values(results[a]!);
    mean[a] = v.reduce((x, y) => x + y, 0) / v.length;
  }
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`${pad('dataset', 12)} ${approaches.map((a) => a.padStart(7)).join(' ')}`);
  for (const ds of datasets) console.log(`${pad(ds.name, 12)} ${approaches.map((a) => results[a]![ds.name]!.toFixed(3).padStart(7)).join(' ')}`);
  console.log(`${pad('mean', 12)} ${approaches.map((a) => mean[a]!.toFixed(3).padStart(7)).join(' ')}`);
  console.log(`(${datasets.length} datasets, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const round = (x: number) => Math.round(x * 10000) / 10000;
  const json = Object.fromEntries(approaches.map((a) => [a, { mean: round(mean[a]!), perDataset: Object.fromEntries(Object.entries(results[a]!).map(([k, v]) => [k, round(v)])) }]));
  console.log(`BENCH ${JSON.stringify({ bench: 'loghub-grouping', datasets: datasets.length, ...json })}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
