import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines to `destination` (standard output by default). Credentials are redacted where they might sit (a caller's
 * JWT, a provider's token or API key, Adobe's connection string), so that no log line carries one, whatever a future log
 * call passes in under those names.
 */
export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      // fast-redact matches fixed depths: each name at the top and one level down, headers two levels down.
      paths: [
        ...['authorization', 'Authorization', 'token', 'secret', 'password', 'apiKey', 'imsAuthorization'].flatMap(
          (name) => [name, `*.${name}`],
        ),
        'connectionString',
        '*.connectionString',
        ...['authorization', 'Authorization', '["x-gw-ims-authorization"]', 'cookie'].flatMap((header) => [
          `headers.${header}`,
          `*.headers.${header}`,
        ]),
      ].map((path) => path.replace('.[', '[')),
      censor: '[redacted]',
    },
  };
  // Standard output is written asynchronously, a request never waiting on a log write, and in writes of 4 KB or once
  // a second: under load, a write per line cost a read more of its CPU than making the line. pino flushes on exit.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 1000 }));
}
