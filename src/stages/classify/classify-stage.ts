import type { Counter } from 'prom-client';
import { PermanentError } from '../../core/errors.js';
import type { Stage, StageOutput } from '../../core/stage.js';
import type { ConsumedRecord } from '../../ports/broker.js';
import type { JobEvent } from '../ingest/normalise.js';
import { classifyEvent, type ClassifiedEvent } from './classify-event.js';
import { needsReview, ReviewQueue } from './review.js';
import type { ReloadingTextModel } from './text-model.js';

export type ClassifiedError = JobEvent &
  Omit<ClassifiedEvent, 'error_type'> & { error_type: Exclude<ClassifiedEvent['error_type'], 'none'>; classified_at: string; needs_review: boolean };

export interface ClassifyStageOptions {
  now?: () => Date;
  /** The trained model file, re-read when it changes; rules only while there is none. */
  model?: ReloadingTextModel;
  /** pd_classify_review_total{error_type}. */
  reviewCounter?: Counter<'error_type'>;
}

/**
 * job-events → errors.classified: error-bearing events with error_type, subtype, fingerprint,
 * confidence and needs_review, keyed by fingerprint. Events that are not errors are filtered on
 * purpose (the runner counts them as in minus out). Errors needing review also carry the header
 * `pd.needs_review: true` and are grouped by fingerprint in `review`.
 */
export function createClassifyStage(options: ClassifyStageOptions = {}): Stage & { readonly review: ReviewQueue } {
  const now = options.now ?? (() => new Date());
  const review = new ReviewQueue();
  return {
    name: 'classify',
    input: 'job-events',
    outputs: { topics: ['errors.classified'], sinks: [] },
    review,
    process(record: ConsumedRecord): StageOutput[] {
      let event: JobEvent;
      try {
        event = JSON.parse(record.value?.toString('utf8') ?? '') as JobEvent;
      } catch (err) {
        throw new PermanentError('malformed_json', `job-events value is not JSON: ${(err as Error).message}`);
      }
      if (typeof event?.event_id !== 'string' || typeof event.message !== 'string') {
        throw new PermanentError('schema_violation', 'job-events value lacks event_id or message');
      }
      const text = event.stack_trace ? `${event.message}\n${event.stack_trace}` : event.message;
      const model = options.model?.current();
      const result = classifyEvent(text, event.level === 'UNKNOWN' ? null : event.level, model ? { model } : {});
      if (result.error_type === 'none' || result.fingerprint === null) return [];
      const flagged = needsReview(result);
      if (flagged) {
        review.add({ ...result, fingerprint: result.fingerprint }, text, event.timestamp);
        options.reviewCounter?.inc({ error_type: result.error_type });
      }
      const classified: ClassifiedError = { ...event, ...result, error_type: result.error_type, classified_at: now().toISOString(), needs_review: flagged };
      const headers: Record<string, string> = { 'pd.event_id': event.event_id, ...(flagged ? { 'pd.needs_review': 'true' } : {}) };
      return [{ kind: 'record', topic: 'errors.classified', key: result.fingerprint, value: JSON.stringify(classified), headers }];
    },
  };
}
