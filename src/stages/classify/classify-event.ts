import { classifyByRules, RULES_SURE, type Classification } from './classifier.js';
import type { ExceptionChain } from './exception-chain.js';
import { exceptionFingerprint, templateFingerprint } from './fingerprint.js';
import type { TextModel } from './text-model.js';

export interface ClassifiedEvent extends Classification {
  /** Stable id of the failure: the root cause's class, masked message and top frames. */
  fingerprint: string | null;
  /** `rule:<id>`, `default` (an error no rule names) or `none` when the rules decided; `model` when the learned model changed an unsure rule decision. */
  decided_by: string;
}

export { RULES_SURE };

export interface HybridOptions {
  /** The learned model; without one the rules decide alone. */
  model?: TextModel;
  /** Replaces the model's own override threshold (the bench's threshold sweep). */
  minProbability?: number;
}

/**
 * The model may replace an unsure rule decision when it names another type with a posterior of
 * at least `minProbability` (the threshold its training run chose; null: never), and its
 * calibrated confidence (how often such predictions were right in cross-validation) beats the
 * rules' own.
 */
function askModelIfUnsure(byRules: Classification, chain: ExceptionChain, model: TextModel, minProbability: number | null): Classification {
  if (byRules.confidence >= RULES_SURE || minProbability === null) return byRules;
  const [best] = model.predict(chain);
  if (!best || best.label === byRules.error_type || best.probability < minProbability) return byRules;
  const confidence = model.confidence(best.probability);
  if (confidence <= byRules.confidence) return byRules;
  return { ...byRules, error_type: best.label, subtype: model.subtype(chain, best.label), confidence, decided_by: 'model' };
}

function fingerprintOf(chain: ExceptionChain, rootCause: string | null, text: string): string {
  const root = chain.root;
  return root
    ? exceptionFingerprint({ exceptionClass: root.className, message: root.message.split('\n')[0] ?? '', frames: root.frames })
    : templateFingerprint(rootCause ?? text);
}

/**
 * The classification path shared by the `classify` command and the classify stage: rules over
 * the exception chain, the model where the rules are unsure, then the fingerprint of the root
 * cause (or of the log message when there is no exception). The fingerprint does not depend on
 * who decided, so review groups stay stable when a new model is loaded.
 */
export function classifyEvent(text: string, level?: string | null, hybrid: HybridOptions = {}): ClassifiedEvent {
  const { chain, ...byRules } = classifyByRules({ text, level });
  if (byRules.error_type === 'none') return withFingerprint(byRules, null);
  const model = hybrid.model;
  const classification = model ? askModelIfUnsure(byRules, chain, model, hybrid.minProbability ?? model.overrideMinProbability) : byRules;
  return withFingerprint(classification, fingerprintOf(chain, byRules.root_cause, text));
}

/**
 * Field by field rather than `{ ...c, fingerprint }`: Node 20 builds a spread followed by another
 * property slowly, and this runs for every event (measured: 240k → 298k events/s).
 */
function withFingerprint(c: Classification, fingerprint: string | null): ClassifiedEvent {
  return { error_type: c.error_type, subtype: c.subtype, confidence: c.confidence, root_cause: c.root_cause, decided_by: c.decided_by, fingerprint };
}
