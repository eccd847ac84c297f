/**
 * Parses Java/Flink exception text into its chain: the top exception, each `Caused by:`, each
 * `Suppressed:`, with frames and elided-frame counts. The deepest cause usually names the real
 * failure; generic wrappers (JobExecutionException, "Recovery is suppressed by …") sit on top.
 */

export interface ExceptionNode {
  /** Fully qualified class, e.g. `java.lang.OutOfMemoryError`; empty for a plain log message. */
  className: string;
  message: string;
  /** `at …` frames as written, without the leading `at `. */
  frames: string[];
  /** Sum of `... N more` counts. */
  elided: number;
  kind: 'top' | 'cause' | 'suppressed';
  /** 0 for the top exception, +1 per `Caused by:`. */
  depth: number;
}

export interface ExceptionChain {
  /** Text before the first exception header (the log message), trimmed. */
  preamble: string;
  /** Top first, then causes in order; suppressed nodes follow the node they belong to. */
  nodes: ExceptionNode[];
  /** The deepest `Caused by` (or the top when there is no cause); undefined when no exception. */
  root?: ExceptionNode;
}

// `pkg.Class: message`, `pkg.Outer$Inner`, optionally after `Caused by: ` / `Suppressed: `.
// A class name needs a package and a capitalised simple name ending like an exception type, so
// ordinary prose with a colon is not mistaken for an exception.
const HEADER =
  /^\s*(?:(Caused by|Suppressed):\s+|Exception in thread "[^"]*"\s+)?((?:[a-zA-Z_$][\w$]*\.)+(?:[A-Z][\w$]*)?(?:Exception|Error|Throwable|Failure|Fault|Exceeded|Timeout)[\w$]*)(?::\s?(.*))?$/;
const FRAME = /^\s*at\s+(\S.*)$/;
// An exception named after a marker inside a log line: `failure cause: pkg.SomeException: msg`.
const INLINE_HEADER =
  /\b(?:failure cause|cause|throwable|exception|error|reason)\s*[:=]\s*\[?((?:[a-zA-Z_$][\w$]*\.)+(?:[A-Z][\w$]*)?(?:Exception|Error|Throwable)[\w$]*)(?::\s?(.*))?$/i;
const ELIDED = /^\s*\.\.\.\s+(\d+)\s+(?:more|common frames omitted)/;

// A header line names a type with one of these words; checking for them first spares the
// header regex on most lines (log messages, continuation lines of a message).
const HEADER_WORD = /Exception|Error|Throwable|Failure|Fault|Exceeded|Timeout/;

/** [A-Za-z0-9_$]: the characters of a Java identifier as HEADER reads them (`[\w$]`). */
function isIdentifierChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/**
 * Can HEADER match `line`, whose first non-blank character is at `from`? Only when it opens with
 * a marker (`Caused by`, `Suppressed`, `Exception in thread`) or with an identifier followed by a
 * `.` (a package): log messages ("Completed checkpoint 12 …") fail on their first word.
 */
function mayBeHeader(line: string, from: number): boolean {
  const c = line.charCodeAt(from);
  if (!isIdentifierChar(c) || (c >= 48 && c <= 57)) return false;
  if (line.startsWith('Caused by', from) || line.startsWith('Suppressed', from) || line.startsWith('Exception in thread', from)) return true;
  let i = from + 1;
  while (i < line.length && isIdentifierChar(line.charCodeAt(i))) i++;
  return line.charCodeAt(i) === 46; // .
}

/**
 * Where `line.trimStart()` would start: tabs and spaces are skipped here (no string is made),
 * other whitespace (rare) is left to `trimStart`, which strips exactly what `\s*` matches.
 */
function firstNonBlank(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 9 || line.charCodeAt(i) === 32)) i++;
  const c = line.charCodeAt(i);
  return i === line.length || (c > 32 && c < 127) ? i : line.length - line.trimStart().length;
}

// A line whose first character is not a mail quote marker: the text is not a quoted mail.
const UNQUOTED_LINE = /^(?![ \t]*>)[ \t]*\S/m;
const QUOTE_MARKER = /^[ \t]*>[ \t]?/gm;
// `at` alone at the end of a line: a mail archive wrapped the frame onto the next line.
const WRAPPED_FRAME_TARGET = /^[\w$.<>/-]+\(/;

export function parseExceptionChain(text: string): ExceptionChain {
  // Mailing-list copies quote every line ("> java.io.IOException: …"); the markers are not text.
  if (text.charCodeAt(firstNonBlank(text)) === 62 && !UNQUOTED_LINE.test(text)) text = text.replace(QUOTE_MARKER, '');
  const nodes: ExceptionNode[] = [];
  const preamble: string[] = [];
  let current: ExceptionNode | undefined;
  let causeDepth = 0;
  let frameWrapped = false;
  // The lines of `text.split(/\r?\n/)`, without building the array.
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const line = text.slice(start, newline > start && text.charCodeAt(newline - 1) === 13 ? end - 1 : end);
    start = end + 1;
    const from = firstNonBlank(line);
    // Frames are most lines of a trace: recognise them before trying the costlier header regex.
    // FRAME and ELIDED start with `\s*` then `at` or `...`: a line without those after its
    // blanks is not run through them.
    if (current && line.startsWith('at ', from)) {
      const frame = line.slice(from + 3).trim();
      if (frame) current.frames.push(frame);
      else frameWrapped = true;
      continue;
    }
    if (frameWrapped) {
      frameWrapped = false;
      if (current && WRAPPED_FRAME_TARGET.test(line.slice(from))) {
        current.frames.push(line.trim());
        continue;
      }
    }
    const header = mayBeHeader(line, from) && HEADER_WORD.test(line) ? HEADER.exec(line) : null;
    if (header) {
      const marker = header[1];
      const kind = marker === 'Caused by' ? 'cause' : marker === 'Suppressed' ? 'suppressed' : current ? 'cause' : 'top';
      // A bare header after frames without "Caused by:" happens in wrapped logs: treat as a cause.
      if (kind === 'cause') causeDepth++;
      current = { className: header[2]!, message: (header[3] ?? '').trim(), frames: [], elided: 0, kind, depth: kind === 'top' ? 0 : causeDepth };
      nodes.push(current);
      continue;
    }
    if (current) {
      // `at` followed by a tab or several spaces (the common `at ` was handled above).
      const frame = line.startsWith('at', from) ? FRAME.exec(line) : null;
      if (frame) {
        current.frames.push(frame[1]!.trim());
        continue;
      }
      const elided = line.startsWith('...', from) ? ELIDED.exec(line) : null;
      if (elided) {
        current.elided += Number(elided[1]);
        continue;
      }
      // Multi-line exception messages continue until the first frame.
      if (current.frames.length === 0) {
        const rest = line.trim();
        if (rest) current.message = current.message ? `${current.message}\n${rest}` : rest;
      }
    } else {
      // Flink ≥ 1.15 puts the exception on the log line itself ("… switched from RUNNING to FAILED
      // with failure cause: java.io.IOException: …"), with its frames below.
      const inline = HEADER_WORD.test(line) ? INLINE_HEADER.exec(line) : null;
      if (inline) {
        const before = line.slice(0, inline.index + inline[0].indexOf(inline[1]!)).trim();
        if (before) preamble.push(before);
        current = { className: inline[1]!, message: (inline[2] ?? '').trim(), frames: [], elided: 0, kind: 'top', depth: 0 };
        nodes.push(current);
        continue;
      }
      const rest = line.trim();
      if (rest) preamble.push(rest);
    }
  }
  let root: ExceptionNode | undefined;
  for (let i = nodes.length - 1; i >= 0 && !root; i--) if (nodes[i]!.kind !== 'suppressed') root = nodes[i];
  return { preamble: preamble.join('\n'), nodes, root };
}

/** `Class: message` of a node, as classifier rules see it. */
export function headline(node: Pick<ExceptionNode, 'className' | 'message'>): string {
  return node.className ? (node.message ? `${node.className}: ${node.message}` : node.className) : node.message;
}
