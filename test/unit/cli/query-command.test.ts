import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReadOnlyStatement, parseReadOnlyQuery, ReadOnlyQueryError, runReadOnlyQuery } from '../../../src/cli/query-command.js';

describe('read-only guard on canonical statements', () => {
  it.each([
    'SELECT 1',
    'WITH 1 AS x SELECT x',
    'SHOW TABLES',
    'DESCRIBE TABLE diagnosis_facts',
    'EXPLAIN SELECT 1',
    'EXISTS TABLE diagnosis_facts',
    "SELECT 'INSERT INTO t' AS s",
    "SELECT 'a FORMAT CSV' AS s",
    "SELECT 'x INTO OUTFILE y'",
    'SELECT `INTO OUTFILE` FROM t',
  ])('allows %s', (sql) => {
    expect(() => checkReadOnlyStatement(sql)).not.toThrow();
  });

  it.each([
    ['INSERT INTO t FORMAT Values', /refused this INSERT/],
    ['INSERT INTO t WITH x AS (SELECT 1) SELECT * FROM x', /refused this INSERT/],
    ['DROP TABLE t', /refused this DROP/],
    ['ALTER TABLE t DELETE WHERE 1', /refused this ALTER/],
    ['CREATE TABLE t (a UInt8) ENGINE = Memory', /refused this CREATE/],
    ['TRUNCATE TABLE t', /refused this TRUNCATE/],
    ['OPTIMIZE TABLE t FINAL', /refused this OPTIMIZE/],
    ['SYSTEM FLUSH LOGS', /refused this SYSTEM/],
    ['SET readonly = 0', /refused this SET/],
    ['KILL QUERY WHERE 1 ASYNC', /refused this KILL/],
    ["SELECT 1 INTO OUTFILE '/tmp/x'", /INTO OUTFILE/],
    ['SELECT 1 FORMAT CSV', /--format/],
    ['', /refused this statement/],
  ])('refuses %s', (sql, message) => {
    expect(() => checkReadOnlyStatement(sql)).toThrow(ReadOnlyQueryError);
    expect(() => checkReadOnlyStatement(sql)).toThrow(message);
  });
});

/** The engine-side half: ClickHouse's parser (embedded engine, in memory) and readonly=1. */
describe('read-only queries on the embedded engine', () => {
  let client: ClickHouseClient;
  beforeAll(async () => {
    client = createClient({ connection: createChdbConnection({ path: ':memory:' }) as never });
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS qt' });
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS qt.t (a UInt32, s String) ENGINE = MergeTree ORDER BY a' });
    await client.insert({ table: 'qt.t', values: [{ a: 1, s: 'x,"y' }, { a: 2, s: 'z' }], format: 'JSONEachRow' });
  });
  afterAll(async () => {
    await client.close();
  });
  const refusal = async (sql: string) => {
    try {
      await runReadOnlyQuery(client, sql, 'json');
    } catch (err) {
      return err instanceof ReadOnlyQueryError ? err.message : `not a refusal: ${String(err)}`;
    }
    return 'ran';
  };
  const count = async () => Number((await (await client.query({ query: 'SELECT count() AS n FROM qt.t', format: 'JSONEachRow' })).json<{ n: number }>())[0]!.n);

  it('returns the canonical statement: comments gone, one statement', async () => {
    expect(await parseReadOnlyQuery(client, '-- top\n/* why */ select a from qt.t where s = \';\' ;')).toBe("SELECT a FROM qt.t WHERE s = ';'");
  });

  it('prints table, CSV and JSON', async () => {
    expect(await runReadOnlyQuery(client, 'SELECT a, s FROM qt.t ORDER BY a', 'csv')).toBe('"a","s"\n1,"x,""y"\n2,"z"\n');
    expect(await runReadOnlyQuery(client, 'SELECT a, s FROM qt.t ORDER BY a', 'json')).toBe('{"a":1,"s":"x,\\"y"}\n{"a":2,"s":"z"}\n');
    const table = await runReadOnlyQuery(client, 'SELECT a, s FROM qt.t ORDER BY a', 'table');
    expect(table).toMatch(/┌─a─┬─s────┐/);
    expect(table).toMatch(/│ 2 │ z\s+│/);
  });

  it('refuses writes, DDL and a second statement before they reach the engine, and leaves the data alone', async () => {
    expect(await refusal('DROP TABLE qt.t')).toMatch(/only reads are allowed.*DROP/);
    expect(await refusal('INSERT INTO qt.t VALUES (3, \'w\')')).toMatch(/INSERT/);
    expect(await refusal('WITH x AS (SELECT 3, \'w\') INSERT INTO qt.t SELECT * FROM x')).toMatch(/INSERT/);
    expect(await refusal('SELECT 1; DROP TABLE qt.t')).toMatch(/does not parse as one ClickHouse statement.*Multi-statements/);
    expect(await refusal('SELECT 1 /* ; */; -- x\n ALTER TABLE qt.t DELETE WHERE 1')).toMatch(/Multi-statements/);
    expect(await refusal('SELEC 1')).toMatch(/does not parse/);
    expect(await refusal('   ')).toMatch(/no SQL given/);
    expect(await refusal("SELECT 1 INTO OUTFILE '/tmp/pd-query-test.txt'")).toMatch(/INTO OUTFILE/);
    expect(await count()).toBe(2);
  });

  it('has the engine refuse what the parse check lets through: table functions, settings', async () => {
    expect(await refusal("SELECT * FROM file('/etc/hostname', 'LineAsString')")).toMatch(/refused by ClickHouse \(readonly=1\)/);
    expect(await refusal("SELECT * FROM mysql('127.0.0.1:3306', 'db', 't', 'u', 'p')")).toMatch(/readonly=1/);
    expect(await refusal('SELECT 1 SETTINGS readonly = 0')).toMatch(/readonly/);
    expect(await refusal('SELECT count() FROM qt.t')).toBe('ran');
  });
});
