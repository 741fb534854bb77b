import { z } from 'zod';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './query-limits.js';
import {
  DEFAULT_UPSTREAM_POLICY,
  longestCallMs,
  type UpstreamPolicyOptions,
} from './providers/policies/upstream-policy.js';

/** Every variable is listed in the README's configuration table: keep the two in step. */

const Environment = z.object({
  NODE_ENV: z.string().default('development'),
  /** @default 4000 */
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** The address to listen on: 127.0.0.1 keeps the server to this machine. @default 0.0.0.0 */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** @default info */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** Unset: the embedded CloudCockpit emulator is started on loopback (refused in production). */
  CLOUDCOCKPIT_URL: z.url().optional(),
  CLOUDCOCKPIT_TOKEN: z.string().min(1).optional(),

  ADOBE_AEP_URL: z.url().optional(),
  /** Sent as `Authorization`. */
  ADOBE_AEP_TOKEN: z.string().min(1).optional(),
  /** Sent as `x-gw-ims-authorization`. */
  ADOBE_IMS_AUTHORIZATION: z.string().min(1).optional(),

  NET3_URL: z.url().optional(),
  /** Sent as `Authorization: Bearer`; or use NET3_USERNAME and NET3_PASSWORD (Basic). */
  NET3_API_KEY: z.string().min(1).optional(),
  NET3_USERNAME: z.string().min(1).optional(),
  NET3_PASSWORD: z.string().min(1).optional(),

  WEBEX_URL: z.url().optional(),
  WEBEX_TOKEN: z.string().min(1).optional(),

  /** Where the embedded ledger (PGlite) keeps its files. @default ./data */
  DATA_DIR: z.string().min(1).default('./data'),
  /** A PostgreSQL server for the ledger instead of the embedded one. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** Connections this process keeps to DATABASE_URL: each transaction holds one until it commits. @default openDatabase's */
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().optional(),
  /** How long a process holds a step before another may take it over ({@link CALLS_PER_STEP_CLAIM}). @default 120000 */
  LEDGER_LEASE_MS: z.coerce.number().int().positive().default(120_000),
  /** How often the worker looks for steps to follow or recover. @default 1000 */
  WORKER_INTERVAL_MS: z.coerce.number().int().positive().default(1_000),

  /** After SIGTERM, how long `/readyz` answers 503 while requests are still served, for load balancers to notice. @default 0 */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().nonnegative().default(0),
  /** After that, how long requests in flight and the worker's calls may take to finish before the process exits. @default 25000 */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(25_000),

  /** HS256 secret for callers' JWTs. */
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  /** JWKS of the identity provider that signs callers' JWTs (RS256, ES256 …). */
  JWKS_URL: z.url().optional(),
  /** The `iss` callers' JWTs must carry; required with JWKS_URL in production. */
  JWT_ISSUER: z.string().min(1).optional(),
  /** The `aud` callers' JWTs must carry; required with JWKS_URL in production. */
  JWT_AUDIENCE: z.string().min(1).optional(),

  /** Nested fields one operation may select, fragments flattened (query-limits.ts). @default 10 */
  MAX_QUERY_DEPTH: z.coerce.number().int().positive().default(DEFAULT_QUERY_LIMITS.maxDepth),
  /** Aliased fields one operation may hold. @default 15 */
  MAX_QUERY_ALIASES: z.coerce.number().int().nonnegative().default(DEFAULT_QUERY_LIMITS.maxAliases),
  /** Directives one operation may hold. @default 50 */
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().nonnegative().default(DEFAULT_QUERY_LIMITS.maxDirectives),
  /** Lexical tokens one document may hold. @default 1000 */
  MAX_QUERY_TOKENS: z.coerce.number().int().positive().default(DEFAULT_QUERY_LIMITS.maxTokens),
  /** Provider calls one operation may make at most, as upstream-cost.ts prices it. @default 250 */
  MAX_QUERY_COST: z.coerce.number().int().positive().default(DEFAULT_QUERY_LIMITS.maxCost),

  /** `enforce`: only the operations of PERSISTED_QUERIES_MANIFEST run (persisted-queries.ts). @default off */
  PERSISTED_QUERIES: z.enum(['off', 'enforce']).default('off'),
  /** The client preset's persisted-documents.json; required with PERSISTED_QUERIES=enforce. */
  PERSISTED_QUERIES_MANIFEST: z.string().min(1).optional(),

  /**
   * Encrypts the stored answers of `Idempotency-Key`s ({@link parseEncryptionKeys}); required in production.
   * @default outside production, a key made on first start and kept in DATA_DIR
   */
  IDEMPOTENCY_ENCRYPTION_KEY: z.string().min(1).optional(),

  /** When set, `GET /metrics` asks for `Authorization: Bearer <METRICS_TOKEN>`. @default open to whoever reaches it */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
});

export type Environment = z.infer<typeof Environment>;

/** Where a provider is and how calls to it are made; `url` undefined means "start the embedded emulator". */
export interface UpstreamConfig<Credentials> {
  url: string | undefined;
  policy: UpstreamPolicyOptions;
  /** undefined when `url` is: the emulator's own credentials are used then. */
  credentials: Credentials | undefined;
}

export type Net3Credentials = { apiKey: string } | { username: string; password: string };

export interface UpstreamsConfig {
  cloudCockpit: UpstreamConfig<{ token: string }>;
  experiencePlatform: UpstreamConfig<{ token: string; imsAuthorization: string }>;
  net3: UpstreamConfig<Net3Credentials>;
  webex: UpstreamConfig<{ token: string }>;
  /** Random faults the embedded emulators inject (`EMULATOR_FAULTS`, `EMULATOR_FAULTS_SEED`); null for none. */
  emulatorFaults: RandomFaultsConfig | null;
}

export type JwtConfig =
  | { kind: 'secret'; secret: string; issuer?: string; audience?: string }
  | { kind: 'jwks'; jwksUrl: string; issuer?: string; audience?: string }
  /** Outside production with neither JWT_SECRET nor JWKS_URL: a secret is made at start-up. */
  | { kind: 'development' };

/** The keys of the stored `Idempotency-Key` answers: the first encrypts, each decrypts. */
export type AnswerEncryptionConfig =
  | { kind: 'keys'; keys: Buffer[] }
  /** Outside production without IDEMPOTENCY_ENCRYPTION_KEY: a key kept in the data directory (answer-encryption.ts). */
  | { kind: 'development' };

export interface Config {
  production: boolean;
  port: number;
  host: string;
  logLevel: Environment['LOG_LEVEL'];
  upstreams: UpstreamsConfig;
  ledger: {
    databaseUrl: string | undefined;
    poolSize: number | undefined;
    dataDir: string;
    leaseMs: number;
    workerIntervalMs: number;
  };
  jwt: JwtConfig;
  answerEncryption: AnswerEncryptionConfig;
  queryLimits: QueryLimits;
  /** The bearer token `/metrics` asks for; undefined leaves it open. */
  metricsToken: string | undefined;
  /** The manifest whose operations alone run (PERSISTED_QUERIES=enforce); null: any operation. */
  persistedQueriesManifest: string | null;
  shutdown: { delayMs: number; graceMs: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Calls a step makes in a row under one ledger claim: a look-up after a lost answer, then the call (a CloudCockpit
 * instance: reseller check, add, read-back). The lease must outlast them, or another process could take the step over
 * and call again while the first call goes through. Each call, its retries included, lasts at most
 * {@link longestCallMs}, so checking the lease against them suffices; renewing mid-call would need a per-step timer
 * and a way to stop a lapsed call.
 */
export const CALLS_PER_STEP_CLAIM = { CLOUDCOCKPIT: 4, ADOBE_AEP: 2, NET3: 2, WEBEX: 2 } as const;

/** The random faults the embedded emulators inject (emulators/toolkit/faults.ts); the seed replays them. */
export interface RandomFaultsConfig {
  rate: number;
  seed: number;
}

/**
 * `EMULATOR_FAULTS=0.1` (rate, 0..1) and optional `EMULATOR_FAULTS_SEED` (integer) → the faults, or null when
 * unset; throws a clear Error on a bad value. Without a seed one is drawn, to be logged so the run can be replayed.
 */
export function randomFaultsFromEnv(env: NodeJS.ProcessEnv): RandomFaultsConfig | null {
  const rateText = env['EMULATOR_FAULTS']?.trim() ?? '';
  const seedText = env['EMULATOR_FAULTS_SEED']?.trim() ?? '';
  const rate = Number(rateText);
  if (rateText !== '' && !(/^(\d+\.?\d*|\.\d+)$/.test(rateText) && rate <= 1)) {
    throw new Error(
      `EMULATOR_FAULTS must be the share of requests to fault, from 0 to 1 (such as 0.1); got '${rateText}'`,
    );
  }
  const seed = Number(seedText);
  if (seedText !== '' && !(/^-?\d+$/.test(seedText) && Number.isSafeInteger(seed))) {
    throw new Error(`EMULATOR_FAULTS_SEED must be an integer; got '${seedText}'`);
  }
  if (rateText === '') return null;
  return { rate, seed: seedText === '' ? Math.floor(Math.random() * 2 ** 32) : seed };
}

/**
 * Read apart from the schema above, by the parser `npm run emulators` shares, and refused in production, which runs
 * no emulator: there they could only be a mistake.
 */
function emulatorFaultsOf(env: NodeJS.ProcessEnv, production: boolean): RandomFaultsConfig | null {
  let faults: RandomFaultsConfig | null;
  try {
    faults = randomFaultsFromEnv(env);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
  if (faults && production) {
    throw new ConfigError(
      'EMULATOR_FAULTS is for trying the embedded emulators, which production does not run: unset it',
    );
  }
  return faults;
}

/** Each provider's policy variables are `<PROVIDER>_<suffix>`, every one optional (README, "Configuration"). */
const POLICY_VARIABLES: Record<string, { option: keyof UpstreamPolicyOptions; min: 0 | 1 }> = {
  TIMEOUT_MS: { option: 'timeoutMs', min: 1 },
  RETRY_MAX_ATTEMPTS: { option: 'maxAttempts', min: 0 },
  RETRY_BUDGET_MS: { option: 'budgetMs', min: 0 },
  RETRY_BASE_DELAY_MS: { option: 'baseDelayMs', min: 0 },
  RETRY_MAX_DELAY_MS: { option: 'maxDelayMs', min: 0 },
  RETRY_AFTER_MAX_SECONDS: { option: 'retryAfterMaxSeconds', min: 0 },
  BREAKER_THRESHOLD: { option: 'breakerThreshold', min: 1 },
  BREAKER_HALF_OPEN_AFTER_MS: { option: 'breakerHalfOpenAfterMs', min: 1 },
  MAX_CONCURRENT: { option: 'maxConcurrent', min: 1 },
  MAX_QUEUED: { option: 'maxQueued', min: 0 },
};

function upstreamPolicyOf(env: NodeJS.ProcessEnv, provider: string): UpstreamPolicyOptions {
  const policy = { ...DEFAULT_UPSTREAM_POLICY };
  for (const [suffix, { option, min }] of Object.entries(POLICY_VARIABLES)) {
    const name = `${provider}_${suffix}`;
    const text = env[name]?.trim();
    if (!text) continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
      throw new ConfigError(`Invalid configuration: ${name} must be a whole number of at least ${min}; got '${text}'`);
    }
    policy[option] = value;
  }
  return policy;
}

/** Strict base64 of exactly 32 bytes: Node's decoder skips what it cannot read, so a typo would shorten the key. */
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;

/**
 * AES-256 keys as IDEMPOTENCY_ENCRYPTION_KEY spells them: 32 random bytes in base64 (`openssl rand -base64 32`), or
 * several, comma-separated, while one replaces another. Throws a ConfigError that never quotes a key.
 */
export function parseEncryptionKeys(text: string, source = 'IDEMPOTENCY_ENCRYPTION_KEY'): Buffer[] {
  const keys = text.split(',').map((key) => key.trim());
  return keys.map((key, index) => {
    if (!BASE64_KEY.test(key)) {
      const which = keys.length > 1 ? `key ${index + 1} of ${keys.length} in ${source}` : source;
      throw new ConfigError(
        `Invalid configuration: ${which} is not 32 bytes in base64 (make one with \`openssl rand -base64 32\`)`,
      );
    }
    return Buffer.from(key, 'base64');
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  const upstream = <C>(name: string, url: string | undefined, credentials: C | undefined, needs: string) => {
    if (!url && production) {
      throw new ConfigError(`${name}_URL is required in production: the embedded emulator is for development only`);
    }
    if (url && !credentials) throw new ConfigError(`${needs} required when ${name}_URL is set`);
    return { url, policy: upstreamPolicyOf(env, name), credentials: url ? credentials : undefined };
  };
  const net3Credentials: Net3Credentials | undefined = e.NET3_API_KEY
    ? { apiKey: e.NET3_API_KEY }
    : e.NET3_USERNAME && e.NET3_PASSWORD
      ? { username: e.NET3_USERNAME, password: e.NET3_PASSWORD }
      : undefined;
  const upstreams: UpstreamsConfig = {
    cloudCockpit: upstream(
      'CLOUDCOCKPIT',
      e.CLOUDCOCKPIT_URL,
      e.CLOUDCOCKPIT_TOKEN ? { token: e.CLOUDCOCKPIT_TOKEN } : undefined,
      'CLOUDCOCKPIT_TOKEN is',
    ),
    experiencePlatform: upstream(
      'ADOBE_AEP',
      e.ADOBE_AEP_URL,
      e.ADOBE_AEP_TOKEN && e.ADOBE_IMS_AUTHORIZATION
        ? { token: e.ADOBE_AEP_TOKEN, imsAuthorization: e.ADOBE_IMS_AUTHORIZATION }
        : undefined,
      'ADOBE_AEP_TOKEN and ADOBE_IMS_AUTHORIZATION are',
    ),
    net3: upstream('NET3', e.NET3_URL, net3Credentials, 'NET3_API_KEY, or NET3_USERNAME and NET3_PASSWORD, are'),
    webex: upstream('WEBEX', e.WEBEX_URL, e.WEBEX_TOKEN ? { token: e.WEBEX_TOKEN } : undefined, 'WEBEX_TOKEN is'),
    emulatorFaults: emulatorFaultsOf(env, production),
  };

  const policies = {
    CLOUDCOCKPIT: upstreams.cloudCockpit.policy,
    ADOBE_AEP: upstreams.experiencePlatform.policy,
    NET3: upstreams.net3.policy,
    WEBEX: upstreams.webex.policy,
  };
  for (const [name, policy] of Object.entries(policies) as [keyof typeof policies, UpstreamPolicyOptions][]) {
    const calls = CALLS_PER_STEP_CLAIM[name];
    if (e.LEDGER_LEASE_MS <= calls * longestCallMs(policy)) {
      throw new ConfigError(
        `LEDGER_LEASE_MS (${e.LEDGER_LEASE_MS}) must be longer than ${calls} × (${name}_RETRY_BUDGET_MS + ` +
          `${name}_TIMEOUT_MS) = ${calls * longestCallMs(policy)}: a provisioning step makes up to ${calls} calls to ` +
          'that provider under one lease, and no retry of a call starts after its budget',
      );
    }
  }

  if (e.JWT_SECRET && e.JWKS_URL) {
    throw new ConfigError('Set JWT_SECRET or JWKS_URL, not both');
  }
  const claims = { issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE };
  let jwt: JwtConfig;
  if (e.JWT_SECRET) jwt = { kind: 'secret', secret: e.JWT_SECRET, ...claims };
  else if (e.JWKS_URL) {
    // An identity provider signs every application's tokens with the same keys: only `aud` (and `iss`, for a JWKS
    // shared between issuers) tells a token meant for this API, so production does not start without them.
    const missing = [!e.JWT_ISSUER && 'JWT_ISSUER', !e.JWT_AUDIENCE && 'JWT_AUDIENCE'].filter(Boolean);
    if (production && missing.length > 0) {
      throw new ConfigError(
        `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required with JWKS_URL in production: ` +
          'without them, any token the identity provider signed, for any application, would be accepted',
      );
    }
    jwt = { kind: 'jwks', jwksUrl: e.JWKS_URL, ...claims };
  } else if (production) throw new ConfigError('JWT_SECRET or JWKS_URL is required in production');
  else jwt = { kind: 'development' };

  let answerEncryption: AnswerEncryptionConfig;
  if (e.IDEMPOTENCY_ENCRYPTION_KEY)
    answerEncryption = { kind: 'keys', keys: parseEncryptionKeys(e.IDEMPOTENCY_ENCRYPTION_KEY) };
  else if (production) {
    // A key made at start-up would leave every replica and every restart unable to read the others' answers.
    throw new ConfigError(
      'IDEMPOTENCY_ENCRYPTION_KEY is required in production: it encrypts the stored answers of Idempotency-Keys, ' +
        'which can hold Adobe connection strings (make one with `openssl rand -base64 32`)',
    );
  } else answerEncryption = { kind: 'development' };

  if (e.PERSISTED_QUERIES === 'enforce' && !e.PERSISTED_QUERIES_MANIFEST) {
    throw new ConfigError('PERSISTED_QUERIES=enforce needs PERSISTED_QUERIES_MANIFEST: the operations it lets run');
  }

  return {
    production,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    upstreams,
    ledger: {
      databaseUrl: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      dataDir: e.DATA_DIR,
      leaseMs: e.LEDGER_LEASE_MS,
      workerIntervalMs: e.WORKER_INTERVAL_MS,
    },
    jwt,
    answerEncryption,
    queryLimits: {
      maxDepth: e.MAX_QUERY_DEPTH,
      maxAliases: e.MAX_QUERY_ALIASES,
      maxDirectives: e.MAX_QUERY_DIRECTIVES,
      maxTokens: e.MAX_QUERY_TOKENS,
      maxCost: e.MAX_QUERY_COST,
    },
    metricsToken: e.METRICS_TOKEN,
    persistedQueriesManifest: e.PERSISTED_QUERIES === 'enforce' ? e.PERSISTED_QUERIES_MANIFEST! : null,
    shutdown: { delayMs: e.SHUTDOWN_DELAY_MS, graceMs: e.SHUTDOWN_GRACE_MS },
  };
}
