import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { parseExceptionChain } from './exception-chain.js';
import { ERROR_TYPES, type ErrorType } from './taxonomy.js';

/**
 * The learned half of the hybrid classifier: multinomial naive Bayes over the words of an
 * exception chain. Small enough to read here; the npm NB packages bring whole NLP stacks with
 * them. It only speaks where the rules have weak evidence (see classify-event.ts).
 */

// Split identifiers the way Java names are built (package.Class$Inner, camelCase) and words.
const WORD = /[A-Za-z][a-z]+|[A-Z]+(?![a-z])/g;

/** Words of the root cause (counted twice: it usually decides), the other causes and the top frames' packages. */
export function features(text: string): string[] {
  const chain = parseExceptionChain(text);
  const words = (s: string) => (s.match(WORD) ?? []).map((w) => w.toLowerCase()).filter((w) => w.length > 2);
  const root = chain.root;
  const out: string[] = [];
  if (root) {
    const rootWords = words(`${root.className} ${root.message.split('\n')[0]}`);
    out.push(...rootWords, ...rootWords);
    for (const frame of root.frames.slice(0, 3)) out.push(...words(frame.replace(/\(.*$/, '')).map((w) => `f:${w}`));
  }
  for (const node of chain.nodes) if (node !== root) out.push(...words(`${node.className} ${node.message.split('\n')[0]}`));
  out.push(...words(chain.preamble));
  return out;
}

export interface TextModelJson {
  version: 1;
  trainedOn: number;
  labels: Record<string, { docs: number; words: number; counts: Record<string, number> }>;
  vocabulary: number;
}

export class TextModel {
  private constructor(private readonly json: TextModelJson) {}

  static train(examples: { text: string; label: ErrorType }[]): TextModel {
    const labels: TextModelJson['labels'] = {};
    const vocabulary = new Set<string>();
    for (const label of ERROR_TYPES) labels[label] = { docs: 0, words: 0, counts: {} };
    for (const { text, label } of examples) {
      const entry = labels[label]!;
      entry.docs++;
      for (const w of features(text)) {
        entry.counts[w] = (entry.counts[w] ?? 0) + 1;
        entry.words++;
        vocabulary.add(w);
      }
    }
    return new TextModel({ version: 1, trainedOn: examples.length, labels, vocabulary: vocabulary.size });
  }

  static load(path: string): TextModel {
    const json = JSON.parse(readFileSync(path, 'utf8')) as TextModelJson;
    if (json.version !== 1) throw new Error(`${path}: unsupported model version ${String(json.version)}`);
    return new TextModel(json);
  }

  save(path: string): void {
    writeFileSync(path, `${JSON.stringify(this.json)}\n`);
  }

  get trainedOn(): number {
    return this.json.trainedOn;
  }

  /** Posterior over the six error types (Laplace smoothing), best first. */
  predict(text: string): { label: ErrorType; probability: number }[] {
    const words = features(text);
    const total = Object.values(this.json.labels).reduce((n, l) => n + l.docs, 0);
    const scores = ERROR_TYPES.map((label) => {
      const l = this.json.labels[label]!;
      let logp = Math.log((l.docs + 1) / (total + ERROR_TYPES.length));
      for (const w of words) logp += Math.log(((l.counts[w] ?? 0) + 1) / (l.words + this.json.vocabulary + 1));
      return { label, logp };
    });
    const max = Math.max(...scores.map((s) => s.logp));
    const sum = scores.reduce((n, s) => n + Math.exp(s.logp - max), 0);
    return scores.map((s) => ({ label: s.label, probability: Math.exp(s.logp - max) / sum })).sort((a, b) => b.probability - a.probability);
  }
}

/** A model file that is re-read when it changes on disk (after `pipeline-doctor train`). */
export class ReloadingTextModel {
  private model?: TextModel;
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(
    private readonly path: string,
    private readonly checkEveryMs = 5000,
  ) {}

  /** The current model, or undefined when there is no (valid) file. Cheap: stats the file at most every few seconds. */
  current(now = Date.now()): TextModel | undefined {
    if (now - this.checkedAt < this.checkEveryMs && this.checkedAt !== 0) return this.model;
    this.checkedAt = now;
    try {
      const mtime = statSync(this.path).mtimeMs;
      if (mtime !== this.mtimeMs) {
        this.model = TextModel.load(this.path);
        this.mtimeMs = mtime;
      }
    } catch {
      // No file (not trained yet) or a half-written one: keep what we had.
    }
    return this.model;
  }
}
