import type { Embedder } from '../../ports/retrieval.js';

// Words that say nothing about which failure it is.
const STOPWORDS = new Set(
  'the a an of to in on at for from by with and or is are was were be been has have had this that it its as not no java lang org apache flink com at more caused by sun jdk internal reflect util concurrent'.split(' '),
);

/** FNV-1a, 32 bit: fast, stable across runs and machines. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Words of an error text: Java names split into their parts (`TimeoutException` → timeout,
 * exception, timeoutexception), numbers, hex and ids dropped (they name instances, not failures).
 */
export function errorWords(text: string): string[] {
  const words: string[] = [];
  for (const raw of text.split(/[^A-Za-z0-9_$]+/)) {
    if (raw.length < 2 || /\d/.test(raw)) continue;
    const parts = raw.split(/(?<=[a-z])(?=[A-Z])|_|\$/).map((p) => p.toLowerCase()).filter((p) => p.length > 1);
    for (const part of parts) if (!STOPWORDS.has(part)) words.push(part);
    if (parts.length > 1) words.push(raw.toLowerCase());
  }
  return words;
}

/**
 * The embedded default embedder: feature hashing of words and word pairs into a fixed-size,
 * L2-normalised vector (sublinear term frequency, signed hashing to cancel collisions). Lexical
 * rather than semantic, but deterministic, instant and offline — and error texts are lexical:
 * exception class names and Flink's fixed messages carry the meaning.
 */
export class HashingEmbedder implements Embedder {
  readonly model: string;

  constructor(readonly dimension = 2048) {
    this.model = `hashing-v1-${dimension}`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): number[] {
    const counts = new Map<string, number>();
    const words = errorWords(text);
    for (let i = 0; i < words.length; i++) {
      counts.set(words[i]!, (counts.get(words[i]!) ?? 0) + 1);
      // Pairs keep phrases apart: "heap space" vs "metaspace", "expired before completing".
      if (i > 0) counts.set(`${words[i - 1]} ${words[i]}`, (counts.get(`${words[i - 1]} ${words[i]}`) ?? 0) + 1);
    }
    const vector = new Array<number>(this.dimension).fill(0);
    for (const [feature, count] of counts) {
      const hash = fnv1a(feature);
      vector[hash % this.dimension]! += (hash & 0x80000000 ? -1 : 1) * (1 + Math.log(count));
    }
    const norm = Math.hypot(...vector) || 1;
    return vector.map((v) => v / norm);
  }
}
