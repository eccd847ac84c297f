import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * docker-compose.yml is validated by the real Docker Compose v2 (`docker compose config`), which
 * needs no Docker engine. Where the compose plugin is missing, scripts/compose-check.sh builds it
 * once from the Go module proxy (about 2 minutes on 2 cores) and caches it.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'compose-check.sh');
const COLD_BUILD_MS = 20 * 60_000;

const EXPECTED_SERVICES = [
  'kafka',
  'schema-registry',
  'connect',
  'mysql',
  'clickhouse',
  'milvus',
  'etcd',
  'minio',
  'flink-jobmanager',
  'flink-taskmanager',
  'sql-gateway',
  'pipeline',
];

interface ComposePort {
  host_ip?: string;
  published?: string;
  target: number;
}
interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: ComposePort[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  volumes?: { type: string; source?: string; target: string }[];
  restart?: string;
}
interface ComposeProject {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

interface RunResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: a first build takes minutes, and a blocked worker loses vitest's RPC. */
function compose(args: string[], timeout = COLD_BUILD_MS): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [SCRIPT, ...args],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout,
        maxBuffer: 64 * 1024 * 1024,
        // The values the file interpolates are not taken from the developer's shell.
        env: { ...process.env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' },
      },
      (error, stdout, stderr) => {
        const code = error && typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : error ? null : 0;
        resolve({ status: code, signal: (error as { signal?: string } | null)?.signal ?? null, stdout, stderr });
      },
    );
  });
}

function describeRun(r: RunResult): string {
  return `exit ${r.status ?? r.signal}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout.slice(0, 4000)}`;
}

function commandOk(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 }).status === 0;
}

describe('docker-compose.yml (docker compose config)', () => {
  let project: ComposeProject;

  beforeAll(() => {
    const cacheDir = process.env.PD_CACHE_DIR ?? join(homedir(), '.cache', 'pipeline-doctor');
    const haveCompose =
      commandOk('docker', ['compose', 'version']) || existsSync(join(cacheDir, 'bin', 'docker-compose'));
    if (!haveCompose && !commandOk('go', ['version'])) {
      throw new Error(
        'Go toolchain not found: `docker compose` is not installed, and scripts/compose-check.sh needs Go ' +
          '(>= 1.24) to build Docker Compose v2 from the Go module proxy. Install Go or a Docker Compose v2 plugin.',
      );
    }
  });

  it('passes `docker compose config -q` (scripts/compose-check.sh)', async () => {
    const r = await compose([]);
    expect(r.status, describeRun(r)).toBe(0);
  }, COLD_BUILD_MS + 60_000);

  describe('resolved model', () => {
    beforeAll(async () => {
      const r = await compose(['config', '--format', 'json']);
      expect(r.status, describeRun(r)).toBe(0);
      project = JSON.parse(r.stdout) as ComposeProject;
    }, COLD_BUILD_MS + 60_000);

    it('has every service of the stack', () => {
      expect(Object.keys(project.services)).toEqual(expect.arrayContaining(EXPECTED_SERVICES));
    });

    it('runs MySQL with a ROW, FULL-image binlog and GTIDs (what Debezium needs)', () => {
      const args = (project.services.mysql?.command ?? []).map((a) => a.toLowerCase().replace(/_/g, '-'));
      expect(args).toContain('--binlog-format=row');
      expect(args).toContain('--binlog-row-image=full');
      expect(args).toContain('--gtid-mode=on');
      expect(args).toContain('--enforce-gtid-consistency=on');
      expect(args.some((a) => a.startsWith('--log-bin'))).toBe(true);
    });

    it('publishes ports on the loopback address only', () => {
      for (const [name, svc] of Object.entries(project.services)) {
        for (const p of svc.ports ?? []) {
          expect(p.host_ip, `${name} publishes ${p.published}:${p.target}`).toBe('127.0.0.1');
        }
      }
    });

    it('pins every image tag', () => {
      for (const [name, svc] of Object.entries(project.services)) {
        if (svc.build) continue;
        expect(svc.image, name).toMatch(/^[^:@]+(:[^:]+)$/);
        expect(svc.image, name).not.toMatch(/:(latest|main|master)$/);
      }
    });

    it('gives every long-running service a healthcheck', () => {
      for (const [name, svc] of Object.entries(project.services)) {
        if (svc.restart === 'no') continue; // one-shot init jobs
        expect(svc.healthcheck?.test?.length ?? 0, `${name} has no healthcheck`).toBeGreaterThan(0);
      }
    });

    it('configures Kafka as a single KRaft node with no topic auto-creation', () => {
      const env = project.services.kafka?.environment ?? {};
      expect(project.services.kafka?.image).toBe('apache/kafka:3.9.1');
      expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
      expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
      expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('1');
      expect(env.KAFKA_ADVERTISED_LISTENERS).toContain('127.0.0.1:9092');
    });

    it('builds the pipeline from the Dockerfile and waits for healthy dependencies', () => {
      const p = project.services.pipeline!;
      expect(p.build).toBeTruthy();
      expect(p.command).toEqual(['run']);
      for (const key of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MYSQL_URL', 'CLICKHOUSE_URL', 'MILVUS_ADDRESS', 'OPENAI_BASE_URL']) {
        expect(p.environment, key).toHaveProperty(key);
      }
      expect(p.ports?.map((x) => x.target)).toContain(9464);
      for (const dep of ['kafka', 'schema-registry', 'mysql', 'clickhouse', 'milvus']) {
        expect(p.depends_on?.[dep]?.condition, dep).toBe('service_healthy');
      }
    });

    it('keeps state in named volumes', () => {
      const declared = Object.keys(project.volumes ?? {});
      for (const svc of ['kafka', 'mysql', 'clickhouse', 'milvus', 'etcd', 'minio']) {
        const named = (project.services[svc]?.volumes ?? []).filter((v) => v.type === 'volume');
        expect(named.length, `${svc} has no named volume`).toBeGreaterThan(0);
        for (const v of named) expect(declared).toContain(v.source);
      }
    });

    it('carries no literal secret', () => {
      // Interpolated with OPENAI_API_KEY='' above, so any value here would be written in the file.
      expect(project.services.pipeline?.environment?.OPENAI_API_KEY ?? '').toBe('');
      expect(JSON.stringify(project)).not.toMatch(/sk-[A-Za-z0-9_-]{16,}/);
    });
  });
});
