import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, type StepRecord } from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import { RequestBarrier } from '../support/barrier-proxy.js';
import { testBackends, type TestDatabase } from '../support/databases.js';
import { callEmulator } from '../support/emulator-call.js';
import {
  experiencePlatformInput,
  net3ProvisioningInput,
  providerInstanceInput,
  provisionEverywhereInput,
  wholesaleCustomerInput,
} from '../support/fixtures.js';
import { startForwardingProxy, type ProxyExchange } from '../support/proxy.js';
import {
  graphql,
  signToken,
  startTestStack,
  TEST_CREDENTIALS,
  type TestStack,
  type TestStackOptions,
} from '../support/stack.js';

/**
 * A provider that can go down and come back: a proxy in front of its emulator that, while down, drops every
 * connection without answering (as an unreachable host would look to the client) and, while up, forwards.
 */
interface SwitchableProxy {
  url: string;
  up: boolean;
  /** While false (and up), requests reach the provider but its answers are lost on the way back. */
  answers: boolean;
  /** Every request that reached the provider, with the provider's answer, delivered or not. */
  exchanges: ProxyExchange[];
  close(): Promise<void>;
}

async function startSwitchableProxy(target: string): Promise<SwitchableProxy> {
  const state = { up: false, answers: true };
  const proxy = await startForwardingProxy(target, {
    beforeForward: () => (state.up ? 'pass' : 'drop'),
    afterAnswer: () => (state.answers ? 'pass' : 'drop'),
  });
  return Object.assign(state, { url: proxy.url, exchanges: proxy.exchanges, close: proxy.close });
}

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id }
    net3 { __typename ... on ProviderFailure { provider code httpStatus } }
    failures { provider code }
    provisioning { id status steps { name status attempts failure { code } } }
  }
}`;

const RETRY = `mutation Retry($id: ID!) {
  retryProvisioning(id: $id) {
    id status customerId
    steps { name provider status attempts correlationId failure { provider code httpStatus correlationId } }
  }
}`;

const NEWEST_PROVISIONING = `query Newest {
  provisionings(first: 1) { totalCount nodes { id customerId steps { name status failure { code } } } }
}`;

const PROVISIONING = `query Provisioning($id: ID!) { provisioning(id: $id) { id status steps { name status attempts failure { code } } } }`;

const NET3_OF_CUSTOMER = `query Net3($id: ID!) { customer(id: $id) { net3 { customer { customerId } } } }`;

/** RETRY, with what each step recorded of its provider's ids. */
const RETRY_WITH_IDS = `mutation Retry($id: ID!) {
  retryProvisioning(id: $id) { id status steps { name status attempts upstreamIds { name value } failure { code httpStatus message } } }
}`;

const PROVISION_NET3 = `mutation Net3($input: Net3ProvisioningInput!) { provisionNet3Customer(input: $input) { customer { customerId } } }`;
const PROVISION_ADOBE = `mutation Adobe($input: ExperiencePlatformProvisioningInput!, $reprovision: Boolean) {
  provisionExperiencePlatform(input: $input, reprovision: $reprovision) { storedRequest { id } }
}`;
const PROVISION_WEBEX = `mutation Webex($input: WholesaleCustomerInput!) { provisionWholesaleCustomer(input: $input) { id externalId } }`;
const WEBEX_CUSTOMER = `query Webex($id: ID!) { wholesaleCustomer(id: $id) { id externalId } }`;

/** A step's upstream ids by name. */
const idsOf = (step: Step | undefined) =>
  Object.fromEntries((step?.upstreamIds ?? []).map(({ name, value }) => [name, value]));

type Step = {
  name: string;
  provider?: string;
  status: string;
  attempts: number;
  correlationId?: string;
  upstreamIds?: { name: string; value: string }[];
  failure: Record<string, unknown> | null;
};
type Provisioning = { id: string; status: string; customerId?: string; steps: Step[] };

const stepNamed = (provisioning: Provisioning, name: string) => provisioning.steps.find((s) => s.name === name);
/** How many calls each provider's emulator has received so far. */
const callCounts = (stack: TestStack) =>
  Object.fromEntries(Object.entries(stack.emulators).map(([name, emulator]) => [name, emulator.calls.length]));

/** The caller's newest provisioning: how a caller finds a single-call mutation that failed, to retry it. */
async function newestProvisioning(stack: TestStack, token: string): Promise<Provisioning> {
  const listed = await graphql<{ provisionings: { nodes: Provisioning[] } }>(
    stack.server.url,
    NEWEST_PROVISIONING,
    {},
    { token },
  );
  return listed.data!.provisionings.nodes[0]!;
}

/**
 * The ledger of one server process, whose reads of a provisioning's steps can be made to wait at a barrier: retries
 * sent at once then all read the steps before any of them starts one, the race a busy server runs into by chance.
 */
class LedgerHoldingReads extends Ledger {
  barrier: RequestBarrier | null = null;

  override async stepsOf(operationIds: readonly string[]): Promise<StepRecord[]> {
    const steps = await super.stepsOf(operationIds);
    await this.barrier?.arrive();
    return steps;
  }
}

describe.each(testBackends)('retryProvisioning, ledger on $name', (backend) => {
  let testDatabase: TestDatabase;
  let ledger: LedgerHoldingReads;

  beforeAll(async () => {
    testDatabase = await backend.create();
    await migrate(testDatabase.database);
    ledger = new LedgerHoldingReads(testDatabase.database, { owner: 'retry-test' });
  });
  afterAll(() => testDatabase.drop());

  /**
   * `count` retries of one provisioning sent at once to one server, every one of them reading its steps before any
   * starts one. `filled` says they did: the barrier filled.
   */
  async function retriedAtOnce(stack: TestStack, token: string, id: string, count: number) {
    const barrier = new RequestBarrier(count, 5_000);
    ledger.barrier = barrier;
    try {
      const responses = await Promise.all(
        Array.from({ length: count }, () =>
          graphql<{ retryProvisioning: Provisioning }>(stack.server.url, RETRY, { id }, { token }),
        ),
      );
      return { responses, filled: barrier.filled };
    } finally {
      ledger.barrier = null;
    }
  }

  interface SwitchableStack {
    stack: TestStack;
    proxy: SwitchableProxy;
    csp: string;
  }

  /**
   * For the describe block it is called in: a test stack on this ledger whose `provider` is reached through a
   * switchable proxy, and a CSP of a tenant of its own, handed to `use` before the block's tests and closed after.
   */
  function withSwitchableStack(
    provider: 'net3' | 'cloudCockpit' | 'experiencePlatform' | 'webex',
    use: (made: SwitchableStack) => void,
    options: TestStackOptions = {},
  ): void {
    let made: SwitchableStack | undefined;
    beforeAll(async () => {
      let proxy!: SwitchableProxy;
      const stack = await startTestStack({
        ...options,
        ledger,
        urls: async (emulators) => {
          proxy = await startSwitchableProxy(emulators[provider].url);
          return { [provider]: proxy.url };
        },
      });
      made = { stack, proxy, csp: await signToken({ tenant: `retry-${randomUUID().slice(0, 8)}.example` }) };
      use(made);
    });
    afterAll(async () => {
      await made?.stack.close();
      await made?.proxy.close();
    });
  }

  describe('after one provider was down', () => {
    let stack: TestStack;
    let net3: SwitchableProxy;
    let csp: string;
    withSwitchableStack('net3', (made) => ({ stack, proxy: net3, csp } = made));

    it('runs only the failed step again, and never calls the providers that succeeded', async () => {
      net3.up = false;
      const first = await graphql<{
        provisionCustomer: { customer: { id: string }; failures: unknown[]; provisioning: Provisioning };
      }>(stack.server.url, PROVISION, { input: provisionEverywhereInput() }, { token: csp });
      expect(first.errors).toBeUndefined();
      const { customer, failures, provisioning } = first.data!.provisionCustomer;
      expect(failures).toEqual([{ provider: 'NET3', code: 'UPSTREAM_ERROR' }]);
      expect(stepNamed(provisioning, 'net3')).toMatchObject({
        status: 'FAILED',
        attempts: 1,
        failure: { code: 'UPSTREAM_ERROR' },
      });
      const before = callCounts(stack);
      expect(before.net3).toBe(0);

      // Still down: the step fails again, with this attempt's failure.
      const stillDown = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY,
        { id: provisioning.id },
        { token: csp },
      );
      expect(stillDown.errors).toBeUndefined();
      expect(stillDown.data!.retryProvisioning.status).toBe('PARTIALLY_FAILED');
      expect(stepNamed(stillDown.data!.retryProvisioning, 'net3')).toMatchObject({
        status: 'FAILED',
        attempts: 2,
        correlationId: stillDown.extensions!.correlationId,
        failure: {
          provider: 'NET3',
          code: 'UPSTREAM_ERROR',
          httpStatus: null,
          correlationId: stillDown.extensions!.correlationId,
        },
      });
      expect(callCounts(stack)).toEqual(before);

      net3.up = true;
      const retried = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY,
        { id: provisioning.id },
        { token: csp },
      );
      expect(retried.errors).toBeUndefined();
      const after = retried.data!.retryProvisioning;
      expect(after).toMatchObject({ id: provisioning.id, customerId: customer.id });
      expect(stepNamed(after, 'net3')).toMatchObject({
        provider: 'NET3',
        status: 'SUCCEEDED',
        attempts: 3,
        failure: null,
      });
      // Adobe and Webex finish their work later; nothing has failed any more.
      expect(after.status).toBe('WAITING');
      for (const step of after.steps.filter((s) => s.name !== 'net3')) expect(step.attempts).toBe(1);
      // Net3 received its one call; CloudCockpit, Adobe and Webex were not called again.
      expect(callCounts(stack)).toEqual({ ...before, net3: 1 });
      expect(stack.emulators.net3.calls[0]).toMatchObject({
        method: 'POST',
        body: expect.objectContaining({ customer: expect.objectContaining({ customerId: customer.id }) }),
      });

      // Nothing is left to retry: a further retry calls no provider at all.
      const again = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY,
        { id: provisioning.id },
        { token: csp },
      );
      expect(stepNamed(again.data!.retryProvisioning, 'net3')).toMatchObject({ status: 'SUCCEEDED', attempts: 3 });
      expect(callCounts(stack)).toEqual({ ...before, net3: 1 });

      const read = await graphql<{ customer: { net3: unknown } }>(
        stack.server.url,
        NET3_OF_CUSTOMER,
        { id: customer.id },
        { token: csp },
      );
      expect(read.data!.customer.net3).toEqual({ customer: { customerId: customer.id } });
    });
  });

  describe('after a provider acted but its answer was lost', () => {
    let stack: TestStack;
    let net3: SwitchableProxy;
    let csp: string;
    withSwitchableStack('net3', (made) => ({ stack, proxy: net3, csp } = made));

    it('recognises the work the provider already did instead of doing it twice', async () => {
      net3.up = true;
      net3.answers = false;
      const first = await graphql<{ provisionCustomer: { customer: { id: string }; provisioning: Provisioning } }>(
        stack.server.url,
        PROVISION,
        { input: provisionEverywhereInput() },
        { token: csp },
      );
      const { customer, provisioning } = first.data!.provisionCustomer;
      expect(stepNamed(provisioning, 'net3')).toMatchObject({ status: 'FAILED', failure: { code: 'UPSTREAM_ERROR' } });
      expect(stack.emulators.net3.calls).toHaveLength(1);

      net3.answers = true;
      const retried = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY,
        { id: provisioning.id },
        { token: csp },
      );
      expect(stepNamed(retried.data!.retryProvisioning, 'net3')).toMatchObject({ status: 'SUCCEEDED', failure: null });
      // The repeat reached Net3 and was refused as a duplicate of the customer it already has: one customer there.
      const created = stack.emulators.net3.calls.filter(
        (call) => (call.body as { customer?: { customerId?: string } }).customer?.customerId === customer.id,
      );
      expect(created).toHaveLength(2);
    });
  });

  describe('retried by several requests at once, after one provider was down', () => {
    let stack: TestStack;
    let net3: SwitchableProxy;
    let csp: string;
    withSwitchableStack('net3', (made) => ({ stack, proxy: net3, csp } = made));

    it('runs the failed step once: one retry calls the provider, the others are told it is in progress', async () => {
      net3.up = false;
      const first = await graphql<{ provisionCustomer: { provisioning: Provisioning } }>(
        stack.server.url,
        PROVISION,
        { input: provisionEverywhereInput() },
        { token: csp },
      );
      const { provisioning } = first.data!.provisionCustomer;
      expect(stepNamed(provisioning, 'net3')).toMatchObject({ status: 'FAILED', attempts: 1 });
      net3.up = true;

      const { responses, filled } = await retriedAtOnce(stack, csp, provisioning.id, 4);

      // All four read the step as FAILED before any of them started it.
      expect(filled).toBe(true);
      expect(stack.emulators.net3.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
      const ran = responses.filter((r) => r.errors === undefined);
      expect(ran).toHaveLength(1);
      expect(stepNamed(ran[0]!.data!.retryProvisioning, 'net3')).toMatchObject({
        status: 'SUCCEEDED',
        attempts: 2,
        failure: null,
      });
      for (const refused of responses.filter((r) => r.errors !== undefined)) {
        expect(refused.errors!.map((e) => e.extensions.code)).toEqual(['IN_PROGRESS']);
      }
      const read = await graphql<{ provisioning: Provisioning }>(
        stack.server.url,
        PROVISIONING,
        { id: provisioning.id },
        { token: csp },
      );
      expect(stepNamed(read.data!.provisioning, 'net3')).toMatchObject({
        status: 'SUCCEEDED',
        attempts: 2,
        failure: null,
      });
    });
  });

  describe('retried by several requests at once, after CloudCockpit was down', () => {
    let stack: TestStack;
    let cloudCockpit: SwitchableProxy;
    let csp: string;
    withSwitchableStack('cloudCockpit', (made) => ({ stack, proxy: cloudCockpit, csp } = made));

    it('creates the customer and runs every other step once, none of them undone by a retry that lost', async () => {
      cloudCockpit.up = false;
      await graphql(stack.server.url, PROVISION, { input: provisionEverywhereInput() }, { token: csp });
      const listed = await graphql<{ provisionings: { nodes: Provisioning[] } }>(
        stack.server.url,
        NEWEST_PROVISIONING,
        {},
        { token: csp },
      );
      const [provisioning] = listed.data!.provisionings.nodes;
      expect(stepNamed(provisioning!, 'net3')).toMatchObject({ status: 'FAILED', failure: { code: 'NOT_STARTED' } });
      cloudCockpit.up = true;

      const { responses, filled } = await retriedAtOnce(stack, csp, provisioning!.id, 4);

      expect(filled).toBe(true);
      const creations = stack.emulators.cloudCockpit.calls.filter(
        (c) => c.method === 'POST' && c.path === '/v1/Customers',
      );
      expect(creations).toHaveLength(1);
      const posts = (name: 'experiencePlatform' | 'net3' | 'webex') =>
        stack.emulators[name].calls.filter((c) => c.method === 'POST').length;
      expect([posts('experiencePlatform'), posts('net3'), posts('webex')]).toEqual([1, 1, 1]);
      expect(responses.filter((r) => r.errors === undefined)).toHaveLength(1);
      for (const refused of responses.filter((r) => r.errors !== undefined)) {
        expect(refused.errors!.map((e) => e.extensions.code)).toEqual(['IN_PROGRESS']);
      }
      // What the retry that ran recorded stands: no step was marked failed or not started by one that lost.
      const read = await graphql<{ provisioning: Provisioning }>(
        stack.server.url,
        PROVISIONING,
        { id: provisioning!.id },
        { token: csp },
      );
      expect(read.data!.provisioning.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
        ['customer', 'SUCCEEDED', 2],
        [`providerInstance:${providerInstanceInput().providerInstanceId as string}`, 'SUCCEEDED', 1],
        ['experiencePlatform', 'IN_PROGRESS', 1],
        ['net3', 'SUCCEEDED', 1],
        ['wholesale', 'IN_PROGRESS', 1],
      ]);
    });
  });

  describe('after CloudCockpit was down', () => {
    let stack: TestStack;
    let cloudCockpit: SwitchableProxy;
    let csp: string;
    withSwitchableStack('cloudCockpit', (made) => ({ stack, proxy: cloudCockpit, csp } = made));

    it('runs every step once the customer can be created, each provider called once', async () => {
      cloudCockpit.up = false;
      const first = await graphql(stack.server.url, PROVISION, { input: provisionEverywhereInput() }, { token: csp });
      expect(first.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', provider: 'CLOUDCOCKPIT' });
      expect(callCounts(stack)).toEqual({ cloudCockpit: 0, experiencePlatform: 0, net3: 0, webex: 0 });

      // The mutation failed as a whole, but the ledger kept the provisioning: the caller finds it in the list.
      const listed = await graphql<{ provisionings: { totalCount: number; nodes: Provisioning[] } }>(
        stack.server.url,
        NEWEST_PROVISIONING,
        {},
        { token: csp },
      );
      expect(listed.data!.provisionings.totalCount).toBe(1);
      const [provisioning] = listed.data!.provisionings.nodes;
      expect(provisioning!.steps.every((s) => s.status === 'FAILED')).toBe(true);
      expect(stepNamed(provisioning!, 'customer')).toMatchObject({
        status: 'FAILED',
        failure: { code: 'UPSTREAM_ERROR' },
      });
      expect(stepNamed(provisioning!, 'net3')).toMatchObject({ status: 'FAILED', failure: { code: 'NOT_STARTED' } });

      cloudCockpit.up = true;
      const retried = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY,
        { id: provisioning!.id },
        { token: csp },
      );
      expect(retried.errors).toBeUndefined();
      const after = retried.data!.retryProvisioning;
      expect(after.steps.map((s) => [s.name, s.status])).toEqual([
        ['customer', 'SUCCEEDED'],
        [`providerInstance:${providerInstanceInput().providerInstanceId as string}`, 'SUCCEEDED'],
        ['experiencePlatform', 'IN_PROGRESS'],
        ['net3', 'SUCCEEDED'],
        ['wholesale', 'IN_PROGRESS'],
      ]);
      // The customer was created with the id the ledger made for it before the first attempt.
      const creations = stack.emulators.cloudCockpit.calls.filter(
        (c) => c.method === 'POST' && c.path === '/v1/Customers',
      );
      expect(creations).toHaveLength(1);
      expect(creations[0]!.body).toMatchObject({ id: provisioning!.customerId });
      const posts = (name: 'experiencePlatform' | 'net3' | 'webex') =>
        stack.emulators[name].calls.filter((c) => c.method === 'POST').length;
      expect([posts('experiencePlatform'), posts('net3'), posts('webex')]).toEqual([1, 1, 1]);
    });
  });

  describe('a standalone provisionNet3Customer without a customerId whose answer was lost', () => {
    let stack: TestStack;
    let net3: SwitchableProxy;
    let csp: string;
    withSwitchableStack('net3', (made) => ({ stack, proxy: net3, csp } = made));

    it('sends Net3 the same customerId again, so that Net3 has one customer, and records that id', async () => {
      net3.up = true;
      net3.answers = false;
      const first = await graphql(stack.server.url, PROVISION_NET3, { input: net3ProvisioningInput() }, { token: csp });
      expect(first.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        provider: 'NET3',
        httpStatus: null,
      });
      const provisioning = await newestProvisioning(stack, csp);
      expect(stepNamed(provisioning, 'provisionNet3Customer')).toMatchObject({ status: 'FAILED' });

      net3.answers = true;
      const retried = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY_WITH_IDS,
        { id: provisioning.id },
        { token: csp },
      );
      expect(retried.errors).toBeUndefined();
      const step = stepNamed(retried.data!.retryProvisioning, 'provisionNet3Customer');
      expect(step).toMatchObject({ status: 'SUCCEEDED', attempts: 2, failure: null });

      const posts = net3.exchanges.filter((e) => e.method === 'POST');
      const sentIds = posts.map((e) => (e.body as { customer: { customerId: string } }).customer.customerId);
      expect(sentIds).toHaveLength(2);
      expect(sentIds[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(sentIds[1]).toBe(sentIds[0]);
      // Net3 provisioned the first call and refused the repeat as the customer it already has.
      expect(posts.map((e) => e.status)).toEqual([200, 409]);
      expect(idsOf(step)).toEqual({ customerId: sentIds[0] });
    });

    it('looks before repeating a step that failed with our own trouble, which may have come after Net3 acted', async () => {
      net3.up = true;
      net3.answers = true;
      const customerId = `crm-${randomUUID()}`;
      // Net3 provisioned the customer; then this server failed (say, recording the answer): INTERNAL, outcome unknown.
      const made = await callEmulator(`${stack.emulators.net3.url}/provisioning/customer`, {
        headers: { authorization: `Bearer ${TEST_CREDENTIALS.net3.apiKey}` },
        body: {
          customer: { customerId, customerName: 'Contoso Pizza' },
          contacts: [{ firstName: 'Ana', lastName: 'Silva', email: 'ana@contoso.example', roles: ['Primary'] }],
        },
      });
      expect(made.status).toBe(200);
      const { sub, tenant } = JSON.parse(Buffer.from(csp.split('.')[1]!, 'base64url').toString()) as {
        sub: string;
        tenant: string;
      };
      const id = randomUUID();
      const step = 'provisionNet3Customer';
      // Recorded as the resolver receives it: enum values already mapped to the wire's (`Primary`).
      const input = {
        customer: { customerId, customerName: 'Contoso Pizza' },
        contacts: [{ firstName: 'Ana', lastName: 'Silva', email: 'ana@contoso.example', roles: ['Primary'] }],
        requesterIP: '127.0.0.1',
        requestCreated: new Date().toISOString(),
      };
      const lease = await stack.ledger.beginOperation(
        {
          id,
          tenant,
          caller: { subject: sub, tenant, roles: ['csp'], resellerId: null },
          kind: step,
          customerId: null,
          request: {},
          correlationId: randomUUID(),
        },
        [{ step, provider: 'NET3', position: 0, input }],
      );
      const failure = {
        provider: 'NET3' as const,
        httpStatus: null,
        code: 'INTERNAL_SERVER_ERROR',
        message: 'Unexpected error',
        correlationId: randomUUID(),
        retryAfterSeconds: null,
        fieldErrors: [],
      };
      // Our own trouble after the call was sent: whether Net3 acted is unknown.
      expect(await stack.ledger.failStep(id, step, lease, failure, true)).toBe(true);

      const retried = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY_WITH_IDS,
        { id },
        { token: csp },
      );
      expect(retried.errors).toBeUndefined();
      // The repeat is recognised (409) as the customer Net3 already has, not reported as a conflict.
      expect(stepNamed(retried.data!.retryProvisioning, step)).toMatchObject({ status: 'SUCCEEDED', failure: null });
      expect(idsOf(stepNamed(retried.data!.retryProvisioning, step)!)).toEqual({ customerId });
    });

    it('does not take another tenant’s Net3 customer for its own: the 409 stays a conflict', async () => {
      net3.up = true;
      net3.answers = true;
      const customerId = `crm-${randomUUID()}`;
      const otherTenant = await signToken({ tenant: `other-${randomUUID().slice(0, 8)}.example` });
      const theirs = await graphql(
        stack.server.url,
        PROVISION_NET3,
        { input: net3ProvisioningInput({ customerId }) },
        { token: otherTenant },
      );
      expect(theirs.errors).toBeUndefined();

      // The same customerId from this tenant: Net3 refused it (409), but the answer was lost.
      net3.answers = false;
      await graphql(stack.server.url, PROVISION_NET3, { input: net3ProvisioningInput({ customerId }) }, { token: csp });
      net3.answers = true;
      const provisioning = await newestProvisioning(stack, csp);
      const retried = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY_WITH_IDS,
        { id: provisioning.id },
        { token: csp },
      );
      expect(retried.errors).toBeUndefined();
      const step = stepNamed(retried.data!.retryProvisioning, 'provisionNet3Customer');
      expect(step).toMatchObject({ status: 'FAILED', failure: { code: 'CONFLICT', httpStatus: 409 } });
      expect(idsOf(step)).toEqual({});
    });
  });

  describe('an Adobe provisioning whose answer was lost', () => {
    let stack: TestStack;
    let adobe: SwitchableProxy;
    let csp: string;
    withSwitchableStack('experiencePlatform', (made) => ({ stack, proxy: adobe, csp } = made));

    /** The requests Adobe accepted (and so stored) for this organization. */
    const acceptedFor = (imsOrgId: string) =>
      adobe.exchanges.filter(
        (e) =>
          e.method === 'POST' &&
          e.status === 200 &&
          (e.body as { customer: { imsOrgId: string } }).customer.imsOrgId === imsOrgId,
      );

    /** The organization's latest stored request, asked of the emulator itself. */
    async function latestRequestIdAtAdobe(imsOrgId: string): Promise<string> {
      const { token, imsAuthorization } = TEST_CREDENTIALS.experiencePlatform;
      const reply = await callEmulator<{ request: { id: string } }>(
        `${stack.emulators.experiencePlatform.url}/provisioning/status`,
        {
          headers: {
            authorization: `Bearer ${token}`,
            'x-gw-ims-authorization': `Bearer ${imsAuthorization}`,
            'x-gw-ims-org-id': imsOrgId,
          },
        },
      );
      expect(reply.status).toBe(200);
      return reply.json.request.id;
    }

    async function provisionAdobe(input: Record<string, unknown>, reprovision?: boolean) {
      return graphql<{ provisionExperiencePlatform: { storedRequest: { id: string } } }>(
        stack.server.url,
        PROVISION_ADOBE,
        { input, ...(reprovision === undefined ? {} : { reprovision }) },
        { token: csp },
      );
    }

    async function retry(id: string): Promise<Provisioning> {
      const retried = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY_WITH_IDS,
        { id },
        { token: csp },
      );
      expect(retried.errors).toBeUndefined();
      return retried.data!.retryProvisioning;
    }

    it('with reprovision: true, records the request Adobe stored instead of provisioning again', async () => {
      adobe.up = true;
      adobe.answers = true;
      const input = experiencePlatformInput();
      const imsOrgId = (input.customer as { imsOrgId: string }).imsOrgId;
      // Provisioned once already: reprovision is how it is provisioned again.
      const earlier = await provisionAdobe(input);
      expect(earlier.errors).toBeUndefined();

      adobe.answers = false;
      const lost = await provisionAdobe(input, true);
      expect(lost.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        provider: 'EXPERIENCE_PLATFORM',
        httpStatus: null,
      });
      expect(acceptedFor(imsOrgId)).toHaveLength(2);
      const lostRequestId = await latestRequestIdAtAdobe(imsOrgId);
      expect(lostRequestId).not.toBe(earlier.data!.provisionExperiencePlatform.storedRequest.id);
      const provisioning = await newestProvisioning(stack, csp);

      adobe.answers = true;
      const step = stepNamed(await retry(provisioning.id), 'provisionExperiencePlatform');
      // Adobe stored the lost request once: the retry found it rather than storing another.
      expect(acceptedFor(imsOrgId)).toHaveLength(2);
      // Recorded with the id the worker follows it by (pollRequired), as if the answer had arrived.
      expect(step).toMatchObject({ status: 'IN_PROGRESS', failure: null });
      expect(idsOf(step)).toEqual({ storedRequestId: lostRequestId, imsOrgId });
    });

    it('without reprovision, records the request Adobe stored, so that it is followed', async () => {
      adobe.up = true;
      adobe.answers = false;
      const input = experiencePlatformInput();
      const imsOrgId = (input.customer as { imsOrgId: string }).imsOrgId;
      const lost = await provisionAdobe(input);
      expect(lost.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', httpStatus: null });
      const provisioning = await newestProvisioning(stack, csp);

      adobe.answers = true;
      const step = stepNamed(await retry(provisioning.id), 'provisionExperiencePlatform');
      expect(acceptedFor(imsOrgId)).toHaveLength(1);
      expect(step).toMatchObject({ status: 'IN_PROGRESS', failure: null });
      expect(idsOf(step)).toEqual({ storedRequestId: await latestRequestIdAtAdobe(imsOrgId), imsOrgId });
    });

    it('provisions again when the lost call never reached Adobe, not taking an earlier request for it', async () => {
      adobe.up = true;
      adobe.answers = true;
      const input = experiencePlatformInput();
      const imsOrgId = (input.customer as { imsOrgId: string }).imsOrgId;
      const earlier = await provisionAdobe(input);
      const earlierId = earlier.data!.provisionExperiencePlatform.storedRequest.id;

      // Adobe cannot be reached: whether the call got through is unknown to the API, so the retry looks first.
      adobe.up = false;
      const unreachable = await provisionAdobe(input, true);
      expect(unreachable.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', httpStatus: null });
      const provisioning = await newestProvisioning(stack, csp);

      adobe.up = true;
      const step = stepNamed(await retry(provisioning.id), 'provisionExperiencePlatform');
      // The organization's latest request is the earlier provisioning's, which the ledger already records.
      expect(acceptedFor(imsOrgId)).toHaveLength(2);
      const newId = await latestRequestIdAtAdobe(imsOrgId);
      expect(newId).not.toBe(earlierId);
      expect(step).toMatchObject({ status: 'IN_PROGRESS' });
      expect(idsOf(step)).toEqual({ storedRequestId: newId, imsOrgId });
    });

    it('in provisionCustomer with reprovision: true, records the request Adobe stored instead of provisioning again', async () => {
      adobe.up = true;
      adobe.answers = false;
      const input = provisionEverywhereInput();
      const section: Record<string, unknown> = {
        ...(input.experiencePlatform as Record<string, unknown>),
        reprovision: true,
      };
      const first = await graphql<{ provisionCustomer: { provisioning: Provisioning } }>(
        stack.server.url,
        PROVISION,
        { input: { ...input, experiencePlatform: section } },
        { token: csp },
      );
      const { provisioning } = first.data!.provisionCustomer;
      expect(stepNamed(provisioning, 'experiencePlatform')).toMatchObject({
        status: 'FAILED',
        failure: { code: 'UPSTREAM_ERROR' },
      });
      const imsOrgId = section.imsOrgId as string;
      expect(acceptedFor(imsOrgId)).toHaveLength(1);

      adobe.answers = true;
      const step = stepNamed(await retry(provisioning.id), 'experiencePlatform');
      expect(acceptedFor(imsOrgId)).toHaveLength(1);
      expect(step).toMatchObject({ status: 'IN_PROGRESS', failure: null });
      expect(idsOf(step)).toEqual({ storedRequestId: await latestRequestIdAtAdobe(imsOrgId), imsOrgId });
    });
  });

  describe('a standalone provisionWholesaleCustomer whose answer was lost', () => {
    let stack: TestStack;
    let webex: SwitchableProxy;
    let csp: string;
    withSwitchableStack('webex', (made) => ({ stack, proxy: webex, csp } = made));

    async function provisionLost(input: Record<string, unknown>): Promise<Provisioning> {
      webex.up = true;
      webex.answers = false;
      const lost = await graphql(stack.server.url, PROVISION_WEBEX, { input }, { token: csp });
      expect(lost.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        provider: 'WEBEX_WHOLESALE',
        httpStatus: null,
      });
      webex.answers = true;
      return newestProvisioning(stack, csp);
    }

    async function retry(id: string): Promise<Step> {
      const retried = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY_WITH_IDS,
        { id },
        { token: csp },
      );
      expect(retried.errors).toBeUndefined();
      return stepNamed(retried.data!.retryProvisioning, 'provisionWholesaleCustomer')!;
    }

    const readAs = async (token: string, id: string) =>
      (await graphql<{ wholesaleCustomer: { id: string } | null }>(stack.server.url, WEBEX_CUSTOMER, { id }, { token }))
        .data!.wholesaleCustomer;

    it('records the customer its own call made', async () => {
      const input = wholesaleCustomerInput();
      const provisioning = await provisionLost(input);
      const step = await retry(provisioning.id);
      expect(step).toMatchObject({ status: 'SUCCEEDED', failure: null });
      const { id } = idsOf(step);
      expect(id).toEqual(expect.any(String));
      expect(await readAs(csp, id!)).toEqual({ id, externalId: input.externalId });
      expect(webex.exchanges.filter((e) => e.method === 'POST' && e.status === 202)).toHaveLength(1);
    });

    it('does not take over another tenant’s customer with the same externalId, and fails as a conflict', async () => {
      webex.up = true;
      webex.answers = true;
      const input = wholesaleCustomerInput();
      const otherTenant = await signToken({ tenant: `other-${randomUUID().slice(0, 8)}.example` });
      const theirs = await graphql<{ provisionWholesaleCustomer: { id: string } }>(
        stack.server.url,
        PROVISION_WEBEX,
        { input },
        { token: otherTenant },
      );
      expect(theirs.errors).toBeUndefined();
      const theirId = theirs.data!.provisionWholesaleCustomer.id;

      // The same request from this tenant: Webex refused it (409, externalId taken), but the answer was lost.
      const provisioning = await provisionLost(input);
      const step = await retry(provisioning.id);
      expect(step).toMatchObject({ status: 'FAILED', failure: { code: 'CONFLICT', httpStatus: null } });
      expect(JSON.stringify(step.failure)).not.toContain(theirId);
      expect(idsOf(step)).toEqual({});
      // Still only the other tenant's to read.
      expect(await readAs(csp, theirId)).toBeNull();
      expect(await readAs(otherTenant, theirId)).toMatchObject({ id: theirId });
    });

    it('does not take over a customer Webex has for the externalId that is not what was asked for', async () => {
      const input = wholesaleCustomerInput();
      // Made at Webex by someone else, not through this API: no ledger records it.
      const made = await callEmulator(`${stack.emulators.webex.url}/v1/wholesale/customers`, {
        headers: { authorization: `Bearer ${TEST_CREDENTIALS.webex.token}` },
        body: {
          provisioningId: input.provisioningId,
          packages: ['webex_meetings'],
          externalId: input.externalId,
          address: { addressLine1: '1 Other Street', city: 'Porto', country: 'PT' },
          customerInfo: { name: 'Someone Else', primaryEmail: 'someone@else.example' },
        },
      });
      expect(made.status).toBe(202);
      const provisioning = await provisionLost(input);
      const step = await retry(provisioning.id);
      expect(step).toMatchObject({ status: 'FAILED', failure: { code: 'CONFLICT' } });
      expect(idsOf(step)).toEqual({});
    });
  });

  describe('a provisionWholesaleCustomer whose answer was lost, and whose provisioning Webex failed', () => {
    let stack: TestStack;
    let webex: SwitchableProxy;
    let csp: string;
    withSwitchableStack('webex', (made) => ({ stack, proxy: webex, csp } = made), {
      webexFailingPackages: ['webex_calling', 'webex_meetings'],
    });

    it('records the step as FAILED, as following it would, not as a success', async () => {
      webex.up = true;
      webex.answers = false;
      const lost = await graphql(
        stack.server.url,
        PROVISION_WEBEX,
        { input: wholesaleCustomerInput() },
        { token: csp },
      );
      expect(lost.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', httpStatus: null });
      webex.answers = true;
      const provisioning = await newestProvisioning(stack, csp);

      const retried = await graphql<{ retryProvisioning: Provisioning }>(
        stack.server.url,
        RETRY_WITH_IDS,
        { id: provisioning.id },
        { token: csp },
      );
      expect(retried.errors).toBeUndefined();
      const step = stepNamed(retried.data!.retryProvisioning, 'provisionWholesaleCustomer');
      expect(step).toMatchObject({
        status: 'FAILED',
        failure: { httpStatus: null, message: 'Webex Wholesale could not provision the customer' },
      });
      expect(webex.exchanges.filter((e) => e.method === 'POST')).toHaveLength(1);
    });
  });
});
