import type { ValueDecoder } from '../adapters/schema-registry/value-decoder.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { PipelineMetrics } from '../core/metrics.js';
import type { Stage } from '../core/stage.js';
import { createAnalyticsStage } from './analytics/analytics-stage.js';
import { createSqlJobsStage } from './sqlgen/sql-jobs-stage.js';
import { sqlJobsDeps } from './sqlgen/sql-jobs-services.js';
import { createCatalogStage } from './catalog/catalog-stage.js';
import { createClassifyStage } from './classify/classify-stage.js';
import { createExceptionsStage } from './diagnose/exceptions-stage.js';
import { createFeedbackStage, type ExceptionFinder } from './feedback/feedback-stage.js';
import { ReloadingTextModel } from './classify/text-model.js';
import { createIngestStage, type JobLookup } from './ingest/ingest-stage.js';

/** What stage factories may use; built once by the composition root. */
export interface StageDeps {
  decoder: ValueDecoder;
  /** The job catalog (in-memory copy of the job-catalog topic), for enrichment. */
  jobs: JobLookup;
  /** flink_job_exceptions rows by id or event_id, for the feedback stage. */
  exceptions: ExceptionFinder;
  config: Pick<Config, 'ingest' | 'classifier' | 'sqlgen' | 'diagnosis'>;
  metrics: PipelineMetrics;
  logger: Logger;
}

/** Every stage the pipeline can run, by name. Adding a stage is one line here. */
export const STAGES: Record<string, (deps: StageDeps) => Stage> = {
  catalog: (deps) => createCatalogStage(deps.decoder),
  ingest: (deps) => createIngestStage(deps.decoder, { join: deps.config.ingest.join, jobs: deps.jobs, counter: deps.metrics.ingestEvents }),
  classify: (deps) =>
    createClassifyStage({ model: new ReloadingTextModel(deps.config.classifier.modelPath, { log: deps.logger.child({ stage: 'classify' }) }), reviewCounter: deps.metrics.classifyReview }),
  exceptions: () => createExceptionsStage(),
  feedback: (deps) => createFeedbackStage(deps.exceptions),
  analytics: () => createAnalyticsStage(),
  sqlgen: (deps) => createSqlJobsStage(sqlJobsDeps(deps.config, deps.logger.child({ stage: 'sqlgen' }))),
};

/**
 * Workers that are not consumer groups: they poll a table. `diagnose` claims
 * flink_job_exceptions rows (from the exceptions stage or from other systems); `scheduler` runs
 * the scheduled jobs (src/scheduler/: retention, re-embedding, retraining) once per slot.
 */
export const WORKERS = ['diagnose', 'scheduler'] as const;

/** Validates a selection of stage and worker names ("all": every one). */
export function selectStages(selection: string[] | 'all'): string[] {
  const known = [...Object.keys(STAGES), ...WORKERS];
  const names = selection === 'all' ? known : selection;
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new Error(`unknown stage(s): ${unknown.join(', ')}; available: ${known.join(', ')}`);
  return names;
}
