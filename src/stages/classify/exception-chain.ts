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
  /^\s*(?:(Caused by|Suppressed):\s+|Exception in thread "[^"]*"\s+)?((?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable|Failure|Fault|Exceeded|Timeout)[\w$]*)(?::\s?(.*))?$/;
const FRAME = /^\s*at\s+(\S.*)$/;
const ELIDED = /^\s*\.\.\.\s+(\d+)\s+(?:more|common frames omitted)/;

export function parseExceptionChain(text: string): ExceptionChain {
  const lines = text.split(/\r?\n/);
  const nodes: ExceptionNode[] = [];
  const preamble: string[] = [];
  let current: ExceptionNode | undefined;
  let causeDepth = 0;
  for (const line of lines) {
    // Frames are most lines of a trace: recognise them before trying the costlier header regex.
    const trimmed = line.trimStart();
    if (current && trimmed.startsWith('at ')) {
      current.frames.push(trimmed.slice(3).trim());
      continue;
    }
    const header = trimmed.length > 0 && (trimmed.includes('Exception') || trimmed.includes('Error') || trimmed.includes('Throwable') || trimmed.includes('Failure') || trimmed.includes('Fault') || trimmed.includes('Exceeded') || trimmed.includes('Timeout')) ? HEADER.exec(line) : null;
    if (header) {
      const marker = header[1];
      const kind = marker === 'Caused by' ? 'cause' : marker === 'Suppressed' ? 'suppressed' : current ? 'cause' : 'top';
      // A bare header after frames without "Caused by:" happens in wrapped logs: treat as a cause.
      if (kind === 'cause') causeDepth++;
      current = { className: header[2]!, message: (header[3] ?? '').trim(), frames: [], elided: 0, kind, depth: kind === 'top' ? 0 : kind === 'cause' ? causeDepth : causeDepth };
      nodes.push(current);
      continue;
    }
    const frame = FRAME.exec(line);
    if (frame && current) {
      current.frames.push(frame[1]!.trim());
      continue;
    }
    const elided = ELIDED.exec(line);
    if (elided && current) {
      current.elided += Number(elided[1]);
      continue;
    }
    if (!current) {
      if (line.trim()) preamble.push(line.trim());
    } else if (current.frames.length === 0 && line.trim()) {
      // Multi-line exception messages continue until the first frame.
      current.message = current.message ? `${current.message}\n${line.trim()}` : line.trim();
    }
  }
  const causes = nodes.filter((n) => n.kind !== 'suppressed');
  return { preamble: preamble.join('\n'), nodes, root: causes[causes.length - 1] };
}

/** `Class: message` of a node, as classifier rules see it. */
export function headline(node: Pick<ExceptionNode, 'className' | 'message'>): string {
  return node.className ? (node.message ? `${node.className}: ${node.message}` : node.className) : node.message;
}
