import { describe, expect, it } from 'vitest';
import { isContinuationLine, splitLogText } from '../../../../src/stages/classify/log-lines.js';

describe('log line splitting', () => {
  it('recognises continuation lines', () => {
    for (const line of ['\tat org.apache.flink.X.y(X.java:1)', '    at a.B.c(B.java:2)', 'Caused by: java.io.IOException: x', '\tSuppressed: java.lang.Exception', '\t... 12 more', '\t... 3 common frames omitted']) {
      expect(isContinuationLine(line), line).toBe(true);
    }
    expect(isContinuationLine('2026-11-20 08:15:02,118 INFO x - y')).toBe(false);
  });

  it('groups timestamped records with their traces', () => {
    const text = [
      '2026-11-20 08:15:01,000 INFO  org.apache.flink.X - started',
      '2026-11-20 08:15:02,118 ERROR org.apache.flink.runtime.taskmanager.Task - failed',
      'java.lang.RuntimeException: boom',
      '\tat a.B.c(B.java:1)',
      'Caused by: java.lang.OutOfMemoryError: Java heap space',
      '2026-11-20 08:15:03,000 WARN  org.apache.flink.X - next',
    ].join('\n');
    const events = splitLogText(text);
    expect(events).toHaveLength(3);
    expect(events[1]!.split('\n')).toHaveLength(4);
  });

  it('keeps one pasted trace as one event, and separate plain lines apart', () => {
    expect(splitLogText('java.lang.RuntimeException: boom\n\tat a.B.c(B.java:1)\nCaused by: java.io.IOException: x\n\t... 2 more')).toHaveLength(1);
    expect(splitLogText('first line\nsecond line')).toHaveLength(2);
  });
});
