import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Checks that a query runs on ClickHouse against a set of DDL statements: creates the tables in a
 * throw-away embedded engine (empty), then runs the query with the given settings. chdb binds one
 * data folder per process, and the pipeline's own may be open, so the check runs in a child
 * process with a private temporary folder. Nothing here touches real data.
 */
export interface ScratchCheckRequest {
  ddl: string[];
  query: string;
  settings: Record<string, string | number>;
  /** Database the query's unqualified names resolve to. */
  defaultDatabase?: string | null;
}

export type ScratchCheckResult = { ok: true } | { ok: false; error: string };

const WORKER_FLAG = '--pd-scratch-check';

export async function checkQueryOnScratchClickHouse(request: ScratchCheckRequest, timeoutMs = 60_000): Promise<ScratchCheckResult> {
  const self = fileURLToPath(import.meta.url);
  const args = self.endsWith('.ts') ? ['--import', 'tsx', self, WORKER_FLAG] : [self, WORKER_FLAG];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-4000)));
  child.stdin.end(JSON.stringify(request));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const line = out.split('\n').find((l) => l.startsWith('{"ok"'));
  if (line) return JSON.parse(line) as ScratchCheckResult;
  return { ok: false, error: `scratch ClickHouse check ended (exit ${code ?? 'killed'}) without an answer: ${err.trim().slice(-500)}` };
}

/** The child: one request on stdin, one JSON line on stdout. */
async function worker(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ScratchCheckRequest;
  const dir = mkdtempSync(join(tmpdir(), 'pd-scratch-'));
  const { Session } = await import('chdb');
  const session = new Session(dir);
  let result: ScratchCheckResult;
  try {
    for (const statement of request.ddl) session.query(statement);
    const settings = Object.entries(request.settings).map(([k, v]) => `${k} = ${typeof v === 'number' ? v : `'${String(v).replaceAll("'", "''")}'`}`);
    if (request.defaultDatabase) session.query(`USE \`${request.defaultDatabase.replaceAll('`', '``')}\``);
    // The query as a subquery: any SELECT shape, read fully, on empty tables.
    session.query(`SELECT count() FROM (${request.query.trim().replace(/;\s*$/, '')}) ${settings.length ? `SETTINGS ${settings.join(', ')}` : ''}`, 'CSV');
    result = { ok: true };
  } catch (e) {
    result = { ok: false, error: (e as Error).message.split('\n')[0]!.slice(0, 1000) };
  } finally {
    session.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv.includes(WORKER_FLAG)) await worker();
