// Where things live, and the connection defaults every other part of the project uses.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Client-side connection defaults for the local stack (all loopback). */
export const KAFKA_BROKERS = '127.0.0.1:9092';
export const MYSQL_URL = 'mysql://pd:pd@127.0.0.1:3306/pipeline_doctor';
export const SCHEMA_REGISTRY_URL = 'http://127.0.0.1:8080/apis/ccompat/v7';

/** A loopback port from an environment variable, else the default. */
function portFromEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 && v < 65536 ? v : fallback;
}

/** Milvus gRPC port ($PD_MILVUS_PORT, default 19530); what @zilliz/milvus2-sdk-node connects to. */
export const MILVUS_PORT = portFromEnv('PD_MILVUS_PORT', 19530);
/** Milvus health/metrics HTTP port, /healthz ($PD_MILVUS_HEALTH_PORT, default 9091). */
export const MILVUS_HEALTH_PORT = portFromEnv('PD_MILVUS_HEALTH_PORT', 9091);
/** Port of the etcd embedded in Milvus ($PD_MILVUS_ETCD_PORT, default 2379). */
export const MILVUS_ETCD_PORT = portFromEnv('PD_MILVUS_ETCD_PORT', 2379);
export const MILVUS_ADDRESS = `127.0.0.1:${MILVUS_PORT}`;

/** OpenAI-compatible chat server port ($PD_LLM_CHAT_PORT, default 8090). */
export const LLM_CHAT_PORT = portFromEnv('PD_LLM_CHAT_PORT', 8090);
/** OpenAI-compatible embeddings server port ($PD_LLM_EMBEDDINGS_PORT, default 8091). */
export const LLM_EMBEDDINGS_PORT = portFromEnv('PD_LLM_EMBEDDINGS_PORT', 8091);
/** Base URLs as the `openai` SDK takes them (`new OpenAI({ baseURL })`). */
export const LLM_CHAT_URL = `http://127.0.0.1:${LLM_CHAT_PORT}/v1`;
export const LLM_EMBEDDINGS_URL = `http://127.0.0.1:${LLM_EMBEDDINGS_PORT}/v1`;

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
