// Services that come from PyPI (Milvus, the LLM server) run from one virtualenv each under the
// cache dir, filled from a pinned requirements file committed in infra/<service>/. The venv is
// reused while that file is unchanged (a stamp holds its hash), so a warm install costs a
// file read; a changed or half-finished install is rebuilt from scratch.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, which } from './process.js';
import type { StackContext } from './service.js';

export interface Venv {
  /** The virtualenv's folder: $PD_CACHE_DIR/venv-<name>. */
  readonly dir: string;
  /** Its python binary: run scripts with this, never the system one. */
  readonly python: string;
}

const STAMP = '.pd-requirements.sha256';

/** "3.11" from a python binary that also has the venv module, else undefined. */
function pythonVersion(bin: string): [number, number] | undefined {
  const r = spawnSync(bin, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  const m = /^(\d+)\.(\d+)/.exec(r.stdout ?? '');
  return r.status === 0 && m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** A python3 of at least `min` with venv support: $PD_PYTHON, else the first suitable on PATH. */
export function findPython(min: readonly [number, number]): string {
  const explicit = process.env.PD_PYTHON;
  if (explicit) return explicit;
  const names = ['python3', 'python3.13', 'python3.12', 'python3.11', 'python3.10'];
  const seen: string[] = [];
  for (const bin of [...names.map((n) => which(n)), '/usr/bin/python3']) {
    if (!bin || !existsSync(bin)) continue;
    const v = pythonVersion(bin);
    if (v && (v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]))) return bin;
    seen.push(`${bin} (${v ? v.join('.') : 'no venv/ensurepip module'})`);
  }
  throw new Error(
    `needs Python ${min.join('.')}+ with the venv module, found: ${seen.join(', ') || 'no python3 at all'}. ` +
      'Install one (Debian: apt-get install python3 python3-venv) or set PD_PYTHON=/path/to/python3',
  );
}

/**
 * $PD_CACHE_DIR/venv-<name> with exactly the packages of `requirements` (a pinned file; it
 * must list every package, since they are installed with --no-deps). Idempotent.
 */
export async function ensureVenv(
  ctx: StackContext,
  name: string,
  requirements: string,
  minPython: readonly [number, number],
): Promise<Venv> {
  const dir = join(ctx.cacheDir, `venv-${name}`);
  const python = join(dir, 'bin', 'python');
  const want = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const stamp = join(dir, STAMP);
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) {
    return { dir, python };
  }
  ctx.say(`installing ${requirements.slice(ctx.repoRoot.length + 1)} into ${dir} with pip (once)…`);
  rmSync(dir, { recursive: true, force: true }); // other pins or an interrupted install: start clean
  await run(findPython(minPython), ['-m', 'venv', dir]);
  await run(python, [
    '-m', 'pip', 'install', '--no-input', '--disable-pip-version-check',
    // Pinned wheels only: a source build (e.g. of llama.cpp) would take many minutes on 2 cores.
    '--no-deps', '--only-binary', ':all:',
    '--cache-dir', join(ctx.cacheDir, 'pip'),
    '-r', requirements,
  ]);
  writeFileSync(stamp, `${want}\n`); // last: only a complete install is ever reused
  return { dir, python };
}
