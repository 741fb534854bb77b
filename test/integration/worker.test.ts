import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/auth.js';
import { providersFor, type ProviderEndpoints } from '../../src/context.js';
import { Ledger, type StepRecord } from '../../src/ledger/ledger.js';
import { openLedger } from '../../src/ledger/open.js';
import { createLogger } from '../../src/logger.js';
import type { CustomerViewModel } from '../../src/providers/cloudcockpit/wire.js';
import type { RunningEmulator } from '../../emulators/toolkit/server.js';
import { startWebexEmulator } from '../../emulators/webex/emulator.js';
import { customerStep } from '../../src/providers/cloudcockpit/steps.js';
import { experiencePlatformStep } from '../../src/providers/experience-platform/steps.js';
import { net3Step } from '../../src/providers/net3/steps.js';
import { wholesaleStep } from '../../src/providers/webex/steps.js';
import type { StepScope } from '../../src/provisioning/step-kind.js';
import { customerInput, providerInstanceInput } from '../support/fixtures.js';
import { testBackends, type TestBackend } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { startRecordingServer, type RecordingServer } from '../support/recording-server.js';
import {
  graphql,
  signToken,
  startTestStack,
  TEST_CREDENTIALS,
  testPolicy,
  type TestStack,
  type TestStackOptions,
} from '../support/stack.js';

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id }
    experiencePlatform { __typename ... on ExperiencePlatformProvisioning { pollRequired storedRequest { id } } }
    wholesale { __typename ... on WholesaleCustomer { id status } }
    failures { provider code }
  }
}`;

type Payload = {
  customer: { id: string };
  experiencePlatform: { __typename: string; pollRequired?: boolean; storedRequest?: { id: string } } | null;
  wholesale: { __typename: string; id?: string; status?: string } | null;
  failures: { provider: string; code: string }[];
};

const TENANT = 'contoso.example';
/** The caller `signToken()` signs for. */
const CSP: Caller = { subject: 'user-1', tenant: TENANT, roles: ['csp'], resellerId: null };

const experiencePlatformSection = () => ({
  imsOrgId: `${randomBytes(12).toString('hex').toUpperCase()}@AdobeOrg`,
  tenantId: 'contosopizza',
  region: 'NLD2',
  entitlement: { valuePropId: 'rtcdp-prime', valuePropSKUID: '65304520CA01A12', location: 'EU' },
});
const wholesaleSection = () => ({
  provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
  packages: ['WEBEX_MEETINGS'],
  provisioningParameters: { meetings: { timezone: 'Europe/Lisbon' } },
});

/**
 * Sections as resolvers see them, and so as the ledger stores them: enum values in the providers' own spelling, and
 * Net3's requester fixed as provisionCustomer fixes it before writing ahead.
 */
const storedNet3Section = () => ({
  serviceLevelId: 2,
  primaryContactRoles: ['Primary', 'Billing'],
  requesterIP: '203.0.113.7',
  requestCreated: '2025-01-02T03:04:05.000Z',
});
const storedWholesaleSection = () => ({ ...wholesaleSection(), packages: ['webex_meetings'] });

async function provision(
  stack: TestStack,
  input: Record<string, unknown>,
): Promise<{ payload: Payload; correlationId: string }> {
  const response = await graphql<{ provisionCustomer: Payload }>(
    stack.server.url,
    PROVISION,
    { input },
    { token: await signToken() },
  );
  expect(response.errors).toBeUndefined();
  return { payload: response.data!.provisionCustomer, correlationId: response.extensions!.correlationId as string };
}

/** The one operation of this customer and its steps by name, as the ledger has them now. */
async function ledgerOf(stack: TestStack, customerId: string) {
  const [operation] = await stack.ledger.operationsOfCustomers(TENANT, [customerId]);
  const steps = operation ? await stack.ledger.stepsOf([operation.id]) : [];
  return { operation, steps: Object.fromEntries(steps.map((s) => [s.step, s])) as Record<string, StepRecord> };
}

const settled = (steps: StepRecord[]) => steps.every((s) => s.status === 'SUCCEEDED' || s.status === 'FAILED');

/**
 * A stack with its worker whose ledger is on `backend`: the stack's own in-memory PGlite, or a fresh database on the
 * PostgreSQL server, closed and dropped with the stack.
 */
async function startStackOn(
  backend: TestBackend,
  options: TestStackOptions & { worker: NonNullable<TestStackOptions['worker']> },
): Promise<TestStack> {
  if (backend.name === 'pglite') return startTestStack(options);
  const fresh = await backend.create();
  const { ledger, database } = await openLedger({
    databaseUrl: fresh.url,
    dataDir: fresh.dataDir,
    leaseMs: options.worker.leaseMs,
  });
  const stack = await startTestStack({ ...options, ledger });
  return {
    ...stack,
    async close() {
      await stack.close();
      await database.close();
      await fresh.drop();
    },
  };
}

describe('the provisioning worker follows work providers finish later', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // Both providers take a while, so that the worker finds the work unfinished at its first check at least.
    stack = await startTestStack({
      webexProvisioningDelayMs: 2_500,
      experiencePlatformProvisioningDelayMs: 1_000,
      worker: { intervalMs: 50 },
    });
  });
  afterAll(() => stack.close());

  it('follows a Webex customer until Webex reports it provisioned, without anyone asking', async () => {
    const { payload, correlationId } = await provision(stack, {
      customer: customerInput(),
      wholesale: wholesaleSection(),
    });
    expect(payload.wholesale).toMatchObject({ __typename: 'WholesaleCustomer', status: 'PROVISIONING' });
    const webexId = payload.wholesale!.id!;
    expect((await ledgerOf(stack, payload.customer.id)).steps.wholesale!.status).toBe('IN_PROGRESS');

    const { operation, steps } = await eventually(
      () => ledgerOf(stack, payload.customer.id),
      ({ steps }) => steps.wholesale!.status !== 'IN_PROGRESS',
    );
    expect(steps.wholesale).toMatchObject({
      status: 'SUCCEEDED',
      upstreamIds: {
        id: webexId,
        externalId: payload.customer.id,
        location: `${stack.emulators.webex.url}/v1/wholesale/customers/${webexId}`,
      },
      result: { id: webexId, status: 'provisioned', orgId: expect.any(String) },
      nextCheckAt: null,
    });
    expect(operation!.status).toBe('SUCCEEDED');
    // The worker asked Webex itself, under the request's correlation id, so that Webex's audit lines up with ours.
    const checks = stack.emulators.webex.calls.filter(
      (c) => c.method === 'GET' && c.path === `/v1/wholesale/customers/${webexId}`,
    );
    expect(checks.length).toBeGreaterThanOrEqual(1);
    expect(checks.every((c) => c.headers.trackingid === correlationId)).toBe(true);

    // The customer now reads as provisioned from what the worker recorded: the read asks Webex nothing.
    const webexCalls = stack.emulators.webex.calls.length;
    const read = await graphql<{ customer: { wholesale: { status: string; orgId: string } } }>(
      stack.server.url,
      'query($id: ID!) { customer(id: $id) { wholesale { status orgId } } }',
      { id: payload.customer.id },
      { token: await signToken() },
    );
    expect(read.data!.customer.wholesale).toEqual({ status: 'PROVISIONED', orgId: expect.any(String) });
    expect(stack.emulators.webex.calls.length).toBe(webexCalls);
  });

  it('follows an Adobe request with pollRequired through GET /provisioning/status until it completes', async () => {
    const section = experiencePlatformSection();
    const { payload } = await provision(stack, { customer: customerInput(), experiencePlatform: section });
    expect(payload.experiencePlatform).toMatchObject({
      __typename: 'ExperiencePlatformProvisioning',
      pollRequired: true,
    });
    const requestId = payload.experiencePlatform!.storedRequest!.id;

    const { operation, steps } = await eventually(
      () => ledgerOf(stack, payload.customer.id),
      ({ steps }) => steps.experiencePlatform!.status !== 'IN_PROGRESS',
    );
    expect(steps.experiencePlatform).toMatchObject({
      status: 'SUCCEEDED',
      upstreamIds: { storedRequestId: requestId, imsOrgId: section.imsOrgId },
      result: { requestStatus: { status: 'completed' } },
    });
    expect(operation!.status).toBe('SUCCEEDED');
    const statusCalls = stack.emulators.experiencePlatform.calls.filter(
      (c) => c.path === `/provisioning/status?request=${requestId}`,
    );
    expect(statusCalls.length).toBeGreaterThanOrEqual(1);
    expect(statusCalls.every((c) => c.method === 'GET' && c.headers['x-gw-ims-org-id'] === section.imsOrgId)).toBe(
      true,
    );
    // Adobe's connection string is shown once, to the caller: following the request never stores it.
    expect(JSON.stringify(steps.experiencePlatform)).not.toContain('SharedAccessKey');
  });
});

describe('the provisioning worker when Webex rate-limits it', () => {
  let stack: TestStack;
  let webex: RunningEmulator;

  beforeAll(async () => {
    // One request per 6 s window: the POST passes, the first check (due 2 s later) is refused with Retry-After: 4,
    // and a check after those 4 s falls into a new window. The worker's own back-off is much shorter than that,
    // so any check before Retry-After has passed would be refused again and counted.
    webex = await startWebexEmulator({
      ...TEST_CREDENTIALS.webex,
      provisioningDelayMs: 0,
      rateLimit: { requests: 1, windowMs: 6_000, retryAfterSeconds: 4 },
    });
    // A Retry-After over the policy's cap is left to the worker (within it, the call itself would wait it out).
    stack = await startTestStack({
      urls: { webex: webex.url },
      worker: { intervalMs: 50, initialBackoffMs: 100 },
      policy: { retryAfterMaxSeconds: 1 },
    });
  });
  afterAll(async () => {
    await stack.close();
    await webex.close();
  });

  it('waits as long as Retry-After says before asking again', async () => {
    const { payload } = await provision(stack, { customer: customerInput(), wholesale: wholesaleSection() });
    const webexId = payload.wholesale!.id!;

    const busy = await eventually(
      () => ledgerOf(stack, payload.customer.id),
      ({ steps }) => steps.wholesale!.failure !== null || steps.wholesale!.status !== 'IN_PROGRESS',
    );
    const refused = busy.steps.wholesale!;
    expect(refused).toMatchObject({
      status: 'IN_PROGRESS',
      failure: { provider: 'WEBEX_WHOLESALE', httpStatus: 429, code: 'UPSTREAM_BUSY', retryAfterSeconds: 4 },
    });
    // The next check is set for Retry-After from now (give or take the moment between computing it and storing it).
    expect(refused.nextCheckAt!.getTime() - refused.updatedAt.getTime()).toBeGreaterThan(3_500);

    const { steps } = await eventually(
      () => ledgerOf(stack, payload.customer.id),
      ({ steps }) => steps.wholesale!.status !== 'IN_PROGRESS',
    );
    expect(steps.wholesale).toMatchObject({ status: 'SUCCEEDED', failure: null, result: { status: 'provisioned' } });
    // One check refused with 429, one after Retry-After that got through: none in between.
    const checks = webex.calls.filter((c) => c.method === 'GET' && c.path === `/v1/wholesale/customers/${webexId}`);
    expect(checks).toHaveLength(2);
  });
});

/** Where a stack's calls go, for a process of the test's own that shares the stack's emulators. */
function endpointsOf(stack: TestStack, urls: Partial<Record<keyof ProviderEndpoints, string>> = {}): ProviderEndpoints {
  const baseURL = (name: keyof ProviderEndpoints) => urls[name] ?? stack.emulators[name].url;
  return {
    cloudCockpit: {
      baseURL: baseURL('cloudCockpit'),
      policy: testPolicy('CLOUDCOCKPIT'),
      ...TEST_CREDENTIALS.cloudCockpit,
    },
    experiencePlatform: {
      baseURL: baseURL('experiencePlatform'),
      policy: testPolicy('EXPERIENCE_PLATFORM'),
      ...TEST_CREDENTIALS.experiencePlatform,
    },
    net3: { baseURL: baseURL('net3'), policy: testPolicy('NET3'), credentials: TEST_CREDENTIALS.net3 },
    webex: { baseURL: baseURL('webex'), policy: testPolicy('WEBEX_WHOLESALE'), ...TEST_CREDENTIALS.webex },
  };
}

/**
 * A process that died mid-provisioning: it wrote its operation ahead, as provisionCustomer does, leased to an owner
 * that will never come back; `started` are the steps whose calls it made before dying, without recording the
 * answers. Its lease is short, so that the worker of the stack takes over soon.
 */
async function abandonedProvisioning(
  stack: TestStack,
  {
    customer,
    sections,
    started,
    urls,
    customerId = randomUUID(),
  }: {
    customer: Record<string, unknown>;
    sections: Record<string, unknown>;
    started: string[];
    /** Where the dead process's calls went, when not to the stack's emulators. */
    urls?: Partial<Record<keyof ProviderEndpoints, string>>;
    /** The CloudCockpit id made for the customer (a caller may choose it); a new one by default. */
    customerId?: string;
  },
): Promise<{ operationId: string; customerId: string }> {
  const crashed = new Ledger(stack.ledger.database, {
    owner: `crashed-host:1:${randomUUID().slice(0, 8)}`,
    leaseMs: 1_000,
  });
  const correlationId = randomUUID();
  const logger = createLogger('silent');
  const context: StepScope = {
    caller: CSP,
    providers: providersFor(endpointsOf(stack, urls), CSP, { correlationId, logger }),
    ledger: crashed,
    correlationId,
    clientIp: null,
    logger,
  };
  const canonicalInput = { ...customer, id: customerId };
  const operationId = randomUUID();
  const providerOf = {
    providerInstance: 'CLOUDCOCKPIT',
    experiencePlatform: 'EXPERIENCE_PLATFORM',
    net3: 'NET3',
    wholesale: 'WEBEX_WHOLESALE',
  } as const;
  const lease = await crashed.beginOperation(
    {
      id: operationId,
      tenant: TENANT,
      caller: CSP,
      kind: 'provisionCustomer',
      customerId,
      request: { customer: canonicalInput, ...sections },
      correlationId: context.correlationId,
    },
    [
      { step: 'customer', provider: 'CLOUDCOCKPIT', position: 0, input: canonicalInput },
      ...Object.entries(sections).map(([name, input], index) =>
        name === 'providerInstance'
          ? {
              step: `providerInstance:${(input as { providerInstanceId: string }).providerInstanceId}`,
              provider: providerOf.providerInstance,
              position: 1,
              input,
            }
          : { step: name, provider: providerOf[name as keyof typeof providerOf], position: 1000 + index, input },
      ),
    ],
  );
  let canonical: CustomerViewModel | null = null;
  if (started.includes('customer')) {
    await crashed.startStep(operationId, 'customer', context.correlationId, lease);
    canonical = (await customerStep.run(context, canonicalInput as never, null, ['input', 'customer']))
      .response as CustomerViewModel;
  }
  for (const [name, kind] of [
    ['experiencePlatform', experiencePlatformStep],
    ['net3', net3Step],
    ['wholesale', wholesaleStep],
  ] as const) {
    if (!started.includes(name)) continue;
    await crashed.startStep(operationId, name, context.correlationId, lease);
    // Whatever the provider answered, the process died before it could record it.
    await kind.run(context, sections[name] as never, canonical!, ['input', name]).catch(() => undefined);
  }
  return { operationId, customerId };
}

describe.each(testBackends)(
  'the provisioning worker takes over steps a dead process abandoned, ledger on $name',
  (backend) => {
    let stack: TestStack;

    beforeAll(async () => {
      stack = await startStackOn(backend, { worker: { intervalMs: 50 } });
    });
    afterAll(() => stack.close());

    it('finds what the providers already have and runs the rest, provisioning nothing twice', async () => {
      const instance = providerInstanceInput();
      const adobe = experiencePlatformSection();
      const { operationId, customerId } = await abandonedProvisioning(stack, {
        customer: customerInput(),
        sections: {
          providerInstance: instance,
          experiencePlatform: adobe,
          net3: storedNet3Section(),
          wholesale: storedWholesaleSection(),
        },
        // The customer, Net3 and Webex calls went through; the instance and Adobe were never started.
        started: ['customer', 'net3', 'wholesale'],
      });
      const before = await stack.ledger.stepsOf([operationId]);
      expect(before.map((s) => [s.step, s.status, s.attempts])).toEqual([
        ['customer', 'PENDING', 1],
        [`providerInstance:${instance.providerInstanceId as string}`, 'PENDING', 0],
        ['experiencePlatform', 'PENDING', 0],
        ['net3', 'PENDING', 1],
        ['wholesale', 'PENDING', 1],
      ]);

      const after = await eventually(
        () => stack.ledger.stepsOf([operationId]),
        (steps) => steps.every((s) => s.status === 'SUCCEEDED'),
      );
      expect(after.map((s) => [s.step, s.status])).toEqual(before.map((s) => [s.step, 'SUCCEEDED']));
      expect((await stack.ledger.operationById(operationId))!.status).toBe('SUCCEEDED');
      const byName = Object.fromEntries(after.map((s) => [s.step, s]));
      expect(byName.customer!.result).toMatchObject({ id: customerId, companyName: 'Contoso Pizza' });
      expect(byName.wholesale!.upstreamIds).toMatchObject({ externalId: customerId, id: expect.any(String) });

      const { cloudCockpit, experiencePlatform, net3, webex } = stack.emulators;
      const posts = (emulator: RunningEmulator, path: string) =>
        emulator.calls.filter((c) => c.method === 'POST' && c.path.startsWith(path));
      // Found by its id rather than created again.
      expect(posts(cloudCockpit, '/v1/Customers').filter((c) => c.path === '/v1/Customers')).toHaveLength(1);
      expect(cloudCockpit.calls.some((c) => c.method === 'GET' && c.path === `/v1/Customers/${customerId}`)).toBe(true);
      // Never started, so run once by the worker.
      expect(posts(cloudCockpit, `/v1/Customers/${customerId}/provider-instances`)).toHaveLength(1);
      expect(posts(experiencePlatform, '/provisioning/customer')).toHaveLength(1);
      // Webex is asked by externalId rather than sent the customer again.
      expect(posts(webex, '/v1/wholesale/customers')).toHaveLength(1);
      expect(webex.calls.some((c) => c.method === 'GET' && c.path.includes(`externalId=${customerId}`))).toBe(true);
      // Net3 has no read endpoint: the repeat is refused as a duplicate customerId (409), which is success seen again.
      const net3Posts = posts(net3, '/provisioning/customer');
      expect(net3Posts).toHaveLength(2);
      expect(net3Posts[1]!.body).toEqual(net3Posts[0]!.body);
    });

    it('records the request Adobe stored for an abandoned call with reprovision: true, rather than provisioning again', async () => {
      const section = experiencePlatformSection();
      // Provisioned once already, so that reprovision is what makes Adobe accept the call.
      const earlier = await provision(stack, { customer: customerInput(), experiencePlatform: section });
      const earlierId = earlier.payload.experiencePlatform!.storedRequest!.id;
      // As provisionCustomer records the section: with when it was asked for.
      const stored = { ...section, reprovision: true, requestedAt: new Date().toISOString() };
      const { operationId } = await abandonedProvisioning(stack, {
        customer: customerInput(),
        sections: { experiencePlatform: stored },
        started: ['customer', 'experiencePlatform'],
      });
      const accepted = () =>
        stack.emulators.experiencePlatform.calls.filter(
          (c) =>
            c.method === 'POST' &&
            (c.body as { customer?: { imsOrgId?: string } }).customer?.imsOrgId === section.imsOrgId,
        );
      expect(accepted()).toHaveLength(2);

      const steps = await eventually(() => stack.ledger.stepsOf([operationId]), settled);
      const adobe = steps.find((s) => s.step === 'experiencePlatform')!;
      expect(adobe).toMatchObject({ status: 'SUCCEEDED', result: { requestStatus: { status: 'completed' } } });
      // The dead process's request, followed to its end; Adobe was not sent a third.
      expect(accepted()).toHaveLength(2);
      expect(adobe.upstreamIds.storedRequestId).toEqual(expect.any(String));
      expect(adobe.upstreamIds.storedRequestId).not.toBe(earlierId);
      expect((adobe.result as { storedRequest: { id: string } }).storedRequest.id).toBe(
        adobe.upstreamIds.storedRequestId,
      );
    });

    it('does not take another tenant’s Webex customer with the same externalId for an abandoned call’s, failing it as a conflict', async () => {
      // Another tenant made a Webex customer whose externalId is the CloudCockpit id this provisioning was given.
      const customerId = randomUUID();
      const otherTenant = `other-${randomUUID().slice(0, 8)}.example`;
      const other = await signToken({ tenant: otherTenant });
      const theirs = await graphql<{ provisionWholesaleCustomer: { id: string } }>(
        stack.server.url,
        'mutation($input: WholesaleCustomerInput!) { provisionWholesaleCustomer(input: $input) { id } }',
        {
          input: {
            ...wholesaleSection(),
            externalId: customerId,
            address: { addressLine1: 'Rua Augusta 100', city: 'Lisboa', country: 'PT' },
            customerInfo: { name: 'Fabrikam', primaryEmail: 'ops@fabrikam.example' },
          },
        },
        { token: other },
      );
      expect(theirs.errors).toBeUndefined();
      const theirId = theirs.data!.provisionWholesaleCustomer.id;

      // The dead process's call was refused (externalId taken), and the answer never recorded.
      const { operationId } = await abandonedProvisioning(stack, {
        customer: customerInput(),
        sections: { wholesale: storedWholesaleSection() },
        started: ['customer', 'wholesale'],
        customerId,
      });
      const steps = await eventually(() => stack.ledger.stepsOf([operationId]), settled);
      const wholesale = steps.find((s) => s.step === 'wholesale')!;
      expect(wholesale).toMatchObject({
        status: 'FAILED',
        failure: { provider: 'WEBEX_WHOLESALE', code: 'CONFLICT', httpStatus: null },
      });
      expect(wholesale.upstreamIds).toEqual({});
      expect(JSON.stringify(wholesale)).not.toContain(theirId);
      expect((await stack.ledger.operationById(operationId))!.status).toBe('PARTIALLY_FAILED');
      expect(await stack.ledger.recordedUpstreamIds(TENANT, 'WEBEX_WHOLESALE', 'id', [theirId])).toEqual(new Set());
      // Theirs is left as it was: followed by the worker to its end, before the next test counts calls.
      const { items } = await eventually(
        () => stack.ledger.operations(otherTenant, { offset: 0, limit: 1 }),
        ({ items }) => items[0]?.status === 'SUCCEEDED',
      );
      expect(items[0]!.status).toBe('SUCCEEDED');
    });

    it('fails the steps that depend on a customer CloudCockpit refuses, calling no other provider', async () => {
      const callsBefore = (['experiencePlatform', 'net3', 'webex'] as const).map(
        (name) => stack.emulators[name].calls.length,
      );
      const { operationId } = await abandonedProvisioning(stack, {
        customer: customerInput({ zip: '1'.repeat(31) }),
        sections: { net3: storedNet3Section(), wholesale: storedWholesaleSection() },
        started: [],
      });

      const steps = await eventually(() => stack.ledger.stepsOf([operationId]), settled);
      expect(steps.map((s) => [s.step, s.status, s.failure?.code])).toEqual([
        ['customer', 'FAILED', 'BAD_USER_INPUT'],
        ['net3', 'FAILED', 'NOT_STARTED'],
        ['wholesale', 'FAILED', 'NOT_STARTED'],
      ]);
      expect((await stack.ledger.operationById(operationId))!.status).toBe('FAILED');
      expect(
        (['experiencePlatform', 'net3', 'webex'] as const).map((name) => stack.emulators[name].calls.length),
      ).toEqual(callsBefore);
    });
  },
);

describe.each(testBackends)('the provisioning worker when a provider keeps failing, ledger on $name', (backend) => {
  let stack: TestStack;
  let net3: RecordingServer;

  beforeAll(async () => {
    // Net3 answers every call with 503, as a provider does while it is down.
    net3 = await startRecordingServer(() => ({
      status: 503,
      body: { responseStatus: { errorCode: 'ServiceUnavailable', message: 'down' } },
    }));
    stack = await startStackOn(backend, {
      urls: { net3: net3.url },
      worker: { intervalMs: 20, initialBackoffMs: 20, maxBackoffMs: 40, maxTransientFailures: 3 },
    });
  });
  afterAll(async () => {
    await stack.close();
    await net3.close();
  });

  it('backs off and, after a bounded number of tries, records the step as FAILED with its last failure', async () => {
    const { operationId } = await abandonedProvisioning(stack, {
      customer: customerInput(),
      sections: { net3: storedNet3Section() },
      started: ['customer', 'net3'],
      urls: { net3: net3.url },
    });
    // Only the worker's tries count from here.
    net3.requests.length = 0;

    const steps = await eventually(() => stack.ledger.stepsOf([operationId]), settled);
    expect(steps.map((s) => [s.step, s.status])).toEqual([
      ['customer', 'SUCCEEDED'],
      ['net3', 'FAILED'],
    ]);
    expect(steps[1]!.failure).toMatchObject({ provider: 'NET3', httpStatus: 503, code: 'UPSTREAM_ERROR' });
    expect((await stack.ledger.operationById(operationId))!.status).toBe('PARTIALLY_FAILED');
    // Each try is a repeat of the call (Net3 has no read endpoint): three, then no more.
    expect(net3.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
  });
});

describe('the provisioning worker when a provider is down for a while', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ worker: { intervalMs: 20, initialBackoffMs: 50, maxBackoffMs: 100 } });
  });
  afterAll(() => stack.close());

  it('keeps a recovered step PENDING through transient failures of its call, and runs it once the provider is back', async () => {
    const webex = stack.emulators.webex;
    // The provider refuses the worker's first two calls of the step (the policy does not send a write again after a
    // 503: the worker does, after its back-off).
    webex.faults.script({
      method: 'POST',
      path: '/v1/wholesale/customers',
      fault: { kind: 'refuse', status: 503 },
      times: 2,
    });
    const { operationId, customerId } = await abandonedProvisioning(stack, {
      customer: customerInput(),
      sections: { wholesale: storedWholesaleSection() },
      // The dead process created the customer; Webex was never called.
      started: ['customer'],
    });

    const waiting = await eventually(
      () => stack.ledger.stepsOf([operationId]),
      (steps) => steps.some((s) => s.step === 'wholesale' && s.failure !== null),
    );
    expect(waiting.find((s) => s.step === 'wholesale')).toMatchObject({
      status: 'PENDING',
      failure: { provider: 'WEBEX_WHOLESALE', httpStatus: 503, code: 'UPSTREAM_ERROR', failuresInARow: 1 },
      // A 503 may come after the provider acted: the next try looks it up before it calls again.
      outcomeUnknown: true,
    });

    const steps = await eventually(() => stack.ledger.stepsOf([operationId]), settled);
    expect(steps.map((s) => [s.step, s.status])).toEqual([
      ['customer', 'SUCCEEDED'],
      ['wholesale', 'SUCCEEDED'],
    ]);
    expect(steps[1]!.failure).toBeNull();
    expect((await stack.ledger.operationById(operationId))!.status).not.toMatch(/FAILED/);
    const posts = webex.calls.filter((c) => c.method === 'POST' && c.path === '/v1/wholesale/customers');
    expect(posts).toHaveLength(3);
    expect(webex.created.get(customerId)).toBe(1);
  });
});
