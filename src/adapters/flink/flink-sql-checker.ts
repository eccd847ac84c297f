// Flink's own planner as a validator of generated Flink SQL scripts (issue 6 item 3, STACK.md §4).
// infra/flink-check/ holds a small Java checker and the pom of its classpath (Flink 1.20 table
// planner, the kafka and mysql-cdc connectors, debezium-json, a test-only clickhouse sink). It is
// installed once per content hash into $PD_CACHE_DIR/flink-check (Maven copies the jars from
// ~/.m2 or Maven Central, javac compiles the sources), then one JVM checks all the scripts given.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { cacheDir, REPO_ROOT } from '../../stack/config.js';
import { findJava } from '../../stack/java.js';
import { run, which } from '../../stack/process.js';
import {
  FlinkScriptError,
  parseCheckerLine,
  splitStatements,
  substitutePlaceholders,
  type FlinkScriptCheck,
  type ScriptStatement,
} from './flink-sql-script.js';

export type { FlinkScriptCheck } from './flink-sql-script.js';

const MAIN_CLASS = 'local.pd.flinkcheck.FlinkSqlCheck';

/** Options of {@link ensureFlinkChecker} and {@link checkFlinkScripts}. */
export interface FlinkCheckerOptions {
  /** Folder with pom.xml and src/main. @default `<repo>/infra/flink-check` */
  sourceDir?: string;
  /** Where installs are cached. @default `$PD_CACHE_DIR/flink-check` (`~/.cache/pipeline-doctor/flink-check`) */
  cacheDir?: string;
  /** Progress lines (first install only). @default a line on stderr */
  onProgress?: (message: string) => void;
}

/** Options of {@link checkFlinkScripts}. */
export interface CheckFlinkScriptsOptions extends FlinkCheckerOptions {
  /** Values for `${NAME}` placeholders; the others get dummy values. @default {} */
  placeholders?: Readonly<Record<string, string>>;
  /** Kill the checker after this long. @default 60 s + 5 s per script */
  timeoutMs?: number;
  /** JVM heap. @default `1g` */
  maxHeap?: string;
}

/** A script to check: a name to report it under and its Flink SQL. */
export interface FlinkScript {
  name: string;
  sql: string;
}

/** The installed checker: the java binary and the classpath to run it with. */
export interface FlinkChecker {
  java: string;
  classpath: string;
}

/** Installing or running the checker failed (not: a script was rejected — that is a result). */
export class FlinkCheckerError extends Error {
  override readonly name = 'FlinkCheckerError';
}

const defaultProgress = (message: string) => process.stderr.write(`[flink-check] ${message}\n`);

/** sha256 of files (path + content), short: the cache key of what they build. */
function hashFiles(root: string, files: string[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort()) h.update(`${relative(root, f)}\0`).update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

/** Build into `<target>.partial-<pid>` and rename: an interrupted install never looks installed. */
async function installAtomically(target: string, build: (dir: string) => Promise<void>): Promise<void> {
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    await build(partial);
    try {
      renameSync(partial, target);
    } catch (e) {
      if (!existsSync(target)) throw e; // else another process finished the same install first
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/**
 * Install the checker if needed and return how to run it. Cached by content hash: the jars by
 * the pom (about 160 MB, fetched once into ~/.m2), the compiled classes by the sources. A warm
 * call only hashes a few files.
 */
export async function ensureFlinkChecker(options: FlinkCheckerOptions = {}): Promise<FlinkChecker> {
  const sourceDir = options.sourceDir ?? join(REPO_ROOT, 'infra', 'flink-check');
  const root = options.cacheDir ?? join(cacheDir(), 'flink-check');
  const say = options.onProgress ?? defaultProgress;
  const pom = join(sourceDir, 'pom.xml');
  if (!existsSync(pom)) throw new FlinkCheckerError(`Flink checker sources not found: ${pom} is missing`);

  let java: string;
  try {
    java = findJava(11, 'PD_FLINK_JAVA');
  } catch (e) {
    throw new FlinkCheckerError(`Flink SQL checker: ${(e as Error).message}`);
  }

  const libsKey = hashFiles(sourceDir, [pom]);
  const libs = join(root, `libs-${libsKey}`);
  const sources = listFiles(join(sourceDir, 'src', 'main'));
  const classes = join(root, `classes-${hashFiles(sourceDir, [pom, ...sources])}`);
  mkdirSync(root, { recursive: true });

  if (!existsSync(libs)) {
    if (!which('mvn')) throw new FlinkCheckerError('Flink SQL checker: Maven (mvn) is not on PATH; install it (apt-get install maven)');
    say(`fetching the Flink 1.20 planner and connector jars with Maven into ${libs} (once; ~160 MB, cached in ~/.m2)…`);
    const started = Date.now();
    await installAtomically(libs, async (dir) => {
      try {
        await run('mvn', ['-B', '-q', '-f', pom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${dir}`]);
      } catch (e) {
        throw new FlinkCheckerError(`Flink SQL checker: Maven could not fetch the jars of ${pom}: ${(e as Error).message}`);
      }
    });
    say(`jars ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  if (!existsSync(classes)) {
    // javac sits next to java in a JDK; a JRE-only install has none.
    const javac = join(dirname(realJava(java)), 'javac');
    if (!existsSync(javac)) throw new FlinkCheckerError(`Flink SQL checker: no javac next to ${java}; install a JDK (e.g. openjdk-17-jdk-headless) or set PD_FLINK_JAVA`);
    say('compiling the Flink SQL checker…');
    await installAtomically(classes, async (dir) => {
      const javaFiles = sources.filter((f) => f.endsWith('.java'));
      try {
        await run(javac, ['--release', '11', '-nowarn', '-encoding', 'UTF-8', '-cp', `${libs}/*`, '-d', dir, ...javaFiles]);
      } catch (e) {
        throw new FlinkCheckerError(`Flink SQL checker: javac failed: ${(e as Error).message}`);
      }
      const resources = join(sourceDir, 'src', 'main', 'resources');
      if (existsSync(resources)) cpSync(resources, dir, { recursive: true });
    });
  }
  return { java, classpath: `${libs}/*:${classes}` };
}

/** /usr/bin/java is an alternatives symlink; javac lives next to the real binary. */
function realJava(java: string): string {
  try {
    return realpathSync(java);
  } catch {
    return java;
  }
}

interface PreparedScript {
  name: string;
  statements?: ScriptStatement[];
  splitError?: FlinkScriptCheck;
}

function prepare(script: FlinkScript, placeholders: Readonly<Record<string, string>>): PreparedScript {
  try {
    return { name: script.name, statements: splitStatements(substitutePlaceholders(script.sql, placeholders)) };
  } catch (e) {
    if (!(e instanceof FlinkScriptError)) throw e;
    return { name: script.name, splitError: { name: script.name, ok: false, error: e.message, phase: 'split', line: e.line, ms: 0 } };
  }
}

/**
 * Check Flink SQL scripts with Flink's planner, all in one JVM: placeholders get dummy values,
 * DDL is executed in a fresh streaming TableEnvironment per script, the INSERTs are planned down
 * to transformations (connector factories, options, types, primary keys, changelog modes).
 * Resolves with one verdict per script, in order; rejects only when the checker itself cannot
 * run (Java or Maven missing, a crash, the timeout).
 */
export async function checkFlinkScripts(scripts: readonly FlinkScript[], options: CheckFlinkScriptsOptions = {}): Promise<FlinkScriptCheck[]> {
  const prepared = scripts.map((s) => prepare(s, options.placeholders ?? {}));
  const toCheck = prepared.filter((p) => p.statements !== undefined);
  const answers = toCheck.length === 0 ? [] : await runChecker(await ensureFlinkChecker(options), toCheck, options);
  let next = 0;
  return prepared.map((p) => p.splitError ?? answers[next++]!);
}

async function runChecker(checker: FlinkChecker, scripts: PreparedScript[], options: CheckFlinkScriptsOptions): Promise<FlinkScriptCheck[]> {
  const timeoutMs = options.timeoutMs ?? 60_000 + 5_000 * scripts.length;
  const child = spawn(
    checker.java,
    [
      `-Xmx${options.maxHeap ?? '1g'}`,
      // One GC thread and C1 only: the 2-core machine is shared, and a check is short-lived.
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-cp', checker.classpath,
      MAIN_CLASS,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-20_000);
  });
  const answers: FlinkScriptCheck[] = [];
  let malformed: Error | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.trim() === '' || malformed) return;
    try {
      answers.push(parseCheckerLine(line));
    } catch (e) {
      malformed = e as Error;
    }
  });
  const linesDone = new Promise<void>((resolve) => lines.once('close', resolve));

  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', (e) => reject(new FlinkCheckerError(`Flink SQL checker: cannot start ${checker.java}: ${e.message}`)));
    child.once('close', (code) => resolve(code));
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  try {
    child.stdin.on('error', () => {}); // EPIPE if the JVM dies early: reported below from its exit
    for (const s of scripts) child.stdin.write(`${JSON.stringify({ name: s.name, statements: s.statements })}\n`);
    child.stdin.end();
    const code = await exit;
    await linesDone;
    const tail = stderr.trim().split('\n').slice(-15).join('\n');
    if (timedOut) throw new FlinkCheckerError(`Flink SQL checker timed out after ${timeoutMs} ms (${answers.length} of ${scripts.length} scripts done)\n${tail}`);
    if (malformed) throw new FlinkCheckerError(`${malformed.message}\n${tail}`);
    if (code !== 0 || answers.length !== scripts.length) {
      throw new FlinkCheckerError(`Flink SQL checker exited with ${code} after ${answers.length} of ${scripts.length} scripts\n${tail}`);
    }
    answers.forEach((a, i) => {
      if (a.name !== scripts[i]!.name) throw new FlinkCheckerError(`Flink SQL checker answered for ${a.name} where ${scripts[i]!.name} was expected`);
    });
    return answers;
  } finally {
    clearTimeout(timer);
  }
}
