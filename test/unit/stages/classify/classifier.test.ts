import { describe, expect, it } from 'vitest';
import { classifyByRules, failureEvidence } from '../../../../src/stages/classify/classifier.js';
import { FRAME_RULES, RULES } from '../../../../src/stages/classify/rules.js';
import { ERROR_TYPES, SUBTYPES } from '../../../../src/stages/classify/taxonomy.js';

const classify = (text: string, level?: string) => {
  const { chain: _chain, ...rest } = classifyByRules({ text, level });
  return rest;
};

// Flink's own lifecycle lines (templates from its sources, 1.12–2.0) that must not read as failures.
const BENIGN_FLINK_LINES = [
  '2024-05-01 10:00:00,000 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator [] - Triggering checkpoint 12 (type=CheckpointType{name=\'Checkpoint\', sharingFilesStrategy=FORWARD_BACKWARD}) @ 1714557600000 for job 6b1c.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator [] - Completed checkpoint 12 for job 6b1c (51234 bytes, checkpointDuration=812 ms, finalizationTime=3 ms).',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.source.coordinator.SourceCoordinator [] - Marking checkpoint 12 as aborted for source Source: kafka.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.streaming.runtime.tasks.SubtaskCheckpointCoordinatorImpl [] - Checkpoint 13 has been notified as aborted, would not trigger any checkpoint.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.checkpoint.CheckpointFailureManager [] - Failed to trigger checkpoint for job 6b1c since The minimum time between checkpoints is still pending. Checkpoint will be triggered after the minimum time..',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator [] - No checkpoint found during restore.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.taskmanager.Task [] - Attempting to cancel task Source: kafka (1/2)#0 (a1b2).',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.taskmanager.Task [] - Triggering cancellation of task code Source: kafka (1/2)#0 (a1b2).',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.jobmaster.JobMaster [] - Disconnect TaskExecutor 10.0.0.5:35001-a1b2 because: The TaskExecutor is shutting down.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.resourcemanager.StandaloneResourceManager [] - Closing TaskExecutor connection 10.0.0.5:35001-a1b2 because: The slot manager has determined that the resource is no longer needed.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.io.network.buffer.NetworkBufferPool [] - Allocated 128 MB for network buffer pool (number of memory segments: 4096, bytes per segment: 32768).',
  '2024-05-01 10:00:01,000 WARN  org.apache.flink.runtime.io.network.buffer.NetworkBufferPool [] - Memory usage [74%] went back to normal',
  '2024-05-01 10:00:01,000 WARN  org.apache.flink.connector.kafka.source.reader.KafkaSourceReader [] - Offset commit on checkpoint is disabled. Consuming offset will not be reported back to Kafka cluster.',
  '2024-05-01 10:00:01,000 INFO  org.apache.kafka.clients.NetworkClient [] - [Consumer clientId=c-1, groupId=g] Node -1 disconnected.',
  '2024-05-01 10:00:01,000 INFO  org.apache.kafka.clients.consumer.internals.SubscriptionState [] - [Consumer clientId=c-1, groupId=g] Resetting offset for partition orders-0 to position FetchPosition{offset=42}.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.contrib.streaming.state.RocksDBKeyedStateBackend [] - Closed RocksDB State Backend. Cleaning up RocksDB working directory /tmp/rocksdb.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.contrib.streaming.state.RocksDBKeyedStateBackendBuilder [] - Finished building RocksDB keyed state-backend at /tmp/rocksdb.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend [] - Attempting to load RocksDB native library and store it under \'/tmp/rocksdb-lib\'',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.state.StateBackendLoader [] - Cannot decide whether state backend uses managed memory. Will reserve managed memory by default.',
  '2024-05-01 10:00:01,000 WARN  org.apache.flink.runtime.state.StateBackendLoader [] - MemoryStateBackend has been deprecated. Please use \'hashmap\' state backend instead.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator [] - Restoring job 6b1c from Checkpoint 11 @ 1714557500000 for 6b1c located at s3://bucket/chk-11.',
  '2024-05-01 10:00:01,000 INFO  org.apache.pekko.remote.RemoteActorRefProvider$RemotingTerminator [] - Shutting down remote daemon.',
  '2024-05-01 10:00:01,000 WARN  org.apache.pekko.remote.EndpointManager [] - Remote system with address [pekko.tcp://flink@10.0.0.5:6122] has shut down. Address is now gated for 50 ms, all messages to this address will be delivered to dead letters.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.contrib.streaming.state.RocksDBKeyedStateBackend [] - Performing state migration for state ValueState because the state serializer\'s schema, i.e. serialization format, has changed.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.runtime.state.heap.HeapRestoreOperation [] - Finished restoring from state handle: KeyGroupsStateHandle{...}.',
  '2024-05-01 10:00:01,000 INFO  org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer [] - Kryo serializer scala extensions are not available.',
];

// One instance per template of Flink's failure messages (from its sources), with the label it names.
const FLINK_FAILURES: [string, string, string][] = [
  ["java.lang.Exception: The user defined 'open()' method caused an exception: java.lang.IllegalStateException: model not loaded", 'other', 'user_code_exception'],
  ["org.apache.flink.core.fs.UnsupportedFileSystemSchemeException: Could not find a file system implementation for scheme 's3'. The scheme is directly supported by Flink through the following plugin(s): flink-s3-fs-hadoop, flink-s3-fs-presto.", 'other', 'class_not_found'],
  ["org.apache.kafka.common.config.ConfigException: No resolvable bootstrap urls given in bootstrap.servers", 'network', 'unknown_host'],
  ["java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory 's3://bucket/savepoints/sp-1' on file system 's3'.", 'checkpoint_failure', 'checkpoint_storage_failure'],
  ['java.io.InvalidClassException: com.acme.Source; local class incompatible: stream classdesc serialVersionUID = 1, local class serialVersionUID = 2', 'other', 'dependency_conflict'],
  ['java.lang.RuntimeException: Could not copy the element: java.lang.NullPointerException\nSerialization trace:\nfields (com.acme.Event)', 'deserialization_error', 'kryo_serialization'],
  ['java.lang.IllegalStateException: Buffer pool has already been destroyed.', 'backpressure', 'buffer_request_timeout'],
  ["java.io.IOException: Timeout triggered when requesting exclusive buffers: The total number of network buffers is currently set to 2048 of 32768 bytes each.,  or you may increase the timeout which is 30000ms by setting the key 'taskmanager.network.memory.exclusive-buffers-request-timeout-ms'.", 'backpressure', 'buffer_request_timeout'],
  ['WARN  org.apache.flink.runtime.io.network.buffer.NetworkBufferPool - Memory usage [100%] is too high to satisfy all of the requests. This can severely impact network throughput.', 'backpressure', 'insufficient_network_buffers'],
  ['{"subtasks":[{"subtask":0,"backpressure-level":"high","ratio":0.92}]}', 'backpressure', 'backpressure_high'],
  ['org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to Checkpoint expired before completing., view the Checkpoint History tab or the Job Manager log to find out why continuous checkpoints failed.', 'checkpoint_failure', 'checkpoint_tolerable_failures_exceeded'],
  ['WARN  org.apache.flink.runtime.checkpoint.CheckpointCoordinator - Received late message for now expired checkpoint attempt 7 from task 3f2a of job 6b1c at tm-1.', 'checkpoint_failure', 'checkpoint_timeout'],
  ['org.apache.flink.runtime.checkpoint.CheckpointException: Task received cancellation from one of its inputs', 'checkpoint_failure', 'checkpoint_declined'],
  ['java.io.IOException: Could not flush to file and close the file system output stream to s3://bucket/chk-9/a1b2 in order to obtain the stream state handle', 'checkpoint_failure', 'checkpoint_storage_failure'],
  ["java.io.IOException: Unexpected magic number. This can have multiple reasons: (1) You are trying to load a Flink 1.0 savepoint, which is not supported by this version of Flink.", 'checkpoint_failure', 'state_restore_failure'],
  ['org.apache.flink.util.FlinkRuntimeException: Internal exception found in RocksDB', 'checkpoint_failure', 'state_backend_failure'],
  ['org.apache.flink.util.StateMigrationException: The new state serializer (PojoSerializer) must not be incompatible with the old state serializer (PojoSerializer).', 'deserialization_error', 'state_serializer_incompatible'],
  ["java.io.IOException: Corrupt Debezium JSON message '{\"op\":1}'.", 'deserialization_error', 'json_parse_error'],
  ['org.apache.flink.runtime.memory.MemoryReservationException: Could not allocate 33554432 bytes, only 0 bytes are remaining.', 'oom', 'managed_memory_insufficient'],
  ["Container [pid=1,containerID=container_01] is running 8192B beyond the 'PHYSICAL' memory limit. Current usage: 4.0 GB of 4 GB physical memory used. Killing container.", 'oom', 'container_killed'],
  ['java.util.concurrent.TimeoutException: Invocation of [RemoteRpcInvocation(JobMasterGateway.updateTaskExecutionState(TaskExecutionState))] at recipient [pekko.tcp://flink@jm:6123/user/rpc/jobmanager_2] timed out.', 'network', 'rpc_timeout'],
  ['org.apache.flink.runtime.jobmaster.JobMasterException: ResourceManager with id 0f1e is no longer reachable.', 'network', 'heartbeat_timeout'],
  ["org.apache.flink.core.fs.UnsupportedFileSystemSchemeException: Could not find a file system implementation for scheme 'hdfs'.", 'other', 'class_not_found'],
  ['java.lang.reflect.InaccessibleObjectException: Unable to make field private final byte[] java.lang.String.value accessible: module java.base does not "opens java.lang" to unnamed module @4e4aea35', 'other', 'dependency_conflict'],
  ["Error: VM option 'UseZGC' is experimental and must be enabled via -XX:+UnlockExperimentalVMOptions.\nError: Could not create the Java Virtual Machine.", 'other', 'configuration_error'],
  ['  File "/opt/job/udfs.py", line 12, in eval\n    return int(s)\nValueError: invalid literal for int() with base 10', 'other', 'user_code_exception'],
  ["org.apache.flink.table.api.ValidationException: Unable to create a source for reading table 'kafka_in'.\n\nTable options are:\n\n'format'='json'\n'json.ignore-parse-errors'='true'\nCaused by: org.apache.flink.table.api.ValidationException: Could not find any factory for identifier 'json' that implements 'org.apache.flink.table.factories.DeserializationFormatFactory' in the classpath.", 'other', 'class_not_found'],
  ['org.apache.flink.table.api.TableException: Could not instantiate the executor. Make sure a planner module is on the classpath', 'other', 'class_not_found'],
  ['ERROR org.apache.flink.shaded.curator.org.apache.curator.ConnectionState  - Authentication failed', 'other', 'permission_denied'],
  ['org.apache.calcite.plan.RelOptPlanner$CannotPlanException: There are not enough rules to produce a node with desired properties: convention=STREAM_PHYSICAL.', 'other', 'sql_validation'],
  ['WARN  org.apache.flink.runtime.checkpoint.CheckpointFailureManager - Failed to trigger or complete checkpoint 7 for job 6b1c. (3 consecutive failed attempts so far)', 'checkpoint_failure', 'checkpoint_declined'],
  ['java.lang.Exception: Exception while creating StreamOperatorStateContext.\nCaused by: com.acme.StateLoaderException: unexpected record', 'checkpoint_failure', 'state_restore_failure'],
  ['java.lang.Exception: Exception while creating StreamOperatorStateContext.\nCaused by: java.io.FileNotFoundException: /data/checkpoints/7537/chk-120/7561 (No such file or directory)', 'checkpoint_failure', 'checkpoint_storage_failure'],
  ['java.io.IOException: Unknown "op" value "x". The Debezium JSON message is \'{"op":"x"}\'', 'deserialization_error', 'json_parse_error'],
  ['org.apache.flink.runtime.jobmaster.JobMasterException: TaskManager with id 10.0.0.5:35001-a1b2 is no longer reachable.', 'network', 'heartbeat_timeout'],
  ['org.apache.kafka.common.errors.TimeoutException: Expiring 12 record(s) for orders-3:120001 ms has passed since batch creation', 'network', 'kafka_broker_unreachable'],
];

describe('classifyByRules', () => {
  it('lets the deepest specific cause decide under generic wrappers', () => {
    const text = [
      'org.apache.flink.runtime.client.JobExecutionException: Job execution failed.',
      '\tat org.apache.flink.runtime.jobmaster.JobResult.toJobExecutionResult(JobResult.java:144)',
      'Caused by: org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy',
      '\tat org.apache.flink.runtime.executiongraph.failover.flip1.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:138)',
      'Caused by: java.lang.OutOfMemoryError: Metaspace',
      '\t... 3 more',
    ].join('\n');
    expect(classify(text)).toMatchObject({ error_type: 'oom', subtype: 'metaspace_oom', decided_by: 'rule:oom.metaspace', root_cause: 'java.lang.OutOfMemoryError: Metaspace' });
  });

  it('prefers a specific wrapper over a generic root (a checkpoint timeout caused by a bare TimeoutException)', () => {
    const text = 'org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing.\nCaused by: java.util.concurrent.TimeoutException\n\tat x.Y.z(Y.java:1)';
    expect(classify(text)).toMatchObject({ error_type: 'checkpoint_failure', subtype: 'checkpoint_timeout' });
  });

  it('classifies a log message without a trace when its words are specific', () => {
    expect(classify('Checkpoint 4512 of job a1b2c3 expired before completing.', 'WARN')).toMatchObject({ error_type: 'checkpoint_failure', subtype: 'checkpoint_timeout' });
  });

  it('calls quiet lines none, even with alarming words', () => {
    expect(classify('2026-11-20 08:15:02,118 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator - Completed checkpoint 12 for job 0f1e (1234 bytes).').error_type).toBe('none');
    expect(classify('execution.checkpointing.timeout: 10 min', undefined).error_type).toBe('none');
    expect(classify('Restoring job 0f1e from Checkpoint 11 @ 1700000000000 for 0f1e located at file:/tmp/ckpt.', 'INFO').error_type).toBe('none');
  });

  it('calls an unexplained error other/unknown with low confidence', () => {
    const result = classify('com.acme.orders.PricingException: price for sku 42 is negative\n\tat com.acme.orders.Pricing.apply(Pricing.java:10)');
    expect(result).toMatchObject({ error_type: 'other', subtype: 'unknown', decided_by: 'default' });
    expect(result.confidence).toBeLessThan(0.5);
  });

  it('classifies network and Kafka failures', () => {
    expect(classify('org.apache.kafka.common.errors.TimeoutException: Timeout expired while fetching topic metadata').error_type).toBe('network');
    expect(classify("org.apache.flink.runtime.io.network.netty.exception.RemoteTransportException: Connection unexpectedly closed by remote task manager 'tm-3/10.0.0.3:41023'.").subtype).toBe('remote_task_manager_lost');
  });

  it('names the reason inside an RPC association failure rather than the RPC layer', () => {
    const gated = (reason: string) => `WARN  org.apache.pekko.remote.ReliableDeliverySupervisor - Association with remote system [pekko.tcp://flink@jm:6123] has failed, address is now gated for [50] ms. Reason: [Association failed with [pekko.tcp://flink@jm:6123]] Caused by: [${reason}]`;
    expect(classify(gated('java.net.ConnectException: Connection refused: jm/10.0.0.2:6123')).subtype).toBe('connection_refused');
    expect(classify(gated('java.net.UnknownHostException: jm: Name or service not known')).subtype).toBe('unknown_host');
  });

  it('reads a failure Flink logs at INFO (a YARN memory kill), not an INFO line that merely says could not', () => {
    const kill = 'INFO  org.apache.flink.yarn.YarnResourceManagerDriver - Worker container_01_000003 is terminated. Diagnostics: Container [pid=1,containerID=container_01_000003] is running beyond physical memory limits. Current usage: 4.1 GB of 4 GB physical memory used. Killing container.';
    expect(classify(kill)).toMatchObject({ error_type: 'oom', subtype: 'container_killed' });
    expect(classify('INFO  org.apache.flink.runtime.util.HadoopUtils - Could not find Hadoop configuration via any of the supported methods (Flink configuration, environment variables).').error_type).toBe('none');
  });

  it('looks through a TableException wrapper to the missing connector', () => {
    const text = [
      'org.apache.flink.table.api.TableException: findAndCreateTableSource failed.',
      '\tat org.apache.flink.table.factories.TableFactoryUtil.findAndCreateTableSource(TableFactoryUtil.java:49)',
      "Caused by: org.apache.flink.table.api.NoMatchingTableFactoryException: Could not find a suitable table factory for 'org.apache.flink.table.factories.TableSourceFactory' in",
      'the classpath.',
    ].join('\n');
    expect(classify(text)).toMatchObject({ error_type: 'other', subtype: 'class_not_found' });
    expect(classify('org.apache.flink.table.api.TableException: Unsupported query: windowed TopN on an update stream')).toMatchObject({ subtype: 'sql_validation', confidence: 0.6 });
  });

  it("reads Flink's own lifecycle lines as none", () => {
    for (const line of BENIGN_FLINK_LINES) expect(classify(line).error_type, line).toBe('none');
  });

  it("names the failure Flink's own messages describe", () => {
    for (const [text, type, subtype] of FLINK_FAILURES) expect(classify(text), text).toMatchObject({ error_type: type, subtype });
  });

  it('reads a message that a mail archive or log viewer wrapped over several lines', () => {
    const wrapped = 'WARN org.apache.flink.runtime.jobmaster.JobMaster - Error while processing\ncheckpoint acknowledgement message throwable:org.apache.flink.runtime.checkpoint.CheckpointException: Could\nnot finalize the pending checkpoint 11. Failure reason: Failure to finalize\ncheckpoint.';
    expect(classify(wrapped)).toMatchObject({ error_type: 'checkpoint_failure', subtype: 'checkpoint_storage_failure' });
  });

  it('reads mail-archive copies: quote markers on every line, frames wrapped after "at"', () => {
    const quoted = '> 2021/08/27 02:29:14 java.io.IOException: Insufficient number of\n> network buffers: required 17, but only 16 available.';
    expect(classify(quoted)).toMatchObject({ error_type: 'backpressure', subtype: 'insufficient_network_buffers' });
    const wrappedFrames = 'Caused by: org.apache.flink.runtime.client.JobExecutionException: Job execution failed\n        at \norg.apache.flink.runtime.client.JobClient.awaitJobResult(JobClient.java:343)\nCaused by: java.lang.IllegalArgumentException\n        at \norg.apache.flink.util.Preconditions.checkArgument(Preconditions.java:123)\n        at \norg.apache.flink.runtime.checkpoint.StateAssignmentOperation.createKeyGroupPartitions(StateAssignmentOperation.java:449)';
    expect(classify(wrappedFrames)).toMatchObject({ error_type: 'checkpoint_failure', subtype: 'state_restore_failure' });
  });

  it('reads a thread dump of a task canceler as a stalled cancellation', () => {
    const dump = '"Canceler for Sink: jdbc (2/4)#0 (5f1e)" #812 daemon prio=5 os_prio=0 tid=0x00007f waiting for monitor entry [0x00007f]\n   java.lang.Thread.State: BLOCKED (on object monitor)\n\tat com.acme.JdbcSink.close(JdbcSink.java:88)';
    expect(classify(dump)).toMatchObject({ error_type: 'backpressure', subtype: 'task_cancellation_timeout' });
  });

  it('lists every failure the rules see in a chain, the deciding one first', () => {
    const text = [
      'org.apache.flink.runtime.checkpoint.CheckpointException: Could not complete snapshot 7 for operator Window (1/1).',
      'Caused by: org.rocksdb.RocksDBException: While open a file for appending: /data/rocksdb/000123.sst: No space left on device',
      '\tat org.rocksdb.RocksDB.flush(Native Method)',
    ].join('\n');
    expect(failureEvidence(text).map((e) => e.subtype)).toEqual(['state_backend_failure', 'checkpoint_storage_failure', 'checkpoint_declined']);
    expect(failureEvidence('Completed checkpoint 12 for job 0f1e (1234 bytes).')).toEqual([]);
  });

  it('uses only labels from the taxonomy', () => {
    for (const rule of [...RULES, ...FRAME_RULES]) {
      expect(ERROR_TYPES).toContain(rule.type);
      expect(SUBTYPES[rule.type], rule.id).toContain(rule.subtype);
    }
    expect(new Set([...RULES, ...FRAME_RULES].map((r) => r.id)).size).toBe(RULES.length + FRAME_RULES.length);
  });
});
