import { describe, expect, it } from 'vitest';
import { classifyByRules } from '../../../../src/stages/classify/classifier.js';
import { FRAME_RULES, RULES } from '../../../../src/stages/classify/rules.js';
import { ERROR_TYPES, SUBTYPES } from '../../../../src/stages/classify/taxonomy.js';

const classify = (text: string, level?: string) => {
  const { chain: _chain, ...rest } = classifyByRules({ text, level });
  return rest;
};

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

  it('uses only labels from the taxonomy', () => {
    for (const rule of [...RULES, ...FRAME_RULES]) {
      expect(ERROR_TYPES).toContain(rule.type);
      expect(SUBTYPES[rule.type], rule.id).toContain(rule.subtype);
    }
    expect(new Set([...RULES, ...FRAME_RULES].map((r) => r.id)).size).toBe(RULES.length + FRAME_RULES.length);
  });
});
