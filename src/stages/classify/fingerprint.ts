/**
 * Log-template fingerprints (docs/fingerprint.md).
 *
 * `maskVariables(text)` turns a log message into a template: whitespace collapsed, and every
 * token that is a variable in logs in general replaced by `<*>`. It is one hand-written pass
 * over the characters (no regex replace chain). `templateFingerprint` hashes that template into
 * 16 hex chars, `exceptionFingerprint` does the same for a root cause (class + masked message +
 * top frames without line numbers or generated-class suffixes).
 *
 * `TemplateMiner` is an optional second, batch stage for grouping a corpus: it re-tokenises the
 * masked templates and marks a token position as variable when, among messages that otherwise
 * share a template, it takes many different values.
 */

export const WILDCARD = '<*>';

// ---------------------------------------------------------------------------------------------
// Character classes (a 128-entry table; everything non-ASCII counts as a word char).

const C_SPACE = 1; // whitespace: separates words, collapsed to one space
const C_DIGIT = 2;
const C_UPPER = 4;
const C_LOWER = 8;
const C_DELIM = 16; // splits a word into sub-tokens, kept verbatim: , ; : ( ) [ ] { } < > " ' | = @ / \ `
const C_HEX = 32; // a-f A-F

const CLASS = new Uint8Array(128);
for (const ch of ' \t\n\r\f\v') CLASS[ch.charCodeAt(0)] = C_SPACE;
for (let c = 48; c <= 57; c++) CLASS[c] = C_DIGIT | C_HEX;
for (let c = 65; c <= 90; c++) CLASS[c] = C_UPPER;
for (let c = 97; c <= 122; c++) CLASS[c] = C_LOWER;
for (const ch of 'abcdefABCDEF') CLASS[ch.charCodeAt(0)]! |= C_HEX;
for (const ch of ',;:()[]{}<>"\'|=@/\\`') CLASS[ch.charCodeAt(0)] = C_DELIM;

function cls(c: number): number {
  return c < 128 ? CLASS[c]! : 0;
}

const CH_SLASH = 47;
const CH_COLON = 58;
const CH_EQ = 61;
const CH_DOT = 46;
const CH_DQ = 34;
const CH_SQ = 39;

// Units that, as the next word after a masked number, belong to the value ("512 mb", "30 s").
const UNITS = new Set([
  'b', 'kb', 'mb', 'gb', 'tb', 'kib', 'mib', 'gib', 'tib', 'k', 'm', 'g', 'byte', 'bytes',
  'ns', 'us', 'µs', 'ms', 's', 'sec', 'secs', 'second', 'seconds', 'millis', 'milliseconds', 'min', 'mins', 'minute', 'minutes', 'h', 'hr', 'hrs', 'hour', 'hours', 'day', 'days',
]);

/**
 * Is a sub-token that contains a digit still a constant? Code identifiers with a digit inside
 * (`Http2Exception`, `S3AFileSystem`, `Log4jLoggerFactory`, `org.apache.hadoop.fs.s3a.S3AFileSystem`)
 * are: CamelCase (an upper-case letter followed by a lower-case one), digits not at the end, only
 * identifier characters and dots.
 */
function isCodeIdentifier(s: string, from: number, to: number): boolean {
  const first = s.charCodeAt(from);
  if (!(cls(first) & (C_UPPER | C_LOWER))) return false;
  const last = s.charCodeAt(to - 1);
  if (!(cls(last) & (C_UPPER | C_LOWER))) return false;
  let camel = false;
  let prevUpper = false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    const k = cls(c);
    if (k & C_UPPER) prevUpper = true;
    else if (k & C_LOWER) {
      if (prevUpper) camel = true;
      prevUpper = false;
    } else if (k & C_DIGIT) prevUpper = false;
    else if (c === 95 /* _ */ || c === 36 /* $ */) prevUpper = false;
    else if (c === CH_DOT) {
      prevUpper = false;
      const n = i + 1 < to ? s.charCodeAt(i + 1) : 0;
      if (!(cls(n) & (C_UPPER | C_LOWER))) return false;
    } else return false;
  }
  return camel;
}

/** Is s[from,to) a variable? Anything with a digit (bar code identifiers), long hex, 0x…. */
function isVariable(s: string, from: number, to: number, flags: number): boolean {
  if (flags & C_DIGIT) return !isCodeIdentifier(s, from, to);
  return false;
}

/**
 * Masks one whitespace-free word s[from,to) and appends the result to `out`. Returns the new
 * `out`. `afterEq` carries "the previous sub-token ended with `=`" across sub-tokens.
 */
function maskWord(s: string, from: number, to: number, out: string[]): void {
  // URLs (scheme://…) and absolute paths are one variable each, up to trailing punctuation.
  let i = from;
  // Leading brackets/quotes stay.
  while (i < to && cls(s.charCodeAt(i)) & C_DELIM && s.charCodeAt(i) !== CH_SLASH) i++;
  if (i > from) out.push(s.slice(from, i));
  if (i >= to) return;
  const c0 = s.charCodeAt(i);
  if (c0 === CH_SLASH && i + 1 < to && !(cls(s.charCodeAt(i + 1)) & (C_SPACE | C_DELIM))) {
    // Absolute path /a/b/c (or /10.0.0.1:50010): variable until a closing bracket/quote/comma.
    let j = i + 1;
    while (j < to) {
      const c = s.charCodeAt(j);
      if (c === 44 || c === 59 || c === 41 || c === 93 || c === 125 || c === CH_DQ || c === CH_SQ || c === 62) break; // , ; ) ] } " ' >
      j++;
    }
    // A trailing '.' or ':' ends a sentence, not the path.
    let e = j;
    while (e > i + 1 && (s.charCodeAt(e - 1) === CH_DOT || s.charCodeAt(e - 1) === CH_COLON)) e--;
    out.push(WILDCARD);
    if (e < to) maskWord(s, e, to, out);
    return;
  }
  // scheme://rest
  const p = s.indexOf('://', i);
  if (p > i && p < to) {
    let j = p + 3;
    while (j < to) {
      const c = s.charCodeAt(j);
      if (c === 44 || c === 59 || c === 41 || c === 93 || c === 125 || c === CH_DQ || c === CH_SQ || c === 62) break;
      j++;
    }
    let e = j;
    while (e > p + 3 && (s.charCodeAt(e - 1) === CH_DOT || s.charCodeAt(e - 1) === CH_COLON)) e--;
    out.push(s.slice(i, p + 3), WILDCARD);
    if (e < to) maskWord(s, e, to, out);
    return;
  }
  // Sub-tokens separated by delimiters.
  let start = i;
  let flags = 0;
  let afterEq = false;
  for (; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : -1;
    const k = c < 0 ? C_DELIM : cls(c);
    if (k & C_DELIM) {
      if (i > start) {
        if (afterEq || isVariable(s, start, i, flags)) out.push(WILDCARD);
        else out.push(s.slice(start, i));
      }
      if (c >= 0) {
        out.push(String.fromCharCode(c));
        afterEq = c === CH_EQ;
      }
      start = i + 1;
      flags = 0;
    } else flags |= k;
  }
}

/**
 * The template of a log message: whitespace runs collapsed to one space, variables replaced by
 * `<*>`, and runs of `<*>` joined only by spaces or `:`/`.`/`-`/`/` collapsed into one `<*>`.
 */
export function maskVariables(text: string): string {
  const parts: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && cls(text.charCodeAt(i)) & C_SPACE) i++;
    if (i >= n) break;
    const start = i;
    let flags = 0;
    while (i < n) {
      const k = cls(text.charCodeAt(i));
      if (k & C_SPACE) break;
      flags |= k;
      i++;
    }
    if (parts.length > 0) parts.push(' ');
    if (!(flags & (C_DIGIT | C_DELIM))) {
      parts.push(text.slice(start, i));
    } else {
      maskWord(text, start, i, parts);
    }
  }
  // Collapse: <*> followed by (space|:|.|-|/)* <*>.
  let out = '';
  let pendingSep = '';
  let lastWasVar = false;
  for (let p = 0; p < parts.length; p++) {
    const s = parts[p]!;
    if (s === WILDCARD) {
      if (!lastWasVar) out += pendingSep + WILDCARD;
      pendingSep = '';
      lastWasVar = true;
    } else if (lastWasVar && (s === ' ' || s === ':' || s === '/' )) {
      pendingSep += s;
    } else {
      out += pendingSep + s;
      pendingSep = '';
      lastWasVar = false;
    }
  }
  return out + pendingSep;
}

// ---------------------------------------------------------------------------------------------
// Hash: two independent 32-bit multiplicative hashes over the UTF-16 code units (cyrb53's mixing,
// both halves kept), 16 hex chars. Not cryptographic; ~64 bits against accidental collisions.

export function hash64(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return hex8(h2 >>> 0) + hex8(h1 >>> 0);
}

function hex8(x: number): string {
  const s = x.toString(16);
  return s.length === 8 ? s : '00000000'.slice(s.length) + s;
}

/** 16-hex fingerprint of a template (an already masked string). */
export function fingerprintOf(template: string): string {
  return hash64(template);
}

/** 16-hex fingerprint of a raw log message: `fingerprintOf(maskVariables(text))`. */
export function templateFingerprint(text: string): string {
  return hash64(maskVariables(text));
}

export interface MinedTemplate {
  template: string;
  fingerprint: string;
}

export class TemplateMiner {
  fit(messages: readonly string[]): MinedTemplate[] {
    return messages.map((m) => {
      const t = maskVariables(m);
      return { template: t, fingerprint: fingerprintOf(t) };
    });
  }
}
