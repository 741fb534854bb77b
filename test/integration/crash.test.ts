import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { startCloudCockpitEmulator } from '../../emulators/cloudcockpit/emulator.js';
import type { RunningEmulator } from '../../emulators/toolkit/server.js';
import { startExperiencePlatformEmulator } from '../../emulators/experience-platform/emulator.js';
import { startNet3Emulator } from '../../emulators/net3/emulator.js';
import { startWebexEmulator } from '../../emulators/webex/emulator.js';
import { customerInput, providerInstanceInput } from '../support/fixtures.js';
import {
  startForwardingProxy,
  type ForwardingProxy,
  type ProxiedRequest,
  type ProxyExchange,
} from '../support/proxy.js';
import { startServerProcess, waitUntil } from '../support/server-process.js';
import { graphql, signToken, TEST_CREDENTIALS, TEST_JWT_SECRET } from '../support/stack.js';

const TENANT = 'contoso.example';
/**
 * Longer than the calls a step makes under one lease, as the configuration requires. The restarted server does not
 * wait for it to run out: on PGlite every lease it finds is the dead process's.
 */
const LEASE_MS = 250_000;

type Provider = 'cloudCockpit' | 'experiencePlatform' | 'net3' | 'webex';

/** What a proxy does with one request. */
type Disposition = 'pass' | 'hold-before-forwarding' | 'hold-after-forwarding';

/**
 * A proxy in front of a provider that can keep calls in flight: a request held before forwarding never reaches the
 * provider; one held after forwarding has done its work at the provider, but its answer never comes back. Either
 * way the caller waits until it dies.
 */
function startHoldingProxy(target: string, decide: (request: ProxiedRequest) => Disposition): Promise<ForwardingProxy> {
  const dispositions = new WeakMap<ProxiedRequest, Disposition>();
  return startForwardingProxy(target, {
    beforeForward(request) {
      const disposition = decide(request);
      dispositions.set(request, disposition);
      return disposition === 'hold-before-forwarding' ? 'hold' : 'pass';
    },
    afterAnswer: (request) => (dispositions.get(request) === 'hold-after-forwarding' ? 'hold' : 'pass'),
  });
}

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) { provisionCustomer(input: $input) { customer { id } } }`;

describe('a server killed with calls in flight, and restarted', () => {
  const emulators = {} as Record<Provider, RunningEmulator>;
  const proxies = {} as Record<Provider, ForwardingProxy>;
  const children: ChildProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'provisioning-graph-crash-'));
  /** Before the kill, calls are held as `holding` says; after it, everything passes. */
  let recovering = false;
  const customerIds = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const [first, , third, fourth] = customerIds;

  beforeAll(async () => {
    [emulators.cloudCockpit, emulators.experiencePlatform, emulators.net3, emulators.webex] = await Promise.all([
      startCloudCockpitEmulator(TEST_CREDENTIALS.cloudCockpit),
      startExperiencePlatformEmulator({ ...TEST_CREDENTIALS.experiencePlatform, provisioningDelayMs: 0 }),
      startNet3Emulator({ credentials: TEST_CREDENTIALS.net3 }),
      startWebexEmulator({ ...TEST_CREDENTIALS.webex, provisioningDelayMs: 0 }),
    ]);
    // Every way a call can be cut short: answered but the answer lost (most), and never sent (Net3 of the first
    // customer, Webex of the third). The fourth customer's own creation is cut short, so nothing else of it starts.
    const holding: Record<Provider, (request: { method: string; path: string; body: unknown }) => Disposition> = {
      cloudCockpit: ({ method, path, body }) => {
        if (method !== 'POST') return 'pass';
        if (path === '/v1/Customers') return (body as { id: string }).id === fourth ? 'hold-after-forwarding' : 'pass';
        return 'hold-after-forwarding';
      },
      experiencePlatform: ({ method }) => (method === 'POST' ? 'hold-after-forwarding' : 'pass'),
      net3: ({ body }) =>
        (body as { customer: { customerId: string } }).customer.customerId === first
          ? 'hold-before-forwarding'
          : 'hold-after-forwarding',
      webex: ({ method, body }) =>
        method !== 'POST'
          ? 'pass'
          : (body as { externalId: string }).externalId === third
            ? 'hold-before-forwarding'
            : 'hold-after-forwarding',
    };
    for (const name of Object.keys(emulators) as Provider[]) {
      proxies[name] = await startHoldingProxy(emulators[name].url, (request) =>
        recovering ? 'pass' : holding[name](request),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all([...Object.values(proxies), ...Object.values(emulators)].map((server) => server.close()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  const serverEnv = () => ({
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: '0',
    DATA_DIR: dataDir,
    LEDGER_LEASE_MS: String(LEASE_MS),
    WORKER_INTERVAL_MS: '100',
    // Held calls must not time out before the kill: a timeout would be recorded as a failure, not left in flight.
    CLOUDCOCKPIT_TIMEOUT_MS: '30000',
    ADOBE_AEP_TIMEOUT_MS: '30000',
    NET3_TIMEOUT_MS: '30000',
    WEBEX_TIMEOUT_MS: '30000',
    JWT_SECRET: TEST_JWT_SECRET,
    CLOUDCOCKPIT_URL: proxies.cloudCockpit.url,
    CLOUDCOCKPIT_TOKEN: TEST_CREDENTIALS.cloudCockpit.token,
    ADOBE_AEP_URL: proxies.experiencePlatform.url,
    ADOBE_AEP_TOKEN: TEST_CREDENTIALS.experiencePlatform.token,
    ADOBE_IMS_AUTHORIZATION: TEST_CREDENTIALS.experiencePlatform.imsAuthorization,
    NET3_URL: proxies.net3.url,
    NET3_API_KEY: TEST_CREDENTIALS.net3.apiKey,
    WEBEX_URL: proxies.webex.url,
    WEBEX_TOKEN: TEST_CREDENTIALS.webex.token,
  });

  it('finishes every provisioning exactly once upstream and loses none of them', { timeout: 120_000 }, async () => {
    const token = await signToken();
    const orgs = customerIds.map(() => `${randomBytes(12).toString('hex').toUpperCase()}@AdobeOrg`);
    const input = (index: number) => ({
      customer: customerInput({ id: customerIds[index], companyName: `Crash Test ${index + 1}` }),
      providerInstances: [providerInstanceInput()],
      experiencePlatform: {
        imsOrgId: orgs[index],
        tenantId: `crashtest${index + 1}`,
        region: 'NLD2',
        entitlement: { valuePropId: 'rtcdp-prime', valuePropSKUID: '65304520CA01A12', location: 'EU' },
      },
      net3: { serviceLevelId: 2, primaryContactRoles: ['PRIMARY'] },
      wholesale: {
        provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
        packages: ['WEBEX_MEETINGS'],
        provisioningParameters: { meetings: { timezone: 'Europe/Lisbon' } },
      },
    });

    const doomed = await startServerProcess(serverEnv());
    children.push(doomed.child);
    // These never answer: the server dies first.
    const requests = customerIds.map((_, index) =>
      graphql(doomed.url, PROVISION, { input: input(index) }, { token }).catch(() => null),
    );
    // Four customer creations (the fourth held) and, for the other three, every other provider's call.
    const heldCalls = () => Object.values(proxies).reduce((sum, proxy) => sum + proxy.held(), 0);
    await waitUntil('every call is in flight', () => heldCalls() >= 1 + 3 * 4);
    doomed.child.kill('SIGKILL');
    await once(doomed.child, 'exit');
    expect(await Promise.all(requests)).toEqual([null, null, null, null]);

    recovering = true;
    const restarted = await startServerProcess(serverEnv());
    children.push(restarted.child);
    // The worker logs each step it settles. Every step but the customers' creations was cut short, and the fourth
    // customer's creation. The first three's were answered, and recorded while the other calls went out, so the kill
    // may or may not have come before their commit: the worker settles them too when not. No step of a customer
    // settles before its creation, so once the 16 other steps are settled, every creation is.
    const finalOutcomes = () =>
      new Set(
        restarted
          .logs()
          .filter(
            (line) =>
              line.msg === 'provisioning worker settled a step' &&
              ['SUCCEEDED', 'FAILED'].includes(line.outcome as string),
          )
          .map((line) => `${line.operationId as string}/${line.step as string}`),
      );
    const settledBeyondCreations = () => [...finalOutcomes()].filter((step) => !step.endsWith('/customer')).length;
    await waitUntil('the worker has settled every step cut short', () => settledBeyondCreations() === 4 * 4, 60_000);

    // Nothing provisioned is lost: every customer is listed.
    const listed = await graphql<{ customers: { nodes: { id: string }[] } }>(
      restarted.url,
      '{ customers(first: 50) { nodes { id } } }',
      {},
      { token },
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.customers.nodes.map((c) => c.id).sort()).toEqual([...customerIds].sort());

    restarted.child.kill('SIGTERM');
    const [code] = (await once(restarted.child, 'exit')) as [number | null];
    expect(code).toBe(0);

    // The ledger has every provisioning, every step succeeded.
    const { ledger, database } = await openLedger({ dataDir });
    try {
      const { items } = await ledger.operations(TENANT, { offset: 0, limit: 50 });
      expect(items.map((o) => o.customerId).sort()).toEqual([...customerIds].sort());
      expect(items.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
      const steps = await ledger.stepsOf(items.map((o) => o.id));
      expect(steps).toHaveLength(4 * 5);
      expect(steps.filter((s) => s.status !== 'SUCCEEDED').map((s) => [s.step, s.status, s.failure])).toEqual([]);
    } finally {
      await database.close();
    }

    // Exactly once upstream: one creation each provider accepted, per customer.
    const accepted = (name: Provider, creates: (exchange: ProxyExchange) => string | null) => {
      const counts = new Map<string, number>();
      for (const exchange of proxies[name].exchanges) {
        const key = exchange.method === 'POST' && exchange.status < 300 ? creates(exchange) : null;
        if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
    };
    const oncePer = (keys: string[]) => Object.fromEntries([...keys].sort().map((key) => [key, 1]));
    expect(
      accepted('cloudCockpit', (e) => (e.path === '/v1/Customers' ? (e.body as { id: string }).id : null)),
    ).toEqual(oncePer(customerIds));
    expect(
      accepted('cloudCockpit', (e) => /^\/v1\/Customers\/([^/]+)\/provider-instances$/.exec(e.path)?.[1] ?? null),
    ).toEqual(oncePer(customerIds));
    expect(
      accepted('experiencePlatform', (e) => (e.body as { customer: { imsOrgId: string } }).customer.imsOrgId),
    ).toEqual(oncePer(orgs as string[]));
    expect(accepted('net3', (e) => (e.body as { customer: { customerId: string } }).customer.customerId)).toEqual(
      oncePer(customerIds),
    );
    expect(accepted('webex', (e) => (e.body as { externalId: string }).externalId)).toEqual(oncePer(customerIds));
    // Repeats where a provider has no read endpoint were recognised as such, not accepted twice.
    expect(proxies.net3.exchanges.filter((e) => e.status === 409)).toHaveLength(2);
  });
});
