// Milvus 2.3.5 standalone (the real Go/C++ server, embedded etcd, local storage) from the PyPI
// package `milvus` (STACK.md §5a), in $PD_CACHE_DIR/venv-milvus. infra/milvus/serve.py writes
// its config into $PD_STACK_DIR/milvus and execs the server, so the PID we record is Milvus.
// Client: @zilliz/milvus2-sdk-node 2.3.5, the SDK line made for Milvus 2.3.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { MILVUS_ADDRESS, MILVUS_ETCD_PORT, MILVUS_HEALTH_PORT, MILVUS_PORT } from '../config.js';
import { run, startProcess, stopRecordedProcess } from '../process.js';
import { ensureVenv } from '../python.js';
import type { StackContext, StackService } from '../service.js';

/** Must match infra/milvus/requirements.txt. */
const VERSION = '2.3.5';
const requirements = (ctx: StackContext) => join(ctx.repoRoot, 'infra', 'milvus', 'requirements.txt');
const serveScript = (ctx: StackContext) => join(ctx.repoRoot, 'infra', 'milvus', 'serve.py');
/** The embedded etcd's peer port: etcd's default, which the package's config cannot move. */
const ETCD_PEER_PORT = 2380;
/** The unpacked server binary and its libraries (~250 MB), shared by every checkout. */
const home = (ctx: StackContext) => join(ctx.cacheDir, `milvus-${VERSION}`);

/**
 * Connect (the SDK's handshake) + CheckHealth with a throwaway client. The SDK starts Connect
 * in its constructor and leaves the promise unhandled, which kills the process when the server
 * is down; awaiting `connectPromise` here is what keeps a failed probe a plain rejection.
 */
export async function milvusHealth(address = MILVUS_ADDRESS, timeoutMs = 3000): Promise<void> {
  const client = new MilvusClient({ address, timeout: timeoutMs, maxRetries: 0, logLevel: 'error' });
  try {
    await client.connectPromise;
    const health = await client.checkHealth();
    if (!health.isHealthy) throw new Error(`CheckHealth: not healthy (${health.reasons.join('; ') || 'no reason given'})`);
  } catch (e) {
    throw new Error(`Milvus at ${address}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    client.closeConnection(); // synchronous: closes the gRPC channel
  }
}

export const milvus: StackService = {
  name: 'milvus',
  // Checked before a start. Milvus also opens internal gRPC ports (13333, 19529, 19531,
  // 21121-21124, 53100; serve.py moves them when taken) and, unlike the rest of the stack,
  // listens on all interfaces: Milvus 2.3 has no bind-address setting.
  ports: [MILVUS_PORT, MILVUS_HEALTH_PORT, MILVUS_ETCD_PORT, ETCD_PEER_PORT],

  async install(ctx) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new Error(
        `the PyPI milvus ${VERSION} wheel exists only for Linux x86_64 (this is ${process.platform}/${process.arch}); ` +
          'use the Docker stack (PD_STACK_MODE=docker) here',
      );
    }
    const venv = await ensureVenv(ctx, 'milvus', requirements(ctx), [3, 8]);
    if (existsSync(join(home(ctx), 'bin', 'milvus'))) return;
    ctx.say(`unpacking the Milvus ${VERSION} server binary into ${home(ctx)} (once)…`);
    await run(venv.python, [serveScript(ctx), '--home', home(ctx), '--unpack-only']);
  },

  async start(ctx) {
    const venv = await ensureVenv(ctx, 'milvus', requirements(ctx), [3, 8]);
    return startProcess(ctx, {
      command: venv.python,
      args: [
        serveScript(ctx),
        '--home', home(ctx),
        '--data', ctx.dir,
        '--port', String(MILVUS_PORT),
        '--health-port', String(MILVUS_HEALTH_PORT),
        '--etcd-port', String(MILVUS_ETCD_PORT),
      ],
    });
  },

  ready: () => milvusHealth(),

  // Milvus 2.3.5 shuts down cleanly on SIGTERM ("All cleanup done") and then panics in
  // CloseEtcdClient ("context canceled"); the panic in milvus.log after a stop is harmless.
  stop: (ctx) => stopRecordedProcess(ctx, 30_000),
};
