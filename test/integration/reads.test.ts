import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/ledger/database.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import { testBackends, type TestBackend, type TestDatabase } from '../support/databases.js';
import { customerInput, providerInstanceInput, provisionEverywhereInput } from '../support/fixtures.js';
import { leaseStepAsTheWorker } from '../support/leases.js';
import { startRecordingServer, type RecordingServer } from '../support/recording-server.js';
import { graphql, signToken, startTestStack, type TestStack } from '../support/stack.js';

/** Nothing listens on the discard port: a provider sent there cannot be reached. */
const CLOSED_PORT = 'http://127.0.0.1:9';

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id }
    wholesale { __typename ... on WholesaleCustomer { id } }
    failures { provider code }
    provisioning { id status }
  }
}`;

const CUSTOMER_WITH_LEDGER = `query Customer($id: ID!) {
  customer(id: $id) {
    id companyName source
    experiencePlatform { storedRequest { id } entitlement { name sku } connectionString }
    net3 { customer { customerId localId customerName } }
    wholesale { id externalId status orgId }
    entitlements { __typename provider name }
    provisionings {
      id status kind customerId correlationId createdAt updatedAt
      steps { name provider status attempts upstreamIds { name value } correlationId startedAt finishedAt failure { code } }
    }
  }
}`;

const WHOLESALE_OF_CUSTOMER = `query Wholesale($id: ID!) { customer(id: $id) { wholesale { status orgId } } }`;

const PROVISIONINGS = `query Provisionings($first: Int, $after: String, $status: ProvisioningStatus) {
  provisionings(first: $first, after: $after, status: $status) {
    totalCount
    edges { cursor node { id customerId status } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;
const PROVISIONING = `query Provisioning($id: ID!) { provisioning(id: $id) { id customerId status steps { name status } } }`;
const RETRY = `mutation Retry($id: ID!) { retryProvisioning(id: $id) { id status } }`;

const CUSTOMERS_WITH_LEDGER = `query Customers($first: Int, $search: String) {
  customers(first: $first, search: $search) {
    source totalCount
    pageInfo { hasNextPage }
    nodes {
      id companyName resellerId source
      experiencePlatform { entitlement { name } }
      net3 { customer { customerId } }
      wholesale { status }
      entitlements { provider name }
      provisionings { id status steps { name status } }
    }
  }
}`;

/** A tenant of its own, so that every list a test reads holds only what that test made. */
const freshTenant = () => `reads-${randomUUID().slice(0, 8)}.example`;

interface Provisioned {
  customerId: string;
  provisioningId: string;
  webexId: string | undefined;
  correlationId: string;
}

async function provision(url: string, token: string, input: Record<string, unknown>): Promise<Provisioned> {
  const response = await graphql<{
    provisionCustomer: {
      customer: { id: string };
      wholesale: { id?: string } | null;
      failures: unknown[];
      provisioning: { id: string };
    };
  }>(url, PROVISION, { input }, { token });
  expect(response.errors).toBeUndefined();
  const payload = response.data!.provisionCustomer;
  expect(payload.failures).toEqual([]);
  return {
    customerId: payload.customer.id,
    provisioningId: payload.provisioning.id,
    webexId: payload.wholesale?.id,
    correlationId: response.extensions!.correlationId as string,
  };
}

/** The ledger on a fresh database of `backend`, counting the statements it sends. */
async function countingLedger(
  backend: TestBackend,
): Promise<{ ledger: Ledger; statements: string[]; testDatabase: TestDatabase }> {
  const testDatabase = await backend.create();
  await migrate(testDatabase.database);
  const statements: string[] = [];
  const counted: Database = {
    ...testDatabase.database,
    query: (sql, params) => {
      statements.push(sql);
      return testDatabase.database.query(sql, params);
    },
  };
  return { ledger: new Ledger(counted, { owner: `reads-test-${randomUUID().slice(0, 8)}` }), statements, testDatabase };
}

/** Reads of provisioning tables, the statements a page of customers with ledger fields costs. */
const ledgerReads = (statements: string[]) =>
  statements.filter((sql) => /^\s*SELECT\b[\s\S]*\bprovisioning_/i.test(sql));

/** Finishes the Webex step as the background worker does once Webex reports a final status. */
async function recordWebexFinished(ledger: Ledger, provisioningId: string, status: string): Promise<void> {
  const [step] = (await ledger.stepsOf([provisioningId])).filter((s) => s.step === 'wholesale');
  expect(step?.status).toBe('IN_PROGRESS');
  const lease = await leaseStepAsTheWorker(ledger.database, provisioningId, 'wholesale');
  await ledger.completeStep(provisioningId, 'wholesale', lease, {
    status: 'SUCCEEDED',
    result: { ...(step!.result as object), status, orgId: 'org-from-the-worker' },
    upstreamIds: step!.upstreamIds,
  });
}

describe.each(testBackends)('reads across providers, ledger on $name', (backend) => {
  let stack: TestStack;
  let ledger: Ledger;
  let statements: string[];
  let testDatabase: TestDatabase;

  beforeAll(async () => {
    ({ ledger, statements, testDatabase } = await countingLedger(backend));
    stack = await startTestStack({ ledger });
  });
  afterAll(async () => {
    await stack.close();
    await testDatabase.drop();
  });

  it('joins each provider’s part and the provisionings into the customer, from the ledger', async () => {
    const csp = await signToken({ tenant: freshTenant() });
    const { customerId, provisioningId, correlationId } = await provision(
      stack.server.url,
      csp,
      provisionEverywhereInput(),
    );

    const response = await graphql<{
      customer: Record<string, unknown> & { provisionings: Record<string, unknown>[] };
    }>(stack.server.url, CUSTOMER_WITH_LEDGER, { id: customerId }, { token: csp });
    expect(response.errors).toBeUndefined();
    const customer = response.data!.customer;
    expect(customer).toMatchObject({
      id: customerId,
      source: 'CLOUDCOCKPIT',
      experiencePlatform: {
        storedRequest: { id: expect.any(String) },
        entitlement: { name: 'rtcdp-prime', sku: '65304520CA01A12' },
      },
      net3: { customer: { customerId, localId: expect.any(String), customerName: 'Contoso Pizza' } },
      wholesale: { externalId: customerId },
      entitlements: [
        { __typename: 'ExperiencePlatformEntitlement', provider: 'EXPERIENCE_PLATFORM', name: 'rtcdp-prime' },
        { __typename: 'WholesalePackage', provider: 'WEBEX_WHOLESALE', name: 'webex_calling' },
        { __typename: 'WholesalePackage', provider: 'WEBEX_WHOLESALE', name: 'webex_meetings' },
      ],
    });
    // The ledger never held Adobe's secret, so its copy has none to show.
    expect((customer.experiencePlatform as Record<string, unknown>).connectionString).toBeNull();

    expect(customer.provisionings).toEqual([
      {
        id: provisioningId,
        status: expect.any(String),
        kind: 'provisionCustomer',
        customerId,
        correlationId,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        steps: expect.any(Array),
      },
    ]);
    const steps = customer.provisionings[0]!.steps as Record<string, unknown>[];
    const stepNamed = (name: string) => steps.find((s) => s.name === name);
    expect(steps.map((s) => s.name)).toEqual([
      'customer',
      `providerInstance:${providerInstanceInput().providerInstanceId as string}`,
      'experiencePlatform',
      'net3',
      'wholesale',
    ]);
    expect(stepNamed('customer')).toEqual({
      name: 'customer',
      provider: 'CLOUDCOCKPIT',
      status: 'SUCCEEDED',
      attempts: 1,
      upstreamIds: [{ name: 'customerId', value: customerId }],
      correlationId,
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      failure: null,
    });
    expect(stepNamed('net3')).toMatchObject({ provider: 'NET3', status: 'SUCCEEDED' });
    expect(stepNamed('experiencePlatform')).toMatchObject({
      provider: 'EXPERIENCE_PLATFORM',
      status: 'IN_PROGRESS',
      finishedAt: null,
    });
    expect(stepNamed('wholesale')).toMatchObject({
      provider: 'WEBEX_WHOLESALE',
      status: 'IN_PROGRESS',
      upstreamIds: expect.arrayContaining([{ name: 'externalId', value: customerId }]),
    });
  });

  it('shows a Webex customer the ledger still has in progress as Webex has it now, and a finished one from the ledger alone', async () => {
    const csp = await signToken({ tenant: freshTenant() });
    const { customerId, provisioningId, webexId } = await provision(stack.server.url, csp, provisionEverywhereInput());
    const webexReads = () =>
      stack.emulators.webex.calls.filter((c) => c.method === 'GET' && c.path.includes(webexId!)).length;

    // The ledger holds Webex's first answer (`provisioning`); the embedded Webex has finished since.
    const live = await graphql<{ customer: { wholesale: { status: string } } }>(
      stack.server.url,
      WHOLESALE_OF_CUSTOMER,
      { id: customerId },
      { token: csp },
    );
    expect(live.data!.customer.wholesale.status).toBe('PROVISIONED');
    expect(webexReads()).toBe(1);

    // Once the worker recorded a final status, the customer shows it without anyone asking Webex again.
    await recordWebexFinished(ledger, provisioningId, 'provisioned_with_errors');
    const recorded = await graphql<{ customer: { wholesale: { status: string; orgId: string } } }>(
      stack.server.url,
      WHOLESALE_OF_CUSTOMER,
      { id: customerId },
      { token: csp },
    );
    expect(recorded.data!.customer.wholesale).toEqual({
      status: 'PROVISIONED_WITH_ERRORS',
      orgId: 'org-from-the-worker',
    });
    expect(webexReads()).toBe(1);
  });

  it('lists a page of customers with their ledger fields in a fixed number of ledger reads, whatever its size', async () => {
    const csp = await signToken({ tenant: freshTenant() });
    const provisioned: Provisioned[] = [];
    for (const name of ['Alpha', 'Bravo', 'Charlie', 'Delta']) {
      provisioned.push(
        await provision(
          stack.server.url,
          csp,
          provisionEverywhereInput({ customer: customerInput({ companyName: `${name} Pizza` }) }),
        ),
      );
    }
    for (const { provisioningId } of provisioned) await recordWebexFinished(ledger, provisioningId, 'provisioned');

    const readPage = async (first: number) => {
      statements.length = 0;
      for (const emulator of Object.values(stack.emulators)) emulator.calls.length = 0;
      const response = await graphql<{ customers: { nodes: Record<string, unknown>[] } }>(
        stack.server.url,
        CUSTOMERS_WITH_LEDGER,
        { first },
        { token: csp },
      );
      expect(response.errors).toBeUndefined();
      return {
        nodes: response.data!.customers.nodes,
        ledgerReads: ledgerReads(statements).length,
        upstreamCalls: Object.fromEntries(
          Object.entries(stack.emulators).map(([name, emulator]) => [name, emulator.calls.length]),
        ),
      };
    };

    const one = await readPage(1);
    const all = await readPage(4);

    expect(all.nodes).toHaveLength(4);
    all.nodes.forEach((node, i) => {
      expect(node).toMatchObject({
        id: provisioned[i]!.customerId,
        experiencePlatform: { entitlement: { name: 'rtcdp-prime' } },
        net3: { customer: { customerId: provisioned[i]!.customerId } },
        wholesale: { status: 'PROVISIONED' },
        entitlements: expect.arrayContaining([{ provider: 'WEBEX_WHOLESALE', name: 'webex_meetings' }]),
        // Adobe finishes later: the provisioning waits on it.
        provisionings: [
          {
            id: provisioned[i]!.provisioningId,
            status: 'WAITING',
            steps: expect.arrayContaining([{ name: 'net3', status: 'SUCCEEDED' }]),
          },
        ],
      });
    });
    // The current steps of the page's customers, their provisionings, and those provisionings' steps: one read each.
    expect(all.ledgerReads).toBe(3);
    expect(one.ledgerReads).toBe(all.ledgerReads);
    // One CloudCockpit list; every provider field comes from the ledger.
    expect(all.upstreamCalls).toEqual({ cloudCockpit: 1, experiencePlatform: 0, net3: 0, webex: 0 });
  });

  describe('provisionings: the ledger, scoped to the tenant and the reseller', () => {
    const tenant = freshTenant();
    const reseller1 = randomUUID();
    const reseller2 = randomUUID();
    let csp: string;
    let mine: Provisioned;
    let forReseller1: Provisioned;
    let byReseller1: Provisioned;
    let byReseller2: Provisioned;
    const tokenOfReseller = (resellerId: string) => signToken({ tenant, roles: ['reseller'], resellerId });

    beforeAll(async () => {
      csp = await signToken({ tenant });
      const url = stack.server.url;
      mine = await provision(url, csp, { customer: customerInput({ companyName: 'Direct' }) });
      forReseller1 = await provision(url, csp, {
        customer: customerInput({ companyName: 'Sold by reseller 1', resellerId: reseller1 }),
      });
      byReseller1 = await provision(url, await tokenOfReseller(reseller1), {
        customer: customerInput({ companyName: 'Reseller 1 own' }),
      });
      byReseller2 = await provision(url, await tokenOfReseller(reseller2), {
        customer: customerInput({ companyName: 'Reseller 2 own' }),
      });
    });

    type Page = {
      provisionings: {
        totalCount: number;
        edges: { cursor: string; node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const idsOf = (page: Page) => page.provisionings.edges.map((e) => e.node.id);

    it('lists every provisioning of the tenant to its CSP, newest first, a page at a time', async () => {
      const first = await graphql<Page>(stack.server.url, PROVISIONINGS, { first: 3 }, { token: csp });
      expect(first.errors).toBeUndefined();
      expect(first.data!.provisionings.totalCount).toBe(4);
      expect(idsOf(first.data!)).toEqual([byReseller2, byReseller1, forReseller1].map((p) => p.provisioningId));
      expect(first.data!.provisionings.pageInfo.hasNextPage).toBe(true);

      const rest = await graphql<Page>(
        stack.server.url,
        PROVISIONINGS,
        { first: 3, after: first.data!.provisionings.pageInfo.endCursor },
        { token: csp },
      );
      expect(idsOf(rest.data!)).toEqual([mine.provisioningId]);
      expect(rest.data!.provisionings.pageInfo.hasNextPage).toBe(false);

      const failed = await graphql<Page>(stack.server.url, PROVISIONINGS, { status: 'FAILED' }, { token: csp });
      expect(failed.data!.provisionings.totalCount).toBe(0);
      const succeeded = await graphql<Page>(stack.server.url, PROVISIONINGS, { status: 'SUCCEEDED' }, { token: csp });
      expect(succeeded.data!.provisionings.totalCount).toBe(4);
    });

    it('shows a reseller only the provisionings it asked for and those of its customers', async () => {
      const reseller = await tokenOfReseller(reseller1);
      const page = await graphql<Page>(stack.server.url, PROVISIONINGS, {}, { token: reseller });
      expect(page.errors).toBeUndefined();
      expect(idsOf(page.data!)).toEqual([byReseller1.provisioningId, forReseller1.provisioningId]);
      expect(page.data!.provisionings.totalCount).toBe(2);

      const own = await graphql<{ provisioning: { id: string } | null }>(
        stack.server.url,
        PROVISIONING,
        { id: forReseller1.provisioningId },
        { token: reseller },
      );
      expect(own.data!.provisioning).toMatchObject({ id: forReseller1.provisioningId, status: 'SUCCEEDED' });
      for (const other of [mine, byReseller2]) {
        const read = await graphql(stack.server.url, PROVISIONING, { id: other.provisioningId }, { token: reseller });
        expect(read.data).toEqual({ provisioning: null });
        const retry = await graphql(stack.server.url, RETRY, { id: other.provisioningId }, { token: reseller });
        expect(retry.errors![0]!.extensions.code).toBe('NOT_FOUND');
      }

      const customer = await graphql<{ customer: { provisionings: { id: string }[] } }>(
        stack.server.url,
        CUSTOMER_WITH_LEDGER,
        { id: forReseller1.customerId },
        { token: reseller },
      );
      expect(customer.data!.customer.provisionings.map((p) => p.id)).toEqual([forReseller1.provisioningId]);
    });

    it('shows another tenant none of them', async () => {
      const stranger = await signToken({ tenant: freshTenant() });
      const page = await graphql<Page>(stack.server.url, PROVISIONINGS, {}, { token: stranger });
      expect(page.data!.provisionings).toMatchObject({ totalCount: 0, edges: [] });
      const read = await graphql(stack.server.url, PROVISIONING, { id: mine.provisioningId }, { token: stranger });
      expect(read.data).toEqual({ provisioning: null });
      const retry = await graphql(stack.server.url, RETRY, { id: mine.provisioningId }, { token: stranger });
      expect(retry.errors![0]!.extensions.code).toBe('NOT_FOUND');
    });

    it('names no provisioning with an id that is not a UUID', async () => {
      const read = await graphql(stack.server.url, PROVISIONING, { id: 'not-a-uuid' }, { token: csp });
      expect(read.errors).toBeUndefined();
      expect(read.data).toEqual({ provisioning: null });
    });

    it('refuses a page size out of range and a cursor of another list', async () => {
      const tooMany = await graphql(stack.server.url, PROVISIONINGS, { first: 101 }, { token: csp });
      expect(tooMany.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: [{ path: ['first'] }],
      });
      const customerCursor = Buffer.from('customer:0', 'utf8').toString('base64url');
      const foreign = await graphql(stack.server.url, PROVISIONINGS, { after: customerCursor }, { token: csp });
      expect(foreign.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: [{ path: ['after'] }],
      });
    });
  });
});

describe.each(testBackends)('customers while CloudCockpit is unreachable, ledger on $name', (backend) => {
  const tenant = freshTenant();
  const resellerId = randomUUID();
  let testDatabase: TestDatabase;
  let ledger: Ledger;
  let working: TestStack;
  let csp: string;
  let reseller: string;
  let pizza: Provisioned;
  let bikes: Provisioned;
  let createdDirectly: string;
  let elsewhere: Provisioned;

  beforeAll(async () => {
    testDatabase = await backend.create();
    await migrate(testDatabase.database);
    ledger = new Ledger(testDatabase.database, { owner: 'reads-test' });
    working = await startTestStack({ ledger });
    csp = await signToken({ tenant });
    reseller = await signToken({ tenant, roles: ['reseller'], resellerId });
    pizza = await provision(
      working.server.url,
      csp,
      provisionEverywhereInput({ customer: customerInput({ companyName: 'Contoso Pizza' }) }),
    );
    bikes = await provision(working.server.url, reseller, {
      customer: customerInput({ companyName: 'Fabrikam Bikes', email: 'joe@fabrikam.example' }),
    });
    elsewhere = await provision(working.server.url, await signToken({ tenant: freshTenant() }), {
      customer: customerInput(),
    });
    const created = await graphql<{ createCustomer: { id: string } }>(
      working.server.url,
      'mutation Create($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }',
      { input: customerInput({ companyName: 'Created with createCustomer' }) },
      { token: csp },
    );
    createdDirectly = created.data!.createCustomer.id;
  });
  afterAll(async () => {
    await working.close();
    await testDatabase.drop();
  });

  describe('with no answer from CloudCockpit (nor Webex)', () => {
    let down: TestStack;

    beforeAll(async () => {
      // Another server on the same ledger, whose CloudCockpit and Webex cannot be reached (and whose circuits stay
      // closed, so that every read here finds them unreachable: the open circuit has a test of its own below).
      down = await startTestStack({
        ledger,
        urls: { cloudCockpit: CLOSED_PORT, webex: CLOSED_PORT },
        policy: { breakerThreshold: 1_000, baseDelayMs: 10 },
      });
    });
    afterAll(() => down.close());

    type Customers = { customers: { source: string; totalCount: number; nodes: Record<string, unknown>[] } };

    it('lists the customers the tenant provisioned, from the ledger, and says so', async () => {
      const response = await graphql<Customers>(down.server.url, CUSTOMERS_WITH_LEDGER, { first: 10 }, { token: csp });
      expect(response.errors).toBeUndefined();
      const { customers } = response.data!;
      // createCustomer is a provisioning too, recorded like provisionCustomer.
      expect(customers).toMatchObject({ source: 'LEDGER', totalCount: 3 });
      expect(customers.nodes).toEqual([
        expect.objectContaining({
          id: pizza.customerId,
          companyName: 'Contoso Pizza',
          resellerId: null,
          source: 'LEDGER',
          net3: { customer: { customerId: pizza.customerId } },
          // Webex cannot be asked either: the ledger's copy is what is known.
          wholesale: { status: 'PROVISIONING' },
          provisionings: [expect.objectContaining({ id: pizza.provisioningId })],
        }),
        expect.objectContaining({ id: bikes.customerId, companyName: 'Fabrikam Bikes', resellerId, source: 'LEDGER' }),
        expect.objectContaining({ id: createdDirectly, companyName: 'Created with createCustomer', source: 'LEDGER' }),
      ]);
    });

    it('searches the fields CloudCockpit searches', async () => {
      const byEmail = await graphql<Customers>(
        down.server.url,
        CUSTOMERS_WITH_LEDGER,
        { search: 'FABRIKAM.example' },
        { token: csp },
      );
      expect(byEmail.data!.customers.nodes.map((n) => n.id)).toEqual([bikes.customerId]);
      // No match in the ledger is no proof CloudCockpit has none: the outage is reported rather than an empty list.
      const none = await graphql<Customers>(
        down.server.url,
        CUSTOMERS_WITH_LEDGER,
        { search: 'Lisboa' },
        { token: csp },
      );
      expect(none.data).toBeNull();
      expect(none.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        provider: 'CLOUDCOCKPIT',
        httpStatus: null,
      });
    });

    it('lists a reseller only its own customers', async () => {
      const response = await graphql<Customers>(down.server.url, CUSTOMERS_WITH_LEDGER, {}, { token: reseller });
      expect(response.data!.customers.nodes.map((n) => n.id)).toEqual([bikes.customerId]);
    });

    it('reads one provisioned customer from the ledger; one the ledger does not know stays an error', async () => {
      const known = await graphql<{ customer: Record<string, unknown> }>(
        down.server.url,
        CUSTOMER_WITH_LEDGER,
        { id: pizza.customerId },
        { token: csp },
      );
      expect(known.errors).toBeUndefined();
      expect(known.data!.customer).toMatchObject({
        id: pizza.customerId,
        source: 'LEDGER',
        companyName: 'Contoso Pizza',
      });

      const hidden = await graphql(
        down.server.url,
        CUSTOMER_WITH_LEDGER,
        { id: pizza.customerId },
        { token: reseller },
      );
      expect(hidden.data).toEqual({ customer: null });

      // Neither a customer the ledger never saw, nor another tenant's, may be claimed missing.
      for (const id of [randomUUID(), elsewhere.customerId]) {
        const unknown = await graphql(down.server.url, CUSTOMER_WITH_LEDGER, { id }, { token: csp });
        expect(unknown.data).toEqual({ customer: null });
        expect(unknown.errors![0]!.extensions).toMatchObject({
          code: 'UPSTREAM_ERROR',
          provider: 'CLOUDCOCKPIT',
          httpStatus: null,
        });
      }
    });
  });

  describe('with CloudCockpit answering an error', () => {
    let cloudCockpit: RecordingServer;
    let status = 503;
    let erring: TestStack;

    beforeAll(async () => {
      cloudCockpit = await startRecordingServer(() => ({ status, body: { statusCode: status, message: 'failure' } }));
      erring = await startTestStack({ ledger, urls: { cloudCockpit: cloudCockpit.url } });
    });
    afterAll(async () => {
      await erring.close();
      await cloudCockpit.close();
    });

    it('falls back to the ledger on a 5xx', async () => {
      status = 503;
      const response = await graphql<{ customers: { source: string; nodes: { id: string }[] } }>(
        erring.server.url,
        CUSTOMERS_WITH_LEDGER,
        {},
        { token: csp },
      );
      expect(response.errors).toBeUndefined();
      expect(response.data!.customers.source).toBe('LEDGER');
      expect(response.data!.customers.nodes.map((n) => n.id)).toEqual([
        pizza.customerId,
        bikes.customerId,
        createdDirectly,
      ]);
    });

    it('falls back to the ledger while the circuit is open, without calling CloudCockpit', async () => {
      status = 503;
      const open = await startTestStack({
        ledger,
        urls: { cloudCockpit: cloudCockpit.url },
        policy: { breakerThreshold: 1, maxAttempts: 0, breakerHalfOpenAfterMs: 60_000 },
      });
      try {
        const first = await graphql(open.server.url, CUSTOMERS_WITH_LEDGER, {}, { token: csp });
        expect(first.errors).toBeUndefined();
        const calls = cloudCockpit.requests.length;
        const response = await graphql<{ customers: { source: string; nodes: { id: string }[] } }>(
          open.server.url,
          CUSTOMERS_WITH_LEDGER,
          {},
          { token: csp },
        );
        expect(response.errors).toBeUndefined();
        expect(response.data!.customers.source).toBe('LEDGER');
        expect(response.data!.customers.nodes).toHaveLength(3);
        expect(cloudCockpit.requests.length).toBe(calls);
      } finally {
        await open.close();
      }
    });

    it('passes a refusal on: that is CloudCockpit’s answer, not an outage', async () => {
      status = 403;
      const list = await graphql(erring.server.url, CUSTOMERS_WITH_LEDGER, {}, { token: csp });
      expect(list.data).toBeNull();
      expect(list.errors![0]!.extensions).toMatchObject({
        code: 'FORBIDDEN',
        provider: 'CLOUDCOCKPIT',
        httpStatus: 403,
      });
      const one = await graphql(erring.server.url, CUSTOMER_WITH_LEDGER, { id: pizza.customerId }, { token: csp });
      expect(one.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', provider: 'CLOUDCOCKPIT' });
    });
  });
});
