import { isContinuationLine, isExceptionHeader } from '../classify/log-lines.js';
import type { JobEvent } from './normalise.js';

/**
 * Joins one-line-per-message log producers back into whole events: the continuation lines of a
 * stack trace (`\tat …`, `Caused by: …`, `... N more`, `Suppressed: …`, an exception header right
 * after a log line) follow the line before them from the same job, host, task and thread.
 *
 * Bounded by time (a continuation joins only within `windowMs` of the previous line; an event
 * with no new line for `windowMs` of wall-clock time is flushed) and by size (`maxLines`,
 * `maxBytes`: further frames are counted in an "omitted" line instead of kept, while exception
 * headers are kept so the root cause at the bottom of a long trace survives).
 *
 * State is per input partition (all lines of a job share its partition, the topic is keyed by
 * job id) and is plain JSON, so the runner can write each change to a compacted changelog topic in
 * the same transaction as the outputs and restore it after a restart.
 */

export interface JoinLimits {
  windowMs: number;
  maxLines: number;
  maxBytes: number;
}

/** A trace whose last line may not have arrived yet. Serialised as is into the changelog. */
export interface PendingTrace {
  head: JobEvent;
  /** Continuation lines kept, in order; omission markers included. */
  lines: string[];
  bytes: number;
  /** Lines received after the head, kept or not. */
  received: number;
  omitted: number;
  /** Event time of the latest line (the time window). */
  lastEventMs: number;
  /** Wall-clock time the latest line arrived (the idle flush). */
  lastSeenMs: number;
}

const OMITTED_MARKER = /^\t\.\.\. (\d+) lines omitted by the ingest join$/;
const omittedMarker = (n: number) => `\t... ${n} lines omitted by the ingest join`;
const CAUSE_HEADER = /^\s*(?:Caused by:|Suppressed:)/;

/** Lines of the same job/host/task/thread belong together; the separator cannot occur in ids. */
export function joinKey(event: Pick<JobEvent, 'job_id' | 'host' | 'task' | 'thread'>): string {
  return JSON.stringify([event.job_id, event.host, event.task, event.thread]);
}

/**
 * Whether a single line may be the first line of a trace that continues in later messages, and
 * so is held for the window instead of being emitted at once. INFO chatter is not held (Flink
 * logs a task's failure at INFO, but with "failed"/an exception in the line).
 */
function mayStartTrace(event: JobEvent): boolean {
  return event.level === 'WARN' || event.level === 'ERROR' || event.level === 'FATAL' || event.level === 'UNKNOWN' || /exception|error|fail/i.test(event.message);
}

export class LineJoiner {
  private readonly pending = new Map<number, Map<string, PendingTrace>>();
  private readonly dirty = new Map<number, Set<string>>();

  constructor(private readonly limits: JoinLimits) {}

  /** Adds one normalised event; returns the events completed by it, in order. */
  add(partition: number, event: JobEvent, nowMs: number): JobEvent[] {
    const traces = this.traces(partition);
    const key = joinKey(event);
    const open = traces.get(key);
    const completed: JobEvent[] = [];
    // A producer that already sends whole traces needs no joining.
    if (event.stack_trace !== null) {
      if (open) completed.push(this.close(partition, key, open));
      completed.push(event);
      return completed;
    }
    const line = event.message;
    const eventMs = Date.parse(event.timestamp);
    if (isContinuationLine(line) || (open !== undefined && isExceptionHeader(line))) {
      if (open && Math.abs(eventMs - open.lastEventMs) <= this.limits.windowMs) {
        this.append(open, line, eventMs, nowMs);
        this.markDirty(partition, key);
        return completed;
      }
      // Too late for the open trace, or its head was never seen: the line starts its own event.
      if (open) completed.push(this.close(partition, key, open));
      this.open(partition, key, event, eventMs, nowMs);
      return completed;
    }
    if (open) completed.push(this.close(partition, key, open));
    if (mayStartTrace(event)) this.open(partition, key, event, eventMs, nowMs);
    else completed.push(event);
    return completed;
  }

  /** Events whose window has passed without a new line (all of them when `final`), in arrival order. */
  due(partition: number, nowMs: number, final = false): JobEvent[] {
    const traces = this.pending.get(partition);
    if (!traces) return [];
    const completed: JobEvent[] = [];
    for (const [key, trace] of traces) {
      if (final || nowMs - trace.lastSeenMs >= this.limits.windowMs) completed.push(this.close(partition, key, trace));
    }
    return completed;
  }

  /** Changelog records for what changed since the last call: the trace, or null once it closed. */
  takeChanges(partition: number): { key: string; value: string | null }[] {
    const keys = this.dirty.get(partition);
    if (!keys || keys.size === 0) return [];
    const traces = this.traces(partition);
    const changes = [...keys].map((key) => {
      const trace = traces.get(key);
      return { key, value: trace ? JSON.stringify(trace) : null };
    });
    keys.clear();
    return changes;
  }

  /**
   * Replaces the partition's state with the changelog's content. Restored traces get a fresh idle
   * window: their next lines may be waiting in the input behind the restart, not missing.
   */
  restore(partition: number, entries: ReadonlyMap<string, Buffer>, nowMs: number): void {
    const traces = new Map<string, PendingTrace>();
    for (const [key, value] of entries) traces.set(key, { ...(JSON.parse(value.toString('utf8')) as PendingTrace), lastSeenMs: nowMs });
    this.pending.set(partition, traces);
    this.dirty.delete(partition);
  }

  /** Forgets a partition (revoked, or its uncommitted changes must be rolled back). */
  drop(partition: number): void {
    this.pending.delete(partition);
    this.dirty.delete(partition);
  }

  pendingCount(partition: number): number {
    return this.pending.get(partition)?.size ?? 0;
  }

  private traces(partition: number): Map<string, PendingTrace> {
    let traces = this.pending.get(partition);
    if (!traces) this.pending.set(partition, (traces = new Map()));
    return traces;
  }

  private markDirty(partition: number, key: string): void {
    let keys = this.dirty.get(partition);
    if (!keys) this.dirty.set(partition, (keys = new Set()));
    keys.add(key);
  }

  private open(partition: number, key: string, head: JobEvent, eventMs: number, nowMs: number): void {
    this.traces(partition).set(key, { head, lines: [], bytes: Buffer.byteLength(head.message), received: 0, omitted: 0, lastEventMs: eventMs, lastSeenMs: nowMs });
    this.markDirty(partition, key);
  }

  private append(trace: PendingTrace, line: string, eventMs: number, nowMs: number): void {
    trace.lastEventMs = Math.max(trace.lastEventMs, eventMs);
    trace.lastSeenMs = nowMs;
    trace.received++;
    const size = Buffer.byteLength(line) + 1;
    const fits = trace.bytes + size <= this.limits.maxBytes;
    // Exception headers may pass the line limit (not the byte limit): the root cause is the last one.
    if (fits && (trace.lines.length + 1 < this.limits.maxLines || CAUSE_HEADER.test(line))) {
      trace.lines.push(line);
      trace.bytes += size;
      return;
    }
    trace.omitted++;
    const last = trace.lines.length - 1;
    const previous = last >= 0 ? OMITTED_MARKER.exec(trace.lines[last]!) : null;
    if (previous) trace.lines[last] = omittedMarker(Number(previous[1]) + 1);
    else trace.lines.push(omittedMarker(1));
  }

  private close(partition: number, key: string, trace: PendingTrace): JobEvent {
    this.traces(partition).delete(key);
    this.markDirty(partition, key);
    if (trace.lines.length === 0) return trace.head;
    return {
      ...trace.head,
      stack_trace: trace.lines.join('\n'),
      attributes: { ...trace.head.attributes, joined_lines: String(1 + trace.received), ...(trace.omitted > 0 ? { join_omitted_lines: String(trace.omitted) } : {}) },
    };
  }
}
