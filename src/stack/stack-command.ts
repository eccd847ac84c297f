// `pipeline-doctor stack up|down|status`: thin commander wrapper around ./stack.ts.
import { type Command, InvalidArgumentError } from 'commander';
import { defaultTimeoutSeconds } from './config.js';
import { type ServiceStatus, serviceNames, StackError, stackDown, stackStatus, stackUp } from './stack.js';

const EXIT_CODES = `
Exit codes:
  0  success (status: every selected service is ready)
  1  a service failed to install, start, become ready or stop
  2  usage error (e.g. unknown service name)
  3  status only: some selected service is not running or not ready`;

const ENVIRONMENT = `
Environment:
  PD_CACHE_DIR         downloads and unpacked distributions (default ~/.cache/pipeline-doctor)
  PD_STACK_DIR         data, logs, pid files, generated configs (default <repo>/.stack)
  PD_STACK_TIMEOUT_S   default per-service readiness timeout in seconds (default 120)
  PD_STACK_MODE        auto | local | docker (auto: docker compose only if a Docker engine answers)
  PD_APICURIO_JAVA     java binary for Apicurio (needs Java 21+; default: first found)
  PD_KAFKA_JAVA        java binary for Kafka (Java 17+)
  PD_APICURIO_MANAGEMENT_PORT  Apicurio's health/metrics port (default 9001)
  PD_PYTHON            python3 (3.10+, with venv) for the PyPI services (default: first on PATH)
  PD_MILVUS_PORT       Milvus gRPC port (default 19530); PD_MILVUS_HEALTH_PORT (9091),
                       PD_MILVUS_ETCD_PORT (2379) for its /healthz and embedded etcd
  PD_LLM_CHAT_PORT     OpenAI-compatible chat server port (default 8090)
  PD_LLM_EMBEDDINGS_PORT  OpenAI-compatible embeddings server port (default 8091)
  PD_LLM_GGUF          GGUF file for the LLM servers (default: SmolLM2-135M-Instruct from PyPI)
  PD_LLM_THREADS       CPU threads per LLM server (default: number of cores, at most 4)`;

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

/** Run an action, turning StackError into its exit code and message on stderr. */
async function exitWith(action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? (e instanceof StackError ? e.message : e.stack) : e}\n`);
    process.exitCode = e instanceof StackError ? e.exitCode : 1;
  }
}

function formatStatus(s: ServiceStatus): string {
  const state = s.running ? 'running' : 'stopped';
  const pid = s.pid !== undefined ? `pid ${s.pid}` : s.mode === 'docker' && s.running ? 'docker' : '-';
  const ready = s.ready ? 'ready' : 'not ready';
  const detail = s.detail ? `  (${s.detail})` : '';
  return `${s.name.padEnd(9)} ${state.padEnd(8)} ${pid.padEnd(11)} port ${String(s.ports[0]).padEnd(6)} ${ready}${detail}`;
}

export function registerStackCommand(program: Command): void {
  const names = serviceNames().join(', ');
  const stack = program
    .command('stack')
    .description(`run the local services the pipeline talks to (${names})`)
    .addHelpText('after', `${ENVIRONMENT}\n${EXIT_CODES}`);

  stack
    .command('up')
    .description(
      'install (cached) and start services, one at a time, and wait until each answers a real client; ' +
        'services already running and ready are left alone',
    )
    .argument('[services...]', `services to start, in start order (default: all: ${names})`)
    .option('-t, --timeout <seconds>', 'per-service start + readiness timeout', parseSeconds, defaultTimeoutSeconds())
    .addHelpText('after', EXIT_CODES)
    .action((services: string[], opts: { timeout: number }) =>
      exitWith(async () => {
        await stackUp(services, { timeoutSeconds: opts.timeout });
        return 0;
      }),
    );

  stack
    .command('down')
    .description('stop services this stack started (SIGTERM, then SIGKILL after a grace period); data is kept')
    .argument('[services...]', `services to stop (default: all: ${names})`)
    .addHelpText('after', EXIT_CODES)
    .action((services: string[]) =>
      exitWith(async () => {
        await stackDown(services);
        return 0;
      }),
    );

  stack
    .command('status')
    .description('one line per service: running or stopped, pid, port, ready or not')
    .argument('[services...]', `services to show (default: all: ${names})`)
    .option('--json', 'print the status as JSON')
    .addHelpText('after', EXIT_CODES)
    .action((services: string[], opts: { json?: boolean }) =>
      exitWith(async () => {
        const statuses = await stackStatus(services);
        process.stdout.write(
          opts.json ? `${JSON.stringify(statuses, null, 2)}\n` : `${statuses.map(formatStatus).join('\n')}\n`,
        );
        return statuses.every((s) => s.running && s.ready) ? 0 : 3;
      }),
    );
}
