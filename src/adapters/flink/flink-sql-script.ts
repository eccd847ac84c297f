// Turning a generated Flink SQL script into what the checker JVM plans: placeholders replaced by
// dummy values, the script split into statements (and a statement set into its INSERTs, so a
// failure can name the INSERT at fault), and the checker's JSON answers read back. Pure: the
// unit tests cover it without Java.
import { z } from 'zod';

/** A script problem found before Flink sees it (unterminated quote, statement set without END). */
export class FlinkScriptError extends Error {
  override readonly name = 'FlinkScriptError';
  constructor(
    message: string,
    /** 1-based line where the offending construct starts. */
    readonly line: number,
  ) {
    super(message);
  }
}

/** One statement of a script, as the checker receives it. */
export interface ScriptStatement {
  /** Statement text without its terminating `;` (comments inside are kept: Flink skips them). */
  sql: string;
  /** 1-based line of its first token in the script. */
  line: number;
  /** For `EXECUTE STATEMENT SET BEGIN … END`: the INSERTs inside, in order. */
  inserts?: ScriptStatement[];
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * A dummy value that passes the connectors' own option checks, chosen by the placeholder's name
 * (`${MYSQL_TPCH_PORT}` must be a number, `${CLICKHOUSE_URL}` a URL). Never a real secret: the
 * check plans the job, it connects nowhere.
 */
export function dummyValue(name: string): string {
  const n = name.toUpperCase();
  if (/PORT$/.test(n)) return '3306';
  if (/SERVER_ID$/.test(n)) return '5400-5404';
  if (/(BOOTSTRAP(_SERVERS)?|BROKERS)$/.test(n)) return '127.0.0.1:9092';
  if (/(URL|URI|ENDPOINT)$/.test(n)) return 'http://127.0.0.1:8123';
  if (/(HOST|HOSTNAME)$/.test(n)) return '127.0.0.1';
  if (/(TIME_ZONE|TIMEZONE|TZ)$/.test(n)) return 'UTC';
  return `dummy_${n.toLowerCase()}`;
}

/** Replace every `${NAME}` with `values[NAME]`, else with {@link dummyValue}. */
export function substitutePlaceholders(sql: string, values: Readonly<Record<string, string>> = {}): string {
  return sql.replace(PLACEHOLDER, (_m, name: string) => values[name] ?? dummyValue(name));
}

interface Token {
  /** 'word' (keyword or bare identifier), ';', or 'other' (quoted text, symbols, numbers). */
  kind: 'word' | ';' | 'other';
  text: string;
  start: number;
  end: number;
  line: number;
}

/** Flink SQL tokens, skipping whitespace and comments; quoted strings/identifiers are one token. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const advance = (to: number) => {
    for (; i < to; i++) if (sql[i] === '\n') line++;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const startLine = line;
    if (/\s/.test(c)) {
      advance(i + 1);
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      advance(nl === -1 ? sql.length : nl);
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) throw new FlinkScriptError('unterminated /* comment', startLine);
      advance(close + 2);
    } else if (c === "'" || c === '`' || c === '"') {
      // The quote character doubled is an escaped quote in all three ('it''s', `a``b`).
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(c, j);
        if (k === -1) {
          const what = c === "'" ? 'string literal' : 'quoted identifier';
          throw new FlinkScriptError(`unterminated ${what} (${c}…)`, startLine);
        }
        if (sql[k + 1] === c) j = k + 2;
        else {
          j = k + 1;
          break;
        }
      }
      tokens.push({ kind: 'other', text: sql.slice(i, j), start: i, end: j, line: startLine });
      advance(j);
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 256))!;
      tokens.push({ kind: 'word', text: m[0], start: i, end: i + m[0].length, line: startLine });
      advance(i + m[0].length);
    } else {
      tokens.push({ kind: c === ';' ? ';' : 'other', text: c, start: i, end: i + 1, line: startLine });
      advance(i + 1);
    }
  }
  return tokens;
}

const isWord = (t: Token | undefined, word: string) => t?.kind === 'word' && t.text.toUpperCase() === word;

/**
 * Split a script into statements at `;` outside quotes and comments. `EXECUTE STATEMENT SET
 * BEGIN … END` stays one statement (its INSERTs end in `;` too), with its INSERTs listed; an
 * `END` closes it only where a statement would start, so `CASE … END` inside an INSERT is safe.
 */
export function splitStatements(sql: string): ScriptStatement[] {
  const tokens = tokenize(sql);
  const statements: ScriptStatement[] = [];
  const text = (from: Token, to: Token) => sql.slice(from.start, to.end);
  let i = 0;
  /** Tokens from i up to (not including) the next ';' or the end; returns the index of the last. */
  const untilSemicolon = (from: number) => {
    let j = from;
    while (j + 1 < tokens.length && tokens[j + 1]!.kind !== ';') j++;
    return j;
  };
  while (i < tokens.length) {
    const first = tokens[i]!;
    if (first.kind === ';') {
      i++; // empty statement
      continue;
    }
    const isStatementSet =
      isWord(first, 'EXECUTE') && isWord(tokens[i + 1], 'STATEMENT') && isWord(tokens[i + 2], 'SET') && isWord(tokens[i + 3], 'BEGIN');
    if (!isStatementSet) {
      const last = untilSemicolon(i);
      statements.push({ sql: text(first, tokens[last]!), line: first.line });
      i = last + 2; // past the ';'
      continue;
    }
    const inserts: ScriptStatement[] = [];
    let j = i + 4;
    for (;;) {
      while (tokens[j]?.kind === ';') j++;
      const start = tokens[j];
      if (start === undefined) {
        throw new FlinkScriptError('EXECUTE STATEMENT SET BEGIN without a closing END', first.line);
      }
      if (isWord(start, 'END')) break;
      const last = untilSemicolon(j);
      if (tokens[last + 1] === undefined) {
        throw new FlinkScriptError('EXECUTE STATEMENT SET BEGIN without a closing END', first.line);
      }
      inserts.push({ sql: text(start, tokens[last]!), line: start.line });
      j = last + 2;
    }
    statements.push({ sql: text(first, tokens[j]!), line: first.line, inserts });
    i = j + 1;
    if (tokens[i] !== undefined && tokens[i]!.kind !== ';') {
      throw new FlinkScriptError(`expected ';' after END of the statement set, found ${tokens[i]!.text}`, tokens[i]!.line);
    }
    i++;
  }
  return statements;
}

/** Where a check failed: before Flink (split), in Flink's parser/validator, executing DDL, or planning. */
export type FlinkCheckPhase = 'split' | 'validate' | 'execute' | 'plan' | 'checker';

/** One script's verdict. */
export interface FlinkScriptCheck {
  name: string;
  ok: boolean;
  /** The root cause's message (e.g. "Column 'x' not found in any table"), when not ok. */
  error?: string;
  /** Every message of the exception chain, outermost first (the first names the table). */
  causes?: string[];
  phase?: FlinkCheckPhase;
  /** 1-based script line of the statement that failed. */
  line?: number;
  /** The statement that failed (the INSERT inside a statement set when it fails on its own). */
  statement?: string;
  /** Time the checker spent on this script, milliseconds. */
  ms: number;
}

const checkerAnswer = z.object({
  name: z.string(),
  ok: z.boolean(),
  ms: z.number(),
  error: z.string().optional(),
  causes: z.array(z.string()).optional(),
  phase: z.enum(['validate', 'execute', 'plan', 'checker']).optional(),
  line: z.number().int().optional(),
  statement: z.string().optional(),
});

/** One stdout line of the checker JVM; throws when it is not a well-formed answer. */
export function parseCheckerLine(line: string): FlinkScriptCheck {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new Error(`Flink checker printed a line that is not JSON: ${line.slice(0, 200)}`);
  }
  const parsed = checkerAnswer.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Flink checker printed an unexpected answer (${parsed.error.issues[0]?.message}): ${line.slice(0, 200)}`);
  }
  const a = parsed.data;
  if (!a.ok && a.error === undefined) throw new Error(`Flink checker reported a failure without an error: ${line.slice(0, 200)}`);
  return a;
}
