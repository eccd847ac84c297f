import { describe, expect, it } from 'vitest';
import {
  TemplateMiner,
  WILDCARD,
  exceptionFingerprint,
  exceptionTemplate,
  fingerprintOf,
  hash64,
  maskVariables,
  normaliseFrame,
  templateFingerprint,
} from '../../../../src/stages/classify/fingerprint.js';

describe('maskVariables', () => {
  it.each([
    ['job id (32 hex) and checkpoint id', 'Checkpoint 1532 of job 3f1a2b4c5d6e7f8091a2b3c4d5e6f708 expired before completing.', 'Checkpoint <*> of job <*> expired before completing.'],
    ['YARN container id with host:port', 'Heartbeat of TaskManager with id container_e17_1700000000000_0042_01_000003(10.20.30.40:45123) timed out.', 'Heartbeat of TaskManager with id <*> timed out.'],
    ['application and attempt ids', 'Killing application_1700000000000_0042 after attempt_1445144423722_0020_m_000002_0 failed', 'Killing <*> after <*> failed'],
    ['subtask index and execution attempt id', 'Map (2/4)#0 (8c1f0e8f2a5e4b0f9d7c6b5a4f3e2d1c_cbc357ccb763df2852fee8c4fc7d55f2_1_0) switched from RUNNING to FAILED.', 'Map (<*>)<*> switched from RUNNING to FAILED.'],
    ['IPv4 with port', 'Connecting to 10.0.0.12:9092 failed', 'Connecting to <*> failed'],
    ['IPv6 and MAC', 'peer fe80::1ff:fe23:4567:890a via 00:1a:2b:3c:4d:5e', 'peer <*> via <*>'],
    ['host names', 'Could not resolve worker-12.prod.example.com or flink-jobmanager.default.svc.cluster.local', 'Could not resolve <*> or <*>'],
    ['host:port without digits in the name', 'Connection refused: kafka-broker.internal:9092', 'Connection refused: <*>'],
    ['absolute paths', 'Could not open /tmp/flink-checkpoints/abc/chk-17/_metadata for writing', 'Could not open <*> for writing'],
    ['URLs keep their scheme', 'Failed to write s3://bucket/flink/chk-17 and hdfs://namenode:8020/flink/x', 'Failed to write s3://<*> and hdfs://<*>'],
    ['Windows path', 'Cannot read C:\\flink\\conf\\flink-conf.yaml', 'Cannot read <*>'],
    ['key=value values', 'Triggering checkpoint (checkpointId=42, attempt=3, state=RUNNING)', 'Triggering checkpoint (checkpointId=<*>, attempt=<*>, state=<*>)'],
    ['single-word quoted values', "Table 'orders_v2' not found in catalog \"default_catalog\"", "Table '<*>' not found in catalog \"<*>\""],
    ['apostrophes are not quotes', "Can't find the job's state", "Can't find the job's state"],
    ['sizes with units', 'Requested 512 mb of managed memory, 2 GB free', 'Requested <*> of managed memory, <*> free'],
    ['durations with units', 'Checkpoint took 30 s, timeout 600000 ms', 'Checkpoint took <*>, timeout <*>'],
    ['attached units and ISO durations', 'Timeout after 10ms (PT30S)', 'Timeout after <*>'],
    ['timestamps', 'Started at 2026-11-20 08:15:02,118 and 2026-11-20T08:15:02.118Z', 'Started at <*> and <*>'],
    ['syslog-style date', 'connection at Fri Jun 17 10:00:01 2005 closed', 'connection at <*> closed'],
    ['UUID and hex', 'Allocated slot 123e4567-e89b-12d3-a456-426614174000 at 0x7f3a12ff', 'Allocated slot <*> at <*>'],
    ['negative and decimal numbers', 'offset -1 lag 12.5', 'offset <*> lag <*>'],
    ['comparison in front of a number', 'lifetime <1 sec', 'lifetime <*>'],
    ['a value and its alternative rendering in brackets', 'sent 1190 bytes (1.16 KB) to peer', 'sent <*> to peer'],
    ['lists of values', 'brokers 10.0.0.1:9092,10.0.0.2:9092, 10.0.0.3:9092 unreachable', 'brokers <*> unreachable'],
    ['code identifiers with digits stay', 'java.lang.ClassNotFoundException: org.apache.hadoop.fs.s3a.S3AFileSystem in Http2Exception', 'java.lang.ClassNotFoundException: org.apache.hadoop.fs.s3a.S3AFileSystem in Http2Exception'],
    ['slash-separated class names: segments judged one by one', 'java.lang.NoClassDefFoundError: org/apache/hadoop/fs/s3a/S3AFileSystem', 'java.lang.NoClassDefFoundError: org/apache/hadoop/fs/<*>/S3AFileSystem'],
    ['Java packages are not host names', 'Loading org.apache.flink.runtime and java.net', 'Loading org.apache.flink.runtime and java.net'],
    ['whitespace collapsed', '  Task  failed\n\twith\r\n  cause  ', 'Task failed with cause'],
    ['no variables', 'java.lang.OutOfMemoryError: Java heap space', 'java.lang.OutOfMemoryError: Java heap space'],
    ['empty', '', ''],
  ])('%s', (_name, input, expected) => {
    expect(maskVariables(input)).toBe(expected);
  });

  it('keeps relative paths apart from absolute ones but masks their numeric parts', () => {
    expect(maskVariables('org/apache/hadoop/fs/FileSystem')).toBe('org/apache/hadoop/fs/FileSystem');
    expect(maskVariables('subtask 3/8')).toBe(`subtask ${WILDCARD}`);
  });

  it('handles non-ASCII text and lone surrogates without throwing', () => {
    expect(maskVariables('Überlauf bei 42 Einträgen – 東京 \ud800')).toBe('Überlauf bei <*> Einträgen – 東京 \ud800');
  });
});

describe('templateFingerprint', () => {
  const same: [string, string, string][] = [
    ['job ids', 'Checkpoint 17 of job 3f1a2b4c5d6e7f8091a2b3c4d5e6f708 expired before completing.', 'Checkpoint 9012 of job a1b2c3d4e5f60718293a4b5c6d7e8f90 expired before completing.'],
    ['hosts and ports', 'Connection to worker-3.prod.example.com:6121 lost', 'Connection to 10.1.2.3:43817 lost'],
    ['checkpoint ids and durations', 'Completed checkpoint 1531 for job 3f1a2b4c5d6e7f8091a2b3c4d5e6f708 (48213 bytes, checkpointDuration=412 ms).', 'Completed checkpoint 7 for job 00000000000000000000000000000001 (1 bytes, checkpointDuration=9 ms).'],
    ['paths', 'Could not write /data/flink/chk-17/_metadata', 'Could not write /mnt/other/chk-18/part-0'],
    ['container ids', 'Container container_e17_1700000000000_0042_01_000007 was preempted.', 'Container container_e02_1611111111111_9999_02_000123 was preempted.'],
    ['subtask indices', 'Sink (1/4) switched to FAILED', 'Sink (3/12) switched to FAILED'],
    ['whitespace', 'Task failed  with cause', 'Task failed with\ncause'],
  ];
  it.each(same)('same fingerprint across %s', (_name, a, b) => {
    expect(templateFingerprint(a)).toBe(templateFingerprint(b));
  });

  const different: [string, string, string][] = [
    ['different fixed wording', 'Checkpoint 17 of job 3f1a2b4c5d6e7f8091a2b3c4d5e6f708 expired before completing.', 'Checkpoint 17 of job 3f1a2b4c5d6e7f8091a2b3c4d5e6f708 was declined.'],
    ['different exception classes', 'java.net.ConnectException: Connection refused', 'java.net.SocketTimeoutException: Connection refused'],
    ['different states', 'Task 3 switched from RUNNING to FAILED', 'Task 3 switched from RUNNING to CANCELED'],
    ['different OOM kinds', 'java.lang.OutOfMemoryError: Java heap space', 'java.lang.OutOfMemoryError: Metaspace'],
  ];
  it.each(different)('different fingerprints for %s', (_name, a, b) => {
    expect(templateFingerprint(a)).not.toBe(templateFingerprint(b));
  });

  it('is 16 hex chars and equals hashing the template string', () => {
    const lines = [...same.flat(), ...different.flat(), '', 'x', 'a  (1.5 KB) b', 'Fri Jun 17 10:00:01 2005', "q 'a b' c", '<*> already masked'];
    for (const line of lines) {
      const fp = templateFingerprint(line);
      expect(fp).toMatch(/^[0-9a-f]{16}$/);
      expect(fp).toBe(fingerprintOf(maskVariables(line)));
      expect(fp).toBe(hash64(maskVariables(line)));
    }
  });

  it('matches hashing the template on random input (no throw, no divergence)', () => {
    const alphabet = ['a', 'B', '0', '7', 'f', ' ', '\n', '.', ':', '/', '\\', '-', '_', '=', ',', '(', ')', '[', ']', '"', "'", '<', '>', '*', '<*>', 'KB', 'ms', 'Jun', 'x.com', 'é', '$', '0x1f', 'http://', 'C:\\'];
    let seed = 42;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let n = 0; n < 20_000; n++) {
      let s = '';
      const len = Math.floor(rnd() * 30);
      for (let k = 0; k < len; k++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(templateFingerprint(s)).toBe(hash64(maskVariables(s)));
    }
  });

  it('is idempotent on realistic lines: masking a template again changes nothing', () => {
    for (const line of [...same.flat(), ...different.flat(), 'Default file system [hdfs://namenode:8020]', 'dat=file:///sdcard/a.apk typ=application/vnd.android cmp=com.x/.Main (has extras)']) {
      const t = maskVariables(line);
      expect(maskVariables(t)).toBe(t);
    }
  });

  it('hash64 spreads similar strings', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(hash64(`template ${i.toString(36)}`));
    expect(seen.size).toBe(20_000);
  });
});

describe('normaliseFrame', () => {
  it.each([
    ['line numbers', 'at org.apache.flink.runtime.taskmanager.Task.doRun(Task.java:568)', 'org.apache.flink.runtime.taskmanager.Task.doRun(Task.java)'],
    ['logback packaging data', 'at org.apache.flink.runtime.taskmanager.Task.run(Task.java:550) ~[flink-dist-1.17.1.jar:1.17.1]', 'org.apache.flink.runtime.taskmanager.Task.run(Task.java)'],
    ['module prefix', 'java.base@17.0.8/java.net.Socket.connect(Socket.java:609)', 'java.net.Socket.connect(Socket.java)'],
    ['class-loader prefix', 'app//org.apache.Foo.bar(Foo.java:1)', 'org.apache.Foo.bar(Foo.java)'],
    ['lambda class', 'org.apache.flink.Foo$$Lambda$1234/0x0000000800c4b840.apply(Unknown Source)', 'org.apache.flink.Foo$$Lambda.apply(Unknown Source)'],
    ['anonymous class', 'org.apache.flink.Foo$1.run(Foo.java:12)', 'org.apache.flink.Foo.run(Foo.java)'],
    ['synthetic lambda method', 'org.apache.flink.Foo.lambda$run$0(Foo.java:33)', 'org.apache.flink.Foo.lambda$run(Foo.java)'],
    ['generated accessor', 'jdk.internal.reflect.GeneratedMethodAccessor12.invoke(Unknown Source)', 'jdk.internal.reflect.GeneratedMethodAccessor.invoke(Unknown Source)'],
    ['Flink code-generated class', 'StreamExecCalc$52.processElement(Unknown Source)', 'StreamExecCalc.processElement(Unknown Source)'],
    ['proxy', 'com.sun.proxy.$Proxy23.submitTask(Unknown Source)', 'com.sun.proxy.$Proxy.submitTask(Unknown Source)'],
    ['inner classes stay', 'org.apache.flink.Foo$Inner.run(Foo.java:7)', 'org.apache.flink.Foo$Inner.run(Foo.java)'],
    ['native method', 'sun.nio.ch.EPoll.wait(Native Method)', 'sun.nio.ch.EPoll.wait(Native Method)'],
  ])('%s', (_name, frame, expected) => {
    expect(normaliseFrame(frame)).toBe(expected);
  });
});

describe('exceptionFingerprint', () => {
  const base = {
    exceptionClass: 'java.net.ConnectException',
    message: 'Connection refused: flink-taskmanager-3.flink.svc.cluster.local/10.1.2.3:6121',
    frames: [
      'at sun.nio.ch.Net.pollConnect(Native Method)',
      'at org.apache.flink.shaded.netty4.io.netty.channel.nio.NioEventLoop$1.run(NioEventLoop.java:719)',
      'at org.apache.flink.runtime.io.network.netty.PartitionRequestClientFactory.lambda$connect$2(PartitionRequestClientFactory.java:88)',
      'at java.lang.Thread.run(Thread.java:829)',
    ],
  };

  it('is stable across hosts, ports, line numbers, anonymous-class numbers and frames past the top N', () => {
    const other = {
      exceptionClass: 'java.net.ConnectException',
      message: 'Connection refused: 10.9.8.7:45211',
      frames: [
        'sun.nio.ch.Net.pollConnect(Native Method)',
        'org.apache.flink.shaded.netty4.io.netty.channel.nio.NioEventLoop$2.run(NioEventLoop.java:722)',
        'org.apache.flink.runtime.io.network.netty.PartitionRequestClientFactory.lambda$connect$0(PartitionRequestClientFactory.java:91) ~[flink-dist-1.18.0.jar:1.18.0]',
        'java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1128)',
      ],
    };
    expect(exceptionFingerprint(other)).toBe(exceptionFingerprint(base));
    expect(exceptionFingerprint(base)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs by exception class, message wording and call site', () => {
    const fp = exceptionFingerprint(base);
    expect(exceptionFingerprint({ ...base, exceptionClass: 'java.net.NoRouteToHostException' })).not.toBe(fp);
    expect(exceptionFingerprint({ ...base, message: 'Connection timed out: 10.9.8.7:45211' })).not.toBe(fp);
    expect(exceptionFingerprint({ ...base, frames: ['at org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:1)', ...base.frames.slice(1)] })).not.toBe(fp);
  });

  it('uses the top N frames (default 3) and tolerates none', () => {
    expect(exceptionFingerprint(base, 1)).not.toBe(exceptionFingerprint(base, 2));
    expect(exceptionFingerprint({ ...base, frames: [] })).toBe(exceptionFingerprint(base, 0));
    expect(exceptionTemplate(base).split('\n')).toEqual([
      'java.net.ConnectException',
      'Connection refused: <*>',
      'sun.nio.ch.Net.pollConnect(Native Method)',
      'org.apache.flink.shaded.netty4.io.netty.channel.nio.NioEventLoop.run(NioEventLoop.java)',
      'org.apache.flink.runtime.io.network.netty.PartitionRequestClientFactory.lambda$connect(PartitionRequestClientFactory.java)',
    ]);
  });
});

describe('TemplateMiner', () => {
  const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
  const corpus = [
    ...users.map((u, i) => `session opened for user ${u} by (uid=${i})`),
    ...users.map((u) => `Failed password for ${u} from 10.0.0.${u.length} port 22`),
    'Task 1 switched from RUNNING to FAILED',
    'Task 2 switched from RUNNING to FAILED',
    'Task 3 switched from RUNNING to CANCELED',
    'Task 4 switched from DEPLOYING to RUNNING',
    'Task 5 switched from DEPLOYING to RUNNING',
  ];

  it('turns positions with many distinct values into variables', () => {
    const out = new TemplateMiner().fit(corpus);
    expect(out).toHaveLength(corpus.length);
    expect(new Set(out.slice(0, 6).map((r) => r.template))).toEqual(new Set(['session opened for user <*> by (uid=<*>)']));
    expect(new Set(out.slice(6, 12).map((r) => r.template))).toEqual(new Set(['Failed password for <*> from <*> port <*>']));
    for (const r of out) expect(r.fingerprint).toBe(fingerprintOf(r.template));
  });

  it('keeps enum-like values (states) apart', () => {
    const out = new TemplateMiner().fit(corpus).slice(12).map((r) => r.template);
    expect(out).toEqual([
      'Task <*> switched from RUNNING to FAILED',
      'Task <*> switched from RUNNING to FAILED',
      'Task <*> switched from RUNNING to CANCELED',
      'Task <*> switched from DEPLOYING to RUNNING',
      'Task <*> switched from DEPLOYING to RUNNING',
    ]);
  });

  it('on a small corpus falls back to the stateless templates', () => {
    const few = ['removing chargen', 'removing daytime'];
    expect(new TemplateMiner().fit(few).map((r) => r.template)).toEqual(few);
    expect(new TemplateMiner().fit([])).toEqual([]);
  });
});
