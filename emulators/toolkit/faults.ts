import type { Request, RequestHandler, Response } from 'express';
import { positiveInteger } from './options.js';

/**
 * Fault injection for the provider emulators: what a flaky network and a flaky provider do to a request, so that
 * the exactly-once guarantees can be tried against them. Faults are scripted for the next matching requests (for
 * tests), or drawn at random from a seeded PRNG (for soaks and `npm start`), so a run can be replayed.
 */

/** What an emulator may do to one request instead of, or on top of, serving it. */
export type Fault =
  /** Waits, then serves normally. */
  | { kind: 'latency'; ms: number }
  /** Answered before processing, nothing done; `Retry-After` when given (423 and 429: 1 unless given). */
  | { kind: 'refuse'; status: 423 | 429 | 500 | 502 | 503; retryAfterSeconds?: number }
  /** The connection reset before processing. */
  | { kind: 'drop' }
  /** Never answered, nothing done (until the client gives up or the server closes). */
  | { kind: 'hang' }
  /** Processed, then answered with the handler's status but a truncated, non-JSON body. */
  | { kind: 'malformed' }
  /** Processed (the work is done), then the answer is lost: replaced by a bare 500 or 502, or the connection reset. */
  | { kind: 'lose'; as: 500 | 502 | 'drop' };

/** A fault for the next requests that match. */
export interface FaultRule {
  /** The request's method, in any case; any method when undefined. */
  method?: string;
  /** `req.path`: a string matches exactly, a RegExp is tested; any path when undefined. */
  path?: string | RegExp;
  fault: Fault;
  /** How many matching requests get the fault. @default 1 */
  times?: number;
}

export interface RandomFaults {
  /** The share of requests, 0 to 1, that get a fault. */
  rate: number;
  /** Seeds the PRNG: the same seed and the same requests give the same faults. */
  seed: number;
  /** The faults to draw from, half before processing and half after (see {@link DEFAULT_FAULT_POOL}). @default DEFAULT_FAULT_POOL */
  pool?: Fault[];
}

/** An injected fault, as {@link EmulatorFaults.injected} lists it. */
export interface InjectedFault {
  method: string;
  path: string;
  fault: Fault;
}

/**
 * The default random pool: half before processing (503; 429 with Retry-After: 1), half after (lose as 500, 502,
 * drop). Those after are the ones that test exactly-once: the provider acted, and the client cannot tell.
 */
export const DEFAULT_FAULT_POOL: Fault[] = [
  { kind: 'refuse', status: 503 },
  { kind: 'refuse', status: 429, retryAfterSeconds: 1 },
  { kind: 'lose', as: 500 },
  { kind: 'lose', as: 502 },
  { kind: 'lose', as: 'drop' },
];

/** The `Retry-After` of a 423 or 429 refusal that does not give one. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

export class EmulatorFaults {
  /** Every fault injected so far, for tests: { method, path, fault }. */
  readonly injected: InjectedFault[] = [];
  private rules: { rule: FaultRule; remaining: number }[] = [];
  private randomly: { rate: number; draw: () => number; before: Fault[]; after: Fault[] } | null = null;

  /** Faults for the next requests matching each rule, taken in order before any random fault. */
  script(...rules: FaultRule[]): void {
    for (const rule of rules) {
      this.rules.push({ rule, remaining: positiveInteger('times', rule.times ?? 1) });
    }
  }

  /** Random faults on `rate` of all requests (reads and writes), from a seeded PRNG so a run can be replayed; null turns them off. */
  random(options: RandomFaults | null): void {
    if (options === null) {
      this.randomly = null;
      return;
    }
    const { rate, seed, pool = DEFAULT_FAULT_POOL } = options;
    if (!(rate >= 0 && rate <= 1)) throw new Error(`rate must be from 0 to 1, got ${rate}`);
    if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    if (pool.length === 0) throw new Error('pool must hold at least one fault');
    const after = pool.filter(actsFirst);
    const before = pool.filter((fault) => !actsFirst(fault));
    this.randomly = { rate, draw: mulberry32(seed), before, after };
  }

  /** Drops scripted rules and random faults. */
  clear(): void {
    this.rules = [];
    this.randomly = null;
  }

  /** The Express middleware; goes right after readAndRecordRequests in each emulator. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const fault = this.faultFor(req);
      if (!fault) {
        next();
        return;
      }
      this.injected.push({ method: req.method, path: req.path, fault });
      inject(fault, req, res, next);
    };
  }

  private faultFor(req: Request): Fault | null {
    const scripted = this.rules.find(({ rule }) => matches(rule, req));
    if (scripted) {
      scripted.remaining -= 1;
      if (scripted.remaining === 0) this.rules.splice(this.rules.indexOf(scripted), 1);
      return scripted.rule.fault;
    }
    const randomly = this.randomly;
    if (!randomly || randomly.draw() >= randomly.rate) return null;
    const { before, after, draw } = randomly;
    // Half before processing and half after, whatever the number of faults of each kind in the pool.
    const half = before.length === 0 ? after : after.length === 0 ? before : draw() < 0.5 ? before : after;
    return half[Math.floor(draw() * half.length)] ?? null;
  }
}

/** Whether the fault lets the handler act before it strikes. */
function actsFirst(fault: Fault): boolean {
  return fault.kind === 'lose' || fault.kind === 'malformed';
}

function matches({ method, path }: FaultRule, req: Request): boolean {
  if (method !== undefined && method.toUpperCase() !== req.method.toUpperCase()) return false;
  if (path === undefined) return true;
  return typeof path === 'string' ? path === req.path : path.test(req.path);
}

/** A small, fast seeded PRNG (Tommy Ettinger's mulberry32): numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function inject(fault: Fault, req: Request, res: Response, next: () => void): void {
  switch (fault.kind) {
    case 'latency':
      setTimeout(next, fault.ms).unref();
      return;
    case 'refuse': {
      const retryAfter =
        fault.retryAfterSeconds ??
        (fault.status === 423 || fault.status === 429 ? DEFAULT_RETRY_AFTER_SECONDS : undefined);
      if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
      res.status(fault.status).type('text/plain').send(`Injected fault: refused with ${fault.status}`);
      return;
    }
    case 'drop':
      req.socket.destroy();
      return;
    case 'hang':
      return;
    case 'malformed':
      interceptAnswer(res, (answer, send) => {
        res.removeHeader('Content-Length');
        send(answer.status, truncatedNonJson(answer.body));
      });
      next();
      return;
    case 'lose':
      interceptAnswer(res, (_answer, send) => {
        if (fault.as === 'drop') {
          req.socket.destroy();
          return;
        }
        // A bare answer, as a gateway in front of the provider gives: none of the handler's headers nor its body.
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        send(fault.as, `Injected fault: the answer was lost (${fault.as})`);
      });
      next();
      return;
  }
}

/** What a handler answered: its status and whole body. */
interface Answer {
  status: number;
  body: Buffer;
}

/**
 * Holds back everything the handler writes until it ends its answer, then hands that answer to `replace`, which
 * sends another (through `send`) or none. The handler's work is done by then: it ends its answer last.
 */
function interceptAnswer(
  res: Response,
  replace: (answer: Answer, send: (status: number, body: string | Buffer) => void) => void,
): void {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  const chunks: Buffer[] = [];
  const collect = (chunk: unknown, encoding: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(
      Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
    );
  };
  // Headers set through writeHead stay on the response, where the replacement may keep or remove them.
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    res.statusCode = status;
    const headers = rest.find((arg) => typeof arg === 'object' && arg !== null);
    if (headers && !Array.isArray(headers))
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value as string);
    return res;
  }) as Response['writeHead'];
  res.write = ((chunk: unknown, encoding?: unknown) => {
    collect(chunk, encoding);
    return true;
  }) as Response['write'];
  res.end = ((chunk?: unknown, encoding?: unknown) => {
    collect(chunk, encoding);
    Object.assign(res, original);
    replace({ status: res.statusCode, body: Buffer.concat(chunks) }, (status, body) => {
      res.statusCode = status;
      res.end(body);
    });
    return res;
  }) as Response['end'];
}

/** The first half of a body, made sure not to parse as JSON (half of `42` is `4`, which does). */
function truncatedNonJson(body: Buffer): string {
  const half = body.toString('utf8').slice(0, Math.floor(body.length / 2));
  try {
    JSON.parse(half);
  } catch {
    return half;
  }
  return `{${half}`;
}
