import { describe, expect, it } from 'vitest';
import { LineJoiner, joinKey } from '../../../../src/stages/ingest/line-joiner.js';
import type { JobEvent } from '../../../../src/stages/ingest/normalise.js';
import { isErrorBearing } from '../../../../src/stages/ingest/error-bearing.js';

const LIMITS = { windowMs: 2000, maxLines: 50, maxBytes: 64 * 1024 };
let offset = 0;

function line(message: string, over: Partial<JobEvent> = {}): JobEvent {
  offset++;
  return {
    event_id: `e${offset}`,
    job_id: 'job-a',
    job_name: null,
    job_type: null,
    job_config: null,
    cluster: null,
    env: null,
    host: 'tm-1',
    task: 'Map (1/2)',
    thread: 'Flink Task Thread 1',
    level: 'ERROR',
    timestamp: new Date(Date.UTC(2026, 10, 22, 10, 0, 0) + offset).toISOString(),
    message,
    stack_trace: null,
    attributes: {},
    source: { topic: 'pd.job-logs', partition: 0, offset: String(offset), format: 'json', schema_id: null },
    ingested_at: '2026-11-22T10:00:00.000Z',
    ...over,
  };
}

const TRACE = [
  'Job orders failed.',
  'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy',
  '\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:176)',
  'Caused by: java.lang.OutOfMemoryError: Java heap space',
  '\tat java.util.Arrays.copyOf(Arrays.java:3236)',
  '\t... 12 more',
];

describe('LineJoiner', () => {
  it('joins continuation lines of one job/task/thread into the event before them', () => {
    const joiner = new LineJoiner(LIMITS);
    const out = TRACE.flatMap((m) => joiner.add(0, line(m), 0));
    expect(out).toEqual([]);
    const [event, ...rest] = joiner.due(0, LIMITS.windowMs);
    expect(rest).toEqual([]);
    expect(event!.message).toBe('Job orders failed.');
    expect(event!.stack_trace).toBe(TRACE.slice(1).join('\n'));
    expect(event!.event_id).toBe(`e${offset - TRACE.length + 1}`);
    expect(event!.attributes.joined_lines).toBe(String(TRACE.length));
  });

  it('keeps interleaved traces of other jobs and threads apart', () => {
    const joiner = new LineJoiner(LIMITS);
    const other = (m: string) => line(m, { job_id: 'job-b' });
    const otherThread = (m: string) => line(m, { thread: 'Flink Task Thread 2' });
    for (let i = 0; i < TRACE.length; i++) {
      joiner.add(0, line(TRACE[i]!), 0);
      joiner.add(0, other(TRACE[TRACE.length - 1 - i]!), 0);
      joiner.add(0, otherThread(i === 0 ? 'WARN something else' : '\tat x.Y.z(Y.java:1)'), 0);
    }
    const events = joiner.due(0, 10_000);
    expect(events).toHaveLength(3);
    const mine = events.find((e) => joinKey(e) === joinKey(line('')));
    expect(mine!.stack_trace).toBe(TRACE.slice(1).join('\n'));
  });

  it('a new head line completes the open trace; INFO chatter is not held', () => {
    const joiner = new LineJoiner(LIMITS);
    joiner.add(0, line('Task failed'), 0);
    joiner.add(0, line('java.io.IOException: boom'), 0);
    const completed = joiner.add(0, line('Completed checkpoint 7', { level: 'INFO' }), 0);
    expect(completed.map((e) => e.message)).toEqual(['Task failed', 'Completed checkpoint 7']);
    expect(completed[0]!.stack_trace).toBe('java.io.IOException: boom');
    expect(joiner.pendingCount(0)).toBe(0);
  });

  it('a continuation outside the time window starts its own event', () => {
    const joiner = new LineJoiner(LIMITS);
    joiner.add(0, line('Task failed', { timestamp: '2026-11-22T10:00:00.000Z' }), 0);
    const late = joiner.add(0, line('\tat a.B.c(B.java:1)', { timestamp: '2026-11-22T10:00:05.000Z' }), 0);
    expect(late.map((e) => e.message)).toEqual(['Task failed']);
    expect(joiner.due(0, 0, true).map((e) => e.message)).toEqual(['\tat a.B.c(B.java:1)']);
  });

  it('whole events (stack_trace set) pass straight through', () => {
    const joiner = new LineJoiner(LIMITS);
    const whole = line('Job failed', { stack_trace: 'java.lang.RuntimeException: x' });
    expect(joiner.add(0, whole, 0)).toEqual([whole]);
    expect(joiner.takeChanges(0)).toEqual([]);
  });

  it('bounds size: frames past the line limit are counted, exception headers kept', () => {
    const joiner = new LineJoiner({ ...LIMITS, maxLines: 10 });
    joiner.add(0, line('Task failed'), 0);
    joiner.add(0, line('java.lang.RuntimeException: wrapper'), 0);
    for (let i = 0; i < 30; i++) joiner.add(0, line(`\tat a.B.m${i}(B.java:${i})`), 0);
    joiner.add(0, line('Caused by: java.net.ConnectException: Connection refused'), 0);
    for (let i = 0; i < 5; i++) joiner.add(0, line(`\tat c.D.m${i}(D.java:${i})`), 0);
    const [event] = joiner.due(0, 0, true);
    const lines = event!.stack_trace!.split('\n');
    expect(lines).toContain('Caused by: java.net.ConnectException: Connection refused');
    expect(lines.filter((l) => l.includes('omitted by the ingest join'))).toHaveLength(2);
    expect(event!.attributes.joined_lines).toBe('38');
    expect(Number(event!.attributes.join_omitted_lines)).toBe(37 - lines.filter((l) => !l.includes('omitted')).length);
  });

  it('idle traces are due after the window of wall-clock time, not before', () => {
    const joiner = new LineJoiner(LIMITS);
    joiner.add(0, line('Task failed'), 1000);
    joiner.add(0, line('java.io.IOException: x'), 1500);
    expect(joiner.due(0, 3000)).toEqual([]);
    expect(joiner.due(0, 3500)).toHaveLength(1);
  });

  it('changes round-trip through the changelog format', () => {
    const joiner = new LineJoiner(LIMITS);
    TRACE.slice(0, 3).forEach((m) => joiner.add(3, line(m), 0));
    const changes = joiner.takeChanges(3);
    expect(changes).toHaveLength(1);
    expect(joiner.takeChanges(3)).toEqual([]);

    const restored = new LineJoiner(LIMITS);
    restored.restore(3, new Map(changes.map((c) => [c.key, Buffer.from(c.value!)])), 10_000);
    expect(restored.due(3, 10_000 + LIMITS.windowMs - 1)).toEqual([]);
    TRACE.slice(3).forEach((m) => restored.add(3, line(m), 0));
    const [event] = restored.due(3, 0, true);
    expect(event!.stack_trace).toBe(TRACE.slice(1).join('\n'));
    // Emitting deletes the changelog entry.
    expect(restored.takeChanges(3)).toEqual([{ key: changes[0]!.key, value: null }]);
  });

  it('drop forgets uncommitted changes', () => {
    const joiner = new LineJoiner(LIMITS);
    joiner.add(1, line('Task failed'), 0);
    joiner.drop(1);
    expect(joiner.pendingCount(1)).toBe(0);
    expect(joiner.takeChanges(1)).toEqual([]);
  });
});

describe('isErrorBearing', () => {
  it('keeps traces, WARN and above, and lower-level lines that speak of failure', () => {
    expect(isErrorBearing({ level: 'INFO', message: 'Completed checkpoint 12 for job abc (1234 bytes).', stack_trace: null })).toBe(false);
    expect(isErrorBearing({ level: 'INFO', message: 'Source: orders (1/4) switched from INITIALIZING to RUNNING.', stack_trace: null })).toBe(false);
    expect(isErrorBearing({ level: 'INFO', message: 'Checkpoint 17 of job 9ee5 expired before completing.', stack_trace: null })).toBe(true);
    expect(isErrorBearing({ level: 'INFO', message: 'Map (1/2) switched from RUNNING to FAILED.', stack_trace: null })).toBe(true);
    expect(isErrorBearing({ level: 'WARN', message: 'Slow response', stack_trace: null })).toBe(true);
    expect(isErrorBearing({ level: 'DEBUG', message: 'x', stack_trace: 'java.lang.Error' })).toBe(true);
  });
});
