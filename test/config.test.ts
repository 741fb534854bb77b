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
    // CloudCockpit: up to four calls under one lease, each of 10 s to answer and 10 s more for its body.
    expect(() => loadConfig({ LEDGER_LEASE_MS: '40000' })).toThrow(ConfigError);
    expect(() => loadConfig({ LEDGER_LEASE_MS: '40000' })).toThrow(/CLOUDCOCKPIT_TIMEOUT_MS/);
    expect(() => loadConfig({ LEDGER_LEASE_MS: '80000' })).toThrow(/CLOUDCOCKPIT_TIMEOUT_MS/);
    expect(loadConfig({ LEDGER_LEASE_MS: '80001' }).ledger.leaseMs).toBe(80_001);
    const shortCalls = { CLOUDCOCKPIT_TIMEOUT_MS: '4000', ADOBE_AEP_TIMEOUT_MS: '9000', NET3_TIMEOUT_MS: '9000' };
    expect(loadConfig({ LEDGER_LEASE_MS: '40000', ...shortCalls, WEBEX_TIMEOUT_MS: '9000' }).ledger.leaseMs).toBe(
      40_000,
    );
    // Webex: a look-up and the call, each of up to a minute to answer and a minute for its body.
    expect(() => loadConfig({ WEBEX_TIMEOUT_MS: '60000' })).toThrow(/WEBEX_TIMEOUT_MS/);
    expect(() =>
      loadConfig({
        LEDGER_LEASE_MS: '20000',
        CLOUDCOCKPIT_TIMEOUT_MS: '1000',
        ADOBE_AEP_TIMEOUT_MS: '1000',
        NET3_TIMEOUT_MS: '10000',
      }),
    ).toThrow(/NET3_TIMEOUT_MS/);
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
