import http from 'node:http';
import https from 'node:https';
import type { DataSourceConfig } from '@apollo/datasource-rest';
import nodeFetch from 'node-fetch';

export type Fetcher = NonNullable<DataSourceConfig['fetch']>;

// One pool of kept-alive sockets per protocol for the whole process: every request to a provider reuses
// connections instead of paying a TCP (and TLS) handshake per call.
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

const agent = (parsed: URL) => (parsed.protocol === 'https:' ? httpsAgent : httpAgent);

/** node-fetch over kept-alive sockets. Time limits, retries and the rest are each provider's policy (policies/). */
export const upstreamFetch = ((url: string, init?: Parameters<typeof nodeFetch>[1]) =>
  nodeFetch(url, { ...init, agent })) as unknown as Fetcher;
