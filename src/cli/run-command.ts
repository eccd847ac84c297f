import type { Command } from 'commander';
import { createLogger } from '../core/logger.js';
import { startPipeline, type RunningPipeline } from '../pipeline.js';
import { STAGES } from '../stages/index.js';
import { loadConfigOrExit } from './shared.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run the pipeline stages as Kafka consumer groups until SIGTERM/SIGINT.')
    .option('--stages <names>', `comma-separated subset of: ${Object.keys(STAGES).join(', ')} (default: PD_STAGES or all)`)
    .addHelpText(
      'after',
      `
Configuration comes from environment variables (\`pipeline-doctor config\` lists them).
Topics missing on the broker are created and schemas registered at start.
SIGTERM/SIGINT: finish and commit the batch in hand, then exit 0 (bounded by PD_DRAIN_TIMEOUT_MS).
A stage failure (bug, or DLQ circuit breaker) exits 1 without committing the failed batch.
HTTP: /metrics, /healthz, /readyz on PD_HTTP_HOST:PD_HTTP_PORT (default 127.0.0.1:9464).`,
    )
    .action(async (options: { stages?: string }) => {
      const config = loadConfigOrExit({ PD_STAGES: options.stages });
      const logger = createLogger(config.logLevel);
      // Signal handlers go in before start-up, so a SIGTERM during start still drains cleanly.
      let pipeline: RunningPipeline | undefined;
      let stopRequested: { code: number; why: string } | undefined;
      let stopping = false;
      const shutdown = async (code: number, why: string) => {
        if (!pipeline) {
          stopRequested ??= { code, why };
          return;
        }
        if (stopping) return;
        stopping = true;
        logger.info({ why }, 'stopping');
        await pipeline.stop().catch((err) => logger.error({ err: String(err) }, 'error while stopping'));
        process.exit(code);
      };
      const early = (globalThis as { pipelineDoctorEarlySignalHandler?: () => void }).pipelineDoctorEarlySignalHandler;
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.on(signal, () => {
          if (stopping) process.exit(130); // a second signal means "now"
          void shutdown(0, signal);
        });
        // Removed only after ours is in: with no listener left, Node would stop watching the
        // signal and drop one that arrived while the modules were loading.
        if (early) process.removeListener(signal, early);
      }
      pipeline = await startPipeline(config, logger);
      void pipeline.fatal.then(() => shutdown(1, 'stage failure'));
      if (stopRequested) await shutdown(stopRequested.code, `${stopRequested.why} during start-up`);
    });
}
