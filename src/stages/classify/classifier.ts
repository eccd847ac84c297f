import { headline, parseExceptionChain, type ExceptionChain, type ExceptionNode } from './exception-chain.js';
import { FRAME_RULES, RULES, type Rule } from './rules.js';
import type { Label } from './taxonomy.js';
import { LiteralIndex } from './literal-index.js';
import { mentionsFailure } from './log-lines.js';

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
const LOW_LEVELS = new Set(['INFO', 'DEBUG', 'TRACE']);
// Log4j/logback-style prefix: a level word near the start of the first line.
const LEVEL_IN_PREFIX = /^[^\n]{0,80}?\b(ERROR|FATAL|WARN(?:ING)?|INFO|DEBUG|TRACE)\b/;

/** The normalised level: given, or read from the text's log prefix; `''` when unknown. */
function levelOf(input: ClassifyInput): string {
  return (input.level ?? LEVEL_IN_PREFIX.exec(input.text)?.[1] ?? '').toUpperCase().replace('WARNING', 'WARN');
}

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

/**
 * Rule decisions below the lowest specific-rule confidence (0.8) are unsure: frame rules (0.7),
 * generic rules (0.6) and errors no rule names (other/unknown, 0.35). Specific-rule decisions are
 * final: the learned model is not asked, so it can never break them.
 */
export const RULES_SURE = Math.min(DEFAULT_CONFIDENCE.specificRoot, DEFAULT_CONFIDENCE.specificUpper, DEFAULT_CONFIDENCE.specificMessage);

interface Candidate {
  text: string;
  place: 'root' | 'upper' | 'message';
  node?: ExceptionNode;
}

/** Deepest cause first, then the wrappers above it, suppressed ones, and the log message. */
function candidates(chain: ExceptionChain): Candidate[] {
  const list: Candidate[] = [];
  for (let i = chain.nodes.length - 1; i >= 0; i--) {
    const node = chain.nodes[i]!;
    if (node.kind !== 'suppressed') list.push({ text: headline(node), place: list.length === 0 ? 'root' : 'upper', node });
  }
  for (const node of chain.nodes) if (node.kind === 'suppressed') list.push({ text: headline(node), place: 'upper', node });
  if (chain.preamble) list.push({ text: chain.preamble, place: 'message' });
  return list;
}

function firstMatch(list: Candidate[], rules: readonly Rule[]): { rule: Rule; candidate: Candidate } | undefined {
  for (const candidate of list) {
    for (const rule of rules) if (rule.pattern.test(candidate.text)) return { rule, candidate };
  }
  return undefined;
}

/**
 * `firstMatch` for the specific rules, trying on each candidate only the rules whose required
 * literals it contains (most candidates contain none, and are skipped after one scan). A
 * candidate spread over several lines is also tried with its lines joined: mail archives and log
 * viewers wrap long messages ("Could\nnot finalize the pending checkpoint"), which breaks every
 * phrase a rule looks for. Joined text is the fallback only, so a rule cannot match across lines
 * where the lines as written already name a failure.
 */
function firstSpecificMatch(list: Candidate[]): { rule: Rule; candidate: Candidate } | undefined {
  for (const candidate of list) {
    const rule = specificRuleFor(candidate.text) ?? (candidate.text.includes('\n') ? specificRuleFor(candidate.text.replace(LINE_BREAK, ' ')) : undefined);
    if (rule) return { rule, candidate };
  }
  return undefined;
}

const LINE_BREAK = /[ \t]*\r?\n\s*/g;

function specificRuleFor(text: string): Rule | undefined {
  if (SPECIFIC_LITERALS.scan(text, possible) === 0) return undefined;
  for (let r = 0; r < SPECIFIC.length; r++) if (possible[r] && SPECIFIC[r]!.pattern.test(text)) return SPECIFIC[r];
  return undefined;
}

/** The first line of a text, at most 500 chars: the `root_cause` field. */
function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return (end < 0 ? text : text.slice(0, end)).slice(0, 500);
}

/** The first frames of each cause, deepest cause first, against the frame rules. */
function firstFrameMatch(chain: ExceptionChain): { rule: Rule; node: ExceptionNode } | undefined {
  for (let i = chain.nodes.length - 1; i >= 0; i--) {
    const node = chain.nodes[i]!;
    if (node.kind === 'suppressed') continue;
    const frames = Math.min(8, node.frames.length);
    for (let f = 0; f < frames; f++) {
      for (const rule of FRAME_RULES) if (rule.pattern.test(node.frames[f]!)) return { rule, node };
    }
  }
  return undefined;
}

const SPECIFIC = RULES.filter((r) => r.strength === 'specific');
const GENERIC = RULES.filter((r) => r.strength === 'generic');
const SPECIFIC_LITERALS = new LiteralIndex(SPECIFIC.map((rule) => rule.pattern));
/** Scratch for `SPECIFIC_LITERALS.scan`: which specific rules the current candidate may match. */
const possible = new Uint8Array(SPECIFIC.length);

/**
 * Rule-based classification of one event: parse the exception chain, let the deepest specific
 * rule decide, fall back to generic rules, then to `other/unknown` for an error no rule names.
 * A line with no exception, no error level and no specific match is `none`.
 */
export function classifyByRules(input: ClassifyInput, confidence: ConfidenceTable = DEFAULT_CONFIDENCE): Classification & { chain: ExceptionChain } {
  const chain = parseExceptionChain(input.text);
  const hasException = chain.nodes.length > 0;
  const list = candidates(chain);

  // Specific rules describe failures in Flink's own words; Flink logs some at INFO
  // (CheckpointCoordinator's "expired before completing", a YARN container kill), so any level —
  // but a low-level line with no exception must also speak of a failure ("Remoting started;
  // listening on akka.tcp://…" names Akka, and is no RPC timeout).
  if (!hasException && LOW_LEVELS.has(levelOf(input)) && !mentionsFailure(input.text)) return none(chain, confidence);
  const specific = firstSpecificMatch(list);
  if (specific) {
    const place = specific.candidate.place;
    return {
      error_type: specific.rule.type,
      subtype: specific.rule.subtype,
      confidence: place === 'root' ? confidence.specificRoot : place === 'upper' ? confidence.specificUpper : confidence.specificMessage,
      root_cause: firstLine(specific.candidate.text),
      decided_by: `rule:${specific.rule.id}`,
      chain,
    };
  }
  // Past this point only weaker evidence is left: it counts for real errors only.
  if (!hasException && !ERROR_LEVELS.has(levelOf(input))) return none(chain, confidence);
  const byFrames = firstFrameMatch(chain);
  if (byFrames) {
    return {
      error_type: byFrames.rule.type,
      subtype: byFrames.rule.subtype,
      confidence: confidence.frames,
      root_cause: firstLine(headline(byFrames.node)),
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
      root_cause: firstLine(generic.candidate.text),
      decided_by: `rule:${generic.rule.id}`,
      chain,
    };
  }
  return {
    error_type: 'other',
    subtype: 'unknown',
    confidence: confidence.unknownError,
    root_cause: firstLine(list[0]?.text ?? input.text),
    decided_by: 'default',
    chain,
  };
}

function none(chain: ExceptionChain, confidence: ConfidenceTable): Classification & { chain: ExceptionChain } {
  return { error_type: 'none', subtype: null, confidence: confidence.none, root_cause: null, decided_by: 'none', chain };
}

/**
 * Every failure the rules see in a text, strongest evidence first: the specific rules on each
 * node of the chain (deepest first) and the log message, then the frame rules, then the generic
 * ones. The classification keeps the first; retrieval also looks at the rest, so that a chain
 * with a checkpoint wrapper over a RocksDB error still finds the RocksDB cases when the decision
 * went the other way.
 */
export function failureEvidence(text: string): { error_type: string; subtype: string }[] {
  const chain = parseExceptionChain(text);
  const found = new Map<string, { error_type: string; subtype: string }>();
  const add = (rule: Rule) => found.set(`${rule.type}/${rule.subtype}`, found.get(`${rule.type}/${rule.subtype}`) ?? { error_type: rule.type, subtype: rule.subtype });
  for (const candidate of candidates(chain)) {
    const joined = candidate.text.replace(LINE_BREAK, ' ');
    for (const rule of SPECIFIC) if (rule.pattern.test(candidate.text) || rule.pattern.test(joined)) add(rule);
  }
  for (const node of chain.nodes) {
    for (const frame of node.frames.slice(0, 8)) for (const rule of FRAME_RULES) if (rule.pattern.test(frame)) add(rule);
  }
  for (const candidate of candidates(chain)) for (const rule of GENERIC) if (rule.pattern.test(candidate.text)) add(rule);
  return [...found.values()];
}

