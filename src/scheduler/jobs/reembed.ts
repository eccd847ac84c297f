import type { MaintenanceStore } from '../../adapters/mysql/maintenance-store.js';
import type { VectorStore } from '../../ports/retrieval.js';
import { indexKnowledgeBase } from '../../stages/diagnose/diagnosis-services.js';
import { readKnowledgeBase } from '../../stages/diagnose/knowledge-base.js';
import type { Retriever } from '../../stages/diagnose/retriever.js';
import type { ScheduledJob } from '../scheduler.js';

export interface ReembedOptions {
  intervalMs: number;
  /** Milvus is shared by every instance (one run per slot); the embedded store is per process. */
  scope: ScheduledJob['scope'];
  /** The knowledge base folder (PD_KB_DIR, resolved). */
  kbDir: string;
  /** The retriever and store to write: the running pipeline's own (the embedded store is in memory). */
  vectors: () => Promise<{ retriever: Retriever; store: VectorStore }>;
  /** knowledge_cases; absent: the shipped files only (as `kb load --no-mysql`). */
  cases?: MaintenanceStore;
  /** Cases embedded per call. */
  pageSize?: number;
}

/**
 * Embeds every knowledge case and doc again, through the same Retriever calls as `kb load` and
 * the diagnose worker. MySQL knowledge_cases is the record of the cases (edited or added there by
 * people, verified by feedback, learnt by the worker); the shipped kb/ files add what MySQL does
 * not hold (keywords and curated doc links of shipped cases, and the docs). An auto case keeps the
 * doc links the worker stored in its vector row. Upserts by id, so a run changes nothing but the
 * vectors and fields, and a run cut short leaves every row valid; then deletes the vectors whose
 * case is gone from that record (and docs no longer shipped).
 */
export function reembedJob(o: ReembedOptions): ScheduledJob {
  return {
    name: 'reembed',
    intervalMs: o.intervalMs,
    scope: o.scope,
    description: `vector store: every knowledge case (MySQL knowledge_cases and ${o.kbDir}) and doc embedded again`,
    async run(ctx) {
      const kb = readKnowledgeBase(o.kbDir);
      const shipped = new Map(kb.cases.map((c) => [c.case_id, c]));
      const { retriever, store } = await o.vectors();
      await retriever.ensureCollections();
      // Listed before MySQL is read: a case written meanwhile (MySQL first, then its vector) is
      // never taken for a deleted one.
      const storedBefore = o.cases ? await store.ids(retriever.collections.cases) : undefined;
      const fromMysql = new Set<string>();
      if (o.cases) {
        for await (const page of o.cases.knowledgeCases(o.pageSize ?? 200)) {
          ctx.checkpoint();
          const learnt = page.filter((c) => !shipped.has(c.case_id)).map((c) => c.case_id);
          const previous = new Map((await store.get(retriever.collections.cases, learnt)).map((hit) => [hit.id, hit]));
          await retriever.indexCases(
            page.map((row) => {
              fromMysql.add(row.case_id);
              const file = shipped.get(row.case_id);
              return {
                case_id: row.case_id,
                error_type: row.error_type,
                subtype: row.error_subtype ?? file?.subtype ?? 'unknown',
                error_pattern: row.error_pattern,
                root_cause: row.root_cause,
                solution: row.solution,
                keywords: file?.keywords ?? [],
                related_docs: file?.related_docs ?? String(previous.get(row.case_id)?.fields.related_docs ?? '').split(',').filter(Boolean),
                verified: row.verified,
              };
            }),
          );
        }
      }
      ctx.checkpoint();
      const onlyShipped = kb.cases.filter((c) => !fromMysql.has(c.case_id));
      await indexKnowledgeBase(retriever, { cases: onlyShipped, docs: kb.docs });
      const cases = fromMysql.size + onlyShipped.length;
      // MySQL and the kb/ files are the record: vectors of cases deleted there, and of docs no
      // longer shipped, would otherwise keep being retrieved.
      const staleCases = storedBefore?.filter((id) => !fromMysql.has(id) && !shipped.has(id)) ?? [];
      const shippedDocs = new Set(kb.docs.map((d) => d.doc_id));
      const storedDocs = await store.ids(retriever.collections.docs);
      const staleDocs = storedDocs?.filter((id) => !shippedDocs.has(id)) ?? [];
      await store.delete(retriever.collections.cases, staleCases);
      await store.delete(retriever.collections.docs, staleDocs);
      if (o.cases && !storedBefore) ctx.log.warn({ collection: retriever.collections.cases }, 'too many vectors to list at once: vectors of deleted cases were not pruned');
      ctx.log.debug({ cases, docs: kb.docs.length, staleCases: staleCases.length, staleDocs: staleDocs.length }, 're-embedded');
      return {
        rows: cases + kb.docs.length,
        detail: {
          cases, cases_from_mysql: fromMysql.size, cases_from_files_only: onlyShipped.length, docs: kb.docs.length,
          deleted_cases: staleCases.length, deleted_docs: staleDocs.length, pruned: !o.cases ? 'docs only (no MySQL record of the cases)' : storedBefore ? 'cases and docs' : 'docs only (too many case vectors to list)',
          collections: retriever.collections, store: store.kind,
        },
      };
    },
  };
}
