import http from 'node:http';
import https from 'node:https';
import type { DataSourceConfig } from '@apollo/datasource-rest';
import nodeFetch from 'node-fetch';

export type Fetcher = NonNullable<DataSourceConfig['fetch']>;

export interface UpstreamFetchOptions {
  /** A call fails when its answer has not started after this long, or its body not arrived this long after. */
  timeoutMs: number;
}

// One pool of kept-alive sockets per protocol for the whole process: every request to a provider reuses
// connections instead of paying a TCP (and TLS) handshake per call.
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

const agent = (parsed: URL) => (parsed.protocol === 'https:' ? httpsAgent : httpAgent);

/**
 * node-fetch over kept-alive sockets, with node-fetch's own timeout, which bounds the answer's start and then its body,
 * each by `timeoutMs`: a call lasts at most twice that (config.ts checks the ledger's lease against it). An
 * `AbortSignal.timeout` per call bounded it by `timeoutMs` once, but cost a read some 20 µs of its ~600 of CPU.
 */
export function createUpstreamFetch({ timeoutMs }: UpstreamFetchOptions): Fetcher {
  const fetcher = (url: string, init?: Parameters<typeof nodeFetch>[1]) =>
    nodeFetch(url, { ...init, agent, timeout: timeoutMs } as Parameters<typeof nodeFetch>[1]);
  return fetcher as unknown as Fetcher;
}
