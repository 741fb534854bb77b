import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, type StepRecord } from '../../src/ledger/ledger.js';
import { startCloudCockpitEmulator } from '../../emulators/cloudcockpit/emulator.js';
import type { RunningEmulator } from '../../emulators/toolkit/server.js';
import { startWebexEmulator } from '../../emulators/webex/emulator.js';
import { postgresBackend, type TestDatabase } from '../support/databases.js';
import { customerInput } from '../support/fixtures.js';
import {
  startForwardingProxy,
  type ForwardingProxy,
  type ProxiedRequest,
  type ProxyDecision,
} from '../support/proxy.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { graphql, signToken, TEST_ANSWER_KEY, TEST_CREDENTIALS, TEST_JWT_SECRET } from '../support/stack.js';

const TENANT = 'contoso.example';
const REPLICAS = ['a', 'b'] as const;
type Replica = (typeof REPLICAS)[number];
const CUSTOMERS = 8;
/** How long each status check is kept at the proxy: a second check of the same step meanwhile would overlap it. */
const CHECK_HOLD_MS = 300;

/** One `GET /v1/wholesale/customers/{id}`: a check of a Webex customer by the worker of one replica. */
interface Check {
  replica: Replica;
  webexId: string;
}

/**
 * One replica's way to Webex. Status checks are held a moment and counted per Webex customer across both replicas'
 * proxies, so that two replicas following one step at once would show as two checks of it in flight together.
 */
function startCheckCountingProxy(
  target: string,
  replica: Replica,
  shared: { checks: Check[]; inFlight: Map<string, number>; mostInFlight: number },
): Promise<ForwardingProxy> {
  const checked = (request: ProxiedRequest) =>
    request.method === 'GET' ? /^\/v1\/wholesale\/customers\/([^/?]+)$/.exec(request.path)?.[1] : undefined;
  return startForwardingProxy(target, {
    async beforeForward(request): Promise<ProxyDecision> {
      const webexId = checked(request);
      if (webexId) {
        shared.checks.push({ replica, webexId });
        const inFlight = (shared.inFlight.get(webexId) ?? 0) + 1;
        shared.inFlight.set(webexId, inFlight);
        shared.mostInFlight = Math.max(shared.mostInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, CHECK_HOLD_MS));
      }
      return 'pass';
    },
    afterAnswer(request) {
      const webexId = checked(request);
      if (webexId) shared.inFlight.set(webexId, shared.inFlight.get(webexId)! - 1);
      return 'pass';
    },
  });
}

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) { customer { id } wholesale { __typename ... on WholesaleCustomer { id status } } }
}`;

describe.skipIf(!postgresBackend)('two server replicas on one PostgreSQL', () => {
  let db: TestDatabase;
  let cloudCockpit: RunningEmulator;
  let webex: RunningEmulator;
  const proxies: { close(): Promise<void> }[] = [];
  const replicas = new Map<Replica, ServerProcess>();
  const shared = { checks: [] as Check[], inFlight: new Map<string, number>(), mostInFlight: 0 };

  beforeAll(async () => {
    db = await postgresBackend!.create();
    [cloudCockpit, webex] = await Promise.all([
      startCloudCockpitEmulator(TEST_CREDENTIALS.cloudCockpit),
      // Long enough for a few checks of each customer (one every 2 s), so that the replicas take turns at them.
      startWebexEmulator({ ...TEST_CREDENTIALS.webex, provisioningDelayMs: 5_000 }),
    ]);
    await Promise.all(
      REPLICAS.map(async (replica) => {
        const proxy = await startCheckCountingProxy(webex.url, replica, shared);
        proxies.push(proxy);
        replicas.set(
          replica,
          await startServerProcess({
            NODE_ENV: 'development',
            LOG_LEVEL: 'info',
            PORT: '0',
            DATABASE_URL: db.url!,
            // Longer than the calls a step makes under one lease at the default timeouts, as the configuration requires.
            LEDGER_LEASE_MS: '90000',
            WORKER_INTERVAL_MS: '50',
            JWT_SECRET: TEST_JWT_SECRET,
            // Else each would keep a development key in the checkout's ./data.
            IDEMPOTENCY_ENCRYPTION_KEY: TEST_ANSWER_KEY.toString('base64'),
            CLOUDCOCKPIT_URL: cloudCockpit.url,
            CLOUDCOCKPIT_TOKEN: TEST_CREDENTIALS.cloudCockpit.token,
            WEBEX_URL: proxy.url,
            WEBEX_TOKEN: TEST_CREDENTIALS.webex.token,
          }),
        );
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      [...replicas.values()].map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        await once(child, 'exit');
      }),
    );
    await Promise.all([...proxies, cloudCockpit, webex].map((server) => server?.close()));
    await db?.drop();
  });

  it(
    'follows each Webex customer through exactly one replica at a time, the two sharing the work',
    { timeout: 90_000 },
    async () => {
      const token = await signToken();
      const responses = await Promise.all(
        Array.from({ length: CUSTOMERS }, (_, index) =>
          graphql<{
            provisionCustomer: {
              customer: { id: string };
              wholesale: { __typename: string; id: string; status: string };
            };
          }>(
            replicas.get(REPLICAS[index % 2]!)!.url,
            PROVISION,
            {
              input: {
                customer: customerInput({ id: randomUUID(), companyName: `Replica Test ${index + 1}` }),
                wholesale: {
                  provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
                  packages: ['WEBEX_MEETINGS'],
                  provisioningParameters: { meetings: { timezone: 'Europe/Lisbon' } },
                },
              },
            },
            { token },
          ),
        ),
      );
      const webexIds = responses.map((response) => {
        expect(response.errors).toBeUndefined();
        expect(response.data!.provisionCustomer.wholesale).toMatchObject({
          __typename: 'WholesaleCustomer',
          status: 'PROVISIONING',
        });
        return response.data!.provisionCustomer.wholesale.id;
      });

      // Read the shared ledger as a third party would.
      const observer = new Ledger(db.database, { owner: 'test-observer' });
      const wholesaleSteps = async (): Promise<StepRecord[]> => {
        const { items } = await observer.operations(TENANT, { offset: 0, limit: 50 });
        return (await observer.stepsOf(items.map((o) => o.id))).filter((s) => s.step === 'wholesale');
      };
      const deadline = Date.now() + 45_000;
      let steps = await wholesaleSteps();
      while (steps.some((s) => s.status === 'IN_PROGRESS') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        steps = await wholesaleSteps();
      }

      expect(steps).toHaveLength(CUSTOMERS);
      expect(steps.map((s) => [s.status, (s.result as { status: string }).status])).toEqual(
        Array.from({ length: CUSTOMERS }, () => ['SUCCEEDED', 'provisioned']),
      );
      expect(steps.map((s) => s.upstreamIds.id).sort()).toEqual([...webexIds].sort());
      // Never two checks of one step at once: each step was leased to one replica at a time.
      expect(shared.mostInFlight).toBe(1);
      // Every customer was checked while Webex was still provisioning it and again once it was done.
      for (const webexId of webexIds)
        expect(shared.checks.filter((c) => c.webexId === webexId).length).toBeGreaterThanOrEqual(2);
      // And the replicas shared the checks.
      expect(new Set(shared.checks.map((c) => c.replica))).toEqual(new Set(REPLICAS));
    },
  );
});
