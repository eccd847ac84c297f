/**
 * Speed of the stateless fingerprint path on one core: `templateFingerprint(line)`
 * (= `maskVariables` + 64-bit hash) over realistic lines, the `Content` column of all 16
 * Loghub-2k sets (32,000 lines) plus Flink-style job-log lines, repeated for --seconds.
 * Also times `maskVariables` alone, the hash alone, and node:crypto sha1 for comparison, and
 * first checks that `templateFingerprint(l) === hash64(maskVariables(l))` on every line.
 *
 *   npx tsx bench/fingerprint-speed.ts [--seconds 5] [--data DIR]
 *
 * Output: one human-readable line per measurement, the headline line
 * `fingerprint-speed: N events/s (X µs/event, mean line L chars)`, and a JSON line prefixed `BENCH `.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hash64, maskVariables, templateFingerprint } from '../src/stages/classify/fingerprint.js';
import { defaultDataDir, loadDatasets } from './loghub-grouping.js';

const FLINK_LINES = [
  'Source: kafka-orders -> Map (2/4)#0 (8c1f0e8f2a5e4b0f9d7c6b5a4f3e2d1c_cbc357ccb763df2852fee8c4fc7d55f2_1_0) switched from RUNNING to FAILED with failure cause: java.io.IOException: Connection reset by peer',
  'Checkpoint 1532 of job 3f1a2b4c5d6e7f8091a2b3c4d5e6f708 expired before completing.',
  'Triggering checkpoint 77 (type=CheckpointType{name=\'Checkpoint\', sharingFilesStrategy=FORWARD_BACKWARD}) @ 1732094102118 for job a1b2c3d4e5f60718293a4b5c6d7e8f90.',
  'Container container_e17_1700000000000_0042_01_000007 on host worker-12.prod.example.com was preempted.',
  'Heartbeat of TaskManager with id container_e17_1700000000000_0042_01_000003(10.20.30.40:45123) timed out.',
  'Could not deserialize record at offset 918273 of partition 5 of topic orders-v2: Unknown magic byte!',
  'Failed to allocate 67108864 bytes of direct memory (used: 1073741824, max: 1073741824)',
  'Completed checkpoint 1531 for job 3f1a2b4c5d6e7f8091a2b3c4d5e6f708 (48213 bytes, checkpointDuration=412 ms, finalizationTime=3 ms).',
];

/**
 * Events/s of `fn` over `lines`: `rounds` timed rounds of `seconds / rounds` each after a
 * warm-up; reports the median round (the machine is shared, so single rounds vary by 10-30 %).
 */
function measure(label: string, lines: string[], seconds: number, fn: (s: string) => string, rounds = 5): { perSec: number; nsPerEvent: number } {
  let sink = 0;
  for (let r = 0; r < 3; r++) for (const l of lines) sink += fn(l).length;
  const nsPerRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let events = 0;
    const t0 = process.hrtime.bigint();
    const deadline = t0 + BigInt(Math.round((seconds / rounds) * 1e9));
    let now = t0;
    while (now < deadline) {
      for (const l of lines) sink += fn(l).length;
      events += lines.length;
      now = process.hrtime.bigint();
    }
    nsPerRound.push(Number(now - t0) / events);
  }
  nsPerRound.sort((a, b) => a - b);
  const nsPerEvent = nsPerRound[Math.floor(rounds / 2)]!;
  const perSec = 1e9 / nsPerEvent;
  console.log(
    `${label.padEnd(36)} ${Math.round(perSec).toLocaleString('en-US').padStart(12)} events/s  ${(nsPerEvent / 1000).toFixed(3)} µs/event (median of ${rounds}; best ${(nsPerRound[0]! / 1000).toFixed(3)})${sink < 0 ? '' : ''}`,
  );
  return { perSec, nsPerEvent };
}

function main(): void {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, data: { type: 'string' } } });
  const seconds = Number(values.seconds ?? 5);
  const lines: string[] = [];
  for (const ds of loadDatasets(values.data ?? defaultDataDir())) lines.push(...ds.contents);
  for (let r = 0; r < 250; r++) lines.push(...FLINK_LINES);
  const meanLen = lines.reduce((a, l) => a + l.length, 0) / lines.length;
  const masked = lines.map(maskVariables);
  const mismatches = lines.filter((l, i) => templateFingerprint(l) !== hash64(masked[i]!)).length;
  if (mismatches > 0) throw new Error(`templateFingerprint differs from hash64(maskVariables) on ${mismatches} lines`);
  console.log(`${lines.length} lines (Loghub-2k contents + Flink-style), mean ${meanLen.toFixed(0)} chars, node ${process.version}`);
  const fp = measure('templateFingerprint (mask+hash)', lines, seconds, templateFingerprint);
  const mid = lines.filter((l) => l.length >= 100 && l.length <= 200);
  const fpMid = measure(`  lines of 100-200 chars (${mid.length})`, mid, seconds, templateFingerprint);
  const mask = measure('maskVariables only', lines, seconds, maskVariables);
  const h = measure('hash64 of template only', masked, seconds, hash64);
  const sha = measure('node:crypto sha1 of template', masked, seconds, (s) => createHash('sha1').update(s).digest('hex').slice(0, 16));
  console.log(
    `fingerprint-speed: ${Math.round(fp.perSec).toLocaleString('en-US')} events/s (${(fp.nsPerEvent / 1000).toFixed(2)} µs/event, mean line ${meanLen.toFixed(0)} chars; 100-200 char lines ${(fpMid.nsPerEvent / 1000).toFixed(2)} µs/event)`,
  );
  const r = (x: number) => Math.round(x);
  console.log(
    `BENCH ${JSON.stringify({ bench: 'fingerprint-speed', lines: lines.length, meanChars: r(meanLen), node: process.version, fingerprintPerSec: r(fp.perSec), fingerprintNs: r(fp.nsPerEvent), fingerprintNs100to200: r(fpMid.nsPerEvent), maskPerSec: r(mask.perSec), hash64Ns: r(h.nsPerEvent), sha1Ns: r(sha.nsPerEvent) })}`,
  );
}

main();
