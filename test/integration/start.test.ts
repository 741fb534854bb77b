import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerInput } from '../support/fixtures.js';
import { graphql } from '../support/stack.js';

const projectRoot = new URL('../..', import.meta.url);

/** Runs the built server as `npm start` does after its build, with only the given environment. */
function startMain(env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: projectRoot,
    // The ledger goes to a directory of the test's own, never the checkout's ./data.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', DATA_DIR: mkdtempSync(join(tmpdir(), 'provisioning-graph-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}

/** How long a start may take: PGlite's first start in `./data` is seconds of WASM work, more on a busy machine. */
const START_DEADLINE_MS = 60_000;

async function waitFor(pattern: RegExp, child: ReturnType<typeof startMain>): Promise<RegExpMatchArray> {
  for (const deadline = Date.now() + START_DEADLINE_MS; Date.now() < deadline; ) {
    const match = pattern.exec(child.output());
    if (match) return match;
    if (child.exitCode !== null) throw new Error(`exited early: ${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${pattern}: ${child.output()}`);
}

describe('npm start with the embedded defaults', () => {
  const children: ChildProcess[] = [];
  beforeAll(() => {
    // `npm start` = prestart (`npm run build`) + `node dist/main.js`.
    execFileSync('npm', ['run', 'build'], { cwd: projectRoot, stdio: 'ignore' });
  }, 120_000);
  afterAll(() => children.forEach((child) => child.kill('SIGTERM')));

  it('serves Sandbox with a working development token in front of the embedded emulator', async () => {
    const main = startMain({ PORT: '0' });
    children.push(main);
    const [, url] = await waitFor(/Apollo Sandbox: (\S+)/, main);
    const [, token] = await waitFor(/Authorization: Bearer (\S+)/, main);
    expect(main.output()).toContain('embedded CloudCockpit emulator');

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
  }, START_DEADLINE_MS + 30_000);

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
      CLOUDCOCKPIT_URL: 'http://127.0.0.1:9',
      CLOUDCOCKPIT_TOKEN: 'cc',
      ADOBE_AEP_URL: 'http://127.0.0.1:9',
      ADOBE_AEP_TOKEN: 'aep',
      ADOBE_IMS_AUTHORIZATION: 'ims',
      NET3_URL: 'http://127.0.0.1:9',
      NET3_API_KEY: 'net3',
      WEBEX_URL: 'http://127.0.0.1:9',
      WEBEX_TOKEN: 'webex',
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
});
