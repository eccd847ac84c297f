/**
 * Log-template fingerprints: one failure maps to one fingerprint across jobs and restarts,
 * different failures do not collide. Approach, rules, accuracy and speed: docs/fingerprint.md.
 *
 * Hot path (stateless, per event):
 *   maskVariables(text)        the template: whitespace collapsed, variables replaced by `<*>`
 *   templateFingerprint(text)  16 hex chars, = fingerprintOf(maskVariables(text)), without
 *                              building the template string
 *   exceptionFingerprint(...)  root-cause class + masked message + top frames (line numbers and
 *                              generated-class suffixes dropped)
 *
 * Optional batch stage: `TemplateMiner.fit(messages)` groups a corpus, turning into `<*>` the
 * token positions that vary a lot among messages that otherwise share a template.
 *
 * `maskVariables` is one hand-written pass over the characters (a char-class table, no regex):
 * words are split at whitespace, then at delimiters (`,;:()[]{}<>"'|=@/\` and backtick) into
 * sub-tokens; the result is recorded as ranges of the input plus `<*>`/space markers, then
 * adjacent variables are merged and the ranges are either concatenated or hashed directly.
 */

export const WILDCARD = '<*>';

// ---------------------------------------------------------------------------------------------
// Character classes (a table over UTF-16 code units; everything non-ASCII is a plain word char).

const C_SPACE = 1; // separates words; runs collapse to one space
const C_DIGIT = 2;
const C_UPPER = 4;
const C_LOWER = 8;
const C_DELIM = 16; // splits a word into sub-tokens and is kept verbatim
const C_HEX = 32; // 0-9 a-f A-F
const C_DOT = 64;

const CLASS = new Uint8Array(65536);
for (const ch of ' \t\n\r\f\v') CLASS[ch.charCodeAt(0)] = C_SPACE;
for (let c = 48; c <= 57; c++) CLASS[c] = C_DIGIT | C_HEX;
for (let c = 65; c <= 90; c++) CLASS[c] = C_UPPER;
for (let c = 97; c <= 122; c++) CLASS[c] = C_LOWER;
for (const ch of 'abcdefABCDEF') CLASS[ch.charCodeAt(0)]! |= C_HEX;
for (const ch of ',;:()[]{}<>"\'|=@/\\`') CLASS[ch.charCodeAt(0)] = C_DELIM;
CLASS[46] = C_DOT;

function cls(c: number): number {
  return CLASS[c]!;
}

const CH_SLASH = 47;
const CH_BACKSLASH = 92;
const CH_COLON = 58;
const CH_EQ = 61;
const CH_DOT = 46;
const CH_DQ = 34;
const CH_SQ = 39;
const CH_LT = 60;
const CH_GT = 62;

/** A quoted value is masked when it closes on the same line within this many chars, without spaces. */
const QUOTE_MAX = 200;

// Words that are part of an adjacent masked value: units right after a number ("512 mb",
// "30 s"), and date words next to one ("Fri Jun 17 10:00:01 2005", "10:00 PM UTC").
const UNITS = new Set([
  'b', 'kb', 'mb', 'gb', 'tb', 'kib', 'mib', 'gib', 'tib', 'k', 'm', 'g', 'byte', 'bytes',
  'ns', 'us', 'µs', 'ms', 's', 'sec', 'secs', 'second', 'seconds', 'millis', 'milliseconds',
  'min', 'mins', 'minute', 'minutes', 'h', 'hr', 'hrs', 'hour', 'hours', 'day', 'days',
]);
const DATE_WORDS = new Set([
  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Sept', 'Oct', 'Nov', 'Dec',
  'January', 'February', 'March', 'April', 'June', 'July', 'August', 'September', 'October', 'November', 'December',
  'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday',
  'JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN',
  'AM', 'PM', 'am', 'pm', 'UTC', 'GMT', 'CET', 'CEST', 'EST', 'EDT', 'CST', 'CDT', 'PST', 'PDT', 'MST', 'MDT', 'Z',
]);

// Host names: dotted labels ending in a top-level domain (any two-letter country code when the
// name has ≥ 2 dots). Java packages start with one, so a first label from CODE_ROOTS means code.
const GENERIC_TLDS = new Set(['com', 'net', 'org', 'edu', 'gov', 'mil', 'int', 'io', 'info', 'biz', 'cloud', 'app', 'dev', 'local', 'localdomain', 'internal', 'lan', 'corp', 'intra', 'arpa']);
const CODE_ROOTS = new Set(['java', 'javax', 'jdk', 'sun', 'com', 'org', 'net', 'io', 'scala', 'kotlin', 'akka', 'android', 'dalvik', 'google', 'apache']);

// ---------------------------------------------------------------------------------------------
// The template under construction: pairs (a, b) in a reused buffer. a ≥ 0: the input range
// [a, b); OP_WILD: `<*>`; OP_SPACE: one space (b = its input position if it was a single ' ',
// else -1, so that contiguous ranges can be sliced at once).

const OP_WILD = -1;
const OP_SPACE = -2;
let ops = new Int32Array(512);
let nOps = 0;

function emit(a: number, b: number): void {
  if (nOps + 2 > ops.length) {
    const bigger = new Int32Array(ops.length * 2);
    bigger.set(ops);
    ops = bigger;
  }
  ops[nOps] = a;
  ops[nOps + 1] = b;
  nOps += 2;
}

/**
 * Is a sub-token that contains a digit still a constant? Code identifiers with a digit inside
 * (`Http2Exception`, `S3AFileSystem`, `Log4jLoggerFactory`, `org.apache.hadoop.fs.s3a.S3AFileSystem`):
 * CamelCase (an upper-case letter followed by a lower-case one), starting and ending with a
 * letter, only identifier characters and dots.
 */
function isCodeIdentifier(s: string, from: number, to: number): boolean {
  if (!(cls(s.charCodeAt(from)) & (C_UPPER | C_LOWER))) return false;
  if (!(cls(s.charCodeAt(to - 1)) & (C_UPPER | C_LOWER))) return false;
  let camel = false;
  let prevUpper = false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    const k = cls(c);
    if (k & C_UPPER) prevUpper = true;
    else if (k & C_LOWER) {
      if (prevUpper) camel = true;
      prevUpper = false;
    } else if (k & C_DIGIT || c === 95 /* _ */ || c === 36 /* $ */) prevUpper = false;
    else if (c === CH_DOT) {
      prevUpper = false;
      if (!(i + 1 < to && cls(s.charCodeAt(i + 1)) & (C_UPPER | C_LOWER))) return false;
    } else return false;
  }
  return camel;
}

/** `a.b.example.com`: lower-case labels of [a-z0-9-] joined by dots, ending in a top-level domain. */
function isHostName(s: string, from: number, to: number): boolean {
  let dots = 0;
  let firstDot = -1;
  let lastDot = -1;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === CH_DOT) {
      if (i === from || i === lastDot + 1) return false;
      if (firstDot < 0) firstDot = i;
      lastDot = i;
      dots++;
    } else if (!(cls(c) & (C_LOWER | C_DIGIT)) && c !== 45 /* - */) return false;
  }
  if (dots === 0 || lastDot === to - 1) return false;
  if (CODE_ROOTS.has(s.slice(from, firstDot))) return false;
  const tldLength = to - lastDot - 1;
  if (tldLength === 2) return dots >= 2 && (cls(s.charCodeAt(lastDot + 1)) & cls(s.charCodeAt(lastDot + 2)) & C_LOWER) !== 0;
  return tldLength <= 11 && GENERIC_TLDS.has(s.slice(lastDot + 1, to));
}

/** `name.with.dots:1234`, `name-with-dashes:1234`: the name before a numeric port is a host. */
function isHostPort(s: string, from: number, colon: number, to: number): boolean {
  let sep = false;
  for (let i = from; i < colon; i++) {
    const c = s.charCodeAt(i);
    if (c === CH_DOT || c === 45) sep = true;
    else if (!(cls(c) & (C_LOWER | C_UPPER | C_DIGIT)) && c !== 95) return false;
  }
  if (!sep) return false;
  let i = colon + 1;
  while (i < to && cls(s.charCodeAt(i)) & C_DIGIT) i++;
  return i === to || (cls(s.charCodeAt(i)) & C_DELIM) !== 0 || s.charCodeAt(i) === CH_DOT;
}

function isPathChar(c: number): boolean {
  // letters, digits, . _ - ~ $ * and non-ASCII
  return (cls(c) & (C_DIGIT | C_UPPER | C_LOWER)) !== 0 || c === CH_DOT || c === 95 || c === 45 || c === 126 || c === 36 || c === 42 || c >= 128;
}

/** End of a path/URL body starting at `i`: the next , ; ) ] } " ' > or the word end, less trailing `.`/`:`. */
function scanPathEnd(s: string, i: number, to: number, min: number): number {
  let j = i;
  while (j < to) {
    const c = s.charCodeAt(j);
    if (c === CH_LT && j + 2 < to && s.charCodeAt(j + 1) === 42 && s.charCodeAt(j + 2) === CH_GT) {
      j += 3; // an already masked part
      continue;
    }
    if (c === 44 || c === 59 || c === 41 || c === 93 || c === 125 || c === CH_DQ || c === CH_SQ || c === CH_GT) break;
    j++;
  }
  while (j > min && (s.charCodeAt(j - 1) === CH_DOT || s.charCodeAt(j - 1) === CH_COLON)) j--;
  return j;
}

/**
 * The closing quote for the quote at `q`, or -1: same word (no whitespace inside), within
 * QUOTE_MAX chars, and for `'` not followed by a letter or digit (so "can't" stays a word).
 */
function findClosingQuote(s: string, q: number, quote: number): number {
  const max = Math.min(s.length, q + 1 + QUOTE_MAX);
  for (let i = q + 1; i < max; i++) {
    const c = s.charCodeAt(i);
    if (c === quote) {
      if (quote === CH_SQ && i + 1 < s.length && cls(s.charCodeAt(i + 1)) & (C_LOWER | C_UPPER | C_DIGIT)) continue;
      return i;
    }
    if (cls(c) & C_SPACE) return -1;
  }
  return -1;
}

/**
 * MAC addresses and IPv6: the end of ≥ 3 groups of 1-4 hex digits joined by `:` (or `::`)
 * starting at `i`, with a digit somewhere or ≥ 5 groups, up to a delimiter, `.`, `%` or the word
 * end; else -1.
 */
function scanHexColons(s: string, i: number, to: number): number {
  let groups = 0;
  let digit = false;
  let j = i;
  let end = -1;
  while (j < to) {
    let g = 0;
    while (j < to && cls(s.charCodeAt(j)) & C_HEX && g < 5) {
      if (cls(s.charCodeAt(j)) & C_DIGIT) digit = true;
      j++;
      g++;
    }
    if (g > 4) return -1;
    if (g > 0) groups++;
    if (j < to && s.charCodeAt(j) === CH_COLON) {
      if (g === 0 && groups > 0 && s.charCodeAt(j - 1) !== CH_COLON) return -1;
      j++;
      continue;
    }
    if (j < to && !(cls(s.charCodeAt(j)) & C_DELIM) && s.charCodeAt(j) !== CH_DOT && s.charCodeAt(j) !== 37 /* % */) return -1;
    end = j;
    break;
  }
  if (j >= to) end = to;
  if (groups < 3 || !(digit || groups >= 5)) return -1;
  return end;
}

/**
 * Masks the word s[from, to) (no whitespace inside), emitting ops. Per sub-token:
 *   - `/abs/path`, `scheme://…`, `C:\path`: one variable up to a closing bracket, quote or comma
 *   - `"value"`, `'value'` (no spaces inside): the quotes stay, the value is a variable
 *   - after `key=`: a variable
 *   - MAC / IPv6: a variable
 *   - contains a digit (numbers, ids, IPs, times, hex, UUIDs, `blk_-123`, `container_e17_…`): a
 *     variable, unless it is a code identifier like `Http2Exception`
 *   - a host name (`proxy.example.com`) or `host-name:port`: a variable
 *   - `<5`, `>10`: the comparison belongs to the number
 *   - `<*>` (already masked) stays a variable, so masking is idempotent
 */
function maskWord(s: string, from: number, to: number): void {
  let i = from;
  let afterEq = false;
  let prevDelim = true;
  while (i < to) {
    const c = s.charCodeAt(i);
    const k = cls(c);
    if (k & C_DELIM) {
      if ((c === CH_DQ || c === CH_SQ) && prevDelim) {
        const close = findClosingQuote(s, i, c);
        if (close > 0) {
          emit(i, i + 1);
          if (close > i + 1) emit(OP_WILD, 0);
          emit(close, close + 1);
          i = close + 1;
          afterEq = false;
          continue;
        }
      }
      if (c === CH_LT && i + 2 < to && s.charCodeAt(i + 1) === 42 && s.charCodeAt(i + 2) === CH_GT) {
        // An already masked `<*>`: masking a template again gives the same template.
        emit(OP_WILD, 0);
        i += 3;
        afterEq = false;
        prevDelim = false;
        continue;
      }
      if ((c === CH_LT || c === CH_GT) && prevDelim && i + 1 < to && cls(s.charCodeAt(i + 1)) & C_DIGIT) {
        i++;
        continue;
      }
      if (c === CH_SLASH && prevDelim && i + 1 < to && isPathChar(s.charCodeAt(i + 1))) {
        emit(OP_WILD, 0);
        i = scanPathEnd(s, i + 1, to, i + 1);
        afterEq = false;
        prevDelim = false;
        continue;
      }
      emit(i, i + 1);
      afterEq = c === CH_EQ;
      prevDelim = true;
      i++;
      continue;
    }
    if (prevDelim && k & C_HEX) {
      const e = scanHexColons(s, i, to);
      if (e > 0) {
        emit(OP_WILD, 0);
        i = e;
        afterEq = false;
        prevDelim = false;
        continue;
      }
    }
    let j = i;
    let flags = 0;
    while (j < to) {
      const kj = cls(s.charCodeAt(j));
      if (kj & C_DELIM) break;
      flags |= kj;
      j++;
    }
    if (j < to && s.charCodeAt(j) === CH_COLON) {
      if (j + 2 < to && s.charCodeAt(j + 1) === CH_SLASH && s.charCodeAt(j + 2) === CH_SLASH && cls(s.charCodeAt(i)) & (C_LOWER | C_UPPER)) {
        // scheme://… : the scheme stays.
        emit(i, j + 3);
        emit(OP_WILD, 0);
        i = scanPathEnd(s, j + 3, to, j + 3);
        afterEq = false;
        prevDelim = false;
        continue;
      }
      if (j === i + 1 && j + 1 < to && s.charCodeAt(j + 1) === CH_BACKSLASH && flags & (C_UPPER | C_LOWER)) {
        // C:\path
        emit(OP_WILD, 0);
        i = scanPathEnd(s, j + 2, to, j + 2);
        afterEq = false;
        prevDelim = false;
        continue;
      }
    }
    if (afterEq || (flags & C_DIGIT && !isCodeIdentifier(s, i, j))) emit(OP_WILD, 0);
    else if (flags & C_DOT && flags & C_LOWER && isHostName(s, i, j)) emit(OP_WILD, 0);
    else if (j + 1 < to && s.charCodeAt(j) === CH_COLON && cls(s.charCodeAt(j + 1)) & C_DIGIT && isHostPort(s, i, j, to)) emit(OP_WILD, 0);
    else emit(i, j);
    afterEq = false;
    prevDelim = false;
    i = j;
  }
}

/** Fills `ops` with the masked words of `text` separated by OP_SPACE. */
function scan(text: string): void {
  nOps = 0;
  const n = text.length;
  let i = 0;
  let first = true;
  while (i < n) {
    const wsStart = i;
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
    if (!first) emit(OP_SPACE, start - wsStart === 1 && text.charCodeAt(wsStart) === 32 ? wsStart : -1);
    first = false;
    if (!(flags & (C_DIGIT | C_DELIM))) {
      if (flags & C_DOT && flags & C_LOWER && i - start > 3 && isHostName(text, start, i)) emit(OP_WILD, 0);
      else emit(start, i);
    } else {
      maskWord(text, start, i);
    }
  }
}

/** Case-folded hash of s[a, b) without a trailing `.`: a filter before slicing a candidate word. */
function foldKey(s: string, a: number, b: number): number {
  if (b - a > 1 && s.charCodeAt(b - 1) === CH_DOT) b--;
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), 16777619);
  }
  return h;
}
const ABSORB_KEYS = new Set([...DATE_WORDS, ...UNITS].map((w) => foldKey(w, 0, w.length)));

/** A range op's text if it may be a unit or date word, else '' (no allocation for other words). */
function shortWord(text: string, r: number): string {
  const a = ops[r]!;
  const b = ops[r + 1]!;
  if (a < 0 || b - a > 13) return '';
  return ABSORB_KEYS.has(foldKey(text, a, b)) ? text.slice(a, b) : '';
}

/**
 * Date words next to a masked value join it ("Fri Jun 17 10:00:01 2005" is one value), and so
 * does a unit right after one ("512 mb", "30 s", "10 MILLISECONDS").
 */
function absorbNeighbours(text: string): void {
  for (let r = 0; r < nOps; r += 2) {
    if (ops[r] !== OP_WILD) continue;
    // Backwards: date words before the value.
    for (let q = r - 4; q >= 0 && ops[q + 2] === OP_SPACE && DATE_WORDS.has(shortWord(text, q)); q -= 4) ops[q] = OP_WILD;
    // Forwards: a date word or unit after it (the loop then reaches it as a value).
    if (r + 4 < nOps && ops[r + 2] === OP_SPACE && ops[r + 4]! >= 0) {
      const w = shortWord(text, r + 4);
      if (w && (DATE_WORDS.has(w) || isUnit(w)) && endsValue(text, r + 6)) ops[r + 4] = OP_WILD;
    }
  }
}

/** Does op r end a value: the end, a space, or one of , ; ) ] (not `H:`, `h=`)? */
function endsValue(text: string, r: number): boolean {
  if (r >= nOps || ops[r] === OP_SPACE) return true;
  const a = ops[r]!;
  if (a < 0 || ops[r + 1] !== a + 1) return false;
  const c = text.charCodeAt(a);
  return c === 44 || c === 59 || c === 41 || c === 93;
}

function isUnit(w: string): boolean {
  let u = w.toLowerCase();
  if (u.endsWith('.')) u = u.slice(0, -1);
  return UNITS.has(u);
}

/** Is op r a separator that may sit between two masked values: a space or one of `:` `/` `,`? */
function isSep(text: string, r: number): boolean {
  const a = ops[r]!;
  if (a === OP_SPACE) return true;
  if (a < 0 || ops[r + 1] !== a + 1) return false;
  const c = text.charCodeAt(a);
  return c === CH_COLON || c === CH_SLASH || c === 44;
}

function isChar(text: string, r: number, c: number): boolean {
  const a = ops[r]!;
  return a >= 0 && ops[r + 1] === a + 1 && text.charCodeAt(a) === c;
}

/**
 * Merges adjacent variables in place: `<*>` (sep)* `<*>` → `<*>` with sep in space : / , (so
 * `10.0.0.1:8080`, `12:00:01`, `2/4`, lists and multi-word values are one `<*>`), and a bracket
 * group holding only variables right after a variable is dropped: `1190 bytes (1.16 KB)`,
 * `host ()`.
 */
function collapse(text: string): void {
  let w = 0;
  let lastWasVar = false;
  let pendingStart = 0;
  for (let r = 0; r < nOps; r += 2) {
    const a = ops[r]!;
    const b = ops[r + 1]!;
    if (lastWasVar && a >= 0 && b === a + 1) {
      const c = text.charCodeAt(a);
      if (c === 40 || c === 91) {
        let q = r + 2;
        while (q < nOps && (ops[q] === OP_WILD || isSep(text, q))) q += 2;
        if (q < nOps && isChar(text, q, c === 40 ? 41 : 93)) {
          r = q;
          continue;
        }
      }
    }
    if (a === OP_WILD) {
      if (lastWasVar) w = pendingStart;
      else {
        ops[w++] = a;
        ops[w++] = b;
      }
      pendingStart = w;
      lastWasVar = true;
      continue;
    }
    if (lastWasVar && isSep(text, r)) {
      if (a === OP_SPACE && w > pendingStart && ops[w - 2] === OP_SPACE) continue;
      ops[w++] = a;
      ops[w++] = b;
      continue;
    }
    ops[w++] = a;
    ops[w++] = b;
    lastWasVar = false;
  }
  while (w > 0 && ops[w - 2] === OP_SPACE) w -= 2; // left by a dropped bracket group at the end
  nOps = w;
}

function template(text: string): void {
  scan(text);
  absorbNeighbours(text);
  collapse(text);
}

/**
 * The template of a log message: whitespace runs collapsed to one space (leading/trailing
 * dropped), variables replaced by `<*>`, adjacent variables merged. Stateless and fast (see
 * bench/fingerprint-speed.ts); the rules are listed on `maskWord` and in docs/fingerprint.md.
 */
export function maskVariables(text: string): string {
  template(text);
  let out = '';
  let runStart = -1;
  let runEnd = -1;
  for (let r = 0; r < nOps; r += 2) {
    let a = ops[r]!;
    let b = ops[r + 1]!;
    if (a === OP_SPACE && b >= 0) {
      a = b;
      b = b + 1;
    }
    if (a >= 0) {
      if (a === runEnd) runEnd = b;
      else {
        if (runStart >= 0) out += text.slice(runStart, runEnd);
        runStart = a;
        runEnd = b;
      }
      continue;
    }
    if (runStart >= 0) out += text.slice(runStart, runEnd);
    runStart = runEnd = -1;
    out += a === OP_WILD ? WILDCARD : ' ';
  }
  if (runStart >= 0) out += text.slice(runStart, runEnd);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hash: two 32-bit multiplicative lanes over the UTF-16 code units with cyrb53's final mixing,
// both lanes kept: 64 bits as 16 hex chars. Not cryptographic; collisions between distinct
// templates are ~2^-64 per pair. node:crypto sha1 costs ~8x more (bench/fingerprint-speed.ts).

const H1 = 0xdeadbeef;
const H2 = 0x41c6ce57;
const M1 = 2654435761;
const M2 = 1597334677;

function finish(h1: number, h2: number): string {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return hex16(h2, h1);
}

const HEX_DIGITS = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function hex16(hi: number, lo: number): string {
  const d = HEX_DIGITS;
  return String.fromCharCode(
    d[(hi >>> 28) & 15]!, d[(hi >>> 24) & 15]!, d[(hi >>> 20) & 15]!, d[(hi >>> 16) & 15]!,
    d[(hi >>> 12) & 15]!, d[(hi >>> 8) & 15]!, d[(hi >>> 4) & 15]!, d[hi & 15]!,
    d[(lo >>> 28) & 15]!, d[(lo >>> 24) & 15]!, d[(lo >>> 20) & 15]!, d[(lo >>> 16) & 15]!,
    d[(lo >>> 12) & 15]!, d[(lo >>> 8) & 15]!, d[(lo >>> 4) & 15]!, d[lo & 15]!,
  );
}

// The hash is a fold over code units, so a string can be hashed in pieces: `hashReset`, then
// `hashString`/`hashOps` in order, then `hashDigest` gives what `hash64` of the concatenation
// would. The fingerprints use this to hash templates without building them.
let lane1 = H1;
let lane2 = H2;

function hashReset(): void {
  lane1 = H1;
  lane2 = H2;
}

function hashString(s: string): void {
  let h1 = lane1;
  let h2 = lane2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, M1);
    h2 = Math.imul(h2 ^ c, M2);
  }
  lane1 = h1;
  lane2 = h2;
}

/** The template of `text` as `maskVariables` would write it (`ops` must hold `template(text)`). */
function hashOps(text: string): void {
  let h1 = lane1;
  let h2 = lane2;
  for (let r = 0; r < nOps; r += 2) {
    const a = ops[r]!;
    if (a >= 0) {
      const b = ops[r + 1]!;
      for (let i = a; i < b; i++) {
        const c = text.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, M1);
        h2 = Math.imul(h2 ^ c, M2);
      }
    } else if (a === OP_WILD) {
      h1 = Math.imul(Math.imul(Math.imul(h1 ^ 60, M1) ^ 42, M1) ^ 62, M1);
      h2 = Math.imul(Math.imul(Math.imul(h2 ^ 60, M2) ^ 42, M2) ^ 62, M2);
    } else {
      h1 = Math.imul(h1 ^ 32, M1);
      h2 = Math.imul(h2 ^ 32, M2);
    }
  }
  lane1 = h1;
  lane2 = h2;
}

function hashDigest(): string {
  return finish(lane1, lane2);
}

/** 64-bit hash of a string as 16 hex chars. */
export function hash64(s: string): string {
  hashReset();
  hashString(s);
  return hashDigest();
}

/** Fingerprint of an already built template (or any normalised string): 16 hex chars. */
export function fingerprintOf(template: string): string {
  return hash64(template);
}

/**
 * Fingerprint of a raw log message: equal to `fingerprintOf(maskVariables(text))`, computed
 * over the template ops without building the string.
 */
export function templateFingerprint(text: string): string {
  template(text);
  hashReset();
  hashOps(text);
  return hashDigest();
}

// ---------------------------------------------------------------------------------------------
// Exceptions

export interface ExceptionParts {
  /** Root-cause exception class, e.g. `java.net.ConnectException`. */
  exceptionClass: string;
  /** Its message, raw (masked here). */
  message: string;
  /** Its `at …` frames, top first, with or without the leading `at `. */
  frames: readonly string[];
}

const FRAME_PACKAGING = /\s+~?\[[^\]]*\]$/; // logback's " ~[flink-dist-1.17.1.jar:1.17.1]"
const FRAME_MODULE = /^(?:[\w.-]+(?:@[\w.-]+)?\/+)+(?=[\w$]+\.)/; // "java.base@17.0.8/", "app//"
const FRAME_LAMBDA = /\$\$Lambda(?:\$\d+)?(?:\/(?:0x)?[0-9a-fA-F]+)?/g; // "$$Lambda$123/0x0000000800c4b840"
const FRAME_GENERATED = /(Generated[A-Za-z_]*|\$Proxy)\d+/g; // "GeneratedMethodAccessor12", "$Proxy23"
const FRAME_CGLIB = /(\$\$(?:EnhancerBy|FastClassBy)\w*?\$\$)[0-9a-f]+/g;
const FRAME_NUMBERED = /\$\d+/g; // "Foo$1", "lambda$run$0", "StreamExecCalc$52"

/**
 * `(Task.java:568)` → `(Task.java)`: what `f.replace(/(\([^():]*):\d+\)/g, '$1)')` does, by hand
 * (about a third of that regex's cost, and nearly every frame has a line number): each `(`
 * followed by no `(`, `)` or `:` up to a `:`, then digits and a `)`, loses the `:digits`.
 */
function dropLineNumbers(f: string): string {
  let out = '';
  let copied = 0; // f[0, copied) is in `out`
  for (let open = f.indexOf('('); open >= 0; open = f.indexOf('(', open + 1)) {
    let colon = open + 1;
    while (colon < f.length && !isParenOrColon(f.charCodeAt(colon))) colon++;
    if (f.charCodeAt(colon) !== CH_COLON) continue;
    let close = colon + 1;
    while (close < f.length && cls(f.charCodeAt(close)) & C_DIGIT) close++;
    if (close === colon + 1 || f.charCodeAt(close) !== 41 /* ) */) continue;
    out += `${f.slice(copied, colon)})`;
    copied = close + 1;
    open = close;
  }
  return copied === 0 ? f : out + f.slice(copied);
}

function isParenOrColon(c: number): boolean {
  return c === 40 || c === 41 || c === CH_COLON;
}

/**
 * A stack frame without what changes between builds and runs: the leading `at `, logback's
 * packaging suffix (`~[flink-dist-1.17.1.jar:1.17.1]`), module or class-loader prefixes
 * (`java.base@17.0.8/`, `app//`), line numbers (`(Task.java:568)` → `(Task.java)`), lambda classes
 * (`$$Lambda$1234/0x00000008012c4840` → `$$Lambda`), numbered anonymous/synthetic suffixes
 * (`$1`, `lambda$run$0` → `lambda$run`, `StreamExecCalc$52`) and numbered generated classes
 * (`GeneratedMethodAccessor12`, `$Proxy23`, CGLIB `$$EnhancerByCGLIB$$1a2b`).
 */
export function normaliseFrame(frame: string): string {
  let f = frame.trim();
  if (f.startsWith('at ')) f = f.slice(3).trimStart();
  // Each pattern needs a character most frames lack (`]` at the end, `/`, `$`, `Generated`):
  // testing for it first skips the regex pass, with the same result (a regex that cannot match
  // leaves the string as it is). Checked on the string as each step leaves it, so order holds.
  if (f.endsWith(']')) f = f.replace(FRAME_PACKAGING, '');
  if (f.includes('/')) f = f.replace(FRAME_MODULE, '');
  f = dropLineNumbers(f);
  const dollar = f.includes('$');
  if (dollar) f = f.replace(FRAME_LAMBDA, '$$$$Lambda');
  if (dollar || f.includes('Generated')) f = f.replace(FRAME_GENERATED, '$1');
  if (dollar) f = f.replace(FRAME_CGLIB, '$1').replace(FRAME_NUMBERED, '');
  return f;
}

/** The string `exceptionFingerprint` hashes: class, masked message and normalised top frames, one per line. */
export function exceptionTemplate(parts: ExceptionParts, topFrames = 3): string {
  let s = `${parts.exceptionClass.trim()}\n${maskVariables(parts.message)}`;
  const n = Math.min(topFrames, parts.frames.length);
  for (let i = 0; i < n; i++) s += `\n${normaliseFrame(parts.frames[i]!)}`;
  return s;
}

/**
 * Fingerprint of an exception from its root cause: class + masked message + the top
 * `topFrames` normalised frames (default 3). Same failure, different ids/hosts/line numbers →
 * same fingerprint; a different class, wording or call site → a different one.
 */
export function exceptionFingerprint(parts: ExceptionParts, topFrames = 3): string {
  // = hash64(exceptionTemplate(parts, topFrames)), hashed piece by piece: no template string.
  hashReset();
  hashString(parts.exceptionClass.trim());
  hashString('\n');
  template(parts.message);
  hashOps(parts.message);
  const n = Math.min(topFrames, parts.frames.length);
  for (let i = 0; i < n; i++) {
    hashString('\n');
    hashString(normaliseFrame(parts.frames[i]!));
  }
  return hashDigest();
}
export interface MinedTemplate {
  template: string;
  fingerprint: string;
}

export interface TemplateMinerOptions {
  /**
   * A position of a cluster whose values are not all equal is a variable when it takes more
   * than this many distinct values (default 3; 3-5 score alike on Loghub-2k); otherwise its
   * values split the cluster.
   */
  maxDistinct?: number;
}

/**
 * Second, batch stage over a corpus (after `maskVariables`), in the spirit of Brain (Yu et al.
 * 2023); details and figures in docs/fingerprint.md.
 *
 * Messages with the same token count are compared position by position. In a message, the
 * tokens whose (position, word) corpus frequency is the frequency value shared by most of its
 * tokens (ties: the lower) are the template's own constants, its root; messages with the same
 * root form a cluster. In a cluster, a position whose values differ is
 *   - a variable when every value already holds a `<*>` (`<*>,` vs `LOCAL(<*>),`);
 *   - a split (two templates) when every value is more frequent than the root, or every value
 *     is a capitalised word (`RUNNING`/`FAILED`, `GET`/`POST`: enums);
 *   - a variable when it has more than `maxDistinct` distinct values — and, if fewer than two
 *     constant tokens would remain, the values are mostly unique (≥ half the cluster);
 *   - otherwise a split, on the position with the fewest distinct values first, recursively.
 * Small corpora therefore keep the stateless templates.
 */
export class TemplateMiner {
  private readonly maxDistinct: number;

  constructor(options: TemplateMinerOptions = {}) {
    this.maxDistinct = options.maxDistinct ?? 3;
  }

  /** One result per message, in input order. */
  fit(messages: readonly string[]): MinedTemplate[] {
    const n = messages.length;
    const tokens: string[][] = new Array(n);
    const byLength = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const t = maskVariables(messages[i]!).split(' ');
      tokens[i] = t;
      let g = byLength.get(t.length);
      if (!g) byLength.set(t.length, (g = []));
      g.push(i);
    }
    const templates: string[] = new Array(n);
    for (const [len, idx] of byLength) {
      // (position, word) frequencies.
      const freq: Map<string, number>[] = [];
      for (let p = 0; p < len; p++) freq.push(new Map());
      for (const i of idx) {
        const t = tokens[i]!;
        for (let p = 0; p < len; p++) freq[p]!.set(t[p]!, (freq[p]!.get(t[p]!) ?? 0) + 1);
      }
      // Root: the positions whose frequency is the most common frequency value of the message.
      const groups = new Map<string, number[]>();
      const rootFreq = new Map<string, number>();
      for (const i of idx) {
        const t = tokens[i]!;
        const counts = new Map<number, number>();
        for (let p = 0; p < len; p++) {
          if (t[p] === WILDCARD) continue;
          const f = freq[p]!.get(t[p]!)!;
          counts.set(f, (counts.get(f) ?? 0) + 1);
        }
        let best = -1;
        let bestCount = 0;
        for (const [f, c] of counts) if (c > bestCount || (c === bestCount && f < best)) [best, bestCount] = [f, c];
        let key = '';
        for (let p = 0; p < len; p++) if (t[p] !== WILDCARD && freq[p]!.get(t[p]!) === best) key += `${p}\u0001${t[p]}\u0002`;
        let g = groups.get(key);
        if (!g) {
          groups.set(key, (g = []));
          rootFreq.set(key, best);
        }
        g.push(i);
      }
      for (const [key, g] of groups) this.resolve(g, tokens, len, freq, rootFreq.get(key)!, new Uint8Array(len), templates);
    }
    return templates.map((t) => ({ template: t, fingerprint: fingerprintOf(t) }));
  }

  /** Tokens of `t` without a wildcard, other than position `p` and the variable positions. */
  private constantsBesides(t: string[], vars: Uint8Array, p: number): number {
    let n = 0;
    for (let q = 0; q < t.length; q++) if (q !== p && !vars[q] && !t[q]!.includes(WILDCARD)) n++;
    return n;
  }

  /** Splits group `g` on low-cardinality columns, marks high-cardinality ones variable. */
  private resolve(g: number[], tokens: string[][], len: number, freq: Map<string, number>[], rootF: number, variable: Uint8Array, out: string[]): void {
    let splitCol = -1;
    let splitD = Infinity;
    const vars = variable.slice();
    for (let p = 0; p < len; p++) {
      if (vars[p]) continue;
      const first = tokens[g[0]!]![p]!;
      let same = true;
      for (const i of g) if (tokens[i]![p] !== first) { same = false; break; }
      if (same) continue;
      const distinct = new Set<string>();
      let upward = true;
      let enumLike = true;
      let allVar = true;
      for (const i of g) {
        const w = tokens[i]![p]!;
        if (distinct.has(w)) continue;
        distinct.add(w);
        if (freq[p]!.get(w)! <= rootF) upward = false;
        if (enumLike && !isEnumWord(w)) enumLike = false;
        if (allVar && !w.includes(WILDCARD)) allVar = false;
      }
      if (allVar) {
        vars[p] = 1;
        continue;
      }
      if (!upward && !enumLike && distinct.size > this.maxDistinct && (distinct.size * 2 >= g.length || this.constantsBesides(tokens[g[0]!]!, vars, p) >= 2)) {
        vars[p] = 1;
        continue;
      }
      if (distinct.size < splitD) [splitCol, splitD] = [p, distinct.size];
    }
    if (splitCol < 0) {
      const t = tokens[g[0]!]!.map((w, p) => (vars[p] ? WILDCARD : w));
      const template = collapseTemplate(t);
      for (const i of g) out[i] = template;
      return;
    }
    const sub = new Map<string, number[]>();
    for (const i of g) {
      const w = tokens[i]![splitCol]!;
      let s = sub.get(w);
      if (!s) sub.set(w, (s = []));
      s.push(i);
    }
    for (const s of sub.values()) this.resolve(s, tokens, len, freq, rootF, vars, out);
  }
}

/** `RUNNING`, `Started`, `GET`: a capitalised word, which as a column value reads as an enum constant. */
function isEnumWord(w: string): boolean {
  if (!(cls(w.charCodeAt(0)) & C_UPPER)) return false;
  for (let i = 1; i < w.length; i++) {
    const k = cls(w.charCodeAt(i));
    if (!(k & (C_UPPER | C_LOWER)) && w.charCodeAt(i) !== 95) return false;
  }
  return true;
}

/** Joins tokens with spaces, adjacent `<*>` tokens collapsed into one. */
function collapseTemplate(tokens: string[]): string {
  let out = '';
  let lastVar = false;
  for (const t of tokens) {
    if (t === WILDCARD) {
      if (lastVar) continue;
      lastVar = true;
    } else lastVar = false;
    out += out ? ` ${t}` : t;
  }
  return out;
}
