/**
 * Which log lines continue the event before them: stack frames, `Caused by:`, `Suppressed:`,
 * `... N more`, and exception headers that follow a log line. Shared by the raw-text splitter
 * (the `classify` command) and the ingest stage's multi-line join.
 */
const CONTINUATION = /^(?:\s+at\s|\tat\s|\s*Caused by:|\s*Suppressed:|\s*\.\.\.\s+\d+\s+(?:more|common frames omitted))/;
const EXCEPTION_HEADER = /^(?:[a-zA-Z_$][\w$]*\.)+(?:[A-Z][\w$]*)?(?:Exception|Error|Throwable)(?::|$)/;
// A log record starts with a date/time (ISO, log4j, syslog-like) or a bracketed time.
const RECORD_START = /^(?:\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|\[?\d{2}:\d{2}:\d{2}|[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}|\d{2}\/\d{2}\/\d{2,4} \d{2}:\d{2})/;

export function isContinuationLine(line: string): boolean {
  return CONTINUATION.test(line);
}

/**
 * Splits raw log text into events. When lines carry timestamps, every line without one belongs to
 * the record above it; otherwise a line starts an event unless it is a continuation or an
 * exception header right after another line of the same trace.
 */
export function splitLogText(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const timestamped = lines.some((l) => RECORD_START.test(l));
  const events: string[][] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const current = events[events.length - 1];
    const continues = current !== undefined && (timestamped ? !RECORD_START.test(line) : isContinuationLine(line) || (EXCEPTION_HEADER.test(line) && !current.every((l) => EXCEPTION_HEADER.test(l) || isContinuationLine(l))));
    if (continues) current.push(line);
    else events.push([line]);
  }
  return events.map((lines) => lines.join('\n'));
}

/** `com.example.SomeException: message` (or a bare class name ending in Exception/Error/Throwable). */
export function isExceptionHeader(line: string): boolean {
  return EXCEPTION_HEADER.test(line);
}

// Words of failure that Flink also logs below WARN (e.g. "Checkpoint 17 of job … expired before
// completing", "… switched from RUNNING to FAILED" and YARN's "running beyond physical memory
// limits. … Killing container." are INFO lines).
const FAILURE_WORDS = /exception|error|fail|expired|declined|abort|timeout|timed out|refused|killed|killing|lost|unreachable|backpressure|out of memory|beyond .*limits?|exceed|insufficient|not enough|could not|cannot|unable to|stuck|denied|corrupt/i;

/** Whether a line speaks of a failure in words, whatever its level. */
export function mentionsFailure(text: string): boolean {
  return FAILURE_WORDS.test(text);
}
