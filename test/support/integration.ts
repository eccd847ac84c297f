import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { PACKAGE_ROOT, TOPICS_DIR } from '../../src/core/paths.js';
import { provisionTopics } from '../../src/core/provision.js';
import { TopicCatalog } from '../../src/core/topic-catalog.js';
import type { Broker } from '../../src/ports/broker.js';

/**
 * Shared set-up for integration tests: they run against the real local stack that the test
 * command starts (`pipeline-doctor stack up`), each in its own topic prefix.
 */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...process.env, LOG_LEVEL: 'warn', ...overrides });
}

export const quietLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'error');

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const spawned = new Set<ChildProcess>();
// A test that fails half-way must not leave pipeline processes running (they would keep
// competing for the CPU and the shared services in the tests after it).
process.on('exit', () => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts `pipeline-doctor run` as a child process, as production would run it. */
export function spawnPipeline(env: Record<string, string>, args: string[] = []): ChildProcess & { output: string[] } {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'pipeline-doctor.js'), 'run', ...args], {
    env: { ...process.env, PD_HTTP_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  child.stdout!.on('data', (d: Buffer) => child.output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => child.output.push(d.toString()));
  return child;
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Records a consumer group has committed on a topic, summed over partitions: progress that a restart resumes from. */
export async function committedRecords(broker: Broker, group: string, topic: string): Promise<number> {
  const admin = broker.admin();
  await admin.connect();
  try {
    const offsets = await admin.groupOffsets(group, topic);
    return offsets.reduce((sum, o) => sum + Math.max(0, Number(o.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Creates every declared topic under `prefix` on the test broker; returns the catalog of their names. */
export async function provisionTestTopics(broker: Broker, prefix: string): Promise<TopicCatalog> {
  const catalog = TopicCatalog.load(TOPICS_DIR, prefix);
  const admin = broker.admin();
  await admin.connect();
  try {
    await provisionTopics(admin, catalog);
  } finally {
    await admin.disconnect();
  }
  return catalog;
}
