import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { classifyEvent } from '../stages/classify/classify-event.js';
import { splitLogText } from '../stages/classify/log-lines.js';

type Format = 'auto' | 'ndjson' | 'raw';

function emit(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function classifyRecord(record: unknown, line: number): { ok: boolean } {
  if (record === null || typeof record !== 'object' || typeof (record as { text?: unknown }).text !== 'string') {
    emit({ line, error: 'expected a JSON object with a string "text" field' });
    return { ok: false };
  }
  const { text, level, id } = record as { text: string; level?: unknown; id?: unknown };
  const result = classifyEvent(text, typeof level === 'string' ? level : null);
  emit({ ...(id === undefined ? {} : { id }), line, ...result });
  return { ok: true };
}

export function registerClassifyCommand(program: Command): void {
  program
    .command('classify')
    .description('Classify error texts: one NDJSON result per input (error_type, subtype, fingerprint, confidence, root_cause).')
    .argument('[file]', 'input file (default: stdin)')
    .option('--format <format>', 'ndjson (objects with a "text" field, optional "level" and "id"), raw (log text; continuation lines join their event), or auto', 'auto')
    .addHelpText(
      'after',
      `
Examples:
  echo '{"text":"java.lang.OutOfMemoryError: Metaspace"}' | pipeline-doctor classify
  pipeline-doctor classify --format raw taskmanager.log

error_type is one of checkpoint_failure, backpressure, deserialization_error, oom, network,
other, or none for a line that is not an error. Same code path as the classify stage.
A bad NDJSON line gives {"line":N,"error":"…"} and the exit code 3; the other lines still run.`,
    )
    .action(async (file: string | undefined, options: { format: string }) => {
      if (!['auto', 'ndjson', 'raw'].includes(options.format)) throw new Error(`--format must be auto, ndjson or raw, not ${options.format}`);
      let format = options.format as Format;
      const input = file ? createReadStream(file, { encoding: 'utf8' }) : process.stdin.setEncoding('utf8');
      const lines = createInterface({ input, crlfDelay: Infinity });
      let bad = 0;
      let n = 0;
      const rawLines: string[] = [];
      for await (const line of lines) {
        n++;
        if (format === 'auto' && line.trim()) format = line.trimStart().startsWith('{') ? 'ndjson' : 'raw';
        if (format === 'raw') {
          rawLines.push(line);
          continue;
        }
        if (!line.trim()) continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch (err) {
          emit({ line: n, error: `not JSON: ${(err as Error).message}` });
          bad++;
          continue;
        }
        if (!classifyRecord(record, n).ok) bad++;
      }
      if (format === 'raw') {
        let index = 0;
        for (const event of splitLogText(rawLines.join('\n'))) emit({ event: ++index, ...classifyEvent(event) });
      }
      if (bad > 0) process.exitCode = 3;
    });
}
