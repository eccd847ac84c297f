import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ERROR_TYPES } from '../classify/taxonomy.js';

const caseSchema = z.object({
  case_id: z.string().regex(/^[a-z0-9-]{1,32}$/),
  error_type: z.enum(ERROR_TYPES),
  subtype: z.string().min(1),
  error_pattern: z.string().min(1),
  root_cause: z.string().min(1),
  solution: z.string().min(1),
  keywords: z.array(z.string()).default([]),
  related_docs: z.array(z.string()).default([]),
  priority: z.enum(['high', 'medium', 'low']).default('medium'),
  // Nobody has reviewed the shipped cases yet: verified comes from feedback (and ranks higher).
  verified: z.boolean().default(false),
  source_type: z.enum(['manual', 'auto']).default('manual'),
});

const docSchema = z.object({
  doc_id: z.string().min(1).max(64),
  title: z.string().min(1).max(512),
  content: z.string().min(1).max(8000),
  doc_url: z.string().url().max(512),
  category: z.string().min(1).max(64),
});

export type KnowledgeCase = z.output<typeof caseSchema>;
export type KnowledgeDoc = z.output<typeof docSchema>;

export interface KnowledgeBase {
  cases: KnowledgeCase[];
  docs: KnowledgeDoc[];
}

function readJsonl<T>(path: string, schema: z.ZodType<T>): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, n }) => {
      const parsed = schema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${path}:${n}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    });
}

/** Reads kb/cases.jsonl and kb/docs.jsonl (the knowledge base shipped with the project). */
export function readKnowledgeBase(dir: string): KnowledgeBase {
  return { cases: readJsonl(join(dir, 'cases.jsonl'), caseSchema), docs: readJsonl(join(dir, 'docs.jsonl'), docSchema) };
}

/** The text a case is found by: what the error looks like and what it means. */
export function caseSearchText(c: Pick<KnowledgeCase, 'error_pattern' | 'root_cause' | 'keywords'>): string {
  return `${c.error_pattern}\n${c.keywords.join(' ')}\n${c.root_cause}`;
}

export function docSearchText(d: Pick<KnowledgeDoc, 'title' | 'content'>): string {
  return `${d.title}\n${d.content}`;
}
