import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs (JSON lines). Credentials are redacted wherever they might sit, so that a log line
 * never carries a caller's JWT or a provider's token, whatever a future log call passes in.
 */
export function createLogger(level: string = 'info'): Logger {
  return pino({
    level,
    redact: {
      paths: [
        '*.authorization',
        '*.Authorization',
        '*.headers.authorization',
        '*.headers.Authorization',
        '*.token',
        '*.secret',
        '*.password',
        '*.connectionString',
      ],
      censor: '[redacted]',
    },
  });
}
