import { mentionsFailure } from '../classify/log-lines.js';
import type { JobEvent } from './normalise.js';

/**
 * Whether an event may carry an error and so goes on to classification: anything with a stack
 * trace, anything at WARN or above, and lower-level lines that speak of a failure. The rest
 * (checkpoint completed, task switched to RUNNING, …) is counted and dropped. Deliberately
 * generous: the classifier decides what is an error, this only keeps chatter out of its way.
 */
export function isErrorBearing(event: Pick<JobEvent, 'level' | 'message' | 'stack_trace'>): boolean {
  if (event.stack_trace !== null) return true;
  if (event.level === 'WARN' || event.level === 'ERROR' || event.level === 'FATAL') return true;
  return mentionsFailure(event.message);
}
