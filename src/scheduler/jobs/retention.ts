import type { MaintenanceStore } from '../../adapters/mysql/maintenance-store.js';
import type { ScheduledJob } from '../scheduler.js';

export interface RetentionOptions {
  intervalMs: number;
  /** flink_job_exceptions rows created more than this many days ago are archived, then deleted. */
  exceptionDays: number;
  /** job_log_events rows created more than this many days ago are deleted; 0 = kept forever. */
  logEventDays: number;
  batchRows: number;
}

/**
 * Seed 001 §5: exception records (and the diagnoses stored in them) are kept 90 days and may be
 * archived; knowledge cases are kept forever (this job never touches knowledge_cases itself). The
 * age is `created_at`, when the row was recorded: every row has it (rows from other systems may
 * lack `event_time`), it is indexed, and it never changes (`updated_at` does, on each claim).
 */
export function retentionJob(store: MaintenanceStore, o: RetentionOptions): ScheduledJob {
  return {
    name: 'retention',
    intervalMs: o.intervalMs,
    scope: 'deployment',
    description: `MySQL: flink_job_exceptions older than ${o.exceptionDays} d → flink_job_exceptions_archive; job_log_events older than ${o.logEventDays ? `${o.logEventDays} d deleted` : '∞ (kept)'}`,
    async run(ctx) {
      const exceptions = await store.archiveExceptions(o.exceptionDays, o.batchRows, ctx.checkpoint);
      const events = o.logEventDays > 0 ? await store.deleteJobLogEvents(o.logEventDays, o.batchRows, ctx.checkpoint) : undefined;
      return {
        rows: exceptions.rows + (events?.rows ?? 0),
        detail: {
          exceptions_archived: exceptions.rows,
          exceptions_horizon: exceptions.horizon,
          exceptions_batches: exceptions.batches,
          job_log_events_deleted: events?.rows ?? null,
          job_log_events_horizon: events?.horizon ?? null,
        },
      };
    },
  };
}
