import type { DiagnosisServices } from '../diagnose/diagnosis-services.js';
import type { StoredCase } from './feedback-stage.js';

/**
 * Mirrors a stored case into the vector store, `verified` included (the retriever ranks verified
 * cases higher). The documents the diagnose worker linked to an auto case live only in its
 * vector row, so they are read back and kept. Services are asked for on each call: built on
 * first use, they may be unavailable (Milvus down), which fails this call with a TransientError.
 */
export function vectorCaseIndexer(services: () => Promise<Pick<DiagnosisServices, 'retriever' | 'store'>>): (c: StoredCase) => Promise<void> {
  return async (c) => {
    const { retriever, store } = await services();
    const [existing] = await store.get(retriever.collections.cases, [c.case_id]);
    const relatedDocs = String(existing?.fields.related_docs ?? '').split(',').filter(Boolean);
    await retriever.indexCases([
      {
        case_id: c.case_id,
        error_type: c.error_type,
        subtype: c.error_subtype ?? 'unknown',
        error_pattern: c.error_pattern,
        root_cause: c.root_cause,
        solution: c.solution,
        keywords: [],
        related_docs: relatedDocs,
        verified: c.verified,
      },
    ]);
  };
}
