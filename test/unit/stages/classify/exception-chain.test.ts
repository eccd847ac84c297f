import { describe, expect, it } from 'vitest';
import { headline, parseExceptionChain } from '../../../../src/stages/classify/exception-chain.js';

const trace = [
  '2026-11-20 08:15:02,118 ERROR org.apache.flink.runtime.taskmanager.Task - Sink (1/2) switched to FAILED',
  'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy',
  '\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:180)',
  '\tat org.apache.flink.runtime.scheduler.DefaultScheduler.handleTaskFailure(DefaultScheduler.java:277)',
  'Caused by: java.io.IOException: Failed to deserialize consumer record due to',
  '\tat org.apache.flink.connector.kafka.source.reader.KafkaRecordEmitter.emitRecord(KafkaRecordEmitter.java:56)',
  '\t... 14 more',
  '\tSuppressed: java.lang.IllegalStateException: close failed',
  '\t\tat org.apache.flink.util.IOUtils.closeAll(IOUtils.java:254)',
  'Caused by: org.apache.avro.AvroRuntimeException: Malformed data. Length is negative: -62',
  '\tat org.apache.avro.io.BinaryDecoder.readString(BinaryDecoder.java:308)',
  '\t... 25 more',
].join('\n');

describe('parseExceptionChain', () => {
  it('finds the top, each cause, the suppressed one, frames and elisions', () => {
    const chain = parseExceptionChain(trace);
    expect(chain.preamble).toMatch(/switched to FAILED/);
    expect(chain.nodes.map((n) => [n.kind, n.className, n.depth])).toEqual([
      ['top', 'org.apache.flink.runtime.JobException', 0],
      ['cause', 'java.io.IOException', 1],
      ['suppressed', 'java.lang.IllegalStateException', 1],
      ['cause', 'org.apache.avro.AvroRuntimeException', 2],
    ]);
    expect(chain.nodes[0]!.frames).toHaveLength(2);
    expect(chain.nodes[1]!.elided).toBe(14);
    expect(chain.nodes[3]!.elided).toBe(25);
    expect(chain.root?.className).toBe('org.apache.avro.AvroRuntimeException');
    expect(headline(chain.root!)).toBe('org.apache.avro.AvroRuntimeException: Malformed data. Length is negative: -62');
  });

  it('keeps multi-line messages until the first frame', () => {
    const chain = parseExceptionChain('org.apache.flink.table.api.ValidationException: SQL validation failed.\nFrom line 1, column 8 to line 1, column 10: Column \'foo\' not found\n\tat org.apache.flink.table.planner.X.y(X.java:1)');
    expect(chain.root?.message).toBe("SQL validation failed.\nFrom line 1, column 8 to line 1, column 10: Column 'foo' not found");
  });

  it('handles inner classes, exceptions without message, and no exception at all', () => {
    const chain = parseExceptionChain('java.util.concurrent.CompletionException: x\nCaused by: org.apache.flink.runtime.checkpoint.CheckpointException$Inner\n\tat a.b.C.d(C.java:1)');
    expect(chain.root).toMatchObject({ className: 'org.apache.flink.runtime.checkpoint.CheckpointException$Inner', message: '' });
    expect(parseExceptionChain('Completed checkpoint 12 for job 0f1e (1234 bytes).').root).toBeUndefined();
  });

  it('does not take prose with a colon for an exception', () => {
    expect(parseExceptionChain('Note: the job restarted at 12:00').nodes).toEqual([]);
    expect(parseExceptionChain('config.checkpoint.timeout: 10 min').nodes).toEqual([]);
  });

  it('finds an exception on the log line itself, after "failure cause:"', () => {
    const text = [
      '2024-05-07 07:16:32,027 WARN  org.apache.flink.runtime.taskmanager.Task [] - Map (1/2)#1 (9ab4) switched from RUNNING to FAILED with failure cause: java.lang.IllegalStateException: state is gone',
      '\tat com.acme.Job$Fn.map(Job.java:42)',
      'Caused by: java.io.IOException: disk full',
    ].join('\n');
    const chain = parseExceptionChain(text);
    expect(chain.preamble).toMatch(/switched from RUNNING to FAILED with failure cause:$/);
    expect(chain.nodes.map(headline)).toEqual(['java.lang.IllegalStateException: state is gone', 'java.io.IOException: disk full']);
    expect(chain.nodes[0]!.frames).toEqual(['com.acme.Job$Fn.map(Job.java:42)']);
    expect(parseExceptionChain('WARN Recovering after an error: retrying in 5 s').nodes).toEqual([]);
  });

  it('reads a quoted mail: markers dropped, frames wrapped onto the next line kept', () => {
    const chain = parseExceptionChain('> java.lang.IllegalStateException: boom\n>     at \n> com.acme.Job.run(Job.java:7)\n> Caused by: java.io.IOException: disk full');
    expect(chain.nodes.map(headline)).toEqual(['java.lang.IllegalStateException: boom', 'java.io.IOException: disk full']);
    expect(chain.nodes[0]!.frames).toEqual(['com.acme.Job.run(Job.java:7)']);
    // One unquoted line: not a quoted mail, the text is left as it is.
    expect(parseExceptionChain('> a reply\njava.io.IOException: x').preamble).toBe('> a reply');
  });

  it('reads the bare java.lang.Exception and java.lang.Error wrappers as exceptions', () => {
    const text = 'Caused by: java.lang.Exception: Could not complete snapshot 69 for operator sink\n\tat a.B.c(B.java:1)\nCaused by: java.lang.Exception: Failed to send data to Kafka: This server is not the leader for that topic-partition.';
    expect(parseExceptionChain(text).nodes.map((n) => n.className)).toEqual(['java.lang.Exception', 'java.lang.Exception']);
    expect(parseExceptionChain('java.lang.Error: boom').root?.className).toBe('java.lang.Error');
  });
});
