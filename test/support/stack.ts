import { SignJWT } from 'jose';
import { createAuthenticator } from '../../src/auth.js';
import type { ProviderEndpoints } from '../../src/context.js';
import { createLogger } from '../../src/logger.js';
import { startCloudCockpitEmulator } from '../../src/providers/cloudcockpit/emulator.js';
import type { RunningEmulator } from '../../src/providers/emulator-server.js';
import { createUpstreamFetch } from '../../src/providers/upstream-fetch.js';
import { startServer, type RunningServer } from '../../src/server.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!';
export const TEST_CLOUDCOCKPIT_TOKEN = 'cloudcockpit-test-token';

export interface TokenClaims {
  sub?: string;
  tenant?: string;
  roles?: string[];
  resellerId?: string;
}

/** A caller's JWT signed with the test secret; a csp on `contoso.example` unless told otherwise. */
export async function signToken(claims: TokenClaims = {}, secret = TEST_JWT_SECRET): Promise<string> {
  const { sub = 'user-1', ...rest } = claims;
  return new SignJWT({ tenant: 'contoso.example', roles: ['csp'], ...rest })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));
}

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

/** POSTs one GraphQL operation over real HTTP. */
export async function graphql<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<TData>, 'status' | 'headers'>;
  return { status: response.status, headers: response.headers, ...body };
}

export interface TestStack {
  server: RunningServer;
  cloudCockpit: RunningEmulator;
  close(): Promise<void>;
}

/** The API on a free loopback port, in front of a CloudCockpit at `cloudCockpitUrl` or a fresh emulator. */
export async function startTestStack(options: { cloudCockpitUrl?: string; timeoutMs?: number } = {}): Promise<TestStack> {
  const cloudCockpit = await startCloudCockpitEmulator({ token: TEST_CLOUDCOCKPIT_TOKEN });
  const endpoints: ProviderEndpoints = {
    cloudCockpit: {
      baseURL: options.cloudCockpitUrl ?? cloudCockpit.url,
      token: TEST_CLOUDCOCKPIT_TOKEN,
      fetch: createUpstreamFetch({ timeoutMs: options.timeoutMs ?? 5_000 }),
    },
  };
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    production: false,
    logger: createLogger('silent'),
    authenticator: await createAuthenticator({ kind: 'secret', secret: TEST_JWT_SECRET }),
    endpoints,
  });
  return {
    server,
    cloudCockpit,
    async close() {
      await server.close();
      await cloudCockpit.close();
    },
  };
}
