import { headline, parseExceptionChain, type ExceptionChain, type ExceptionNode } from './exception-chain.js';
import { FRAME_RULES, RULES, type Rule } from './rules.js';
import type { Label } from './taxonomy.js';

export interface Classification {
  error_type: Label;
  subtype: string | null;
  /** Probability that `error_type` is right (see calibration in docs/classifier.md). */
  confidence: number;
  /** `Class: message` of the node that decided, or the log message. */
  root_cause: string | null;
  /** Which rule decided (`rule:<id>`), or `default` for an error no rule names, or `none`. */
  decided_by: string;
}

export interface ClassifyInput {
  text: string;
  /** Normalised level when known (ERROR, WARN, …); otherwise read from the text's log prefix. */
  level?: string | null;
}

const ERROR_LEVELS = new Set(['ERROR', 'FATAL']);
// Log4j/logback-style prefix: a level word near the start of the first line.
const LEVEL_IN_PREFIX = /^[^\n]{0,80}?\b(ERROR|FATAL|WARN(?:ING)?|INFO|DEBUG|TRACE)\b/;

/** Pre-calibration confidences by where the deciding match sits. */
export interface ConfidenceTable {
  specificRoot: number;
  specificUpper: number;
  specificMessage: number;
  frames: number;
  generic: number;
  unknownError: number;
  none: number;
}

export const DEFAULT_CONFIDENCE: ConfidenceTable = {
  specificRoot: 0.92,
  specificUpper: 0.85,
  specificMessage: 0.8,
  frames: 0.7,
  generic: 0.6,
  unknownError: 0.35,
  none: 0.9,
};

interface Candidate {
  text: string;
  place: 'root' | 'upper' | 'message';
  node?: ExceptionNode;
}

/** Deepest cause first, then the wrappers above it, suppressed ones, and the log message. */
function candidates(chain: ExceptionChain): Candidate[] {
  const causal = chain.nodes.filter((n) => n.kind !== 'suppressed').reverse();
  const suppressed = chain.nodes.filter((n) => n.kind === 'suppressed');
  return [
    ...causal.map((n, i) => ({ text: headline(n), place: i === 0 ? ('root' as const) : ('upper' as const), node: n })),
    ...suppressed.map((n) => ({ text: headline(n), place: 'upper' as const, node: n })),
    ...(chain.preamble ? [{ text: chain.preamble, place: 'message' as const }] : []),
  ];
}

function firstMatch(list: Candidate[], rules: readonly Rule[]): { rule: Rule; candidate: Candidate } | undefined {
  for (const candidate of list) {
    for (const rule of rules) if (rule.pattern.test(candidate.text)) return { rule, candidate };
  }
  return undefined;
}

/** The first frames of each cause, deepest cause first, against the frame rules. */
function firstFrameMatch(chain: ExceptionChain): { rule: Rule; node: ExceptionNode } | undefined {
  const causal = chain.nodes.filter((n) => n.kind !== 'suppressed').reverse();
  for (const node of causal) {
    for (const frame of node.frames.slice(0, 8)) {
      for (const rule of FRAME_RULES) if (rule.pattern.test(frame)) return { rule, node };
    }
  }
  return undefined;
}

const SPECIFIC = RULES.filter((r) => r.strength === 'specific');
const GENERIC = RULES.filter((r) => r.strength === 'generic');
// Most events match no rule: one case-insensitive pass over the union rules out all of them
// (a superset test; the matching rule is then found in priority order with its own flags).
const ANY_SPECIFIC = new RegExp(SPECIFIC.map((rule) => `(?:${rule.pattern.source})`).join('|'), 'im');

/**
 * Rule-based classification of one event: parse the exception chain, let the deepest specific
 * rule decide, fall back to generic rules, then to `other/unknown` for an error no rule names.
 * A line with no exception, no error level and no specific match is `none`.
 */
export function classifyByRules(input: ClassifyInput, confidence: ConfidenceTable = DEFAULT_CONFIDENCE): Classification & { chain: ExceptionChain } {
  const chain = parseExceptionChain(input.text);
  const level = (input.level ?? LEVEL_IN_PREFIX.exec(input.text)?.[1] ?? '').toUpperCase().replace('WARNING', 'WARN');
  const hasException = chain.nodes.length > 0;
  const list = candidates(chain);

  // Specific rules describe failures in Flink's own words; Flink logs some at INFO
  // (CheckpointCoordinator's "expired before completing", a YARN container kill), so any level.
  const specific = list.some((c) => ANY_SPECIFIC.test(c.text)) ? firstMatch(list, SPECIFIC) : undefined;
  if (specific) {
    const place = specific.candidate.place;
    return {
      error_type: specific.rule.type,
      subtype: specific.rule.subtype,
      confidence: place === 'root' ? confidence.specificRoot : place === 'upper' ? confidence.specificUpper : confidence.specificMessage,
      root_cause: specific.candidate.text.split('\n')[0]!.slice(0, 500),
      decided_by: `rule:${specific.rule.id}`,
      chain,
    };
  }
  // Past this point only weaker evidence is left: it counts for real errors only.
  if (!hasException && !ERROR_LEVELS.has(level)) return none(chain, confidence);
  const byFrames = firstFrameMatch(chain);
  if (byFrames) {
    return {
      error_type: byFrames.rule.type,
      subtype: byFrames.rule.subtype,
      confidence: confidence.frames,
      root_cause: headline(byFrames.node).split('\n')[0]!.slice(0, 500),
      decided_by: `rule:${byFrames.rule.id}`,
      chain,
    };
  }
  const generic = firstMatch(list, GENERIC);
  if (generic) {
    return {
      error_type: generic.rule.type,
      subtype: generic.rule.subtype,
      confidence: confidence.generic,
      root_cause: generic.candidate.text.split('\n')[0]!.slice(0, 500),
      decided_by: `rule:${generic.rule.id}`,
      chain,
    };
  }
  return {
    error_type: 'other',
    subtype: 'unknown',
    confidence: confidence.unknownError,
    root_cause: (list[0]?.text ?? input.text).split('\n')[0]!.slice(0, 500),
    decided_by: 'default',
    chain,
  };
}

function none(chain: ExceptionChain, confidence: ConfidenceTable): Classification & { chain: ExceptionChain } {
  return { error_type: 'none', subtype: null, confidence: confidence.none, root_cause: null, decided_by: 'none', chain };
}
