/**
 * The analytics data path on the embedded ClickHouse engine (chdb), no broker:
 *
 * 1. Sink throughput: diagnoses-topic values → toDiagnosisFact (the stage) → the
 *    clickhouse.diagnosis_facts sink, in chunks of --batch rows (the runner's PD_BATCH_MAX_RECORDS),
 *    materialised views included; then the same records replayed shuffled in other chunks.
 * 2. Read cost of the exact-under-replay options, on --read-exceptions synthetic exceptions
 *    (made by INSERT … SELECT, 5 % re-diagnosed, then everything replayed in other blocks): plain
 *    reads of the facts (wrong after a replay), FINAL, uniqExact without FINAL, the aggregate
 *    states of migration 0003, and a naive SummingMergeTree view (to show its over-count). Right
 *    after the replay (parts unmerged) and again after OPTIMIZE … FINAL.
 *
 *   npx tsx bench/analytics-sink.ts [--exceptions 100000] [--batch 2000] [--read-exceptions 1000000] [--runs 5]
 *
 * Prints one line per figure and a final JSON line prefixed `BENCH `; the comparable figure is
 * `sink_rows_per_s` (first pass).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClickHouse, migrateClickHouse } from '../src/adapters/clickhouse/clickhouse.js';
import { ClickHouseDiagnosisFactsSink } from '../src/adapters/clickhouse/diagnosis-facts-sink.js';
import { createLogger } from '../src/core/logger.js';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { toDiagnosisFact, type DiagnosisFactRow } from '../src/stages/analytics/diagnosis-fact.js';
import { generateDiagnoses, prng } from '../src/stages/analytics/sample-diagnoses.js';

const { values: args } = parseArgs({
  options: {
    exceptions: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '2000' },
    'read-exceptions': { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
  },
});
const exceptions = Number(args.exceptions);
const batch = Number(args.batch);
const readExceptions = Number(args['read-exceptions']);
const runs = Number(args.runs);

const path = join(PACKAGE_ROOT, '.stack', `chdb-bench-analytics-${process.pid}`);
const db = 'bench_analytics';
const { client } = createClickHouse({ username: 'default', password: '', database: db, chdbPath: path });
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const results: Record<string, unknown> = { exceptions, batch, readExceptions };

async function scalar(query: string, params: Record<string, unknown> = {}): Promise<number> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return Number(Object.values((await rs.json<Record<string, unknown>>())[0]!)[0]);
}

try {
  await migrateClickHouse(client, db, createLogger('silent'));
  const sink = new ClickHouseDiagnosisFactsSink(client, db);

  // ---- 1. sink throughput
  const records = generateDiagnoses({ count: exceptions, seed: 11, anchorMs: Date.now() });
  const values = records.map((r) => Buffer.from(JSON.stringify(r)));
  let t = performance.now();
  const rows: DiagnosisFactRow[] = values.map((v, i) => toDiagnosisFact(v, { partition: 0, offset: String(i) }));
  const mapMs = performance.now() - t;
  const write = async (list: DiagnosisFactRow[], size: number, tag: string) => {
    const start = performance.now();
    for (let i = 0; i < list.length; i += size) await sink.write(list.slice(i, i + size), `${tag}-${i}-${i + size - 1}`);
    return performance.now() - start;
  };
  const firstMs = await write(rows, batch, 'p0');
  const random = prng(3);
  const shuffled = [...rows];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const replayMs = await write(shuffled, Math.max(1, Math.round(batch * 0.7)), 'p1');
  const retryMs = await write(rows.slice(0, batch), batch, 'p0'); // a retried chunk: same token
  const finalCount = await scalar(`SELECT count() FROM ${db}.diagnosis_facts FINAL`);
  const hourlyTotal = await scalar(`SELECT sum(exceptions) FROM ${db}.diagnosis_hourly`);
  Object.assign(results, {
    records: rows.length,
    map_rows_per_s: Math.round(rows.length / (mapMs / 1000)),
    sink_rows_per_s: Math.round(rows.length / (firstMs / 1000)),
    replay_rows_per_s: Math.round(rows.length / (replayMs / 1000)),
    retried_chunk_ms: Math.round(retryMs),
    exact_after_replay: finalCount === exceptions && hourlyTotal === exceptions,
  });
  console.log(`map (stage)          ${fmt(rows.length / (mapMs / 1000))} rows/s   (${rows.length} records: ${exceptions} exceptions + re-diagnoses)`);
  console.log(`sink, first pass     ${fmt(rows.length / (firstMs / 1000))} rows/s   chunks of ${batch}, MVs included`);
  console.log(`sink, replay         ${fmt(rows.length / (replayMs / 1000))} rows/s   shuffled, chunks of ${Math.round(batch * 0.7)}`);
  console.log(`retried chunk        ${Math.round(retryMs)} ms (de-duplicated by token)`);
  console.log(`exact after replay   facts FINAL ${finalCount}, hourly sum ${hourlyTotal}, true ${exceptions}`);

  // ---- 2. read cost
  if (readExceptions > 0) {
    await client.command({ query: `TRUNCATE TABLE ${db}.diagnosis_facts` });
    await client.command({ query: `TRUNCATE TABLE ${db}.diagnosis_hourly_agg` });
    await client.command({ query: `TRUNCATE TABLE ${db}.diagnosis_fingerprint_agg` });
    // The naive aggregate this design avoids: a count per hour × type, summed on merge.
    await client.command({ query: `CREATE TABLE ${db}.naive_hourly (hour DateTime('UTC'), error_type LowCardinality(String), exceptions UInt64) ENGINE = SummingMergeTree ORDER BY (hour, error_type)` });
    await client.command({ query: `CREATE MATERIALIZED VIEW ${db}.naive_hourly_mv TO ${db}.naive_hourly AS SELECT toStartOfHour(event_time) AS hour, error_type, count() AS exceptions FROM ${db}.diagnosis_facts GROUP BY hour, error_type` });
    const anchor = Math.floor(Date.now() / 1000);
    // Deterministic synthetic facts: the same number gives the same fact in every insert.
    const facts = (where: string, later: boolean) => `
      INSERT INTO ${db}.diagnosis_facts (exception_id, event_id, event_time, job_id, job_name, error_type, subtype, fingerprint, priority, confidence, diagnosed_at, time_to_diagnosis_ms, provider, degraded, cached, root_cause, detailed_analysis, suggested_fix, related_docs, similar_case_ids, similar_case_scores, source_partition, source_offset)
      SELECT toString(number), concat('ev-', toString(number)), ev,
        concat('job-', toString(cityHash64(number, 2) % 40)), concat('Job ', toString(cityHash64(number, 2) % 40)),
        ['checkpoint_failure', 'backpressure', 'deserialization_error', 'oom', 'network', 'other'][cityHash64(number, 3) % 6 + 1],
        concat('sub', toString(cityHash64(number, 4) % 3)), concat('fp', toString(cityHash64(number, 5) % 300)),
        ['low', 'medium', 'high'][cityHash64(number, 6) % 3 + 1], (cityHash64(number, 7) % 1000) / 1000,
        ev + toIntervalMillisecond(ttd), ttd, 'deterministic', cityHash64(number, 9) % 10 = 0, cityHash64(number, 10) % 3 = 0,
        concat('root cause ', toString(cityHash64(number, 5) % 300), ${later ? "' (re-diagnosed)'" : "''"}), 'analysis', 'fix', [], [], [], 0, number
      FROM (SELECT number, toDateTime64({anchor:UInt32}, 3, 'UTC') - toIntervalSecond(cityHash64(number, 1) % (10 * 86400)) AS ev,
                   200 + cityHash64(number, 8) % 600000 + ${later ? '3600000' : '0'} AS ttd
            FROM numbers({n:UInt64}) ${where})`;
    let t0 = performance.now();
    await client.command({ query: facts('', false), query_params: { anchor, n: readExceptions } });
    await client.command({ query: facts('WHERE number % 20 = 0', true), query_params: { anchor, n: readExceptions } });
    const loadMs = performance.now() - t0;
    t0 = performance.now();
    // The replay: everything again, shuffled, in other blocks (so the MVs see other compositions).
    await client.command({ query: `${facts('ORDER BY cityHash64(number, 99)', false)} SETTINGS max_block_size = 7919, max_insert_block_size = 7919, min_insert_block_size_rows = 7919`, query_params: { anchor, n: readExceptions } });
    const replayLoadMs = performance.now() - t0;
    results.synthetic_load_rows_per_s = Math.round((readExceptions * 1.05) / (loadMs / 1000));
    results.synthetic_replay_rows_per_s = Math.round(readExceptions / (replayLoadMs / 1000));
    console.log(`\nread cost: ${fmt(readExceptions)} exceptions (+5 % re-diagnosed), all replayed; insert … select ${fmt(readExceptions * 1.05 / (loadMs / 1000))} rows/s, replay ${fmt(readExceptions / (replayLoadMs / 1000))} rows/s`);

    const since = `toDateTime64(${anchor}, 3, 'UTC') - INTERVAL 7 DAY`;
    const options: [string, string, string][] = [
      ['hourly', 'plain facts, count()', `SELECT toStartOfHour(event_time) AS h, error_type, count() AS n FROM ${db}.diagnosis_facts WHERE toStartOfHour(event_time) >= ${since} GROUP BY h, error_type`],
      ['hourly', 'facts FINAL, count()', `SELECT toStartOfHour(event_time) AS h, error_type, count() AS n FROM ${db}.diagnosis_facts FINAL WHERE toStartOfHour(event_time) >= ${since} GROUP BY h, error_type`],
      ['hourly', 'facts, uniqExact(id)', `SELECT toStartOfHour(event_time) AS h, error_type, uniqExact(exception_id) AS n FROM ${db}.diagnosis_facts WHERE toStartOfHour(event_time) >= ${since} GROUP BY h, error_type`],
      ['hourly', 'MV states (0003)', `SELECT hour AS h, error_type, uniqExactMerge(exceptions) AS n FROM ${db}.diagnosis_hourly_agg WHERE hour >= ${since} GROUP BY h, error_type`],
      ['hourly', 'naive SummingMergeTree', `SELECT hour AS h, error_type, sum(exceptions) AS n FROM ${db}.naive_hourly WHERE hour >= ${since} GROUP BY h, error_type`],
      ['top-fp', 'facts FINAL', `SELECT fingerprint, count() AS n, min(event_time), max(event_time), argMax(root_cause, (diagnosed_at, exception_id)) FROM ${db}.diagnosis_facts FINAL WHERE event_time >= ${since} GROUP BY fingerprint ORDER BY n DESC, fingerprint LIMIT 10`],
      ['top-fp', 'MV states (0003)', `SELECT fingerprint, uniqExactMerge(exceptions) AS n, min(first_seen), max(last_seen), argMaxMerge(latest).root_cause FROM ${db}.diagnosis_fingerprint_agg WHERE hour >= ${since} GROUP BY fingerprint ORDER BY n DESC, fingerprint LIMIT 10`],
      ['ttd-pct', 'plain facts', `SELECT error_type, quantileExact(0.5)(time_to_diagnosis_ms), quantileExact(0.99)(time_to_diagnosis_ms) FROM ${db}.diagnosis_facts WHERE event_time >= ${since} GROUP BY error_type`],
      ['ttd-pct', 'facts FINAL', `SELECT error_type, quantileExact(0.5)(time_to_diagnosis_ms), quantileExact(0.99)(time_to_diagnosis_ms) FROM ${db}.diagnosis_facts FINAL WHERE event_time >= ${since} GROUP BY error_type`],
    ];
    const truth = await scalar(`SELECT uniqExact(exception_id) FROM ${db}.diagnosis_facts WHERE toStartOfHour(event_time) >= ${since}`);
    const measure = async (state: string) => {
      const rowsStored = await scalar(`SELECT count() FROM ${db}.diagnosis_facts`);
      console.log(`\n${state}: ${fmt(rowsStored)} fact rows stored, ${fmt(truth)} exceptions in the hours of the last 7 days`);
      for (const [query, option, sql] of options) {
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const start = performance.now();
          await (await client.query({ query: sql, format: 'JSONEachRow' })).json();
          times.push(performance.now() - start);
        }
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)]!;
        let total = '';
        if (query === 'hourly') {
          const sum = await scalar(`SELECT sum(n) FROM (${sql})`);
          total = `  total ${fmt(sum)} (${sum === truth ? 'exact' : `${((sum / truth - 1) * 100).toFixed(1)} % over`})`;
          results[`${state}:${query}:${option}:total`] = sum;
        }
        results[`${state}:${query}:${option}:ms`] = Math.round(median * 10) / 10;
        console.log(`  ${query.padEnd(8)} ${option.padEnd(24)} ${median.toFixed(1).padStart(8)} ms${total}`);
      }
    };
    await measure('after replay');
    await client.command({ query: `OPTIMIZE TABLE ${db}.diagnosis_facts FINAL` });
    await client.command({ query: `OPTIMIZE TABLE ${db}.diagnosis_hourly_agg FINAL` });
    await client.command({ query: `OPTIMIZE TABLE ${db}.diagnosis_fingerprint_agg FINAL` });
    await client.command({ query: `OPTIMIZE TABLE ${db}.naive_hourly FINAL` });
    await measure('merged');
  }
  console.log(`BENCH ${JSON.stringify(results)}`);
} finally {
  await client.close();
  rmSync(path, { recursive: true, force: true });
}
