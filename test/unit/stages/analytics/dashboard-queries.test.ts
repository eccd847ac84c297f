import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrateClickHouse } from '../../../../src/adapters/clickhouse/clickhouse.js';
import { ClickHouseDiagnosisFactsSink } from '../../../../src/adapters/clickhouse/diagnosis-facts-sink.js';
import { createLogger } from '../../../../src/core/logger.js';
import { errorCountsByHour, topFingerprints } from '../../../../src/stages/analytics/dashboard-queries.js';
import { toDiagnosisFact } from '../../../../src/stages/analytics/diagnosis-fact.js';

/** The web page's queries on the embedded engine (in memory), over facts written by the sink. */
describe('dashboard queries', () => {
  let client: ClickHouseClient;
  const db = 'dash';
  const now = new Date('2026-11-22T12:20:00Z');
  const fact = (id: number, at: string, fp: string, type: string, diagnosedAt: string, rootCause: string, job = 'job-1') =>
    toDiagnosisFact(
      Buffer.from(
        JSON.stringify({
          exception_id: String(id), job_id: job, error_type: type, subtype: 's', fingerprint: fp, event_time: at, diagnosed_at: diagnosedAt,
          diagnosis: { root_cause: rootCause, suggested_fix: `fix ${rootCause}`, priority: 'high' }, confidence: 0.9, provider: 'deterministic',
        }),
      ),
      { partition: 0, offset: String(id) },
    );
  beforeAll(async () => {
    client = createClickHouse({ username: 'default', password: '', database: db, chdbPath: ':memory:' }).client;
    await migrateClickHouse(client, db, createLogger('silent'));
    const sink = new ClickHouseDiagnosisFactsSink(client, db);
    const facts = [
      fact(1, '2026-11-22 12:05:00', 'fpA', 'oom', '2026-11-22T12:06:00Z', 'old A'),
      fact(2, '2026-11-22 11:10:00', 'fpA', 'oom', '2026-11-22T11:11:00Z', 'older A', 'job-2'),
      fact(3, '2026-11-22 11:15:00', 'fpB', 'network', '2026-11-22T11:16:00Z', 'B'),
      fact(4, '2026-11-21 09:00:00', 'fpA', 'oom', '2026-11-21T09:01:00Z', 'ancient A'),
      fact(5, '2026-11-22 10:59:59', 'fpC', 'network', '2026-11-22T11:00:00Z', 'C'),
    ];
    await sink.write(facts, 'p0-1-5');
    // A replay in other batches, and a re-diagnosis of exception 1 with a later answer.
    await sink.write(facts.slice(0, 2), 'p0-9-10');
    await sink.write([fact(1, '2026-11-22 12:05:00', 'fpA', 'oom', '2026-11-22T12:30:00Z', 'new A')], 'p0-11-11');
  });
  afterAll(async () => {
    await client.close();
  });

  it('counts exceptions per hour × type in the window, once each', async () => {
    expect(await errorCountsByHour(client, db, { hours: 2, now })).toEqual([
      { hour: '2026-11-22 11:00:00', error_type: 'network', exceptions: 1 },
      { hour: '2026-11-22 11:00:00', error_type: 'oom', exceptions: 1 },
      { hour: '2026-11-22 12:00:00', error_type: 'oom', exceptions: 1 },
    ]);
    expect(await errorCountsByHour(client, db, { hours: 3, now })).toContainEqual({ hour: '2026-11-22 10:00:00', error_type: 'network', exceptions: 1 });
  });

  it('ranks fingerprints by exceptions in the window, with first/last seen and the latest diagnosis', async () => {
    const top = await topFingerprints(client, db, { hours: 2, now, limit: 10 });
    expect(top.map((t) => [t.fingerprint, t.exceptions, t.jobs])).toEqual([['fpA', 2, 2], ['fpB', 1, 1]]);
    expect(top[0]).toMatchObject({ first_seen: '2026-11-21 09:00:00.000', last_seen: '2026-11-22 12:05:00.000' });
    expect(top[0]!.latest).toEqual({ exception_id: '1', diagnosed_at: '2026-11-22 12:30:00.000', error_type: 'oom', subtype: 's', priority: 'high', root_cause: 'new A', suggested_fix: 'fix new A', provider: 'deterministic' });
    expect(await topFingerprints(client, db, { hours: 2, now, limit: 1 })).toHaveLength(1);
  });

  it('refuses windows and limits out of range', async () => {
    await expect(errorCountsByHour(client, db, { hours: 0, now })).rejects.toThrow(RangeError);
    await expect(errorCountsByHour(client, db, { hours: 2161, now })).rejects.toThrow(/1 to 2160/);
    await expect(topFingerprints(client, db, { hours: 1.5, now, limit: 5 })).rejects.toThrow(RangeError);
    await expect(topFingerprints(client, db, { hours: 2, now, limit: 0 })).rejects.toThrow(/limit/);
  });
});
