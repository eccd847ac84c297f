import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerAdmin, TopicSpec } from '../ports/broker.js';
import type { SchemaRegistryPort } from '../ports/schema-registry.js';
import type { ResolvedTopic, TopicCatalog } from './topic-catalog.js';

export interface TopicDrift {
  topic: string;
  problem: string;
  fixable: boolean;
}

export interface ProvisionReport {
  created: string[];
  unchanged: string[];
  drift: TopicDrift[];
  fixed: string[];
  schemas: { subject: string; id: number }[];
}

const CHECKED_CONFIGS = ['cleanup.policy', 'retention.ms', 'max.message.bytes'];

/** Broker-level configs a declaration asks for. DLQs keep failed records 30 days. */
export function topicConfigs(declaration: ResolvedTopic, isDlq: boolean): Record<string, string> {
  const configs: Record<string, string> = { 'cleanup.policy': isDlq ? 'delete' : declaration.cleanup };
  const retention = isDlq ? 30 * 24 * 3600 * 1000 : declaration.retention_ms;
  if (retention !== undefined) configs['retention.ms'] = String(retention);
  if (declaration.max_message_bytes !== undefined) configs['max.message.bytes'] = String(declaration.max_message_bytes);
  return configs;
}

/**
 * Creates the managed topics that are missing and reports drift of the existing ones
 * (partition count, cleanup, retention, size limit). With `fix`, safe changes are applied:
 * configs are altered and partitions added; partitions are never removed.
 */
export async function provisionTopics(admin: BrokerAdmin, catalog: TopicCatalog, options: { fix?: boolean; replicationFactor?: number } = {}): Promise<Omit<ProvisionReport, 'schemas'>> {
  const existing = new Set(await admin.listTopics());
  const wanted = catalog.managedTopics();
  const missing: TopicSpec[] = wanted
    .filter((w) => !existing.has(w.topic))
    .map((w) => ({
      topic: w.topic,
      partitions: w.isDlq ? Math.min(3, w.declaration.partitions) : w.declaration.partitions,
      replicationFactor: options.replicationFactor ?? 1,
      configs: topicConfigs(w.declaration, w.isDlq),
    }));
  if (missing.length > 0) await admin.createTopics(missing);

  const present = wanted.filter((w) => existing.has(w.topic));
  const drift: TopicDrift[] = [];
  const fixed: string[] = [];
  if (present.length > 0) {
    const described = new Map((await admin.describeTopics(present.map((p) => p.topic), CHECKED_CONFIGS)).map((d) => [d.topic, d]));
    for (const w of present) {
      const actual = described.get(w.topic);
      if (!actual) continue;
      const wantPartitions = w.isDlq ? Math.min(3, w.declaration.partitions) : w.declaration.partitions;
      if (actual.partitions < wantPartitions) {
        drift.push({ topic: w.topic, problem: `partitions ${actual.partitions}, declared ${wantPartitions}`, fixable: true });
        if (options.fix) {
          await admin.createPartitions(w.topic, wantPartitions);
          fixed.push(`${w.topic}: partitions → ${wantPartitions}`);
        }
      } else if (actual.partitions > wantPartitions) {
        drift.push({ topic: w.topic, problem: `partitions ${actual.partitions}, declared ${wantPartitions} (Kafka cannot remove partitions)`, fixable: false });
      }
      const wantConfigs = topicConfigs(w.declaration, w.isDlq);
      const differing = Object.entries(wantConfigs).filter(([k, v]) => actual.configs[k] !== undefined && actual.configs[k] !== v);
      for (const [k, v] of differing) drift.push({ topic: w.topic, problem: `${k}=${actual.configs[k]}, declared ${v}`, fixable: true });
      if (options.fix && differing.length > 0) {
        // AlterConfigs (non-incremental) replaces every override of the topic: send them all.
        await admin.alterTopicConfigs(w.topic, wantConfigs);
        fixed.push(`${w.topic}: ${differing.map(([k, v]) => `${k}=${v}`).join(', ')}`);
      }
    }
  }
  return {
    created: missing.map((m) => m.topic),
    unchanged: present.map((p) => p.topic).filter((t) => !drift.some((d) => d.topic === t)),
    drift,
    fixed,
  };
}

/** Registers every declared registry schema under `<topic>-value` (idempotent in the registry). */
export async function registerSchemas(registry: SchemaRegistryPort, catalog: TopicCatalog, schemasDir: string): Promise<{ subject: string; id: number }[]> {
  const registered: { subject: string; id: number }[] = [];
  for (const declaration of catalog.all()) {
    const spec = declaration.value.registry;
    if (!spec || !declaration.managed) continue;
    const subject = `${declaration.topic}-value`;
    const id = await registry.register(subject, spec.type, readFileSync(join(schemasDir, spec.file), 'utf8'));
    registered.push({ subject, id });
  }
  return registered;
}
