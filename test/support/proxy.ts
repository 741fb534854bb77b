import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a proxy saw it. */
export interface ProxiedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  /** The request's headers as sent, names in lower case. */
  headers: http.IncomingHttpHeaders;
  /** The body parsed as JSON; its text when not JSON; undefined when empty. */
  body: unknown;
  /** The body's text exactly as sent (escapes and all); '' when empty. */
  text: string;
}

/**
 * An answer the proxy gives in the provider's place, as a gateway or rate limiter in front of it would: JSON
 * (`application/json; charset=utf-8`, as every provider answers) with a small body.
 */
export interface ProxyAnswer {
  /** The HTTP status, such as 429 or 503. */
  respond: number;
  /** Sent as `Retry-After` (delay-seconds); no such header when left out. */
  retryAfterSeconds?: number;
  /** The JSON body. @default { message: the status's reason phrase } */
  body?: unknown;
}

/** What a proxy does with a request, or with the provider's answer to it. */
export type ProxyDecision = 'pass' | 'drop' | 'hold' | ProxyAnswer;

export interface ProxyHooks {
  /**
   * Before the request goes on: `pass` forwards it; `drop` resets the connection, as an unreachable host would;
   * `hold` keeps it unanswered until the proxy closes; a {@link ProxyAnswer} answers in the provider's place, which
   * never sees the request (nor does `exchanges`). May take its time (a barrier, a delay).
   */
  beforeForward?(request: ProxiedRequest): ProxyDecision | Promise<ProxyDecision>;
  /**
   * After the provider answered: `pass` delivers the answer, `drop` and `hold` lose it on the way back, a
   * {@link ProxyAnswer} replaces it (the provider acted; `exchanges` records what it answered).
   */
  afterAnswer?(request: ProxiedRequest, status: number): ProxyDecision | Promise<ProxyDecision>;
}

/** A request that reached the provider, with the provider's answer. */
export interface ProxyExchange extends ProxiedRequest {
  status: number;
}

export interface ForwardingProxy {
  url: string;
  /** Every request forwarded to the provider, with its answer, whether or not that was delivered. */
  exchanges: ProxyExchange[];
  /** How many requests are held: in flight as far as their callers know. */
  held(): number;
  close(): Promise<void>;
}

const HOP_BY_HOP = ['host', 'connection', 'content-length', 'content-encoding', 'transfer-encoding'];

/**
 * A proxy on loopback in front of a provider (an emulator), through the real network stack, whose hooks decide
 * what happens to each request and answer: the faults a test needs, without stubbing anything.
 */
export async function startForwardingProxy(target: string, hooks: ProxyHooks = {}): Promise<ForwardingProxy> {
  const exchanges: ProxyExchange[] = [];
  let held = 0;
  const settle = (decision: Exclude<ProxyDecision, 'pass'>, req: http.IncomingMessage, res: http.ServerResponse) => {
    if (typeof decision === 'object') return answerInPlace(decision, res);
    if (decision === 'hold') held++;
    else req.socket.destroy();
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const raw = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const request: ProxiedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: parseBody(raw),
        text: raw?.toString('utf8') ?? '',
      };
      const before = (await hooks.beforeForward?.(request)) ?? 'pass';
      if (before !== 'pass') return settle(before, req, res);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.includes(name)),
      ) as Record<string, string>;
      let upstream: Response;
      let answer: Buffer;
      try {
        upstream = await fetch(new URL(request.path, target), { method: request.method, headers, body: raw });
        answer = Buffer.from(await upstream.arrayBuffer());
      } catch {
        // The provider reset the connection (an emulator's fault): so does the proxy.
        return req.socket.destroy();
      }
      exchanges.push({ ...request, status: upstream.status });
      const after = (await hooks.afterAnswer?.(request, upstream.status)) ?? 'pass';
      if (after !== 'pass') return settle(after, req, res);
      const responseHeaders: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        if (!HOP_BY_HOP.includes(name)) responseHeaders[name] = value;
      });
      res.writeHead(upstream.status, responseHeaders);
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    held: () => held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answerInPlace({ respond, retryAfterSeconds, body }: ProxyAnswer, res: http.ServerResponse): void {
  res.writeHead(respond, {
    'content-type': 'application/json; charset=utf-8',
    ...(retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }),
  });
  res.end(JSON.stringify(body ?? { message: http.STATUS_CODES[respond] ?? 'Error' }));
}

function parseBody(raw: Buffer | undefined): unknown {
  if (!raw) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
