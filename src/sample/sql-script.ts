import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Splits a MySQL script into statements at top-level `;`, leaving semicolons inside quotes
 * ('…', "…", `…`) and comments (`-- `, `#`, `/* … *\/`) alone; comments are dropped.
 */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === '\\' && ch !== '`') j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2; // doubled quote
        else if (sql[j] === ch) break;
        else j++;
      }
      if (j >= n) throw new Error(`unterminated ${ch} quote starting at offset ${i}`);
      current += sql.slice(i, j + 1);
      i = j + 1;
    } else if ((ch === '-' && next === '-' && /\s/.test(sql[i + 2] ?? ' ')) || ch === '#') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new Error(`unterminated /* comment starting at offset ${i}`);
      i = end + 2;
      current += ' ';
    } else if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
      i++;
    } else {
      current += ch;
      i++;
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

export interface SchemaFile {
  path: string;
  statements: string[];
  /** Databases the file creates (`CREATE DATABASE|SCHEMA [IF NOT EXISTS] name`). */
  databases: string[];
}

const CREATE_DATABASE = /^CREATE\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+NOT\s+EXISTS\s+)?`?([A-Za-z0-9_]+)`?/i;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && name.length <= 64;
}

/** Every `*.sql` file of a schema folder, in name order, split into statements. */
export function readSchemaDir(dir: string): SchemaFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  } catch (err) {
    throw new Error(`cannot read the schema folder ${dir}: ${(err as Error).message}`);
  }
  if (names.length === 0) throw new Error(`no .sql files in the schema folder ${dir}`);
  return names.map((name) => {
    const path = join(dir, name);
    let statements: string[];
    try {
      statements = splitSqlStatements(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`${basename(path)}: ${(err as Error).message}`);
    }
    const databases = statements.flatMap((s) => {
      const m = CREATE_DATABASE.exec(s);
      return m ? [m[1]!] : [];
    });
    for (const db of databases) if (!isIdentifier(db)) throw new Error(`${name}: unsupported database name ${JSON.stringify(db)}`);
    return { path, statements, databases };
  });
}
