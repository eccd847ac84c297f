import { existsSync } from 'node:fs';
import type { FeedbackStore } from '../../adapters/mysql/feedback-store.js';
import { trainingLine } from '../../cli/feedback-command.js';
import { readLabelled } from '../../cli/train-command.js';
import type { TrainingExample } from '../../stages/classify/text-model.js';
import { parseLabelledLine, trainModel } from '../../stages/classify/training.js';
import type { ErrorType } from '../../stages/classify/taxonomy.js';
import type { ScheduledJob } from '../scheduler.js';

export interface RetrainOptions {
  intervalMs: number;
  /** Labelled NDJSON files, read as `train --corpus` reads them (dev split only when a dev-ids.txt lies beside). */
  corpus: string[];
  /** Operators' corrected types, as `feedback export` writes them; absent: the corpus alone. */
  feedback?: Pick<FeedbackStore, 'corrections'>;
  /** PD_CLASSIFIER_MODEL: written atomically; running classify stages reload it within 5 s. */
  modelPath: string;
  folds?: number;
}

/**
 * `feedback export` + `train --corpus … --feedback …` as one job: the same readers, the same
 * export line per correction, the same training and the same atomic model write. Per instance:
 * the model file is local to the host that classifies with it.
 */
export function retrainJob(o: RetrainOptions): ScheduledJob {
  return {
    name: 'retrain',
    intervalMs: o.intervalMs,
    scope: 'instance',
    description: `classifier: ${o.corpus.join(', ')}${o.feedback ? ' + corrected types from MySQL' : ''} → ${o.modelPath}`,
    async run(ctx) {
      const examples: TrainingExample[] = [];
      let corpus = 0;
      let badLines = 0;
      for (const path of o.corpus) {
        if (!existsSync(path)) throw new Error(`training corpus ${path} not found (PD_RETRAIN_CORPUS)`);
        const read = readLabelled(path, { split: true, exclude: new Set() });
        examples.push(...read.examples);
        corpus += read.tally.used;
        badLines += read.tally.bad;
      }
      let feedback = 0;
      let feedbackSkipped = 0;
      if (o.feedback) {
        for await (const correction of o.feedback.corrections()) {
          const parsed = parseLabelledLine(trainingLine(correction));
          if (!parsed.ok || parsed.entry.error_type === 'none') {
            feedbackSkipped++;
            continue;
          }
          examples.push({ text: parsed.entry.text, label: parsed.entry.error_type as ErrorType, subtype: parsed.entry.subtype });
          feedback++;
        }
      }
      if (examples.length === 0) throw new Error('no labelled error texts to train on');
      ctx.checkpoint();
      const { model, crossValidation } = trainModel(examples, { folds: o.folds ?? 5 });
      // Not after the claim was lost or during shutdown: the other run writes the file.
      ctx.checkpoint();
      model.save(o.modelPath);
      return {
        rows: examples.length,
        detail: {
          corpus,
          feedback,
          feedback_skipped: feedbackSkipped,
          bad_lines: badLines,
          macro_f1: crossValidation ? Number(crossValidation.macroF1.toFixed(4)) : null,
          accuracy: crossValidation ? Number(crossValidation.accuracy.toFixed(4)) : null,
          model: o.modelPath,
          trained_at: model.json.trained_at,
        },
      };
    },
  };
}
