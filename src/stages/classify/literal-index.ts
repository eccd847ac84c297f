// Literal prefilter. A rule's regex is tried on a text only when the text contains one of the
// rule's required literals: strings that every match of the regex contains, read off the regex
// source (`Checkpoint (?:\d+ )?expired before completing` needs "expired before completing";
// `A|B` needs a literal of A or one of B). One pass over the text finds all literals present
// (`LiteralIndex`), so a text no rule can match (most of them) costs that pass instead of a regex
// pass per rule, and a text that can match is tried against a rule or two rather than every rule
// before the one that matches. Literals compare ASCII case-insensitively, which covers `i` and
// case-sensitive rules alike: a rule that matches always has its literal in the text, so the
// first matching rule is the one that trying every rule in order would find.

/** A regex construct the literal reader does not handle: the rule is then always tried. */
class UnsupportedSyntax extends Error {}

/** One item of a regex: a literal character, any other one-character item, a zero-width one, a group. */
type Atom = { kind: 'char'; ch: string } | { kind: 'other' } | { kind: 'empty' } | { kind: 'group'; literals: string[] | null };

// Words ordinary Flink logs are full of ("Completed checkpoint 12", "Could not fetch …"): a
// literal made of nothing else lets most texts through, so a rule's other parts are preferred.
// This only decides how fast the filter is: any required literal gives the same results.
const COMMON_WORDS = new Set(['checkpoint', 'could', 'not', 'failed', 'to', 'cannot', 'the', 'recover', 'restore']);

function isCommon(literal: string): boolean {
  return literal.split(/[^a-z]+/).every((word) => word === '' || COMMON_WORDS.has(word));
}

/** How well a required-literal set filters, by its weakest literal: a common one is weakest, else the longer the rarer. */
function filterStrength(literals: string[]): number {
  return Math.min(...literals.map((l) => (isCommon(l) ? 0 : 1000) + l.length));
}

/**
 * Lower-cased literals, one of which every match of `source` contains, or null when there is no
 * such set (an alternative with no fixed text, or syntax outside what rules use: then "unknown").
 */
export function requiredLiterals(source: string): string[] | null {
  let pos = 0;

  // A|B|C: a match of any alternative needs that alternative's literals.
  function alternation(): string[] | null {
    const all: string[] = [];
    for (;;) {
      const literals = sequence();
      if (literals === null) return null;
      all.push(...literals);
      if (source[pos] !== '|') return [...new Set(all)];
      pos++;
    }
  }

  // A sequence needs each of its mandatory parts; keep the best: a run of consecutive literal
  // characters, or the literal set of a mandatory group.
  function sequence(): string[] | null {
    let best: string[] | null = null;
    let run = '';
    const consider = (literals: string[] | null) => {
      if (literals && (best === null || filterStrength(literals) > filterStrength(best))) best = literals;
    };
    const endRun = () => {
      if (run) consider([run]);
      run = '';
    };
    while (pos < source.length && source[pos] !== '|' && source[pos] !== ')') {
      const atom = readAtom();
      const { min, max } = readQuantifier();
      if (atom.kind === 'char' && min >= 1) {
        run += atom.ch;
        if (max !== 1) endRun(); // `ab+c` needs "ab" and "c", not "abc"
        continue;
      }
      endRun();
      if (atom.kind === 'group' && min >= 1) consider(atom.literals);
    }
    endRun();
    return best;
  }

  function readAtom(): Atom {
    const c = source[pos++]!;
    if (c === '(') {
      let lookaround = false;
      if (source.startsWith('?:', pos)) pos += 2;
      else if (source.startsWith('?=', pos) || source.startsWith('?!', pos)) [pos, lookaround] = [pos + 2, true];
      else if (source.startsWith('?<=', pos) || source.startsWith('?<!', pos)) [pos, lookaround] = [pos + 3, true];
      else if (source[pos] === '?') throw new UnsupportedSyntax(); // named groups: not used by the rules
      const literals = alternation();
      if (source[pos++] !== ')') throw new UnsupportedSyntax();
      return lookaround ? { kind: 'empty' } : { kind: 'group', literals };
    }
    if (c === '[') {
      while (pos < source.length && source[pos] !== ']') pos += source[pos] === '\\' ? 2 : 1;
      if (source[pos++] !== ']') throw new UnsupportedSyntax();
      return { kind: 'other' };
    }
    if (c === '\\') {
      const e = source[pos++];
      if (e === undefined) throw new UnsupportedSyntax();
      if ('dDsSwWnrtfv0'.includes(e)) return { kind: 'other' };
      if (e === 'b' || e === 'B' || (e >= '1' && e <= '9')) return { kind: 'empty' }; // assertions, back-references
      if (/[A-Za-z]/.test(e) || e.charCodeAt(0) > 127) throw new UnsupportedSyntax(); // \u, \x, \p, \k, \c, …
      return { kind: 'char', ch: e }; // an escaped punctuation character stands for itself
    }
    if (c === '.') return { kind: 'other' };
    if (c === '^' || c === '$') return { kind: 'empty' };
    if ('*+?{}]'.includes(c) || c.charCodeAt(0) > 127) throw new UnsupportedSyntax();
    return { kind: 'char', ch: c.toLowerCase() };
  }

  function readQuantifier(): { min: number; max: number } {
    const c = source[pos];
    let q = { min: 1, max: 1 };
    if (c === '?') q = { min: 0, max: 1 };
    else if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(pos));
      if (!m) throw new UnsupportedSyntax();
      pos += m[0].length - 1;
      q = { min: Number(m[1]), max: m[2] === undefined ? Number(m[1]) : m[3] ? Number(m[3]) : Infinity };
    } else return q;
    pos++;
    if (source[pos] === '?') pos++; // lazy
    return q;
  }

  try {
    const literals = alternation();
    if (pos !== source.length) throw new UnsupportedSyntax();
    return literals;
  } catch (e) {
    if (e instanceof UnsupportedSyntax) return null;
    throw e;
  }
}

/**
 * The required literals of a list of patterns, all found in one pass over a text by an
 * Aho–Corasick automaton: a trie of the literals in which every missing edge is filled in (with
 * where the longest matching suffix would continue), so each character of the text is one table
 * step, and the state reached says which literals end at that character. Letters are folded to
 * lower case; characters no literal contains share one column.
 */
export class LiteralIndex {
  /** Table column of each ASCII character (0: in no literal; non-ASCII never is). */
  private readonly column = new Uint8Array(128);
  /** `next[state + column]`: the next state. A state is its row's offset (number × width). */
  private readonly next: Int32Array;
  /** 1 at the states where some literal ends. */
  private readonly accepting: Uint8Array;
  /** The patterns whose literals end at an accepting state. */
  private readonly endsAt = new Map<number, number[]>();
  /** Patterns with no known literal: always possible. */
  private readonly always: number[] = [];

  constructor(patterns: readonly RegExp[]) {
    const needing = new Map<string, number[]>();
    patterns.forEach((pattern, p) => {
      // With `u` or `v`, `i` also folds non-ASCII letters onto ASCII ones (ſ, K): not covered.
      const literals = /[uv]/.test(pattern.flags) ? null : requiredLiterals(pattern.source);
      if (literals === null) this.always.push(p);
      else for (const literal of literals) needing.set(literal, [...(needing.get(literal) ?? []), p]);
    });
    // Literals are lower-case ASCII (see `requiredLiterals`): one column per character they use.
    let width = 1;
    for (const literal of needing.keys()) for (let i = 0; i < literal.length; i++) this.column[literal.charCodeAt(i)] ||= width++;
    for (let c = 65; c <= 90; c++) this.column[c] = this.column[c | 32]!;

    // The trie: children[state][column] (-1: none), and the patterns of the literals ending there.
    const children: Int32Array[] = [new Int32Array(width).fill(-1)];
    const ends: number[][] = [[]];
    for (const [literal, ps] of needing) {
      let state = 0;
      for (let i = 0; i < literal.length; i++) {
        const col = this.column[literal.charCodeAt(i)]!;
        if (children[state]![col]! < 0) {
          children[state]![col] = children.length;
          children.push(new Int32Array(width).fill(-1));
          ends.push([]);
        }
        state = children[state]![col]!;
      }
      ends[state]!.push(...ps);
    }
    // Breadth first, each state's suffix link (`fallback`) is known before its children: a missing
    // edge goes where the fallback's edge goes, and a state also ends its fallback's literals.
    const states = children.length;
    const next = new Int32Array(states * width);
    const fallback = new Int32Array(states);
    const queue: number[] = [];
    for (let col = 0; col < width; col++) {
      const child = children[0]![col]!;
      next[col] = Math.max(child, 0);
      if (child > 0) queue.push(child);
    }
    for (let q = 0; q < queue.length; q++) {
      const state = queue[q]!;
      ends[state] = [...new Set([...ends[state]!, ...ends[fallback[state]!]!])];
      for (let col = 0; col < width; col++) {
        const child = children[state]![col]!;
        const viaFallback = next[fallback[state]! * width + col]!;
        if (child < 0) next[state * width + col] = viaFallback;
        else {
          next[state * width + col] = child;
          fallback[child] = viaFallback;
          queue.push(child);
        }
      }
    }
    // Rows as offsets, so that a step is one lookup.
    for (let i = 0; i < next.length; i++) next[i] = next[i]! * width;
    this.next = next;
    this.accepting = new Uint8Array(states * width);
    ends.forEach((ps, state) => {
      if (ps.length === 0) return;
      this.accepting[state * width] = 1;
      this.endsAt.set(state * width, ps);
    });
  }

  /**
   * Sets `possible[p]` to 1 for each pattern p that may match `text` (one of its literals
   * occurs), 0 for the others; returns how many are possible.
   */
  scan(text: string, possible: Uint8Array): number {
    possible.fill(0);
    let count = 0;
    for (const p of this.always) {
      possible[p] = 1;
      count++;
    }
    const { column, next, accepting } = this;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      state = next[state + (c < 128 ? column[c]! : 0)]!;
      if (accepting[state] === 0) continue;
      for (const p of this.endsAt.get(state)!) {
        if (!possible[p]) {
          possible[p] = 1;
          count++;
        }
      }
    }
    return count;
  }
}
