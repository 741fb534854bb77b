import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { DestinationStream } from 'pino';
import { createAuthenticator } from '../../src/auth.js';
import type { ProviderName } from '../../src/errors.js';
import type { ProviderEndpoints } from '../../src/context.js';
import type { IdempotencyOptions } from '../../src/idempotency.js';
import { AnswerEncryption } from '../../src/ledger/answer-encryption.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { openLedger } from '../../src/ledger/open.js';
import { createLogger } from '../../src/logger.js';
import { ProvisioningWorker, type ProvisioningWorkerOptions } from '../../src/provisioning/worker.js';
import { startCloudCockpitEmulator } from '../../emulators/cloudcockpit/emulator.js';
import type { RandomFaults } from '../../emulators/toolkit/faults.js';
import type { RunningEmulator } from '../../emulators/toolkit/server.js';
import { startExperiencePlatformEmulator } from '../../emulators/experience-platform/emulator.js';
import { startNet3Emulator } from '../../emulators/net3/emulator.js';
import { startWebexEmulator } from '../../emulators/webex/emulator.js';
import type { WholesalePackageName } from '../../src/providers/webex/wire.js';
import {
  DEFAULT_UPSTREAM_POLICY,
  UpstreamPolicy,
  type UpstreamPolicyOptions,
} from '../../src/providers/policies/upstream-policy.js';
import type { PersistedQueryManifest } from '../../src/persisted-queries.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../../src/query-limits.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { Metrics } from '../../src/telemetry/metrics.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!';
/** The key test stacks seal stored `Idempotency-Key` answers with, unless told otherwise: one ledger, one key. */
export const TEST_ANSWER_KEY = Buffer.alloc(32, 'test-answer-key');
/** What the test emulators accept and the test server sends. */
export const TEST_CREDENTIALS = {
  cloudCockpit: { token: 'cloudcockpit-test-token' },
  experiencePlatform: { token: 'aep-test-token', imsAuthorization: 'ims-test-authorization' },
  net3: { apiKey: 'net3-test-api-key' },
  webex: { token: 'webex-test-token' },
};

export interface TokenClaims {
  sub?: string;
  tenant?: string;
  roles?: string[];
  resellerId?: string;
}

/** A token's registered claims besides `sub`: those a stack started with `jwt` requires, and its expiry. */
export interface RegisteredClaims {
  issuer?: string;
  audience?: string;
  /** As jose takes it: seconds since the epoch, or a span from now such as `'10m'`. @default '10m' */
  expiresAt?: number | string;
}

/** A caller's JWT signed with the test secret; a csp on `contoso.example` unless told otherwise. */
export async function signToken(
  claims: TokenClaims = {},
  secret = TEST_JWT_SECRET,
  { issuer, audience, expiresAt = '10m' }: RegisteredClaims = {},
): Promise<string> {
  const { sub = 'user-1', ...rest } = claims;
  const jwt = new SignJWT({ tenant: 'contoso.example', roles: ['csp'], ...rest })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(expiresAt);
  if (issuer) jwt.setIssuer(issuer);
  if (audience) jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface GraphQLRequestOptions {
  token?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** POSTs one GraphQL operation over real HTTP. */
export function graphql<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: GraphQLRequestOptions = {},
): Promise<GraphQLResponse<TData>> {
  return postGraphQL<TData>(url, { query, variables }, options);
}

/** POSTs a GraphQL request body as given: by a persisted query's hash, with `extensions`, without `query` … */
export async function postGraphQL<TData = Record<string, unknown>>(
  url: string,
  body: Record<string, unknown>,
  options: GraphQLRequestOptions = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    signal: options.signal,
    headers: {
      'content-type': 'application/json',
      // As Apollo Client asks: a request error then comes with a 4xx status (GraphQL over HTTP).
      accept: 'application/graphql-response+json, application/json;q=0.9',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Omit<GraphQLResponse<TData>, 'status' | 'headers'>;
  return { status: response.status, headers: response.headers, ...answer };
}

export interface TestStack {
  server: RunningServer;
  /**
   * The emulators started for this stack (also those a test pointed elsewhere with `urls`); script faults with
   * `emulators.<name>.faults`.
   */
  emulators: Record<keyof ProviderEndpoints, RunningEmulator>;
  ledger: Ledger;
  /** The background worker, when the stack was started with `worker`. */
  worker: ProvisioningWorker | null;
  /** What the server's `/metrics` exposes, the provider policies' counts included. */
  metrics: Metrics;
  close(): Promise<void>;
}

type ProviderUrls = Partial<Record<keyof ProviderEndpoints, string>>;

export interface TestStackOptions {
  /**
   * Send a provider's calls here instead of to its emulator (a recording server, a closed port …); as a
   * function, made from the started emulators (e.g. a proxy in front of one).
   */
  urls?: ProviderUrls | ((emulators: TestStack['emulators']) => Promise<ProviderUrls>);
  /** Per-call upstream timeout. @default 5000 */
  timeoutMs?: number;
  /** Each provider's policy, over the defaults (and `timeoutMs`). */
  policy?: Partial<UpstreamPolicyOptions>;
  /** How long a Webex customer stays `provisioning` in the emulator. @default 0 */
  webexProvisioningDelayMs?: number;
  /** Packages whose provisioning fails in the Webex emulator (all of a customer's: it ends in `error`). @default [] */
  webexFailingPackages?: WholesalePackageName[];
  /** Where the server's logs go, at level `trace`; by default nowhere. */
  logs?: DestinationStream;
  /** How long an Adobe provisioning stays in progress in the emulator. @default 0 */
  experiencePlatformProvisioningDelayMs?: number;
  /**
   * Keep the provisionings in this ledger (one on PostgreSQL, or one another stack shares) instead of a fresh
   * in-memory one; its owner closes its database. @default a new in-memory PGlite ledger
   */
  ledger?: Ledger;
  /** `Idempotency-Key` settings (a short TTL, abandonment); the server's defaults unless given. */
  idempotency?: IdempotencyOptions;
  /** The keys of the stored answers, as IDEMPOTENCY_ENCRYPTION_KEY lists them. @default [TEST_ANSWER_KEY] */
  answerKeys?: Buffer[];
  /**
   * Runs the background worker, as `npm start` does, with these options (short intervals for tests); `leaseMs`
   * is the lease of the ledger opened here. @default no worker
   */
  worker?: ProvisioningWorkerOptions & { leaseMs?: number };
  /** Random faults injected by all four emulators, each drawing from its own PRNG with this seed. @default none */
  faults?: RandomFaults;
  /** The `iss` and `aud` every caller's JWT must carry, as JWT_ISSUER and JWT_AUDIENCE set them. @default neither */
  jwt?: { issuer?: string; audience?: string };
  /** Run the server as in production (no introspection, no stack traces, no suggestions). @default false */
  production?: boolean;
  /** The server's limits on one operation, over the defaults. */
  queryLimits?: Partial<QueryLimits>;
  /** The bearer token `/metrics` asks for (METRICS_TOKEN). @default none: open */
  metricsToken?: string;
  /** Run only this manifest's operations, as PERSISTED_QUERIES=enforce does. @default null, any operation */
  persistedQueries?: PersistedQueryManifest | null;
}

/** A provider's policy as the product's defaults make it, with a test's own options over them. */
export function testPolicy(
  provider: ProviderName,
  options: Partial<UpstreamPolicyOptions> = {},
  metrics?: Metrics,
): UpstreamPolicy {
  return new UpstreamPolicy(provider, { ...DEFAULT_UPSTREAM_POLICY, timeoutMs: 5_000, ...options }, metrics);
}

/** The API on a free loopback port, in front of fresh emulators of every provider. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const credentials = TEST_CREDENTIALS;
  const [cloudCockpit, experiencePlatform, net3, webex] = await Promise.all([
    startCloudCockpitEmulator(credentials.cloudCockpit),
    startExperiencePlatformEmulator({
      ...credentials.experiencePlatform,
      provisioningDelayMs: options.experiencePlatformProvisioningDelayMs ?? 0,
    }),
    startNet3Emulator({ credentials: credentials.net3 }),
    startWebexEmulator({
      ...credentials.webex,
      provisioningDelayMs: options.webexProvisioningDelayMs ?? 0,
      failingPackages: options.webexFailingPackages,
    }),
  ]);
  const emulators = { cloudCockpit, experiencePlatform, net3, webex };
  for (const emulator of Object.values(emulators)) emulator.faults.random(options.faults ?? null);
  const metrics = new Metrics();
  const policy = (provider: ProviderName) =>
    testPolicy(provider, { timeoutMs: options.timeoutMs ?? 5_000, ...options.policy }, metrics);
  const urls = typeof options.urls === 'function' ? await options.urls(emulators) : options.urls;
  const baseURL = (name: keyof ProviderEndpoints) => urls?.[name] ?? emulators[name].url;
  const endpoints: ProviderEndpoints = {
    cloudCockpit: { baseURL: baseURL('cloudCockpit'), policy: policy('CLOUDCOCKPIT'), ...credentials.cloudCockpit },
    experiencePlatform: {
      baseURL: baseURL('experiencePlatform'),
      policy: policy('EXPERIENCE_PLATFORM'),
      ...credentials.experiencePlatform,
    },
    net3: { baseURL: baseURL('net3'), policy: policy('NET3'), credentials: credentials.net3 },
    webex: { baseURL: baseURL('webex'), policy: policy('WEBEX_WHOLESALE'), ...credentials.webex },
  };
  // A ledger given by the test is closed by the test; only one opened here is closed with the stack.
  const { ledger, database } = options.ledger
    ? { ledger: options.ledger, database: null }
    : await openLedger({ dataDir: 'memory://', leaseMs: options.worker?.leaseMs });
  const logger = options.logs ? createLogger('trace', options.logs) : createLogger('silent');
  const worker = options.worker ? new ProvisioningWorker({ logger, endpoints, ledger }, options.worker) : null;
  worker?.start();
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    production: options.production ?? false,
    logger,
    authenticator: await createAuthenticator({ kind: 'secret', secret: TEST_JWT_SECRET, ...options.jwt }),
    endpoints,
    ledger,
    answerEncryption: new AnswerEncryption(options.answerKeys ?? [TEST_ANSWER_KEY]),
    idempotency: options.idempotency,
    queryLimits: { ...DEFAULT_QUERY_LIMITS, ...options.queryLimits },
    metrics,
    metricsToken: options.metricsToken,
    persistedQueries: options.persistedQueries ?? null,
  });
  return {
    server,
    emulators,
    ledger,
    worker,
    metrics,
    async close() {
      await server.close();
      await worker?.stop();
      await database?.close();
      await Promise.all(Object.values(emulators).map((emulator) => emulator.close()));
    },
  };
}

/**
 * Records in `ledger` that `tenant` provisioned these Webex customers, as provisionWholesaleCustomer would: for
 * tests that read Webex customers they did not make through the API (a tenant reads only its own).
 */
export async function recordWebexCustomers(ledger: Ledger, ids: string[], tenant = 'contoso.example'): Promise<void> {
  for (const id of ids)
    await recordProvisioning(ledger, 'provisionWholesaleCustomer', 'WEBEX_WHOLESALE', { id }, tenant);
}

/**
 * Records in `ledger` that a CSP of `tenant` stored this Adobe request, as provisionExperiencePlatform would: for tests
 * that read the status of a request they did not make through the API (a caller reads only its own).
 */
export async function recordExperiencePlatformRequest(
  ledger: Ledger,
  request: { imsOrgId: string; requestId: string },
  tenant = 'contoso.example',
): Promise<void> {
  const upstreamIds = { storedRequestId: request.requestId, imsOrgId: request.imsOrgId };
  await recordProvisioning(ledger, 'provisionExperiencePlatform', 'EXPERIENCE_PLATFORM', upstreamIds, tenant);
}

async function recordProvisioning(
  ledger: Ledger,
  kind: string,
  provider: ProviderName,
  upstreamIds: Record<string, string>,
  tenant: string,
): Promise<void> {
  const operationId = randomUUID();
  const lease = await ledger.beginOperation(
    {
      id: operationId,
      tenant,
      caller: { subject: 'user-1', tenant, roles: ['csp'], resellerId: null },
      kind,
      customerId: null,
      request: {},
      correlationId: randomUUID(),
    },
    [{ step: kind, provider, position: 0, input: {} }],
  );
  await ledger.completeStep(operationId, kind, lease, { status: 'SUCCEEDED', result: null, upstreamIds });
}
