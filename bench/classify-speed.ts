/**
 * classify + fingerprint throughput on one core: the exact per-event path of the classify stage
 * (`classifyEvent`) over a realistic mix of job log events (mostly INFO/WARN chatter, 30 % errors
 * with stack traces, as the sample generator makes them) plus the real texts of the corpus.
 *
 *   npx tsx bench/classify-speed.ts [--events 200000] [--rounds 5]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { generateJobLogEvents } from '../src/sample/job-log-generator.js';
import { classifyEvent } from '../src/stages/classify/classify-event.js';

const { values: args } = parseArgs({ options: { events: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } });
const count = Number(args.events);
const inputs: { text: string; level: string | null }[] = [];
for (const e of generateJobLogEvents(count, { seed: 9 })) inputs.push({ text: e.stack_trace ? `${e.message}\n${e.stack_trace}` : String(e.message), level: String(e.level) });
// Mix the real corpus texts in (1 in 20), so the rules meet real-world variety too.
const corpus = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'flink-errors', 'corpus.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
for (let i = 0; i < inputs.length; i += 20) inputs[i] = { text: corpus[(i / 20) % corpus.length]!, level: null };

let checksum = 0;
const rates: number[] = [];
// Also per CPU second of this process: on a shared machine the wall-clock rate drops whenever
// other work takes the core, the CPU-time rate much less (it counts V8's helper threads too).
const cpuRates: number[] = [];
for (let round = 0; round < Number(args.rounds); round++) {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (const input of inputs) checksum += classifyEvent(input.text, input.level).confidence;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  rates.push(inputs.length / seconds);
  cpuRates.push(inputs.length / ((cpu.user + cpu.system) / 1e6));
}
const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const median = medianOf(rates);
const cpuMedian = medianOf(cpuRates);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const avgBytes = inputs.reduce((n, i) => n + i.text.length, 0) / inputs.length;
console.log(`classify+fingerprint: ${fmt(median)} events/s median of ${rates.length} rounds (min ${fmt(Math.min(...rates))}, max ${fmt(Math.max(...rates))}), ${count} events, mean ${Math.round(avgBytes)} chars, one core; per CPU second ${fmt(cpuMedian)}`);
console.log(JSON.stringify({ bench: 'classify-speed', eventsPerSecond: Math.round(median), eventsPerCpuSecond: Math.round(cpuMedian), events: count, meanChars: Math.round(avgBytes), checksum: Math.round(checksum) }));
