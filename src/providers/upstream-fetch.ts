import http from 'node:http';
import https from 'node:https';
import type { DataSourceConfig } from '@apollo/datasource-rest';
import nodeFetch from 'node-fetch';

export type Fetcher = NonNullable<DataSourceConfig['fetch']>;

export interface UpstreamFetchOptions {
  /** Abort a call that has not answered after this long. */
  timeoutMs: number;
}

// One pool of kept-alive sockets per protocol for the whole process: every request to a provider reuses
// connections instead of paying a TCP (and TLS) handshake per call.
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

/** node-fetch over kept-alive sockets, with a per-call timeout; the transport of every provider client. */
export function createUpstreamFetch({ timeoutMs }: UpstreamFetchOptions): Fetcher {
  const fetcher = (url: string, init?: Parameters<typeof nodeFetch>[1]) =>
    nodeFetch(url, {
      ...init,
      agent: (parsed: URL) => (parsed.protocol === 'https:' ? httpsAgent : httpAgent),
      signal: (init?.signal as AbortSignal | undefined) ?? AbortSignal.timeout(timeoutMs),
    } as Parameters<typeof nodeFetch>[1]);
  return fetcher as unknown as Fetcher;
}
