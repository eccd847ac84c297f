import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { FeedbackStore, type Correction } from '../adapters/mysql/feedback-store.js';
import { createMysqlPool, migrateMysql } from '../adapters/mysql/mysql.js';
import { createLogger } from '../core/logger.js';
import { exceptionText } from '../stages/feedback/feedback-stage.js';
import { formatCount, loadConfigOrExit } from './shared.js';

/** One labelled line as `train --feedback` reads it; the id lets `--exclude-ids` leave it out. */
export function trainingLine(c: Correction): string {
  return JSON.stringify({ id: `feedback-${c.exception_id}`, text: exceptionText(c), error_type: c.error_type, ...(c.subtype ? { subtype: c.subtype } : {}) });
}

/** Writes a line, waiting when the stream's buffer is full (a large export must not pile up in memory). */
async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

export function registerFeedbackCommand(program: Command): void {
  const feedback = program.command('feedback').description('Operator feedback on diagnoses (topic feedback, POST /feedback, table diagnosis_feedback).');
  feedback
    .command('export')
    .description('Write the corrected error types as labelled NDJSON {id, text, error_type, subtype?}: training data for `train --feedback`.')
    .option('--out <file>', 'output file (default: stdout)')
    .addHelpText(
      'after',
      `
One line per exception whose type someone corrected, with its latest correction; the text is the
exception's error_message and stack_trace, as the classifier and the diagnosis read them. Ids are
feedback-<exception id>, so a list of them can be given to \`train --exclude-ids\`.

Example:
  pipeline-doctor feedback export --out corrections.ndjson
  pipeline-doctor train --feedback corrections.ndjson`,
    )
    .action(async (options: { out?: string }) => {
      const config = loadConfigOrExit();
      const out = options.out ? createWriteStream(options.out) : process.stdout;
      // A path that cannot be written fails here, before anything is read.
      if (options.out) await once(out, 'open');
      await migrateMysql(config.mysql.url, createLogger('warn'));
      const pool = createMysqlPool(config.mysql.url, 1);
      let lines = 0;
      try {
        for await (const correction of new FeedbackStore(pool).corrections()) {
          await writeLine(out, trainingLine(correction));
          lines++;
        }
      } finally {
        await pool.end();
        if (options.out) {
          out.end();
          await once(out, 'finish');
        }
      }
      process.stderr.write(`${formatCount(lines)} corrected exception(s) written${options.out ? ` to ${options.out}` : ''}\n`);
    });
}
