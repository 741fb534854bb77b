import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, randomFaultsFromEnv } from '../src/config.js';

/** 32 bytes in base64, as `openssl rand -base64 32` prints them. */
const KEY = Buffer.alloc(32, 7).toString('base64');

/** Every setting production requires but the key of the stored Idempotency-Key answers. */
const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-that-is-long-enough',
  CLOUDCOCKPIT_URL: 'https://cloudcockpit.example',
  CLOUDCOCKPIT_TOKEN: 't',
  ADOBE_AEP_URL: 'https://aep.example',
  ADOBE_AEP_TOKEN: 't',
  ADOBE_IMS_AUTHORIZATION: 't',
  NET3_URL: 'https://net3.example',
  NET3_API_KEY: 't',
  WEBEX_URL: 'https://webex.example',
  WEBEX_TOKEN: 't',
};

describe('the ledger lease in the configuration', () => {
  it('is accepted by default: longer than the calls a step makes under it at the default timeouts', () => {
    expect(loadConfig({}).ledger.leaseMs).toBe(120_000);
  });

  it('is refused when a step could still be calling its provider after the lease ran out', () => {
    // CloudCockpit: up to four calls under one lease, each of up to 10 s of retries and 10 s for the last attempt.
    expect(() => loadConfig({ LEDGER_LEASE_MS: '40000' })).toThrow(ConfigError);
    expect(() => loadConfig({ LEDGER_LEASE_MS: '40000' })).toThrow(/CLOUDCOCKPIT_TIMEOUT_MS/);
    expect(() => loadConfig({ LEDGER_LEASE_MS: '80000' })).toThrow(/CLOUDCOCKPIT_RETRY_BUDGET_MS/);
    expect(loadConfig({ LEDGER_LEASE_MS: '80001' }).ledger.leaseMs).toBe(80_001);
    const shortCalls = {
      CLOUDCOCKPIT_TIMEOUT_MS: '4000',
      CLOUDCOCKPIT_RETRY_BUDGET_MS: '5000',
      ADOBE_AEP_TIMEOUT_MS: '9000',
      NET3_TIMEOUT_MS: '9000',
      WEBEX_TIMEOUT_MS: '9000',
    };
    expect(loadConfig({ LEDGER_LEASE_MS: '40000', ...shortCalls }).ledger.leaseMs).toBe(40_000);
    // Without retries a call lasts one timeout.
    const noRetries = { LEDGER_LEASE_MS: '40001', CLOUDCOCKPIT_RETRY_MAX_ATTEMPTS: '0' };
    expect(loadConfig(noRetries).upstreams.cloudCockpit.policy.maxAttempts).toBe(0);
    // Webex: a look-up and the call, each of up to a minute for its last attempt.
    expect(() => loadConfig({ WEBEX_TIMEOUT_MS: '60000' })).toThrow(/WEBEX_TIMEOUT_MS/);
    expect(() =>
      loadConfig({
        LEDGER_LEASE_MS: '20000',
        CLOUDCOCKPIT_TIMEOUT_MS: '1000',
        CLOUDCOCKPIT_RETRY_BUDGET_MS: '1000',
        ADOBE_AEP_TIMEOUT_MS: '1000',
        ADOBE_AEP_RETRY_BUDGET_MS: '1000',
        NET3_TIMEOUT_MS: '10000',
      }),
    ).toThrow(/NET3_TIMEOUT_MS/);
  });
});

describe("each provider's call policy in the configuration", () => {
  it('has the documented defaults, the same for every provider', () => {
    const { upstreams } = loadConfig({});
    for (const provider of [upstreams.cloudCockpit, upstreams.experiencePlatform, upstreams.net3, upstreams.webex]) {
      expect(provider.policy).toEqual({
        timeoutMs: 10_000,
        maxAttempts: 2,
        budgetMs: 10_000,
        baseDelayMs: 100,
        maxDelayMs: 2_000,
        retryAfterMaxSeconds: 5,
        breakerThreshold: 5,
        breakerHalfOpenAfterMs: 10_000,
        maxConcurrent: 64,
        maxQueued: 512,
      });
    }
  });

  it('is set per provider', () => {
    const { upstreams } = loadConfig({
      WEBEX_RETRY_MAX_ATTEMPTS: '5',
      WEBEX_RETRY_AFTER_MAX_SECONDS: '2',
      WEBEX_BREAKER_THRESHOLD: '3',
      WEBEX_BREAKER_HALF_OPEN_AFTER_MS: '500',
      WEBEX_MAX_CONCURRENT: '8',
      WEBEX_MAX_QUEUED: '0',
      NET3_RETRY_BASE_DELAY_MS: '50',
      NET3_RETRY_MAX_DELAY_MS: '400',
    });
    expect(upstreams.webex.policy).toMatchObject({
      maxAttempts: 5,
      retryAfterMaxSeconds: 2,
      breakerThreshold: 3,
      breakerHalfOpenAfterMs: 500,
      maxConcurrent: 8,
      maxQueued: 0,
    });
    expect(upstreams.net3.policy).toMatchObject({ baseDelayMs: 50, maxDelayMs: 400, maxAttempts: 2 });
    expect(upstreams.cloudCockpit.policy.maxConcurrent).toBe(64);
  });

  it.each([
    ['NET3_TIMEOUT_MS', '0'],
    ['WEBEX_MAX_CONCURRENT', '0'],
    ['ADOBE_AEP_BREAKER_THRESHOLD', '-1'],
    ['CLOUDCOCKPIT_RETRY_MAX_ATTEMPTS', '2.5'],
    ['WEBEX_RETRY_BUDGET_MS', 'soon'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name} must be a whole number`));
  });
});

describe("the embedded emulators' random faults in the configuration", () => {
  it('are read from EMULATOR_FAULTS and EMULATOR_FAULTS_SEED, and off by default', () => {
    expect(loadConfig({}).upstreams.emulatorFaults).toBeNull();
    expect(loadConfig({ EMULATOR_FAULTS: '0.1', EMULATOR_FAULTS_SEED: '7' }).upstreams.emulatorFaults).toEqual({
      rate: 0.1,
      seed: 7,
    });
  });

  it('are refused with a bad value, and in production', () => {
    expect(() => loadConfig({ EMULATOR_FAULTS: '10%' })).toThrow(ConfigError);
    expect(() => loadConfig({ EMULATOR_FAULTS: '0.1', EMULATOR_FAULTS_SEED: 'x' })).toThrow(/EMULATOR_FAULTS_SEED/);
    const production = { ...PRODUCTION, IDEMPOTENCY_ENCRYPTION_KEY: KEY };
    expect(loadConfig(production).upstreams.emulatorFaults).toBeNull();
    expect(() => loadConfig({ ...production, EMULATOR_FAULTS: '0.1' })).toThrow(/production/);
  });
});

describe('randomFaultsFromEnv', () => {
  it('is null when EMULATOR_FAULTS is unset or empty', () => {
    expect(randomFaultsFromEnv({})).toBeNull();
    expect(randomFaultsFromEnv({ EMULATOR_FAULTS: '' })).toBeNull();
  });

  it('reads the rate and the seed', () => {
    expect(randomFaultsFromEnv({ EMULATOR_FAULTS: '0.1', EMULATOR_FAULTS_SEED: '42' })).toEqual({
      rate: 0.1,
      seed: 42,
    });
    expect(randomFaultsFromEnv({ EMULATOR_FAULTS: '1', EMULATOR_FAULTS_SEED: '-3' })).toEqual({ rate: 1, seed: -3 });
    expect(randomFaultsFromEnv({ EMULATOR_FAULTS: '.25' })).toEqual({ rate: 0.25, seed: expect.any(Number) });
  });

  it('draws an integer seed when none is given', () => {
    const { seed } = randomFaultsFromEnv({ EMULATOR_FAULTS: '0' })!;
    expect(Number.isSafeInteger(seed)).toBe(true);
  });

  it.each(['abc', '1.5', '-0.1', '10%', '0x1', 'NaN'])('refuses the rate %j', (rate) => {
    expect(() => randomFaultsFromEnv({ EMULATOR_FAULTS: rate })).toThrow(/^EMULATOR_FAULTS must be .* from 0 to 1/);
  });

  it.each(['1.5', 'x', '1e3', '99999999999999999999'])('refuses the seed %j', (seed) => {
    expect(() => randomFaultsFromEnv({ EMULATOR_FAULTS: '0.1', EMULATOR_FAULTS_SEED: seed })).toThrow(
      /^EMULATOR_FAULTS_SEED must be an integer/,
    );
  });
});

describe('the key of the stored Idempotency-Key answers in the configuration', () => {
  it('is read from IDEMPOTENCY_ENCRYPTION_KEY: one key, or several while replacing it, the first encrypting', () => {
    const older = Buffer.alloc(32, 9);
    expect(loadConfig({ IDEMPOTENCY_ENCRYPTION_KEY: KEY }).answerEncryption).toEqual({
      kind: 'keys',
      keys: [Buffer.alloc(32, 7)],
    });
    expect(loadConfig({ IDEMPOTENCY_ENCRYPTION_KEY: `${KEY}, ${older.toString('base64')}` }).answerEncryption).toEqual({
      kind: 'keys',
      keys: [Buffer.alloc(32, 7), older],
    });
  });

  it('is made in development when unset, and required in production', () => {
    expect(loadConfig({}).answerEncryption).toEqual({ kind: 'development' });
    expect(() => loadConfig(PRODUCTION)).toThrow(ConfigError);
    expect(() => loadConfig(PRODUCTION)).toThrow(/IDEMPOTENCY_ENCRYPTION_KEY is required in production/);
    expect(loadConfig({ ...PRODUCTION, IDEMPOTENCY_ENCRYPTION_KEY: KEY }).answerEncryption.kind).toBe('keys');
  });

  it.each([
    ['empty', ''],
    ['16 bytes', Buffer.alloc(16, 7).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 7).toString('base64')],
    ['hex', Buffer.alloc(32, 7).toString('hex')],
    ['base64url', Buffer.alloc(32, 0xfb).toString('base64url')],
    ['base64 with a typo', `${KEY.slice(0, 10)}*${KEY.slice(11)}`],
    ['a list with a malformed second key', `${KEY},${KEY.slice(0, 20)}`],
    ['a list with an empty entry', `${KEY},`],
  ])('is refused when %s, with an error that never quotes it', (_, value) => {
    let error: unknown;
    try {
      loadConfig({ IDEMPOTENCY_ENCRYPTION_KEY: value });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/IDEMPOTENCY_ENCRYPTION_KEY/);
    for (const key of value.split(',').filter(Boolean)) expect((error as Error).message).not.toContain(key);
  });
});

describe('the limits on one operation in the configuration', () => {
  it('have the documented defaults', () => {
    expect(loadConfig({}).queryLimits).toEqual({
      maxDepth: 10,
      maxAliases: 15,
      maxDirectives: 50,
      maxTokens: 1000,
      maxCost: 250,
    });
  });

  it('are each set by their variable, and refused when not a whole number in range', () => {
    const { queryLimits } = loadConfig({
      MAX_QUERY_DEPTH: '12',
      MAX_QUERY_ALIASES: '0',
      MAX_QUERY_DIRECTIVES: '5',
      MAX_QUERY_TOKENS: '4000',
      MAX_QUERY_COST: '500',
    });
    expect(queryLimits).toEqual({ maxDepth: 12, maxAliases: 0, maxDirectives: 5, maxTokens: 4000, maxCost: 500 });
    expect(() => loadConfig({ MAX_QUERY_COST: '0' })).toThrow(/MAX_QUERY_COST/);
    expect(() => loadConfig({ MAX_QUERY_DEPTH: 'deep' })).toThrow(/MAX_QUERY_DEPTH/);
    expect(() => loadConfig({ MAX_QUERY_TOKENS: '1.5' })).toThrow(/MAX_QUERY_TOKENS/);
  });
});

describe('the token of /metrics in the configuration', () => {
  it('is unset by default, read from METRICS_TOKEN, and refused when short', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'sixteen-chars-ok' }).metricsToken).toBe('sixteen-chars-ok');
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});

describe('persisted-query enforcement in the configuration', () => {
  it('is off by default, and enforces the manifest PERSISTED_QUERIES_MANIFEST names', () => {
    expect(loadConfig({}).persistedQueriesManifest).toBeNull();
    expect(loadConfig({ PERSISTED_QUERIES_MANIFEST: 'manifest.json' }).persistedQueriesManifest).toBeNull();
    const enforced = loadConfig({ PERSISTED_QUERIES: 'enforce', PERSISTED_QUERIES_MANIFEST: 'manifest.json' });
    expect(enforced.persistedQueriesManifest).toBe('manifest.json');
  });

  it('is refused without a manifest, or with another mode', () => {
    expect(() => loadConfig({ PERSISTED_QUERIES: 'enforce' })).toThrow(/PERSISTED_QUERIES_MANIFEST/);
    expect(() => loadConfig({ PERSISTED_QUERIES: 'on' })).toThrow(/PERSISTED_QUERIES/);
  });
});
