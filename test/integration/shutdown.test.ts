import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudCockpitEmulator } from '../../emulators/cloudcockpit/emulator.js';
import { startExperiencePlatformEmulator } from '../../emulators/experience-platform/emulator.js';
import { startNet3Emulator } from '../../emulators/net3/emulator.js';
import type { RunningEmulator } from '../../emulators/toolkit/server.js';
import { startWebexEmulator } from '../../emulators/webex/emulator.js';
import type { Caller } from '../../src/auth.js';
import { openDatabase, type Database } from '../../src/ledger/database.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import type { ReadinessReport } from '../../src/readiness.js';
import { postgresBackend, type TestDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { customerInput } from '../support/fixtures.js';
import { startForwardingProxy, type ForwardingProxy, type ProxyDecision } from '../support/proxy.js';
import { startServerProcess, waitUntil, type ServerProcess } from '../support/server-process.js';
import { graphql, signToken, TEST_CREDENTIALS, TEST_JWT_SECRET } from '../support/stack.js';

const CSP: Caller = { subject: 'user-1', tenant: 'contoso.example', roles: ['csp'], resellerId: null };
/** Far longer than the test: a step another replica takes at once was handed back, not left to expire. */
const LEASE_MS = 500_000;
const CREATE_CUSTOMER = `mutation Create($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`;

type Backend = { name: 'pglite' } | { name: 'postgres' };
const backends: Backend[] = [{ name: 'pglite' }, ...(postgresBackend ? [{ name: 'postgres' } as const] : [])];

describe.each(backends)('SIGTERM, ledger on $name', ({ name }) => {
  const emulators: RunningEmulator[] = [];
  let cloudCockpit: ForwardingProxy;
  let postgres: TestDatabase | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'provisioning-graph-shutdown-'));
  let server: ServerProcess | undefined;
  /** CloudCockpit's customer creations wait here until the test lets them through; each test holds anew. */
  let letThrough!: () => void;
  let gate!: Promise<void>;
  let heldCreations = 0;
  const holdCreations = () => {
    heldCreations = 0;
    gate = new Promise<void>((resolve) => (letThrough = resolve));
  };
  holdCreations();

  const openLedgerDatabase = (): Promise<Database> =>
    postgres ? openDatabase({ url: postgres.url, dataDir: '' }) : openDatabase({ dataDir });

  const serverEnv = (shutdown: Record<string, string>): Record<string, string> => ({
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: '0',
    HOST: '127.0.0.1',
    ...(postgres ? { DATABASE_URL: postgres.url! } : { DATA_DIR: dataDir }),
    LEDGER_LEASE_MS: String(LEASE_MS),
    // Held calls must not time out: the point is that they finish after the signal.
    CLOUDCOCKPIT_TIMEOUT_MS: '60000',
    JWT_SECRET: TEST_JWT_SECRET,
    CLOUDCOCKPIT_URL: cloudCockpit.url,
    CLOUDCOCKPIT_TOKEN: TEST_CREDENTIALS.cloudCockpit.token,
    ADOBE_AEP_URL: emulators[1]!.url,
    ADOBE_AEP_TOKEN: TEST_CREDENTIALS.experiencePlatform.token,
    ADOBE_IMS_AUTHORIZATION: TEST_CREDENTIALS.experiencePlatform.imsAuthorization,
    NET3_URL: emulators[2]!.url,
    NET3_API_KEY: TEST_CREDENTIALS.net3.apiKey,
    WEBEX_URL: emulators[3]!.url,
    WEBEX_TOKEN: TEST_CREDENTIALS.webex.token,
    ...shutdown,
  });

  beforeAll(async () => {
    const [cc, aep, net3, webex] = await Promise.all([
      startCloudCockpitEmulator(TEST_CREDENTIALS.cloudCockpit),
      startExperiencePlatformEmulator(TEST_CREDENTIALS.experiencePlatform),
      startNet3Emulator({ credentials: TEST_CREDENTIALS.net3 }),
      startWebexEmulator(TEST_CREDENTIALS.webex),
    ]);
    emulators.push(cc, aep, net3, webex);
    cloudCockpit = await startForwardingProxy(cc.url, {
      async beforeForward({ method, path }): Promise<ProxyDecision> {
        if (method === 'POST' && path === '/v1/Customers') {
          heldCreations++;
          await gate;
        }
        return 'pass';
      },
    });
    if (name === 'postgres') postgres = await postgresBackend!.create();
  }, 60_000);

  afterAll(async () => {
    letThrough();
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await Promise.all([cloudCockpit, ...emulators].map((s) => s?.close()));
    await postgres?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'turns unready, refuses new requests, finishes the one in flight, hands its leased steps back and exits 0',
    { timeout: 120_000 },
    async () => {
      // A process died after its write-ahead: the new server's worker takes both steps at its first pass.
      const database = await openLedgerDatabase();
      await migrate(database);
      const dead = new Ledger(database, { owner: `dead-host:1:${randomUUID().slice(0, 8)}`, leaseMs: 1 });
      const operationId = randomUUID();
      const customer = customerInput({ id: randomUUID() });
      await dead.beginOperation(
        {
          id: operationId,
          tenant: CSP.tenant,
          caller: CSP,
          kind: 'provisionCustomer',
          customerId: customer.id as string,
          request: { customer },
          correlationId: randomUUID(),
        },
        [
          { step: 'customer', provider: 'CLOUDCOCKPIT', position: 0, input: customer },
          { step: 'net3', provider: 'NET3', position: 1001, input: {} },
        ],
      );
      await database.close();

      server = await startServerProcess(serverEnv({ SHUTDOWN_DELAY_MS: '1500', SHUTDOWN_GRACE_MS: '60000' }));
      const origin = new URL(server.url).origin;
      // The worker's recovery of the customer step, then a caller's request: both held at CloudCockpit.
      await waitUntil('the worker calls CloudCockpit', () => heldCreations === 1);
      const inFlight = graphql<{ createCustomer: { id: string } }>(
        server.url,
        CREATE_CUSTOMER,
        { input: customerInput() },
        { token: await signToken() },
      );
      await waitUntil('the request calls CloudCockpit', () => heldCreations === 2);
      const exited = once(server.child, 'exit');

      server.child.kill('SIGTERM');
      const draining = await eventually(
        async () => {
          const response = await fetch(`${origin}/readyz`);
          return { status: response.status, report: (await response.json()) as ReadinessReport };
        },
        (answer) => answer.status === 503,
      );
      expect(draining.report.checks.shutdown).toEqual({ status: 'draining' });
      const refused = await eventually(
        () =>
          fetch(`${origin}/healthz`).then(
            () => null,
            (error: Error) => error,
          ),
        (error) => error !== null,
      );
      expect(refused).toBeInstanceOf(Error);

      letThrough();
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.createCustomer.id).toEqual(expect.any(String));
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      expect(server.logs().find((line) => line.msg === 'provisioning worker handed steps back')).toMatchObject({
        steps: ['net3'],
        released: 1,
      });

      // The customer step was finished; the net3 step, taken but not begun, is free for another replica at once.
      const after = await openLedgerDatabase();
      try {
        const steps = await after.query<{ step: string; status: string; lease_id: string | null }>(
          'SELECT step, status, lease_id FROM provisioning_steps WHERE operation_id = $1 ORDER BY step',
          [operationId],
        );
        expect(steps).toEqual([
          { step: 'customer', status: 'SUCCEEDED', lease_id: null },
          { step: 'net3', status: 'PENDING', lease_id: null },
        ]);
        const anotherReplica = new Ledger(after, { owner: 'another-replica:1:test', leaseMs: LEASE_MS });
        const taken = await anotherReplica.leaseDueSteps(10);
        expect(taken.map((step) => [step.operationId, step.step])).toEqual([[operationId, 'net3']]);
      } finally {
        await after.close();
      }
    },
  );

  // The rest on one backend: what they try is the process's, not the database's.
  it.runIf(name === 'pglite')(
    'past the grace period, exits 1 and keeps the lease of the call still on the wire',
    { timeout: 120_000 },
    async () => {
      holdCreations();
      server = await startServerProcess(serverEnv({ SHUTDOWN_GRACE_MS: '1000' }));
      const correlationId = randomUUID();
      const inFlight = graphql(
        server.url,
        CREATE_CUSTOMER,
        { input: customerInput() },
        { token: await signToken(), headers: { 'x-correlation-id': correlationId } },
      ).catch((error: Error) => error);
      await waitUntil('the request calls CloudCockpit', () => heldCreations === 1);
      const exited = once(server.child, 'exit');
      server.child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(1);
      expect(server.logs().map((line) => line.msg)).toContain(
        'shutdown grace period ran out with work in flight: exiting',
      );
      expect(await inFlight).toBeInstanceOf(Error);

      // Handing the step back could let another replica call CloudCockpit again while this call is still on the wire.
      const after = await openLedgerDatabase();
      try {
        const [step] = await after.query<{ status: string; outcome_unknown: boolean; lease_live: boolean }>(
          `SELECT status, outcome_unknown, lease_expires_at > now() AS lease_live FROM provisioning_steps
           WHERE correlation_id = $1`,
          [correlationId],
        );
        expect(step).toEqual({ status: 'PENDING', outcome_unknown: true, lease_live: true });
      } finally {
        await after.close();
      }
      letThrough();
    },
  );

  it.runIf(name === 'pglite')('exits at once on a second signal', { timeout: 120_000 }, async () => {
    holdCreations();
    server = await startServerProcess(serverEnv({ SHUTDOWN_GRACE_MS: '60000' }));
    const inFlight = graphql(server.url, CREATE_CUSTOMER, { input: customerInput() }, { token: await signToken() });
    void inFlight.catch(() => undefined);
    await waitUntil('the request calls CloudCockpit', () => heldCreations === 1);
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    const running = server;
    await waitUntil('the server starts shutting down', () =>
      running.logs().some((line) => line.msg === 'no longer accepting requests; finishing those in flight'),
    );
    server.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(1);
    expect(server.logs().map((line) => line.msg)).toContain('second signal: exiting at once');
    letThrough();
  });
});
