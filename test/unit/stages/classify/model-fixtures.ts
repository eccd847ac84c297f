import { TextModel, type TrainingExample } from '../../../../src/stages/classify/text-model.js';
import { ERROR_TYPES } from '../../../../src/stages/classify/taxonomy.js';

/** An error no rule names: the rules answer other/unknown with low confidence. */
export const frob = (n: number) => `com.acme.FrobnicatorException: frobnication of widget ${n} failed\n\tat com.acme.frob.Frobnicator.run(Frobnicator.java:${n})`;

const letters = (n: number): string => (n < 26 ? '' : letters(Math.floor(n / 26) - 1)) + String.fromCharCode(97 + (n % 26));

/** Texts of made-up words for every type, so each type has a vocabulary like a real model's. */
export const background: TrainingExample[] = ERROR_TYPES.flatMap((label, t) =>
  Array.from({ length: 5 }, (_, i) => ({ text: `com.example.ThingException: ${Array.from({ length: 15 }, (_, w) => `word${letters(t * 1000 + i * 15 + w)}`).join(' ')}`, label })),
);

/**
 * A model trained on `examples` plus the background, whose cross-validated predictions were right
 * 99 times in 100 and whose training run let it replace unsure rule decisions from 0.99.
 */
export function calibratedModel(examples: TrainingExample[]): TextModel {
  return TextModel.train([...examples, ...background], { calibration: [{ min_probability: 0, correct: 99, total: 99 }], overrideMinProbability: 0.99 });
}
