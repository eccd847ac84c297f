// The contract every local service (Kafka, MariaDB, Apicurio, Connect, Milvus, the LLM...)
// fulfils. Adding a service = one file in ./services implementing StackService + one line in
// ./services/index.ts. The orchestration (idempotency, port checks, timeouts, log tails,
// pid files) lives in ./stack.ts, so a service file only says how to install, start and probe.

export interface StackContext {
  /** Repository root (for files committed with the project, e.g. infra/kafka/pom.xml). */
  readonly repoRoot: string;
  /** $PD_CACHE_DIR: downloads and unpacked distributions, reused across runs and checkouts. */
  readonly cacheDir: string;
  /** $PD_STACK_DIR/<service>: this service's data, generated config, log and pid file. */
  readonly dir: string;
  /** The service's stdout+stderr go here (see startProcess in ./process.ts). */
  readonly logFile: string;
  /** PID of the process we started; the only process `stack down` will ever signal. */
  readonly pidFile: string;
  /** Epoch ms by which start() + ready() must have succeeded. */
  readonly deadline: number;
  /** Print one progress line, prefixed with the service name. */
  say(message: string): void;
}

export interface StackService {
  /** Short lowercase name, used on the command line and for $PD_STACK_DIR/<name>. */
  readonly name: string;
  /** Loopback TCP ports it listens on; the first is the one clients use. */
  readonly ports: readonly number[];
  /**
   * Its service name in docker-compose.yml, if not `name` (used only on the Docker path).
   * null: docker-compose.yml has no such service, so it runs as a local process there too.
   */
  readonly composeService?: string | null;
  /** Fetch/unpack what is needed into ctx.cacheDir. Idempotent; returns at once when cached. */
  install(ctx: StackContext): Promise<void>;
  /**
   * Spawn the server detached with startProcess() (log file + pid file) and return its PID.
   * May do one-time setup before (init data dir) or after (create users) the spawn.
   */
  start(ctx: StackContext): Promise<number>;
  /** Resolve when a real client can use the service; reject with the reason otherwise. */
  ready(ctx: StackContext): Promise<void>;
  /** Stop the process recorded in ctx.pidFile (usually just stopRecordedProcess). */
  stop(ctx: StackContext): Promise<void>;
}
