// Orchestration of `stack up|down|status`, shared by the CLI and the programmatic API.
// Services themselves are in ./services; this file owns the rules that apply to all of them:
// leave a healthy service alone, never touch a process we did not start, start one service
// at a time with a deadline, and show the log tail when something does not come up.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, defaultTimeoutSeconds, REPO_ROOT, stackDir } from './config.js';
import { composeRunning, composeStop, composeUp, dockerComposeFile } from './docker.js';
import { isRunning, pollUntil, portHolder, portInUse, recordedPid, tailFile, terminate } from './process.js';
import type { StackContext, StackService } from './service.js';
import { SERVICES } from './services/index.js';

/** An expected failure: message for the user, and the process exit code to use. */
export class StackError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'StackError';
  }
}

export interface StackOptions {
  /** Per-service limit for start + readiness, seconds (default $PD_STACK_TIMEOUT_S or 120). */
  timeoutSeconds?: number;
  /** Progress lines; default stdout. Pass () => {} for silence. */
  log?: (line: string) => void;
}

export interface ServiceStatus {
  name: string;
  /** 'local' = a process this stack started; 'docker' = a compose container. */
  mode: 'local' | 'docker';
  running: boolean;
  pid?: number;
  ports: readonly number[];
  ready: boolean;
  /** Why it is not ready, or other remarks. */
  detail?: string;
}

const print = (line: string) => process.stdout.write(`${line}\n`);

export function serviceNames(): string[] {
  return SERVICES.map((s) => s.name);
}

/** The requested services in registry (start) order; all when names is empty. */
function select(names: readonly string[] = []): StackService[] {
  const unknown = names.filter((n) => !SERVICES.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new StackError(`unknown service(s): ${unknown.join(', ')} (known: ${serviceNames().join(', ')})`, 2);
  }
  return SERVICES.filter((s) => names.length === 0 || names.includes(s.name));
}

function contextFor(svc: StackService, deadline: number, log: (l: string) => void): StackContext {
  const dir = join(stackDir(), svc.name);
  mkdirSync(dir, { recursive: true });
  return {
    repoRoot: REPO_ROOT,
    cacheDir: cacheDir(),
    dir,
    logFile: join(dir, `${svc.name}.log`),
    pidFile: join(dir, `${svc.name}.pid`),
    deadline,
    say: (m) => log(`${svc.name}: ${m}`),
  };
}

const composeName = (svc: StackService) => svc.composeService ?? svc.name;
/** False for services docker-compose.yml does not have: they run locally on either path. */
const inCompose = (svc: StackService) => svc.composeService !== null;

/** Compose file if the Docker path applies; a stack already running locally stays local. */
function dockerPath(): string | undefined {
  const runningLocally = SERVICES.filter(inCompose).some((s) => recordedPid(contextFor(s, Infinity, () => {})) !== undefined);
  return runningLocally && process.env.PD_STACK_MODE !== 'docker' ? undefined : dockerComposeFile(REPO_ROOT);
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function isReady(svc: StackService, ctx: StackContext): Promise<boolean> {
  return svc.ready(ctx).then(() => true, () => false);
}

/** The error to show: what went wrong, plus the service log's tail if written since `since`. */
function failure(svc: StackService, ctx: StackContext, e: unknown, since = 0): StackError {
  const fresh = existsSync(ctx.logFile) && statSync(ctx.logFile).mtimeMs >= since;
  const tail = fresh ? tailFile(ctx.logFile) : '';
  return new StackError(
    `${svc.name}: ${message(e)}` + (tail ? `\n--- last lines of ${ctx.logFile} ---\n${tail}` : ''),
  );
}

// ---------------------------------------------------------------------------------- up

async function upOne(svc: StackService, timeoutMs: number, log: (l: string) => void): Promise<void> {
  const started = Date.now();
  let ctx = contextFor(svc, started + timeoutMs, log);

  const pid = recordedPid(ctx);
  if (pid !== undefined) {
    if (await isReady(svc, ctx)) return ctx.say(`already running (pid ${pid})`);
    ctx.say(`running (pid ${pid}) but not ready yet, waiting…`);
    await pollUntil(ctx, 'readiness', () => svc.ready(ctx), pid).catch((e) => {
      throw failure(svc, ctx, e);
    });
    return ctx.say(`ready in ${seconds(started)} (pid ${pid})`);
  }
  rmSync(ctx.pidFile, { force: true }); // stale: that process is gone

  for (const port of svc.ports) {
    if (await portInUse(port)) {
      const who = portHolder(port);
      throw new StackError(
        `${svc.name}: port ${port} is already in use by a process this stack did not start` +
          `${who ? ` (${who})` : ''}. Stop that process, then run \`stack up\` again.`,
      );
    }
  }

  const tInstall = Date.now();
  await svc.install(ctx).catch((e) => {
    throw new StackError(`${svc.name}: install failed: ${message(e)}`);
  });
  if (Date.now() - tInstall > 1000) ctx.say(`installed in ${seconds(tInstall)}`);

  // The deadline covers start + readiness, not a first-time download.
  const t0 = Date.now();
  ctx = contextFor(svc, t0 + timeoutMs, log);
  ctx.say('starting…');
  let newPid: number | undefined;
  try {
    newPid = await svc.start(ctx);
    await pollUntil(ctx, 'readiness', () => svc.ready(ctx), newPid);
  } catch (e) {
    const err = failure(svc, ctx, e, t0);
    // Do not leave a half-started server behind: the next `up` would find it "not ready".
    if (newPid !== undefined && isRunning(newPid)) {
      ctx.say(`stopping the half-started process ${newPid}`);
      await terminate(ctx, newPid, 30_000).catch(() => {});
    }
    await svc.stop(ctx).catch(() => {});
    throw err;
  }
  ctx.say(`ready in ${seconds(t0)} (pid ${newPid})`);
}

async function upDocker(file: string, svcs: StackService[], timeoutMs: number, log: (l: string) => void) {
  await composeUp(file, svcs.map(composeName)).catch((e) => {
    throw new StackError(`docker compose up failed: ${message(e)}`);
  });
  for (const svc of svcs) {
    const t0 = Date.now();
    const ctx = contextFor(svc, t0 + timeoutMs, log);
    await pollUntil(ctx, 'readiness', () => svc.ready(ctx)).catch((e) => {
      throw new StackError(`${svc.name}: ${message(e)} (see \`docker compose logs ${composeName(svc)}\`)`);
    });
    ctx.say(`ready in ${seconds(t0)} (docker)`);
  }
}

/** Start the named services (default all) and wait until each is ready. Idempotent. */
export async function stackUp(names: readonly string[] = [], opts: StackOptions = {}): Promise<ServiceStatus[]> {
  const log = opts.log ?? print;
  const timeoutMs = (opts.timeoutSeconds ?? defaultTimeoutSeconds()) * 1000;
  const svcs = select(names);
  const compose = dockerPath();
  if (compose) {
    log(`stack: ${process.env.PD_STACK_MODE === 'docker' ? 'PD_STACK_MODE=docker' : 'Docker engine found'}, using docker compose (${compose})`);
    // An empty name list would mean "every compose service" to docker compose.
    if (svcs.some(inCompose)) await upDocker(compose, svcs.filter(inCompose), timeoutMs, log);
    for (const svc of svcs.filter((s) => !inCompose(s))) await upOne(svc, timeoutMs, log);
  } else {
    log(`stack: using local processes (state in ${stackDir()})`);
    for (const svc of svcs) await upOne(svc, timeoutMs, log);
  }
  return stackStatus(names);
}

// -------------------------------------------------------------------------------- down

/** Stop the named services (default all), only processes this stack recorded. */
export async function stackDown(names: readonly string[] = [], opts: StackOptions = {}): Promise<void> {
  const log = opts.log ?? print;
  const svcs = select(names).reverse();
  const compose = dockerPath();
  if (compose && svcs.some(inCompose)) {
    log(`stack: using docker compose (${compose})`);
    await composeStop(compose, svcs.filter(inCompose).map(composeName)).catch((e) => {
      throw new StackError(`docker compose stop failed: ${message(e)}`);
    });
  }
  const failed: string[] = [];
  for (const svc of compose ? svcs.filter((s) => !inCompose(s)) : svcs) {
    const ctx = contextFor(svc, Infinity, log);
    const pid = recordedPid(ctx);
    if (pid === undefined) {
      rmSync(ctx.pidFile, { force: true });
      ctx.say('not running');
      continue;
    }
    const t0 = Date.now();
    ctx.say(`stopping (pid ${pid})…`);
    try {
      await svc.stop(ctx);
      ctx.say(`stopped in ${seconds(t0)}`);
    } catch (e) {
      ctx.say(`could not stop: ${message(e)}`);
      failed.push(svc.name);
    }
  }
  if (failed.length > 0) throw new StackError(`could not stop: ${failed.join(', ')}`);
}

// ------------------------------------------------------------------------------ status

/** One entry per service: running (our PID alive) and ready (its client probe passes). */
export async function stackStatus(names: readonly string[] = []): Promise<ServiceStatus[]> {
  const svcs = select(names);
  const compose = dockerPath();
  const inDocker = compose ? await composeRunning(compose).catch(() => new Set<string>()) : undefined;
  return Promise.all(
    svcs.map(async (svc): Promise<ServiceStatus> => {
      const ctx = contextFor(svc, Date.now() + 5000, () => {});
      const docker = inDocker && inCompose(svc) ? inDocker : undefined;
      const pid = docker ? undefined : recordedPid(ctx);
      const running = docker ? docker.has(composeName(svc)) : pid !== undefined;
      let detail: string | undefined;
      const ready = await svc.ready(ctx).then(
        () => true,
        (e) => ((detail = message(e)), false),
      );
      if (ready && !running) detail = 'answers, but was not started by this stack';
      return { name: svc.name, mode: docker ? 'docker' : 'local', running, pid, ports: svc.ports, ready, detail };
    }),
  );
}
