import { classifyByRules, type Classification } from './classifier.js';
import { exceptionFingerprint, templateFingerprint } from './fingerprint.js';

export interface ClassifiedEvent extends Classification {
  /** Stable id of the failure: the root cause's class, masked message and top frames. */
  fingerprint: string | null;
}

/**
 * The classification path shared by the `classify` command and the classify stage: rules over
 * the exception chain, then the fingerprint of the root cause (or of the log message when there
 * is no exception).
 */
export function classifyEvent(text: string, level?: string | null): ClassifiedEvent {
  const { chain, ...classification } = classifyByRules({ text, level });
  if (classification.error_type === 'none') return { ...classification, fingerprint: null };
  const root = chain.root;
  const fingerprint = root
    ? exceptionFingerprint({ exceptionClass: root.className, message: root.message.split('\n')[0] ?? '', frames: root.frames })
    : templateFingerprint(classification.root_cause ?? text);
  return { ...classification, fingerprint };
}
