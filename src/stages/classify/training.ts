import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { classifyByRules, RULES_SURE } from './classifier.js';
import { calibratedConfidence, TextModel, type CalibrationBin, type TrainingExample } from './text-model.js';
import { ERROR_TYPES, SUBTYPES, type ErrorType, type Label } from './taxonomy.js';

/**
 * Training the text model from labelled NDJSON (`pipeline-doctor train`, bench/classifier-eval.ts):
 * parsing and checking the lines, the held-out split of the bundled corpus, k-fold cross-validation
 * and the calibration of the model's posteriors.
 */

export interface LabelledText {
  id?: string;
  text: string;
  error_type: Label;
  subtype: string | null;
}

export type ParsedLine = { ok: true; entry: LabelledText } | { ok: false; reason: string };

const LABELS: readonly string[] = [...ERROR_TYPES, 'none'];

/** One NDJSON line `{text, error_type, subtype?, id?}`, with the reason when it is not usable. */
export function parseLabelledLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const { text, error_type, subtype, id } = value as Record<string, unknown>;
  if (typeof text !== 'string' || !text.trim()) return { ok: false, reason: '"text" must be a non-empty string' };
  if (typeof error_type !== 'string' || !LABELS.includes(error_type)) return { ok: false, reason: `"error_type" must be one of ${LABELS.join(', ')}` };
  if (id !== undefined && typeof id !== 'string') return { ok: false, reason: '"id" must be a string' };
  if (subtype !== undefined && subtype !== null) {
    const known: readonly string[] = error_type === 'none' ? [] : SUBTYPES[error_type as ErrorType];
    if (typeof subtype !== 'string' || !known.includes(subtype)) return { ok: false, reason: `"subtype" ${JSON.stringify(subtype)} is not a subtype of ${error_type}` };
  }
  return { ok: true, entry: { ...(id === undefined ? {} : { id }), text, error_type: error_type as Label, subtype: (subtype as string | null | undefined) ?? null } };
}

/** Ids listed one per line (`#` comments), as in dev-ids.txt. */
export function readIdList(path: string): Set<string> {
  return new Set(readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
}

/**
 * The held-out split of a corpus, from the id lists next to it: `dev-ids.txt` lists the entries
 * looked at while writing rules (everything else is held out), and any `heldout*.txt` lists
 * entries held out whatever dev-ids.txt says. Undefined when the corpus has no dev-ids.txt.
 */
export function readCorpusSplit(corpusPath: string): { isHeldOut(id: string | undefined): boolean } | undefined {
  const dir = dirname(corpusPath);
  if (!existsSync(join(dir, 'dev-ids.txt'))) return undefined;
  const dev = readIdList(join(dir, 'dev-ids.txt'));
  const heldOut = new Set(readdirSync(dir).filter((f) => /^heldout.*\.txt$/.test(f)).flatMap((f) => [...readIdList(join(dir, f))]));
  return { isHeldOut: (id) => id === undefined || !dev.has(id) || heldOut.has(id) };
}

export interface LabelScore {
  label: string;
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

export function labelScores(pairs: readonly { truth: string; predicted: string }[], labels: readonly string[]): LabelScore[] {
  return labels.map((label) => {
    const tp = pairs.filter((p) => p.truth === label && p.predicted === label).length;
    const fp = pairs.filter((p) => p.truth !== label && p.predicted === label).length;
    const fn = pairs.filter((p) => p.truth === label && p.predicted !== label).length;
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    return { label, support: tp + fn, precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
  });
}

export function macroF1(scores: readonly LabelScore[]): number {
  return scores.length === 0 ? 0 : scores.reduce((n, s) => n + s.f1, 0) / scores.length;
}

// FNV-1a: a stable order that does not depend on file order or ids (feedback lines have none).
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Fold number per example: stratified (each label spread over the folds) and deterministic. */
export function stratifiedFolds(examples: readonly { text: string; label: string }[], k: number): number[] {
  const folds = new Array<number>(examples.length).fill(0);
  const byLabel = new Map<string, number[]>();
  examples.forEach((e, i) => byLabel.set(e.label, [...(byLabel.get(e.label) ?? []), i]));
  for (const indexes of byLabel.values()) {
    indexes.sort((a, b) => hash(examples[a]!.text) - hash(examples[b]!.text) || a - b);
    indexes.forEach((index, n) => (folds[index] = n % k));
  }
  return folds;
}

export interface Prediction {
  /** Position of the example in the training list. */
  index: number;
  truth: ErrorType;
  predicted: ErrorType;
  probability: number;
}

/** Each example predicted by a model trained on the other k-1 folds. */
export function crossValidatedPredictions(examples: readonly TrainingExample[], k: number): Prediction[] {
  const folds = stratifiedFolds(examples, k);
  const predictions: Prediction[] = [];
  for (let fold = 0; fold < k; fold++) {
    const model = TextModel.train(examples.filter((_, i) => folds[i] !== fold));
    examples.forEach((e, i) => {
      if (folds[i] !== fold) return;
      const [best] = model.predict(e.text);
      predictions.push({ index: i, truth: e.label, predicted: best!.label, probability: best!.probability });
    });
  }
  return predictions;
}

/** Lower edges of the cumulative calibration bins: naive Bayes posteriors crowd near 1. */
const CALIBRATION_EDGES = [0.9999, 0.999, 0.99, 0.9, 0.5, 0];

export function calibrationBins(predictions: readonly Prediction[]): CalibrationBin[] {
  return CALIBRATION_EDGES.map((min) => {
    const above = predictions.filter((p) => p.probability >= min);
    return { min_probability: min, correct: above.filter((p) => p.predicted === p.truth).length, total: above.length };
  });
}

export interface TrainingResult {
  model: TextModel;
  /** Undefined when there are fewer examples than folds. */
  crossValidation?: { folds: number; accuracy: number; macroF1: number; perLabel: LabelScore[] };
  /** How the override threshold was chosen (undefined without cross-validation). */
  override?: OverrideSweep;
}

/**
 * k-fold cross-validation (the model's own figure and the calibration of its posteriors), then
 * the model trained on every example with that calibration.
 */
export function trainModel(examples: readonly TrainingExample[], options: { folds?: number; now?: Date } = {}): TrainingResult {
  const k = options.folds ?? 5;
  if (examples.length < k) return { model: TextModel.train(examples, { now: options.now }) };
  const predictions = crossValidatedPredictions(examples, k);
  const present = ERROR_TYPES.filter((label) => examples.some((e) => e.label === label));
  const perLabel = labelScores(predictions.map((p) => ({ truth: p.truth, predicted: p.predicted })), present);
  const accuracy = predictions.filter((p) => p.predicted === p.truth).length / predictions.length;
  const crossValidation = { folds: k, accuracy, macroF1: macroF1(perLabel), perLabel };
  const calibration = calibrationBins(predictions);
  const override = overrideThreshold(examples, predictions, calibration);
  const model = TextModel.train(examples, { calibration, crossValidation: { folds: k, accuracy, macro_f1: crossValidation.macroF1 }, overrideMinProbability: override.threshold, now: options.now });
  return { model, crossValidation, override };
}

/** Posteriors tried for `override_min_probability`, lowest first. */
const OVERRIDE_THRESHOLDS = [0.9, 0.99, 0.999, 0.9999, 0.99999];

export interface OverrideSweep {
  /** The lowest threshold whose overrides fixed more than they broke; null when none did. */
  threshold: number | null;
  sweep: { threshold: number; changed: number; fixed: number; broken: number }[];
}

/**
 * Replays the hybrid decision (`classifyEvent`: the model replaces an unsure rule decision when
 * its posterior reaches the threshold and its calibrated confidence beats the rules') on the
 * cross-validated predictions, and keeps the lowest threshold at which that helped. With the
 * rules written from the same texts this usually leaves the model no say, which is the point:
 * it earns one only where labelled data shows it right where the rules are not.
 */
export function overrideThreshold(examples: readonly TrainingExample[], predictions: readonly Prediction[], calibration: readonly CalibrationBin[]): OverrideSweep {
  const unsure = predictions.flatMap((p) => {
    const rules = classifyByRules({ text: examples[p.index]!.text });
    return rules.error_type !== 'none' && rules.confidence < RULES_SURE && p.predicted !== rules.error_type && calibratedConfidence(calibration, p.probability) > rules.confidence ? [{ ...p, rules: rules.error_type }] : [];
  });
  const sweep = OVERRIDE_THRESHOLDS.map((threshold) => {
    const changed = unsure.filter((p) => p.probability >= threshold);
    return { threshold, changed: changed.length, fixed: changed.filter((p) => p.predicted === p.truth).length, broken: changed.filter((p) => p.rules === p.truth).length };
  });
  return { threshold: sweep.find((s) => s.fixed > s.broken)?.threshold ?? null, sweep };
}
