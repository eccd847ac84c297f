import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseExceptionChain, type ExceptionChain } from './exception-chain.js';
import { ERROR_TYPES, type ErrorType } from './taxonomy.js';

/**
 * The learned half of the hybrid classifier: naive Bayes over the words of an exception chain,
 * one table for the error type and one for the subtype within a type. Small enough to read here;
 * the npm NB packages bring whole NLP stacks with them. It only speaks where the rules are unsure
 * (see classify-event.ts), and `pipeline-doctor train` writes it (see training.ts).
 */

// Split identifiers the way Java names are built (package.Class$Inner, camelCase) and words.
const WORD = /[A-Za-z][a-z]+|[A-Z]+(?![a-z])/g;

function words(s: string): string[] {
  return (s.match(WORD) ?? []).map((w) => w.toLowerCase()).filter((w) => w.length > 2);
}

/**
 * The distinct words of a chain: the root cause's words (also marked `r:`, it usually decides),
 * the packages of its top frames (`f:`), the other causes and the log message. Distinct words,
 * not counts: with counts the posteriors were overconfident (5-fold CV on the dev split: where the
 * model said ≥ 0.999 it was right 92 % of the time with counts, 98 % with distinct words).
 */
export function features(input: string | ExceptionChain): string[] {
  const chain = typeof input === 'string' ? parseExceptionChain(input) : input;
  const root = chain.root;
  const out: string[] = [];
  if (root) {
    const rootWords = words(`${root.className} ${root.message.split('\n')[0]}`);
    out.push(...rootWords, ...rootWords.map((w) => `r:${w}`));
    for (const frame of root.frames.slice(0, 3)) out.push(...words(frame.replace(/\(.*$/, '')).map((w) => `f:${w}`));
  }
  for (const node of chain.nodes) if (node !== root) out.push(...words(`${node.className} ${node.message.split('\n')[0]}`));
  out.push(...words(chain.preamble));
  return [...new Set(out)];
}

const labelCounts = z.object({ docs: z.number().int().nonnegative(), words: z.number().int().nonnegative(), counts: z.record(z.string(), z.number().int().positive()) });
const table = z.object({ vocabulary: z.number().int().nonnegative(), labels: z.record(z.string(), labelCounts) });
const calibrationBin = z.object({ min_probability: z.number().min(0).max(1), correct: z.number().int().nonnegative(), total: z.number().int().nonnegative() });

/** The model file (`pipeline-doctor train` writes it); `version` changes when the format does. */
const modelFile = z.object({
  version: z.literal(2),
  trained_at: z.string(),
  trained_on: z.number().int().nonnegative(),
  /** Error type → word counts. */
  types: table,
  /** `error_type/subtype` → word counts. */
  subtypes: table,
  /** How often cross-validated predictions at or above each posterior were right (cumulative bins). */
  calibration: z.array(calibrationBin),
  /** The k-fold figure of the training run, for `train`'s summary and the log line on load. */
  cross_validation: z.object({ folds: z.number().int(), accuracy: z.number(), macro_f1: z.number() }).nullable(),
  /**
   * The posterior the model needs to replace an unsure rule decision, chosen by the training run
   * (the lowest at which its cross-validated predictions fixed more rule decisions than they
   * broke); null, or missing in older files: the model never replaces one.
   */
  override_min_probability: z.number().min(0).max(1).nullable().optional(),
});

export type TextModelJson = z.infer<typeof modelFile>;
type Table = TextModelJson['types'];
export type CalibrationBin = TextModelJson['calibration'][number];
export interface TrainingExample {
  text: string;
  label: ErrorType;
  subtype?: string | null;
}

function trainTable(docs: { words: string[]; label: string }[], labels: readonly string[]): Table {
  const result: Table = { vocabulary: 0, labels: {} };
  for (const label of labels) result.labels[label] = { docs: 0, words: 0, counts: {} };
  const vocabulary = new Set<string>();
  for (const doc of docs) {
    const entry = (result.labels[doc.label] ??= { docs: 0, words: 0, counts: {} });
    entry.docs++;
    for (const w of doc.words) {
      entry.counts[w] = (entry.counts[w] ?? 0) + 1;
      entry.words++;
      vocabulary.add(w);
    }
  }
  result.vocabulary = vocabulary.size;
  return result;
}

/** Posterior over `labels` (Laplace smoothing), best first. */
function posterior(t: Table, words: string[], labels: readonly string[]): { label: string; probability: number }[] {
  const total = labels.reduce((n, label) => n + (t.labels[label]?.docs ?? 0), 0);
  const scores = labels.map((label) => {
    const l = t.labels[label] ?? { docs: 0, words: 0, counts: {} };
    let logp = Math.log((l.docs + 1) / (total + labels.length));
    for (const w of words) logp += Math.log(((l.counts[w] ?? 0) + 1) / (l.words + t.vocabulary + 1));
    return { label, logp };
  });
  const max = Math.max(...scores.map((s) => s.logp));
  const sum = scores.reduce((n, s) => n + Math.exp(s.logp - max), 0);
  return scores.map((s) => ({ label: s.label, probability: Math.exp(s.logp - max) / sum })).sort((a, b) => b.probability - a.probability);
}

/** See `TextModel.confidence`; also used by training before the model exists. */
export function calibratedConfidence(calibration: readonly CalibrationBin[], probability: number): number {
  const bin = calibration.filter((b) => b.min_probability <= probability).sort((a, b) => b.min_probability - a.min_probability)[0];
  return bin ? bin.correct / (bin.total + 1) : 0;
}

export class TextModel {
  private constructor(readonly json: TextModelJson) {}

  /** Tables from labelled texts; without `calibration` the model is never confident enough to decide. */
  static train(examples: readonly TrainingExample[], options: { calibration?: CalibrationBin[]; crossValidation?: TextModelJson['cross_validation']; overrideMinProbability?: number | null; now?: Date } = {}): TextModel {
    const docs = examples.map((e) => ({ words: features(e.text), label: e.label, subtype: e.subtype }));
    return new TextModel({
      version: 2,
      trained_at: (options.now ?? new Date()).toISOString(),
      trained_on: examples.length,
      types: trainTable(docs, ERROR_TYPES),
      subtypes: trainTable(docs.filter((d) => d.subtype).map((d) => ({ words: d.words, label: `${d.label}/${d.subtype}` })), []),
      calibration: options.calibration ?? [],
      cross_validation: options.crossValidation ?? null,
      override_min_probability: options.overrideMinProbability ?? null,
    });
  }

  /** Reads and validates a model file; throws with the reason when it is not one. */
  static load(path: string): TextModel {
    const parsed = modelFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) throw new Error(`${path}: not a version 2 classifier model (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
    return new TextModel(parsed.data);
  }

  /** Writes a temporary file and renames it over `path`, so a reader never sees half a model. */
  save(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.json)}\n`);
    renameSync(temporary, path);
  }

  get trainedOn(): number {
    return this.json.trained_on;
  }

  /** See `override_min_probability`: null when the model may not replace rule decisions. */
  get overrideMinProbability(): number | null {
    return this.json.override_min_probability ?? null;
  }

  /** Posterior over the six error types, best first. */
  predict(input: string | ExceptionChain): { label: ErrorType; probability: number }[] {
    return posterior(this.json.types, features(input), ERROR_TYPES) as { label: ErrorType; probability: number }[];
  }

  /** The likeliest subtype of `type` seen in training, or null when training had none. */
  subtype(input: string | ExceptionChain, type: ErrorType): string | null {
    const prefix = `${type}/`;
    const candidates = Object.keys(this.json.subtypes.labels).filter((label) => label.startsWith(prefix));
    const [best] = posterior(this.json.subtypes, features(input), candidates);
    return best ? best.label.slice(prefix.length) : null;
  }

  /**
   * Probability that a prediction with this posterior is right, from the cross-validated
   * predictions of the training run at or above the same posterior. One imaginary miss is added
   * (correct / (total + 1)), so a bin with little evidence stays low: a model trained on a
   * handful of texts cannot outvote the rules.
   */
  confidence(probability: number): number {
    return calibratedConfidence(this.json.calibration, probability);
  }
}

/** Where the reloading model reports: a pino logger in the pipeline, stderr in the CLI. */
export interface ModelLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** mtime, size and inode: an atomic rename changes the inode even within one mtime tick. */
function signatureOf(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * A model file that is re-read when it changes on disk (after `pipeline-doctor train`), checked at
 * most every `checkEveryMs` so the per-event cost is a clock read. A missing file means rules
 * only; a corrupt one keeps the model already loaded. Each is logged once per change of the file.
 */
export class ReloadingTextModel {
  private model?: TextModel;
  // Of the file last looked at: undefined while it is missing, null before the first look.
  private signature: string | undefined | null = null;
  private checkedAt = -Infinity;
  private readonly checkEveryMs: number;
  private readonly log: ModelLog | undefined;

  constructor(
    readonly path: string,
    options: { checkEveryMs?: number; log?: ModelLog } = {},
  ) {
    this.checkEveryMs = options.checkEveryMs ?? 5000;
    this.log = options.log;
  }

  /** The current model, or undefined while there is no valid file. */
  current(now = Date.now()): TextModel | undefined {
    if (now - this.checkedAt < this.checkEveryMs) return this.model;
    this.checkedAt = now;
    const signature = signatureOf(this.path);
    if (signature === this.signature) return this.model;
    this.signature = signature;
    if (signature === undefined) this.log?.info({ path: this.path }, this.model ? 'classifier model file gone: keeping the loaded model' : 'no classifier model file: rules only');
    else this.reload();
    return this.model;
  }

  private reload(): void {
    try {
      this.model = TextModel.load(this.path);
      const { trained_at, trained_on, cross_validation } = this.model.json;
      this.log?.info({ path: this.path, trained_at, trained_on, cv_macro_f1: cross_validation?.macro_f1 ?? null }, 'classifier model loaded');
    } catch (err) {
      this.log?.warn({ path: this.path, error: (err as Error).message }, this.model ? 'classifier model unreadable: keeping the previous model' : 'classifier model unreadable: rules only');
    }
  }
}
