import type { DiagnosisAnswer, GenerationRequest, Generator } from '../../ports/retrieval.js';

const PRIORITY_BY_TYPE: Record<string, DiagnosisAnswer['priority']> = {
  oom: 'high',
  checkpoint_failure: 'high',
  network: 'medium',
  backpressure: 'medium',
  deserialization_error: 'medium',
  other: 'low',
};

/** Below this similarity the nearest case is not trusted to describe the error. */
const MIN_CASE_SCORE = 0.2;

/**
 * The diagnoser without an LLM: the answer is composed from the best knowledge case and the
 * nearest documentation, and says so. Its confidence stays below 0.8 on purpose: an answer
 * copied from a case must not be stored back as a new case.
 */
export class DeterministicGenerator implements Generator {
  readonly name = 'deterministic';

  async generate(request: GenerationRequest): Promise<{ answer: DiagnosisAnswer; confidence: number }> {
    const best = request.cases[0];
    const firstLine = request.error.split('\n').find((l) => l.trim() !== '') ?? request.error;
    const docs = request.docs.slice(0, 3);
    const docList = docs.map((d) => `${d.title} (${d.doc_url})`).join('; ');
    if (!best || best.score < MIN_CASE_SCORE) {
      return {
        answer: {
          root_cause: `No known case matches closely; the error reads: ${firstLine.slice(0, 300)}`,
          detailed_analysis: `Classified as ${request.errorType}${request.subtype ? `/${request.subtype}` : ''}. No knowledge case is similar enough (best similarity ${best ? best.score.toFixed(2) : 'n/a'}). Composed without a language model.${docList ? ` Nearest documentation: ${docList}.` : ''}`,
          suggested_fix: docs.length > 0 ? `Start from the documentation: ${docs.map((d) => d.doc_url).join(', ')}.` : 'Inspect the root cause in the job logs; no matching case or documentation was found.',
          priority: PRIORITY_BY_TYPE[request.errorType] ?? 'medium',
          related_docs: docs.map((d) => d.doc_url),
        },
        confidence: 0.3,
      };
    }
    const subtypeAgrees = request.subtype !== null && request.subtype === best.subtype;
    return {
      answer: {
        root_cause: best.root_cause,
        detailed_analysis: `Composed without a language model from knowledge case ${best.case_id} (similarity ${best.score.toFixed(2)}${best.verified ? ', verified' : ''}), matched on: ${best.error_pattern.split('\n')[0]!.slice(0, 200)}. The error reads: ${firstLine.slice(0, 300)}.${docList ? ` Related documentation: ${docList}.` : ''}`,
        suggested_fix: best.solution,
        priority: PRIORITY_BY_TYPE[request.errorType] ?? 'medium',
        related_docs: docs.map((d) => d.doc_url),
      },
      // Similarity alone is weak evidence; agreement with the classifier's subtype adds some.
      confidence: Math.min(0.75, 0.35 + 0.4 * best.score + (subtypeAgrees ? 0.1 : 0)),
    };
  }
}
