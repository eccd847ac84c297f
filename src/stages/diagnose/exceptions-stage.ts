import { PermanentError } from '../../core/errors.js';
import type { Sink, Stage, StageOutput } from '../../core/stage.js';
import type { ExceptionStore, NewException } from '../../adapters/mysql/exception-store.js';
import type { ConsumedRecord } from '../../ports/broker.js';
import type { ClassifiedError } from '../classify/classify-stage.js';

export const EXCEPTIONS_SINK = 'mysql.flink_job_exceptions';

/** A classified error as a pending row of seed 001's flink_job_exceptions. */
export function toNewException(error: ClassifiedError): NewException {
  return {
    event_id: error.event_id,
    job_id: error.job_id,
    job_name: error.job_name,
    job_type: error.job_type,
    job_config: error.job_config ?? null,
    error_message: error.message,
    error_type: error.error_type,
    error_subtype: error.subtype,
    fingerprint: error.fingerprint,
    classify_confidence: error.confidence,
    stack_trace: error.stack_trace,
    event_time: error.timestamp,
  };
}

/**
 * errors.classified → flink_job_exceptions (status pending), idempotent on event_id. The diagnose
 * workers claim pending rows from the table, whether this stage or another system inserted them.
 */
export function createExceptionsStage(): Stage {
  return {
    name: 'exceptions',
    input: 'errors.classified',
    outputs: { topics: [], sinks: [EXCEPTIONS_SINK] },
    process(record: ConsumedRecord): StageOutput[] {
      let error: ClassifiedError;
      try {
        error = JSON.parse(record.value?.toString('utf8') ?? '') as ClassifiedError;
      } catch (err) {
        throw new PermanentError('malformed_json', `errors.classified value is not JSON: ${(err as Error).message}`);
      }
      if (typeof error?.event_id !== 'string' || typeof error.job_id !== 'string' || typeof error.message !== 'string') {
        throw new PermanentError('schema_violation', 'errors.classified value lacks event_id, job_id or message');
      }
      return [{ kind: 'row', sink: EXCEPTIONS_SINK, row: toNewException(error) }];
    },
  };
}

/** The sink side: rows go to the store in one multi-row INSERT per chunk. */
export class ExceptionsSink implements Sink {
  readonly name = EXCEPTIONS_SINK;
  constructor(private readonly store: ExceptionStore) {}
  write(rows: unknown[]): Promise<void> {
    return this.store.insertPending(rows as NewException[]);
  }
  async close(): Promise<void> {}
}
