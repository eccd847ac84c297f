import { describe, expect, it } from 'vitest';
import {
  dummyValue,
  FlinkScriptError,
  parseCheckerLine,
  splitStatements,
  substitutePlaceholders,
} from '../../../src/adapters/flink/flink-sql-script.js';

describe('substitutePlaceholders', () => {
  it('gives each placeholder a dummy value that passes the option checks of its kind', () => {
    const sql = "'port' = '${MYSQL_TPCH_PORT}', 'url' = '${CLICKHOUSE_URL}', 'hostname' = '${MYSQL_TPCH_HOST}', 'password' = '${MYSQL_TPCH_PASSWORD}'";
    expect(substitutePlaceholders(sql)).toBe("'port' = '3306', 'url' = 'http://127.0.0.1:8123', 'hostname' = '127.0.0.1', 'password' = 'dummy_mysql_tpch_password'");
  });

  it('uses given values first and leaves text that is not a placeholder alone', () => {
    expect(substitutePlaceholders("'${A_PORT}' '${B}' '$C' '${1X}' '${}'", { B: 'bee' })).toBe("'3306' 'bee' '$C' '${1X}' '${}'");
  });

  it('picks dummies by name suffix', () => {
    expect(dummyValue('KAFKA_BOOTSTRAP_SERVERS')).toBe('127.0.0.1:9092');
    expect(dummyValue('MYSQL_SERVER_ID')).toBe('5400-5404');
    expect(dummyValue('MYSQL_TIME_ZONE')).toBe('UTC');
    expect(dummyValue('CLICKHOUSE_USER')).toBe('dummy_clickhouse_user');
  });
});

describe('splitStatements', () => {
  it('splits at semicolons and records the line each statement starts on', () => {
    const sql = "-- header\nCREATE TABLE a (x INT) WITH ('connector' = 'datagen');\n\nCREATE TABLE b (\n  y INT\n) WITH ('connector' = 'blackhole');\n";
    expect(splitStatements(sql)).toEqual([
      { sql: "CREATE TABLE a (x INT) WITH ('connector' = 'datagen')", line: 2 },
      { sql: "CREATE TABLE b (\n  y INT\n) WITH ('connector' = 'blackhole')", line: 4 },
    ]);
  });

  it('ignores semicolons inside strings, quoted identifiers and comments', () => {
    const sql = "SELECT 'a;b', 'it''s;', `c;d`, \"e;f\" /* g; h */ FROM t -- i; j\n;SELECT 2";
    const statements = splitStatements(sql);
    expect(statements.map((s) => s.sql)).toEqual(["SELECT 'a;b', 'it''s;', `c;d`, \"e;f\" /* g; h */ FROM t", 'SELECT 2']);
    expect(statements[1]!.line).toBe(2);
  });

  it('keeps a statement set together and lists its INSERTs; CASE … END does not close it', () => {
    const sql = [
      'CREATE TABLE t (x INT);',
      'EXECUTE STATEMENT SET BEGIN',
      'INSERT INTO a SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END FROM t;',
      '  insert into b',
      '  select x from t;',
      'END;',
      'SET \'k\' = \'v\'',
    ].join('\n');
    const statements = splitStatements(sql);
    expect(statements).toHaveLength(3);
    expect(statements[1]).toEqual({
      sql: 'EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END FROM t;\n  insert into b\n  select x from t;\nEND',
      line: 2,
      inserts: [
        { sql: 'INSERT INTO a SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END FROM t', line: 3 },
        { sql: 'insert into b\n  select x from t', line: 4 },
      ],
    });
    expect(statements[2]).toEqual({ sql: "SET 'k' = 'v'", line: 7 });
  });

  it('accepts a lower-case statement set without a final semicolon', () => {
    const [set] = splitStatements('execute statement set begin insert into a select 1; end');
    expect(set!.inserts).toEqual([{ sql: 'insert into a select 1', line: 1 }]);
  });

  it('rejects what Flink could not read either, with the line it starts on', () => {
    const fail = (sql: string) => {
      try {
        splitStatements(sql);
      } catch (e) {
        expect(e).toBeInstanceOf(FlinkScriptError);
        return { message: (e as FlinkScriptError).message, line: (e as FlinkScriptError).line };
      }
      throw new Error(`no error for ${sql}`);
    };
    expect(fail("SELECT 1;\nSELECT 'open")).toEqual({ message: 'unterminated string literal (\'…)', line: 2 });
    expect(fail('SELECT `x')).toMatchObject({ message: expect.stringMatching(/quoted identifier/), line: 1 });
    expect(fail('SELECT 1 /* never closed')).toMatchObject({ message: 'unterminated /* comment' });
    expect(fail('\nEXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT 1;\n')).toEqual({ message: 'EXECUTE STATEMENT SET BEGIN without a closing END', line: 2 });
    expect(fail('EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END SELECT 2;')).toMatchObject({ message: expect.stringMatching(/expected ';' after END/) });
  });

  it('returns nothing for a script of comments and empty statements', () => {
    expect(splitStatements('-- nothing\n;;\n/* here */')).toEqual([]);
  });
});

describe('parseCheckerLine', () => {
  it('reads a verdict', () => {
    expect(parseCheckerLine('{"name":"a","ok":true,"ms":12}')).toEqual({ name: 'a', ok: true, ms: 12 });
    const failed = parseCheckerLine(
      JSON.stringify({ name: 'b', ok: false, ms: 3, error: "Column 'x' not found in any table", causes: ['SQL validation failed.', "Column 'x' not found in any table"], phase: 'validate', line: 7, statement: 'INSERT INTO t SELECT x FROM s' }),
    );
    expect(failed).toMatchObject({ ok: false, phase: 'validate', line: 7, error: "Column 'x' not found in any table" });
  });

  it('refuses lines that are not a well-formed verdict', () => {
    expect(() => parseCheckerLine('Exception in thread "main"')).toThrow(/not JSON/);
    expect(() => parseCheckerLine('{"name":"a","ok":"yes","ms":1}')).toThrow(/unexpected answer/);
    expect(() => parseCheckerLine('{"name":"a","ok":false,"ms":1}')).toThrow(/without an error/);
  });
});
