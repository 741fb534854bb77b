import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerInput, net3ProvisioningInput } from '../support/fixtures.js';
import { graphql, signToken } from '../support/stack.js';

const projectRoot = new URL('../..', import.meta.url);
const moduleLog = new URL('../support/module-log/register.mjs', import.meta.url);
const builtEmulators = new URL('dist/emulators/', projectRoot).href;

/**
 * Runs the built server as `npm start` does after its build, with only the given environment; `loadedModules`
 * lists the URL of every ES module it has loaded so far (test/support/module-log).
 */
function startMain(
  env: Record<string, string>,
): ChildProcess & { output: () => string; loadedModules: () => string[] } {
  const scratch = mkdtempSync(join(tmpdir(), 'provisioning-graph-'));
  const log = join(scratch, 'modules.log');
  const child = spawn(process.execPath, ['--import', moduleLog.href, 'dist/src/main.js'], {
    cwd: projectRoot,
    // The ledger goes to a directory of the test's own, never the checkout's ./data.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', DATA_DIR: join(scratch, 'data'), MODULE_LOG: log, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const loadedModules = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
  return Object.assign(child, { output: () => output, loadedModules });
}

/** Every provider configured; nothing listens there, which only a call to a provider would find out. */
const EVERY_PROVIDER_URL = {
  CLOUDCOCKPIT_URL: 'http://127.0.0.1:9',
  CLOUDCOCKPIT_TOKEN: 'cc',
  ADOBE_AEP_URL: 'http://127.0.0.1:9',
  ADOBE_AEP_TOKEN: 'aep',
  ADOBE_IMS_AUTHORIZATION: 'ims',
  NET3_URL: 'http://127.0.0.1:9',
  NET3_API_KEY: 'net3',
  WEBEX_URL: 'http://127.0.0.1:9',
  WEBEX_TOKEN: 'webex',
};

/** The modules of dist/emulators/ the server loaded, as paths below it (`cloudcockpit/emulator.js`). */
function emulatorModulesOf(main: ReturnType<typeof startMain>): string[] {
  return main
    .loadedModules()
    .filter((url) => url.startsWith(builtEmulators))
    .map((url) => url.slice(builtEmulators.length));
}

async function waitFor(pattern: RegExp, child: ReturnType<typeof startMain>): Promise<RegExpMatchArray> {
  // A minute: a first start on a busy machine (a new PGlite data directory, the module hooks) can take a while.
  for (let i = 0; i < 1200; i++) {
    const match = pattern.exec(child.output());
    if (match) return match;
    if (child.exitCode !== null) throw new Error(`exited early: ${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${pattern}: ${child.output()}`);
}

// Each test starts the built server, once or more: on a busy machine that takes longer than the usual 20 seconds.
describe('npm start with the embedded defaults', { timeout: 60_000 }, () => {
  const children: ChildProcess[] = [];
  beforeAll(() => {
    // `npm start` = prestart (`npm run build`) + `node dist/src/main.js`.
    execFileSync('npm', ['run', 'build'], { cwd: projectRoot, stdio: 'ignore' });
  }, 120_000);
  afterAll(() => children.forEach((child) => child.kill('SIGTERM')));

  it('serves Sandbox with a working development token in front of the embedded emulator', async () => {
    const main = startMain({ PORT: '0' });
    children.push(main);
    const [, url] = await waitFor(/Apollo Sandbox: (\S+)/, main);
    const [, token] = await waitFor(/Authorization: Bearer (\S+)/, main);
    expect(main.output()).toContain('embedded CloudCockpit emulator');
    // Without any URL every emulator is loaded: what the production test below sees is not a blind spot.
    expect(emulatorModulesOf(main)).toEqual(
      expect.arrayContaining([
        'cloudcockpit/emulator.js',
        'experience-platform/emulator.js',
        'net3/emulator.js',
        'webex/emulator.js',
        'toolkit/server.js',
        'toolkit/faults.js',
      ]),
    );

    const page = await (await fetch(url!, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain(token);

    expect((await fetch(new URL('/healthz', url!))).status).toBe(200);
    const created = await graphql<{ createCustomer: { id: string; companyName: string } }>(
      url!,
      'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id companyName } }',
      { input: customerInput() },
      { token },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createCustomer.companyName).toBe('Contoso Pizza');

    main.kill('SIGTERM');
    const [code] = (await once(main, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('refuses to start in production without a CloudCockpit URL', async () => {
    const main = startMain({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) });
    children.push(main);
    const [code] = (await once(main, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(main.output()).toContain('CLOUDCOCKPIT_URL is required in production');
  });

  it('refuses to start in production with a JWKS but without the issuer and audience its tokens must name', async () => {
    // Every provider is configured (nothing listens there: the configuration is refused before any call).
    const production = {
      NODE_ENV: 'production',
      ...EVERY_PROVIDER_URL,
      JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
    };
    for (const [env, message] of [
      [{}, 'JWT_ISSUER and JWT_AUDIENCE are required with JWKS_URL in production'],
      [{ JWT_ISSUER: 'https://idp.example' }, 'JWT_AUDIENCE is required with JWKS_URL in production'],
      [{ JWT_AUDIENCE: 'provisioning-graph' }, 'JWT_ISSUER is required with JWKS_URL in production'],
    ] as const) {
      const main = startMain({ ...production, ...env });
      children.push(main);
      const [code] = (await once(main, 'exit')) as [number | null];
      expect(code).toBe(1);
      expect(main.output()).toContain(message);
    }
  });

  it('loads no emulator module in production, with every provider URL set, through start-up, requests and shutdown', async () => {
    const secret = 'a-production-secret-that-is-long-enough';
    const main = startMain({
      NODE_ENV: 'production',
      ...EVERY_PROVIDER_URL,
      JWT_SECRET: secret,
      IDEMPOTENCY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
      PORT: '0',
    });
    children.push(main);
    const [, url] = await waitFor(/"url":"([^"]+)","msg":"Provisioning Graph is serving/, main);

    expect((await fetch(new URL('/healthz', url!))).status).toBe(200);
    // A read that goes to CloudCockpit and a provisioning that goes to Net3: the configured URLs, where nothing answers.
    const token = await signToken({}, secret);
    const read = await graphql(url!, '{ customers(first: 1) { totalCount } }', {}, { token });
    expect(read.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', provider: 'CLOUDCOCKPIT' });
    const provisioned = await graphql(
      url!,
      'mutation($input: Net3ProvisioningInput!) { provisionNet3Customer(input: $input) { customer { customerId } } }',
      { input: net3ProvisioningInput() },
      { token },
    );
    expect(provisioned.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', provider: 'NET3' });

    main.kill('SIGTERM');
    const [code] = (await once(main, 'exit')) as [number | null];
    expect(code).toBe(0);
    // The log does see the product's own modules, the provider clients included.
    expect(main.loadedModules()).toEqual(
      expect.arrayContaining([
        new URL('dist/src/upstreams.js', projectRoot).href,
        new URL('dist/src/providers/cloudcockpit/client.js', projectRoot).href,
        new URL('dist/src/providers/net3/client.js', projectRoot).href,
      ]),
    );
    expect(emulatorModulesOf(main)).toEqual([]);
    expect(main.loadedModules().filter((module) => module.includes('/emulators/'))).toEqual([]);
  });

  it('loads the emulator of a provider without a URL, and only that one', async () => {
    const { CLOUDCOCKPIT_URL: _url, CLOUDCOCKPIT_TOKEN: _token, ...otherProviders } = EVERY_PROVIDER_URL;
    const main = startMain({ ...otherProviders, LOG_LEVEL: 'info', PORT: '0' });
    children.push(main);
    await waitFor(/"msg":"Provisioning Graph is serving/, main);
    main.kill('SIGTERM');
    await once(main, 'exit');
    const loaded = emulatorModulesOf(main);
    expect(loaded).toContain('cloudcockpit/emulator.js');
    expect(loaded.filter((module) => !/^(cloudcockpit|toolkit)\//.test(module))).toEqual([]);
  });
});
