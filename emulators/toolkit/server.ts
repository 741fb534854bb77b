import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { EmulatorFaults } from './faults.js';

/**
 * What every provider emulator shares: serving an Express app on loopback, and recording each request
 * so that tests can count and inspect upstream calls.
 */

/** One request as the emulator received it. */
export interface RecordedCall {
  method: string;
  /** Path with query string, as sent. */
  path: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body parsed as JSON; the raw text when it is not JSON; undefined when there was none. */
  body: unknown;
}

export interface RunningEmulator {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:43123`. */
  url: string;
  close(): Promise<void>;
  /** Every request received, in arrival order (a live array: tests may reset it with `calls.length = 0`). */
  calls: RecordedCall[];
  /** Faults to inject into its requests: scripted by tests, or random. */
  faults: EmulatorFaults;
  /** How many times each business key was created (see each emulator for its keys): more than 1 is a duplicate. */
  created: ReadonlyMap<string, number>;
}

/** Counted by an emulator once its own checks let a creation through. */
export class CreationCounts extends Map<string, number> {
  count(key: string): void {
    this.set(key, (this.get(key) ?? 0) + 1);
  }
}

/** What {@link startEmulator} hands every emulator app it creates, to watch and disturb it. */
export interface EmulatorInstruments {
  /** Records every request into this array. */
  calls?: RecordedCall[];
  /** Mounted right after {@link readAndRecordRequests}: a faulted request is still recorded. */
  faults?: EmulatorFaults;
  /** Counts what the app creates, by business key. */
  created?: CreationCounts;
}

/**
 * Buffers every body before anything looks at it, so that calls rejected early (401, 400 on headers, 413) are still
 * recorded with their body, and each emulator parses when the real service would: after authentication and headers.
 */
export function readAndRecordRequests(calls?: RecordedCall[]): RequestHandler {
  // Kestrel's default request body limit.
  const readRaw = express.raw({ type: () => true, limit: '30mb' });
  return (req, res, next) => {
    readRaw(req, res, (error?: unknown) => {
      calls?.push({
        method: req.method,
        path: req.originalUrl,
        headers: flattenHeaders(req.headers),
        body: decodeRecordedBody(req.body),
      });
      next(error);
    });
  };
}

/**
 * An emulator's Express app with the instruments given: `first` (such as the correlation id every answer carries,
 * a faulted one too), then {@link readAndRecordRequests}, then the faults. It sends neither X-Powered-By nor ETags
 * (so never a 304): they would be Express's, not the provider's.
 */
export function emulatorApp({ calls, faults }: EmulatorInstruments, ...first: RequestHandler[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  for (const handler of first) app.use(handler);
  app.use(readAndRecordRequests(calls));
  if (faults) app.use(faults.middleware());
  return app;
}

/** Serves `app` on loopback and returns its URL, its instruments and an idempotent `close`. */
export async function serveEmulator(
  app: express.Express,
  instruments: Required<EmulatorInstruments>,
  { port = 0, host = '127.0.0.1' }: { port?: number | undefined; host?: string | undefined } = {},
): Promise<RunningEmulator> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: boundPort } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${boundPort}`,
    ...instruments,
    close: () => (closing ??= closeServer(server)),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // fetch keeps connections alive; without this, close() waits for them to time out.
    server.closeAllConnections();
  });
}

function flattenHeaders(headers: Request['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function decodeRecordedBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Where an emulator listens: loopback and any free port unless told otherwise. */
export interface ListenOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
}

/** Starts the emulator `create` makes, recording every call it receives, ready for faults and counting creations. */
export async function startEmulator<Options>(
  create: (options: Options & Required<EmulatorInstruments>) => express.Express,
  options: Options & ListenOptions,
): Promise<RunningEmulator> {
  const { port, host, ...emulatorOptions } = options;
  const instruments = { calls: [], faults: new EmulatorFaults(), created: new CreationCounts() };
  return serveEmulator(create({ ...(emulatorOptions as Options), ...instruments }), instruments, { port, host });
}

/** A typed view of `res.locals`, where an emulator's handlers note what later ones need (its tenant, its token). */
export function requestState<State>(): (res: Response) => Partial<State> {
  return (res) => res.locals as Partial<State>;
}

/** The media type of a `Content-Type` header, lower-cased and without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A known path asked with another method: 405 with `Allow`, the body in the provider's own error shape. */
export function methodNotAllowed(allowed: string[], sendBody: (res: Response) => void): RequestHandler {
  return (_req, res) => {
    res.setHeader('Allow', allowed.join(', '));
    sendBody(res);
  };
}

/** `application/json` or a `+json` structured-syntax type (RFC 6839). */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const mediaType = mediaTypeOf(contentType);
  return mediaType === 'application/json' || /^application\/[^/\s]+\+json$/.test(mediaType);
}

/** Why a body could not be read as JSON. */
export type JsonBodyProblem =
  { kind: 'unsupported-media-type'; contentType: string } | { kind: 'empty' } | { kind: 'malformed'; detail: string };

/**
 * Replaces the raw body (see {@link readAndRecordRequests}) by its parsed JSON. A body of another media type,
 * an empty one or a malformed one is refused through `refuse`, in the provider's own error shape.
 */
export function jsonBodyParser(
  accepts: (contentType: string | undefined) => boolean,
  refuse: (res: Response, problem: JsonBodyProblem) => void,
): RequestHandler {
  return (req, res, next) => {
    const contentType = req.header('content-type');
    if (!accepts(contentType)) return refuse(res, { kind: 'unsupported-media-type', contentType: contentType ?? '' });
    const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (text.trim() === '') return refuse(res, { kind: 'empty' });
    try {
      req.body = JSON.parse(text) as unknown;
    } catch (error) {
      return refuse(res, { kind: 'malformed', detail: error instanceof Error ? error.message : '' });
    }
    next();
  };
}

/**
 * An emulator's last handler. An error Express raised for the client (413 body too large, 400 undecodable path, …)
 * keeps its status, and its message when that is deliberately public (`expose`); any other error is a 500. `send`
 * answers in the provider's own shape, never with the stack, which the real services do not show either.
 */
export function uncaughtErrorHandler(
  send: (res: Response, status: number, publicMessage: string | undefined) => void,
): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    const clientError = error as { status?: unknown; expose?: unknown; message?: unknown } | null;
    const status = Number(clientError?.status);
    if (status >= 400 && status < 500) {
      send(
        res,
        status,
        clientError?.expose === true && typeof clientError.message === 'string' ? clientError.message : undefined,
      );
      return;
    }
    send(res, 500, undefined);
  };
}
