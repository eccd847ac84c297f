import type { Command } from 'commander';
import { classifyEvent } from '../stages/classify/classify-event.js';
import { needsReview, ReviewQueue } from '../stages/classify/review.js';
import { ReloadingTextModel, type ModelLog } from '../stages/classify/text-model.js';
import { parseFormat, readErrorInputs } from './error-input.js';
import { defaultModelPath } from './train-command.js';

function emit(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

// stdout carries the results: the model's load messages go to stderr.
const stderrLog: ModelLog = {
  info: (details, message) => process.stderr.write(`classify: ${message} ${JSON.stringify(details)}\n`),
  warn: (details, message) => process.stderr.write(`classify: warning: ${message} ${JSON.stringify(details)}\n`),
};

/**
 * Classifies one text the way the stage does (rules, then the model where they are unsure) and
 * either prints the result or, with --review, only counts it in the review groups.
 */
class Classifier {
  constructor(
    private readonly models: ReloadingTextModel,
    private readonly review: ReviewQueue | undefined,
  ) {}

  handle(text: string, level: string | null, where: { id?: unknown; line?: number; event?: number }): void {
    const model = this.models.current();
    const result = classifyEvent(text, level, model ? { model } : {});
    const flagged = needsReview(result);
    if (!this.review) emit({ ...(where.id === undefined ? {} : { id: where.id }), ...(where.line === undefined ? {} : { line: where.line }), ...(where.event === undefined ? {} : { event: where.event }), ...result, needs_review: flagged });
    else if (flagged && result.fingerprint !== null) this.review.add({ ...result, fingerprint: result.fingerprint }, text, where.line ?? where.event ?? 0);
  }
}

export function registerClassifyCommand(program: Command): void {
  program
    .command('classify')
    .description('Classify error texts: one NDJSON result per input (error_type, subtype, fingerprint, confidence, root_cause, decided_by, needs_review).')
    .argument('[file]', 'input file (default: stdin)')
    .option('--format <format>', 'ndjson (objects with a "text" field, optional "level" and "id"), raw (log text; continuation lines join their event), or auto', 'auto')
    .option('--model <path>', 'model file from `pipeline-doctor train` (default: PD_CLASSIFIER_MODEL or .stack/models/classifier.json; rules only while it is missing)')
    .option('--review', 'print only the errors that need review, grouped by fingerprint, most frequent first')
    .addHelpText(
      'after',
      `
Examples:
  echo '{"text":"java.lang.OutOfMemoryError: Metaspace"}' | pipeline-doctor classify
  pipeline-doctor classify --format raw taskmanager.log
  pipeline-doctor classify --review --format raw taskmanager.log

error_type is one of checkpoint_failure, backpressure, deserialization_error, oom, network,
other, or none for a line that is not an error. Same code path as the classify stage: the rules
decide, the trained model only where they are unsure (decided_by "model"); the model file is
re-read when it changes.
--review prints one line per fingerprint of the errors no rule names (other/unknown) or with a
confidence below 0.7: count, first_seen/last_seen (input line, or event number for raw text),
the current label and a sample text.
A bad NDJSON line gives {"line":N,"error":"…"} and the exit code 3; the other lines still run.`,
    )
    .action(async (file: string | undefined, options: { format: string; model?: string; review?: boolean }) => {
      const format = parseFormat(options.format);
      const review = options.review ? new ReviewQueue() : undefined;
      const classifier = new Classifier(new ReloadingTextModel(options.model ?? defaultModelPath(), { log: stderrLog }), review);
      let bad = 0;
      for await (const input of readErrorInputs(file, format)) {
        if (input.kind === 'bad') {
          emit({ line: input.line, error: input.error });
          bad++;
          continue;
        }
        classifier.handle(input.text, input.level, { id: input.id, line: input.line, event: input.event });
      }
      for (const entry of review?.entries() ?? []) emit(entry);
      if (bad > 0) process.exitCode = 3;
    });
}
