// The Docker path: when a Docker engine answers, the repo's docker-compose.yml runs the same
// services (StackService.composeService names them there) and we only wait for readiness.
// PD_STACK_MODE=local|docker forces a path; the default picks docker only if it can work.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './process.js';

/** Path of the compose file when the docker path should be used, else undefined. */
export function dockerComposeFile(repoRoot: string): string | undefined {
  const mode = process.env.PD_STACK_MODE ?? 'auto';
  const file = join(repoRoot, 'docker-compose.yml');
  if (mode === 'local') return undefined;
  if (mode === 'docker') {
    if (!existsSync(file)) throw new Error(`PD_STACK_MODE=docker but ${file} does not exist`);
    return file;
  }
  if (!existsSync(file)) return undefined;
  // `docker info` fails fast when only the client is installed (no engine / no socket);
  // the compose plugin is a separate package, so check it too.
  const ok = (args: string[]) => spawnSync('docker', args, { stdio: 'ignore', timeout: 15_000 }).status === 0;
  return ok(['info']) && ok(['compose', 'version']) ? file : undefined;
}

export function composeUp(file: string, names: string[]): Promise<string> {
  return run('docker', ['compose', '-f', file, 'up', '-d', ...names]);
}

export function composeStop(file: string, names: string[]): Promise<string> {
  return run('docker', ['compose', '-f', file, 'stop', ...names]);
}

/** Names of compose services that are currently running. */
export async function composeRunning(file: string): Promise<Set<string>> {
  const out = await run('docker', ['compose', '-f', file, 'ps', '--services', '--status', 'running']);
  return new Set(out.split('\n').map((s) => s.trim()).filter(Boolean));
}
