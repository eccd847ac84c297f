import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/paths.js';

/** The command as users run it (no services needed). */
function classify(input: string, args: string[] = []) {
  const result = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'pipeline-doctor.js'), 'classify', ...args], { input, encoding: 'utf8', env: { ...process.env, PD_FROM_SOURCE: '1' } });
  return { status: result.status, lines: result.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>), stderr: result.stderr };
}

const oomTrace = (line: number) =>
  `org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n\tat org.apache.flink.runtime.X.y(X.java:${line})\nCaused by: java.lang.OutOfMemoryError: Metaspace\n\tat java.lang.ClassLoader.defineClass1(ClassLoader.java:${line + 7})`;

describe('pipeline-doctor classify', () => {
  it('answers one NDJSON line per input, with a stable fingerprint and none for benign lines', () => {
    const input = [JSON.stringify({ id: 'a', text: oomTrace(10) }), JSON.stringify({ id: 'b', text: oomTrace(99) }), JSON.stringify({ text: 'Completed checkpoint 7 for job x', level: 'INFO' })].join('\n');
    const { status, lines } = classify(input);
    expect(status).toBe(0);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ id: 'a', error_type: 'oom', subtype: 'metaspace_oom' });
    expect(lines[1]!.fingerprint).toBe(lines[0]!.fingerprint);
    expect(lines[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(lines[2]).toMatchObject({ error_type: 'none', fingerprint: null });
    for (const line of lines) expect(typeof line.confidence).toBe('number');
  });

  it('reads raw log text and joins continuation lines into events', () => {
    const raw = ['2026-11-20 08:15:01,000 INFO  org.apache.flink.X - Job switched to RUNNING', '2026-11-20 08:15:02,118 ERROR org.apache.flink.Task - Task failed', oomTrace(5)].join('\n');
    const { lines } = classify(raw, ['--format', 'raw']);
    expect(lines.map((l) => l.error_type)).toEqual(['none', 'oom']);
  });

  it('reports a bad line clearly, keeps going, and exits 3', () => {
    const { status, lines } = classify(['{"text":', JSON.stringify({ nope: 1 }), JSON.stringify({ text: 'java.net.ConnectException: Connection refused' })].join('\n'), ['--format', 'ndjson']);
    expect(status).toBe(3);
    expect(lines[0]).toMatchObject({ line: 1, error: expect.stringMatching(/not JSON/) });
    expect(lines[1]).toMatchObject({ line: 2, error: expect.stringMatching(/"text"/) });
    expect(lines[2]).toMatchObject({ error_type: 'network', subtype: 'connection_refused' });
  });

  it('--review prints the errors nobody is sure about, one line per fingerprint, most frequent first', () => {
    const odd = (line: number) => JSON.stringify({ text: `com.acme.FrobnicatorException: frobnication failed\n\tat com.acme.Frob.run(Frob.java:${line})` });
    const input = [odd(1), JSON.stringify({ text: oomTrace(3) }), odd(2), JSON.stringify({ text: 'java.lang.IllegalStateException: odd state' })].join('\n');
    const { status, lines } = classify(input, ['--review', '--model', '/nonexistent/classifier.json']);
    expect(status).toBe(0);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ error_type: 'other', subtype: 'unknown', count: 2, first_seen: 1, last_seen: 3, sample: expect.stringContaining('frobnication failed') });
    expect(lines[1]).toMatchObject({ count: 1, first_seen: 4 });
  });
});
