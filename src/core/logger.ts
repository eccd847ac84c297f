import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout (one object per line). Secrets are redacted by key name as a second line of
 * defence: code should never hand them to the logger in the first place.
 */
/** JSON logs to stdout, or to another stream (stderr for commands whose stdout is their output). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'pipeline-doctor', destination?: NodeJS.WritableStream): Logger {
  const options = {
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['password', '*.password', 'apiKey', '*.apiKey', 'sasl', '*.sasl', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** `mysql://user:secret@host/db` → `mysql://user:***@host/db`, for log lines and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
