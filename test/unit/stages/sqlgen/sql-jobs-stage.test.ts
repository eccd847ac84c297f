import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../../../src/core/paths.js';
import type { ConsumedRecord } from '../../../../src/ports/broker.js';
import { Catalog, loadCatalogFile } from '../../../../src/stages/sqlgen/catalog.js';
import { UnsupportedQueryError } from '../../../../src/stages/sqlgen/errors.js';
import { planWithFallback, type ColumnProposer } from '../../../../src/stages/sqlgen/llm-fallback.js';
import { createSqlJobsStage, type SqlJob, type SqlJobsDeps } from '../../../../src/stages/sqlgen/sql-jobs-stage.js';

const catalog = new Catalog(loadCatalogFile(join(PACKAGE_ROOT, 'test', 'golden', 'sql', 'catalog.json')));
// The compiler refuses NATURAL JOIN (the parser cannot read it): the fallback's cue.
const NATURAL = 'SELECT n_name, r_name FROM tpch.nation NATURAL JOIN tpch.region';

/** Answers from a script, one per call, recording the prompts (a unit test of the loop, not of a model). */
function scripted(answers: string[]): ColumnProposer & { prompts: string[] } {
  const prompts: string[] = [];
  return {
    name: 'scripted',
    prompts,
    async propose(_system, user) {
      prompts.push(user);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no more answers');
      return answer;
    },
  };
}

const good = JSON.stringify({ tables: [{ database: 'tpch', table: 'nation', columns: ['n_name', 'n_regionkey'] }, { database: 'tpch', table: 'region', columns: ['r_name', 'r_regionkey'] }] });

describe('LLM fallback', () => {
  it('is never asked when the compiler handles the query', async () => {
    const proposer = scripted([good]);
    const plan = await planWithFallback('SELECT n_name FROM tpch.nation', { catalog, proposer });
    expect(plan.path).toBe('compiler');
    expect(proposer.prompts).toEqual([]);
  });

  it('plans an unsupported query from validated column lists, feeding errors back, and says the LLM path ran', async () => {
    const proposer = scripted(['not json', JSON.stringify({ tables: [{ database: 'tpch', table: 'nation', columns: ['n_name', 'n_colour'] }] }), good]);
    const plan = await planWithFallback(NATURAL, { catalog, proposer });
    expect(plan.path).toBe('llm');
    expect(proposer.prompts).toHaveLength(3);
    expect(proposer.prompts[1]).toContain('not JSON');
    expect(proposer.prompts[2]).toContain('no column(s) n_colour');
    // Our generator wrote the DDL from the accepted columns, primary keys added.
    const nation = plan.tables.find((t) => t.table === 'nation')!;
    expect(nation.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['n_nationkey', 'n_name', 'n_regionkey']));
    expect(plan.clickhouseSql).toContain('ReplacingMergeTree(`_version`, `_is_deleted`)');
    expect(plan.checks.filter((c) => c.name.startsWith('llm attempt')).map((c) => c.ok)).toEqual([false, false, true]);
  });

  it('gives up after three failed validations with every reason, and without an LLM says how to configure one', async () => {
    const bad = JSON.stringify({ tables: [{ database: 'tpch', table: 'nations', columns: ['n_name'] }] });
    await expect(planWithFallback(NATURAL, { catalog, proposer: scripted([bad, bad, bad, good]) })).rejects.toThrow(/3 LLM attempts failed validation: 1\) table tpch\.nations is not in the catalog/);
    await expect(planWithFallback(NATURAL, { catalog })).rejects.toThrow(/no LLM is configured/);
  });

  it('feeds a failed ClickHouse check back to the model', async () => {
    const proposer = scripted([good, good]);
    let calls = 0;
    const plan = await planWithFallback(NATURAL, { catalog, proposer, validate: async () => (++calls === 1 ? 'Unknown expression identifier `x`' : null) });
    expect(plan.path).toBe('llm');
    expect(proposer.prompts[1]).toContain('Unknown expression identifier');
  });
});

const record = (value: unknown): ConsumedRecord => ({ topic: 'pd.sql-requests', partition: 0, offset: '0', key: null, value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), headers: {}, timestamp: '0' });

function deps(overrides: Partial<SqlJobsDeps> = {}): SqlJobsDeps {
  return { catalog: async () => catalog, source: 'kafka-debezium-json', cdcTopicPrefix: 'cdc.local', previewRows: 2, ...overrides };
}

async function jobOf(stage: ReturnType<typeof createSqlJobsStage>, value: unknown): Promise<SqlJob> {
  const [out] = await stage.process(record(value));
  expect(out).toMatchObject({ kind: 'record', topic: 'sql-jobs' });
  return JSON.parse((out as { value: string }).value) as SqlJob;
}

describe('sqlgen stage (sql-requests → sql-jobs)', () => {
  it('generates the job with its preview cut to the configured rows, keyed by request id', async () => {
    const stage = createSqlJobsStage(deps({ preview: async () => ({ columns: [{ name: 'n_name', type: 'String' }], rows: [['A'], ['B'], ['C']], rowCount: 3, truncated: false, tables: [], settings: {}, elapsedMs: 1, queryMs: 1 }) as never }));
    const [out] = await stage.process(record({ request_id: 'r-1', query: 'SELECT n_name FROM nation ORDER BY n_name', default_database: 'tpch' }));
    expect(out).toMatchObject({ key: 'r-1' });
    const job = JSON.parse((out as { value: string }).value) as SqlJob;
    expect(job.status).toBe('generated');
    expect(job.plan!.tables.map((t) => `${t.database}.${t.table}`)).toEqual(['tpch.nation']);
    expect(job.plan!.flinkSql).toContain("'format' = 'debezium-json'");
    expect(job.preview).toEqual({ columns: [{ name: 'n_name', type: 'String' }], rows: [['A'], ['B']], rowCount: 3, truncated: true });
  });

  it('answers a wrong query with a rejected job naming the problem, not a DLQ entry', async () => {
    const job = await jobOf(createSqlJobsStage(deps()), { request_id: 'r-2', query: 'SELECT nope FROM tpch.nation' });
    expect(job.status).toBe('rejected');
    expect(job.error!.code).toBe('unknown_column');
    const drop = await jobOf(createSqlJobsStage(deps()), { request_id: 'r-3', query: 'DROP TABLE tpch.nation' });
    expect(drop.error!.code).toBe('not_select');
  });

  it('keeps the job when the preview fails, saying why', async () => {
    const job = await jobOf(createSqlJobsStage(deps({ preview: async () => { throw new Error('source local: connection refused'); } })), { request_id: 'r-4', query: 'SELECT n_name FROM tpch.nation' });
    expect(job.status).toBe('generated');
    expect(job.preview).toEqual({ error: 'source local: connection refused' });
  });

  it('sends malformed requests to the DLQ and retries when the catalog cannot be read', async () => {
    const stage = createSqlJobsStage(deps());
    await expect(stage.process(record('{"request_id":'))).rejects.toThrow(PermanentError);
    await expect(stage.process(record({ request_id: 'bad id; drop', query: 'SELECT 1' }))).rejects.toThrow(/request_id/);
    await expect(stage.process(record({ request_id: 'r', query: 'SELECT 1', extra: true }))).rejects.toThrow(PermanentError);
    await expect(stage.process(record(null))).rejects.toThrow(PermanentError);
    const down = createSqlJobsStage(deps({ catalog: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:3306'); } }));
    await expect(down.process(record({ request_id: 'r-5', query: 'SELECT n_name FROM tpch.nation' }))).rejects.toThrow(TransientError);
  });

  it('rejects an unsupported query with the fallback\'s reasons when no LLM is configured', async () => {
    const job = await jobOf(createSqlJobsStage(deps()), { request_id: 'r-6', query: NATURAL });
    expect(job.status).toBe('rejected');
    expect(job.error!.code).toBe(new UnsupportedQueryError('x').code);
  });
});

describe('compiler report: correlated count', () => {
  const corr = (count: string) => `SELECT n.n_name, ${count} AS suppliers FROM tpch.nation n`;
  const check = (query: string) => planWithFallback(query, { catalog }).then((plan) => plan.checks.find((c) => c.name === 'correlated count'));

  it('warns where ClickHouse would give NULL for a bare correlated count(*), not when it is wrapped', async () => {
    expect(await check(corr('(SELECT count(*) FROM tpch.supplier s WHERE s.s_nationkey = n.n_nationkey)'))).toMatchObject({ ok: false });
    expect(await check(corr('coalesce((SELECT count(*) FROM tpch.supplier s WHERE s.s_nationkey = n.n_nationkey), 0)'))).toBeUndefined();
    expect(await check('SELECT n_name FROM tpch.nation')).toBeUndefined();
  });
});
