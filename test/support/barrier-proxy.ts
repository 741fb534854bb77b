import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Proves concurrency without timing anything: a set of proxies that hold every request until `expected`
 * requests have arrived across all of them, then forward them all. Calls made one after another would
 * never fill the barrier; after `patienceMs` the proxies give up waiting, forward anyway and remember
 * that the barrier was never full.
 */
export class RequestBarrier {
  private arrived = 0;
  private gaveUp = false;
  private releaseAll!: () => void;
  private readonly released: Promise<void>;
  /** True when the barrier filled: every expected request was in flight at the same time. */
  filled = false;

  /** `patienceMs` stays below the clients' upstream timeout, so a held request still gets its answer. */
  constructor(
    private readonly expected: number,
    private readonly patienceMs = 2_000,
  ) {
    this.released = new Promise((resolve) => (this.releaseAll = resolve));
  }

  arrive(): Promise<void> {
    this.arrived++;
    if (this.arrived === this.expected && !this.gaveUp) {
      this.filled = true;
      this.releaseAll();
    }
    const patience = new Promise<void>((resolve) =>
      setTimeout(() => {
        this.gaveUp = true;
        resolve();
      }, this.patienceMs).unref(),
    );
    return Promise.race([this.released, patience]);
  }
}

export interface BarrierProxy {
  url: string;
  close(): Promise<void>;
}

/** A proxy to `target` whose requests wait at `barrier` before going on. */
export async function startBarrierProxy(target: string, barrier: RequestBarrier): Promise<BarrierProxy> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      await barrier.arrive();
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
      ) as Record<string, string>;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const upstream = await fetch(new URL(req.url ?? '/', target), { method: req.method, headers, body });
      const responseHeaders: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        if (!['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(name)) responseHeaders[name] = value;
      });
      res.writeHead(upstream.status, responseHeaders);
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
