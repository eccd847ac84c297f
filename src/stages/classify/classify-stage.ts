import { PermanentError } from '../../core/errors.js';
import type { Stage, StageOutput } from '../../core/stage.js';
import type { ConsumedRecord } from '../../ports/broker.js';
import type { JobEvent } from '../ingest/normalise.js';
import { classifyEvent, type ClassifiedEvent } from './classify-event.js';

export type ClassifiedError = JobEvent & Omit<ClassifiedEvent, 'error_type'> & { error_type: Exclude<ClassifiedEvent['error_type'], 'none'>; classified_at: string };

/**
 * job-events → errors.classified: error-bearing events with error_type, subtype, fingerprint
 * and confidence, keyed by fingerprint. Events that are not errors are filtered on purpose (the
 * runner counts them as in minus out).
 */
export function createClassifyStage(now: () => Date = () => new Date()): Stage {
  return {
    name: 'classify',
    input: 'job-events',
    outputs: { topics: ['errors.classified'], sinks: [] },
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
      const result = classifyEvent(text, event.level === 'UNKNOWN' ? null : event.level);
      if (result.error_type === 'none') return [];
      const classified = { ...event, ...result, classified_at: now().toISOString() } as ClassifiedError;
      return [{ kind: 'record', topic: 'errors.classified', key: result.fingerprint, value: JSON.stringify(classified), headers: { 'pd.event_id': event.event_id } }];
    },
  };
}
