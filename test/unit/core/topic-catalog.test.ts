import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOPICS_DIR } from '../../../src/core/paths.js';
import { topicConfigs } from '../../../src/core/provision.js';
import { TopicCatalog } from '../../../src/core/topic-catalog.js';

describe('TopicCatalog', () => {
  const catalog = TopicCatalog.load(TOPICS_DIR, 'pd.');

  it('declares every topic of SPEC §3', () => {
    const names = catalog.all().map((t) => t.name);
    for (const name of ['job-logs', 'cdc', 'errors.classified', 'diagnoses', 'alerts', 'feedback', 'sql-requests', 'sql-jobs']) {
      expect(names).toContain(name);
    }
  });

  it('prefixes physical names and derives DLQ topics', () => {
    const jobLogs = catalog.get('job-logs');
    expect(jobLogs.topic).toBe('pd.job-logs');
    expect(jobLogs.dlqTopic).toBe('pd.job-logs.dlq');
    expect(catalog.get('diagnoses').dlqTopic).toBe('pd.diagnoses.dlq');
    expect(catalog.get('alerts').dlqTopic).toBeUndefined();
  });

  it('does not create topics that Debezium owns', () => {
    expect(catalog.managedTopics().map((t) => t.topic)).not.toContain('pd.cdc');
    expect(catalog.get('job-registry-cdc').topic).toBe('cdc.local.pipeline_doctor.flink_jobs');
    expect(catalog.get('job-registry-cdc').dlqTopic).toBe('pd.job-registry-cdc.dlq');
  });

  it('maps declarations to broker configs; DLQs are delete-only with 30 days', () => {
    expect(topicConfigs(catalog.get('sql-jobs'), false)['cleanup.policy']).toBe('compact');
    expect(topicConfigs(catalog.get('job-logs'), true)).toMatchObject({ 'cleanup.policy': 'delete', 'retention.ms': String(30 * 24 * 3600 * 1000) });
  });

  it('reports every invalid declaration with its file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'topics-'));
    writeFileSync(join(dir, 'a.json'), '{"name":"Bad Name"}');
    writeFileSync(join(dir, 'b.json'), 'not json');
    expect(() => TopicCatalog.load(dir, '')).toThrow(/a\.json[\s\S]*b\.json/);
  });

  it('names the declared topics when asked for an unknown one', () => {
    expect(() => catalog.get('nope')).toThrow(/declared: .*job-logs/);
  });
});
