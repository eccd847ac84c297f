import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Topics are data: one JSON declaration per topic in `topics/`. The catalog resolves logical
 * names ("job-logs") to physical ones ("pd.job-logs") and is the single source for provisioning,
 * DLQ naming and the topology description.
 */
const declarationSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9.-]+$/),
    /** Physical topic name used verbatim (no prefix), for topics other systems name (Debezium). */
    physical: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
    role: z.enum(['input', 'internal', 'output']),
    description: z.string().min(1),
    /** Not created by us (e.g. Debezium's cdc.* topics); `name` is then a pattern prefix. */
    managed: z.boolean().default(true),
    partitions: z.number().int().positive(),
    cleanup: z.enum(['delete', 'compact']),
    retention_ms: z.number().int().min(-1).optional(),
    max_message_bytes: z.number().int().positive().optional(),
    key: z.string().min(1),
    value: z.object({
      schema: z.string().min(1),
      formats: z.array(z.enum(['json', 'avro', 'json-schema'])).min(1),
      /** Registered in the schema registry at provisioning time under `<topic>-value`. */
      registry: z.object({ type: z.enum(['AVRO', 'JSON']), file: z.string().min(1) }).optional(),
    }),
    dlq: z.boolean(),
  })
  .strict();

export type TopicDeclaration = z.output<typeof declarationSchema>;

export interface ResolvedTopic extends TopicDeclaration {
  /** Physical topic name, with the prefix. */
  topic: string;
  /** Physical DLQ topic, when the declaration asks for one. */
  dlqTopic?: string;
}

export class TopicCatalog {
  private readonly byName: Map<string, ResolvedTopic>;

  constructor(
    declarations: TopicDeclaration[],
    readonly prefix: string,
  ) {
    this.byName = new Map(
      declarations.map((d) => {
        const topic = d.physical ?? `${prefix}${d.name}`;
        // DLQs always live in our namespace, even for topics another system names.
        return [d.name, { ...d, topic, dlqTopic: d.dlq ? `${prefix}${d.name}.dlq` : undefined }];
      }),
    );
  }

  /** Loads and validates every `*.json` file of a folder; all problems are reported together. */
  static load(dir: string, prefix: string): TopicCatalog {
    const problems: string[] = [];
    const declarations: TopicDeclaration[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      try {
        const parsed = declarationSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
        if (parsed.success) declarations.push(parsed.data);
        else problems.push(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      } catch (err) {
        problems.push(`${file}: ${(err as Error).message}`);
      }
    }
    if (problems.length > 0) throw new Error(`invalid topic declarations in ${dir}:\n  ${problems.join('\n  ')}`);
    return new TopicCatalog(declarations, prefix);
  }

  get(name: string): ResolvedTopic {
    const topic = this.byName.get(name);
    if (!topic) throw new Error(`unknown topic "${name}"; declared: ${[...this.byName.keys()].join(', ')}`);
    return topic;
  }

  all(): ResolvedTopic[] {
    return [...this.byName.values()];
  }

  /** Every physical topic we create: managed declarations, and the DLQ of any declaration. */
  managedTopics(): { topic: string; declaration: ResolvedTopic; isDlq: boolean }[] {
    return this.all().flatMap((d) => [
      ...(d.managed ? [{ topic: d.topic, declaration: d, isDlq: false }] : []),
      ...(d.dlqTopic ? [{ topic: d.dlqTopic, declaration: d, isDlq: true }] : []),
    ]);
  }
}
