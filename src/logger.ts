import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines to `destination` (standard output by default). Credentials are redacted wherever they might sit, so that
 * no log line carries a caller's JWT or a provider's token, whatever a future log call passes in.
 */
export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  const options = {
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
  };
  // Standard output is written asynchronously (pino flushes it on exit): a request never waits on a log write.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
