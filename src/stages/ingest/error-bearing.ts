import type { JobEvent } from './normalise.js';

// Words of failure that Flink also logs below WARN (e.g. "Checkpoint 17 of job … expired before
// completing" and "… switched from RUNNING to FAILED" are INFO lines).
const FAILURE_WORDS = /exception|error|fail|expired|declined|abort|timeout|timed out|refused|killed|lost|unreachable|backpressure|out of memory/i;

/**
 * Whether an event may carry an error and so goes on to classification: anything with a stack
 * trace, anything at WARN or above, and lower-level lines that speak of a failure. The rest
 * (checkpoint completed, task switched to RUNNING, …) is counted and dropped. Deliberately
 * generous: the classifier decides what is an error, this only keeps chatter out of its way.
 */
export function isErrorBearing(event: Pick<JobEvent, 'level' | 'message' | 'stack_trace'>): boolean {
  if (event.stack_trace !== null) return true;
  if (event.level === 'WARN' || event.level === 'ERROR' || event.level === 'FATAL') return true;
  return FAILURE_WORDS.test(event.message);
}
