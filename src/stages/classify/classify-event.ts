import { classifyByRules, type Classification } from './classifier.js';
import { maskVariables, templateFingerprint } from './fingerprint.js';
import type { ExceptionNode } from './exception-chain.js';

export interface ClassifiedEvent extends Classification {
  /** Stable id of the failure: the root cause's template and top frames, variables masked. */
  fingerprint: string | null;
}

// Frames identify code, not an occurrence: drop line numbers and generated-class suffixes.
const FRAME_NOISE = /\((?:[^():]+\.(?:java|scala|kt)):\d+\)|\$\$Lambda\$\d+\/0x[0-9a-f]+(?:\.\w+)?|\$\$Lambda\/0x[0-9a-f]+|GeneratedClass\$\d+|\$\d+(?=[.$])|@[0-9a-f]{6,}/g;

export function normaliseFrame(frame: string): string {
  return frame.replace(FRAME_NOISE, (m) => (m.startsWith('(') ? '' : m.startsWith('$$Lambda') ? '$$Lambda' : m.startsWith('$') ? '$N' : ''));
}

/** Root cause class + masked message + its first three normalised frames. */
export function rootCauseFingerprint(root: Pick<ExceptionNode, 'className' | 'message' | 'frames'>): string {
  const firstLine = root.message.split('\n')[0] ?? '';
  return templateFingerprint(`${root.className}: ${maskVariables(firstLine)}\n${root.frames.slice(0, 3).map(normaliseFrame).join('\n')}`);
}

/**
 * The classification path shared by the `classify` command and the classify stage: rules over
 * the exception chain, then the fingerprint of whatever decided.
 */
export function classifyEvent(text: string, level?: string | null): ClassifiedEvent {
  const { chain, ...classification } = classifyByRules({ text, level });
  if (classification.error_type === 'none') return { ...classification, fingerprint: null };
  const fingerprint = chain.root ? rootCauseFingerprint(chain.root) : templateFingerprint(classification.root_cause ?? text);
  return { ...classification, fingerprint };
}
