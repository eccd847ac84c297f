// Where things live, and the connection defaults every other part of the project uses.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Client-side connection defaults for the local stack (all loopback). */
export const KAFKA_BROKERS = '127.0.0.1:9092';
export const MYSQL_URL = 'mysql://pd:pd@127.0.0.1:3306/pipeline_doctor';
export const SCHEMA_REGISTRY_URL = 'http://127.0.0.1:8080/apis/ccompat/v7';

/** Repo root: this file is src/stack/config.ts (or dist/stack/config.js), two levels down. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Downloads and unpacked distributions, shared by every checkout on the machine. */
export function cacheDir(): string {
  return resolve(process.env.PD_CACHE_DIR || join(homedir(), '.cache', 'pipeline-doctor'));
}

/** Runtime state of this checkout's stack: data, logs, pid files, generated configs. */
export function stackDir(): string {
  return resolve(process.env.PD_STACK_DIR || join(REPO_ROOT, '.stack'));
}

/** Per-service readiness timeout (start + ready), seconds. */
export function defaultTimeoutSeconds(): number {
  const v = Number(process.env.PD_STACK_TIMEOUT_S);
  return Number.isFinite(v) && v > 0 ? v : 120;
}
