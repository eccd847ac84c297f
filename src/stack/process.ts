// Small process/port helpers shared by the services and the orchestrator.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackContext } from './service.js';

/**
 * Env var put into every process we start. /proc/<pid>/environ then proves a PID from a pid
 * file is still *our* process (PIDs get reused after reboots), without relying on the
 * command line mentioning anything in particular.
 */
const OWNER_ENV = 'PD_STACK_SERVICE_DIR';

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Spawn a long-running server detached from us, output to ctx.logFile, PID to ctx.pidFile. */
export async function startProcess(ctx: StackContext, spec: ProcessSpec): Promise<number> {
  // Keep the previous run's log for post-mortems; a fresh log makes the timeout tail relevant.
  if (existsSync(ctx.logFile)) renameSync(ctx.logFile, `${ctx.logFile}.prev`);
  const fd = openSync(ctx.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd ?? ctx.dir,
      env: { ...process.env, ...spec.env, [OWNER_ENV]: ctx.dir },
      detached: true, // own process group: survives the CLI exiting and Ctrl-C in its terminal
      stdio: ['ignore', fd, fd],
    });
    const pid = await new Promise<number>((resolvePid, reject) => {
      child.once('error', reject); // e.g. ENOENT: binary missing
      child.once('spawn', () => resolvePid(child.pid!));
    });
    child.unref();
    writeFileSync(ctx.pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and not a zombie (a zombie is "alive" for kill(0) but gone for every practical purpose). */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return !existsSync('/proc/self/stat'); // no /proc (macOS): kill(0) is all there is
  }
}

/** True when pid is alive and (where /proc exists) was started by startProcess for ctx. */
function isOurs(ctx: StackContext, pid: number): boolean {
  if (!isRunning(pid)) return false;
  if (!existsSync('/proc/self/environ')) return true; // no /proc (macOS): trust the pid file
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${OWNER_ENV}=${ctx.dir}`);
  } catch {
    return false; // vanished meanwhile, or another user's process
  }
}

/** The PID from ctx.pidFile if that process is still ours and alive, else undefined. */
export function recordedPid(ctx: StackContext): number | undefined {
  if (!existsSync(ctx.pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(ctx.pidFile, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 && isOurs(ctx, pid) ? pid : undefined;
}

/** SIGTERM the recorded process, wait up to graceMs, then SIGKILL; remove the pid file. */
export async function stopRecordedProcess(ctx: StackContext, graceMs = 30_000): Promise<void> {
  const pid = recordedPid(ctx);
  if (pid !== undefined) await terminate(ctx, pid, graceMs);
  rmSync(ctx.pidFile, { force: true });
}

/** SIGTERM a process known to be ours, wait up to graceMs for it to end, then SIGKILL. */
export async function terminate(ctx: StackContext, pid: number, graceMs: number): Promise<void> {
  if (!isRunning(pid)) return;
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (isRunning(pid) && Date.now() < until) await sleep(200);
  if (isRunning(pid)) {
    ctx.say(`did not stop within ${graceMs / 1000}s, sending SIGKILL to ${pid}`);
    process.kill(pid, 'SIGKILL');
    while (isRunning(pid)) await sleep(100);
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveUse) => {
    const socket = connect({ port, host });
    const done = (used: boolean) => {
      socket.destroy();
      resolveUse(used);
    };
    socket.setTimeout(1000, () => done(true)); // something is there but slow: treat as taken
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Best-effort "who listens on this port" (e.g. `mariadbd pid=812`), '' if unknown. */
export function portHolder(port: number): string {
  const r = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(r.stdout ?? '');
  return m ? `${m[1]} pid=${m[2]}` : '';
}

/** Last `lines` lines of a text file ('' if missing). */
export function tailFile(path: string, lines = 40): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
}

/** Run a short command to completion; reject with the tail of its output when it fails. */
export function run(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (b: Buffer) => {
      out = (out + b.toString()).slice(-64_000); // apt/mvn can be chatty; the end is what matters
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolveRun(out);
      else {
        const tail = out.split('\n').slice(-30).join('\n');
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}\n${tail}`));
      }
    });
  });
}

/** Find an executable on PATH or in the given extra directories (e.g. /usr/sbin for non-root). */
export function which(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...extraDirs].filter(Boolean);
  return dirs.map((d) => `${d}/${name}`).find((p) => existsSync(p));
}

/**
 * Call probe until it resolves; reject with its last error at ctx.deadline, or as soon as
 * the process we started (pid) has died.
 */
export async function pollUntil<T>(
  ctx: StackContext,
  what: string,
  probe: () => Promise<T>,
  pid?: number,
  intervalMs = 500,
): Promise<T> {
  let last: unknown;
  for (;;) {
    try {
      return await probe();
    } catch (e) {
      last = e;
    }
    // The pid is the one just started: only whether it still runs matters. (Its ownership mark,
    // read from /proc/<pid>/environ, can be unreadable for a moment while it execs its server.)
    if (pid !== undefined && !isRunning(pid)) {
      throw new Error(`process ${pid} exited while waiting for ${what}`);
    }
    if (Date.now() >= ctx.deadline) {
      const reason = last instanceof Error ? last.message : String(last);
      throw new Error(`timed out waiting for ${what} (last error: ${reason})`);
    }
    await sleep(intervalMs);
  }
}
