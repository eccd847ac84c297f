/**
 * Errors encode routing (as in Sentry Arroyo): the runner decides what happens to a record from
 * the error's class, so stages never write the DLQ or retry themselves.
 *
 * - PermanentError: this input can never succeed → DLQ record with the reason, then move on.
 * - TransientError: the input is fine but a dependency is not → retry with backoff, then pause.
 * - anything else: a bug → crash loudly, commit nothing for the batch.
 */

/** Bounded set of reasons, used as a metric label and in the DLQ `dlq.reason` header. */
export type PermanentReason =
  | 'invalid_utf8'
  | 'malformed_json'
  | 'unknown_schema_id'
  | 'undecodable_registry_payload'
  | 'schema_violation'
  | 'oversized'
  | 'empty_value'
  | 'unsupported_format'
  /** Feedback about an exception that flink_job_exceptions does not hold (replayable once it does). */
  | 'unknown_exception'
  /** A change the sync executor cannot apply row by row (e.g. a truncate). */
  | 'unsupported_change';

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    readonly reason: PermanentReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(
    /** Which dependency failed, e.g. `mysql`, `clickhouse`, `kafka`, `schema-registry`. */
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown when the DLQ circuit breaker trips: a bad deploy must stop, not dead-letter everything. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `fn`; an error that `isTransient` recognises becomes a TransientError for `dependency`
 * (the runner retries it), any other error propagates unchanged (a bug, or for the caller).
 */
export async function classifyFailure<T>(dependency: string, isTransient: (err: unknown) => boolean, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isTransient(err)) throw new TransientError(dependency, `${what}: ${errorMessage(err)}`, { cause: err });
    throw err;
  }
}
