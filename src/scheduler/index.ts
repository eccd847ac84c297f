import { isAbsolute, join } from 'node:path';
import type { Pool } from 'mysql2/promise';
import { FeedbackStore } from '../adapters/mysql/feedback-store.js';
import { MaintenanceStore } from '../adapters/mysql/maintenance-store.js';
import { ScheduledRunsStore } from '../adapters/mysql/scheduled-runs-store.js';
import type { Config } from '../core/config.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { PipelineMetrics } from '../core/metrics.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import type { VectorStore } from '../ports/retrieval.js';
import { knowledgeBaseDir } from '../stages/diagnose/diagnosis-services.js';
import type { Retriever } from '../stages/diagnose/retriever.js';
import { reembedJob } from './jobs/reembed.js';
import { retentionJob } from './jobs/retention.js';
import { retrainJob } from './jobs/retrain.js';
import { Scheduler, type ScheduledJob } from './scheduler.js';
import { formatInterval } from './slots.js';

export interface SchedulerDeps {
  config: Pick<Config, 'scheduler' | 'classifier' | 'diagnosis' | 'instanceId'>;
  pool: Pool;
  /** The vector store to re-embed into: in `run`, the diagnose worker's own (built on first use). */
  vectors: () => Promise<{ retriever: Retriever; store: VectorStore }>;
  log: Logger;
  metrics?: PipelineMetrics;
}

/** The scheduled jobs, configured: one line each, the scheduler knows nothing about them. */
export function createScheduledJobs(deps: SchedulerDeps): ScheduledJob[] {
  const s = deps.config.scheduler;
  const fromPackage = (path: string) => (isAbsolute(path) ? path : join(PACKAGE_ROOT, path));
  return [
    retentionJob(new MaintenanceStore(deps.pool), { intervalMs: s.intervalsMs.retention, ...s.retention }),
    reembedJob({
      intervalMs: s.intervalsMs.reembed,
      scope: deps.config.diagnosis.milvus ? 'deployment' : 'instance',
      kbDir: knowledgeBaseDir(deps.config),
      vectors: deps.vectors,
      cases: new MaintenanceStore(deps.pool),
    }),
    retrainJob({ intervalMs: s.intervalsMs.retrain, corpus: s.retrainCorpus.map(fromPackage), feedback: new FeedbackStore(deps.pool), modelPath: deps.config.classifier.modelPath }),
  ];
}

export function createScheduler(deps: SchedulerDeps, jobs: ScheduledJob[] = createScheduledJobs(deps)): Scheduler {
  const s = deps.config.scheduler;
  return new Scheduler({
    store: new ScheduledRunsStore(deps.pool),
    jobs,
    instanceId: deps.config.instanceId,
    owner: `${deps.config.instanceId}-${process.pid}`,
    pollMs: s.pollMs,
    leaseMs: s.leaseMs,
    maxAttempts: s.maxAttempts,
    log: deps.log,
    metrics: deps.metrics,
  });
}

/** The `scheduler` worker of `run`: polls until stopped. */
export async function startSchedulerWorker(deps: SchedulerDeps): Promise<{ stop(): Promise<void> }> {
  const scheduler = createScheduler(deps);
  // Last successes of the whole deployment, so a freshly started instance reports them too.
  try {
    for (const [job, at] of await new ScheduledRunsStore(deps.pool).lastSuccesses()) deps.metrics?.scheduledLastSuccess.set({ job }, at / 1000);
  } catch (err) {
    deps.log.warn({ err: errorMessage(err) }, 'could not read the last scheduled runs');
  }
  scheduler.start();
  deps.log.info({ jobs: Object.fromEntries(scheduler.jobs.map((j) => [j.name, formatInterval(j.intervalMs)])) }, 'scheduler running');
  return { stop: () => scheduler.stop() };
}
