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
  // Standard output is written asynchronously, a request never waiting on a log write, and in writes of 4 KB or once
  // a second: under load, a write per line cost a read more of its CPU than making the line. pino flushes on exit.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 1000 }));
}
