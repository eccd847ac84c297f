import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ENV_VARS } from '../core/config.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import type { TrainingExample } from '../stages/classify/text-model.js';
import { parseLabelledLine, readCorpusSplit, readIdList, trainModel, type LabelledText } from '../stages/classify/training.js';
import { ERROR_TYPES, type ErrorType } from '../stages/classify/taxonomy.js';

const BUNDLED_CORPUS = join(PACKAGE_ROOT, 'test', 'fixtures', 'flink-errors', 'corpus.jsonl');

/** PD_CLASSIFIER_MODEL or its default: where `train` writes and the classifier reads. */
export function defaultModelPath(): string {
  // The variable is declared with a default in config.ts.
  return process.env.PD_CLASSIFIER_MODEL || ENV_VARS.PD_CLASSIFIER_MODEL.default!;
}

interface Tally {
  used: number;
  heldOut: number;
  none: number;
  excluded: number;
  bad: number;
}

/**
 * The usable error texts of one NDJSON file. Bad lines are reported on stderr with their line
 * number and counted; held-out entries (by the split next to a corpus), `--exclude-ids` entries
 * and `none` entries (the rules decide what is an error) are counted and left out.
 */
export function readLabelled(path: string, options: { split: boolean; exclude: Set<string> }): { examples: TrainingExample[]; tally: Tally } {
  const split = options.split ? readCorpusSplit(path) : undefined;
  const tally: Tally = { used: 0, heldOut: 0, none: 0, excluded: 0, bad: 0 };
  const examples: TrainingExample[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (!line.trim()) return;
      const parsed = parseLabelledLine(line);
      if (!parsed.ok) {
        process.stderr.write(`${path}:${index + 1}: ${parsed.reason} (line skipped)\n`);
        tally.bad++;
        return;
      }
      const entry: LabelledText = parsed.entry;
      if (entry.id !== undefined && options.exclude.has(entry.id)) tally.excluded++;
      else if (split?.isHeldOut(entry.id)) tally.heldOut++;
      else if (entry.error_type === 'none') tally.none++;
      else {
        examples.push({ text: entry.text, label: entry.error_type as ErrorType, subtype: entry.subtype });
        tally.used++;
      }
    });
  return { examples, tally };
}

function describeTally(path: string, t: Tally): string {
  const parts = [`${t.used} used`, ...(t.heldOut ? [`${t.heldOut} held out`] : []), `${t.none} none`, ...(t.excluded ? [`${t.excluded} excluded`] : []), `${t.bad} bad`];
  return `${path}: ${parts.join(', ')}`;
}

// Repeatable options; no default array, so --help does not print an empty one.
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('Train the learned classifier from labelled NDJSON and write its model file (a running pipeline reloads it).')
    .option('--corpus <file>', 'labelled NDJSON {text, error_type, subtype?, id?}; repeatable (default: the bundled corpus, dev split only)', collect)
    .option('--feedback <file>', 'more labelled NDJSON, e.g. operators\' corrections; used whole (no split); repeatable', collect)
    .option('--exclude-ids <file>', 'ids (one per line, # comments) never to train on; repeatable', collect)
    .option('--out <path>', 'model file (default: PD_CLASSIFIER_MODEL or .stack/models/classifier.json)')
    .option('--folds <k>', 'folds of the cross-validation', '5')
    .addHelpText(
      'after',
      `
The model is naive Bayes over the words of the exception chain. The classifier asks it only
when the rules are unsure (no rule, a frame or generic rule) and lets it change the decision only
when its posterior is very high; confident rule decisions are never changed.

Held out: when a dev-ids.txt lies next to a corpus file, only the ids it lists are trained on,
minus the ids of any heldout*.txt there. Entries labelled none are skipped (the rules decide
what is an error). A bad line is reported as file:line: reason, skipped and counted; the model
is still written and the exit code is 3.

The summary gives the entries per label and the k-fold cross-validated F1 of the model alone on
the training data. The file is written to a temporary name and renamed, so a running pipeline
or classify command never reads half a model; they pick it up within 5 s.

Examples:
  pipeline-doctor train
  pipeline-doctor train --feedback corrections.ndjson --out /var/lib/pd/classifier.json`,
    )
    .action((options: { corpus?: string[]; feedback?: string[]; excludeIds?: string[]; out?: string; folds: string }) => {
      const folds = Number(options.folds);
      if (!Number.isInteger(folds) || folds < 2) throw new Error(`--folds must be an integer ≥ 2, not ${options.folds}`);
      const exclude = new Set((options.excludeIds ?? []).flatMap((file) => [...readIdList(file)]));
      const sources = [...(options.corpus ?? [BUNDLED_CORPUS]).map((path) => ({ path, split: true })), ...(options.feedback ?? []).map((path) => ({ path, split: false }))];
      const examples: TrainingExample[] = [];
      let bad = 0;
      for (const source of sources) {
        const read = readLabelled(source.path, { split: source.split, exclude });
        examples.push(...read.examples);
        bad += read.tally.bad;
        process.stdout.write(`${describeTally(source.path, read.tally)}\n`);
      }
      if (examples.length === 0) throw new Error('no labelled error texts to train on');

      const { model, crossValidation, override } = trainModel(examples, { folds });
      const out = options.out ?? defaultModelPath();
      model.save(out);

      process.stdout.write('label                   entries  CV F1\n');
      for (const label of ERROR_TYPES) {
        const f1 = crossValidation?.perLabel.find((s) => s.label === label)?.f1;
        process.stdout.write(`${label.padEnd(22)}${String(examples.filter((e) => e.label === label).length).padStart(9)}  ${f1 === undefined ? '-' : f1.toFixed(3)}\n`);
      }
      process.stdout.write(
        crossValidation
          ? `${folds}-fold cross-validated, model alone: macro-F1 ${crossValidation.macroF1.toFixed(3)}, accuracy ${crossValidation.accuracy.toFixed(3)}\n`
          : `fewer than ${folds} texts: no cross-validation, so the model will not change any decision\n`,
      );
      if (override) {
        const tried = override.sweep.map((t) => `${t.threshold}: ${t.fixed} fixed / ${t.broken} broken of ${t.changed}`).join('; ');
        process.stdout.write(
          override.threshold === null
            ? `the model replaces no rule decision: in cross-validation no threshold fixed more unsure rule decisions than it broke (${tried})\n`
            : `the model may replace unsure rule decisions at posterior ≥ ${override.threshold} (cross-validated: ${tried})\n`,
        );
      }
      process.stdout.write(`wrote ${out} (version ${model.json.version}, ${examples.length} texts); a running pipeline loads it within 5 s\n`);
      if (bad > 0) process.exitCode = 3;
    });
}
