import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { splitLogText } from '../stages/classify/log-lines.js';

export type InputFormat = 'auto' | 'ndjson' | 'raw';

/** One error text to handle, or a line that could not be read (reported, never dropped). */
export type ErrorInput =
  | { kind: 'text'; text: string; level: string | null; id?: unknown; line?: number; event?: number }
  | { kind: 'bad'; line: number; error: string };

export function parseFormat(value: string): InputFormat {
  if (!['auto', 'ndjson', 'raw'].includes(value)) throw new Error(`--format must be auto, ndjson or raw, not ${value}`);
  return value as InputFormat;
}

/**
 * Reads error texts from a file or stdin, as the `classify` and `diagnose` commands take them:
 * NDJSON objects with a "text" field (optional "level", "id"), or raw log text whose
 * continuation lines join their event. `auto` decides by the first non-empty line.
 */
export async function* readErrorInputs(file: string | undefined, requested: InputFormat): AsyncGenerator<ErrorInput> {
  let format = requested;
  const input = file ? createReadStream(file, { encoding: 'utf8' }) : process.stdin.setEncoding('utf8');
  const rawLines: string[] = [];
  let n = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
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
      yield { kind: 'bad', line: n, error: `not JSON: ${(err as Error).message}` };
      continue;
    }
    if (record === null || typeof record !== 'object' || typeof (record as { text?: unknown }).text !== 'string') {
      yield { kind: 'bad', line: n, error: 'expected a JSON object with a string "text" field' };
      continue;
    }
    const { text, level, id } = record as { text: string; level?: unknown; id?: unknown };
    yield { kind: 'text', text, level: typeof level === 'string' ? level : null, id, line: n };
  }
  if (format === 'raw') {
    let index = 0;
    for (const event of splitLogText(rawLines.join('\n'))) yield { kind: 'text', text: event, level: null, event: ++index };
  }
}
