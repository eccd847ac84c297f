import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout (one object per line). Secrets are redacted by key name as a second line of
 * defence: code should never hand them to the logger in the first place.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'pipeline-doctor'): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['password', '*.password', 'apiKey', '*.apiKey', 'sasl', '*.sasl', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  });
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
