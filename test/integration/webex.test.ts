import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { WholesalePackageName } from '../../src/generated/graphql.js';
import { createLogger } from '../../src/logger.js';
import type { CustomerViewModel } from '../../src/providers/cloudcockpit/wire.js';
import type { RunningEmulator } from '../../emulators/toolkit/server.js';
import { WebexClient } from '../../src/providers/webex/client.js';
import { startWebexEmulator } from '../../emulators/webex/emulator.js';
import { wholesaleInputFromCanonical } from '../../src/providers/webex/mapping.js';
import { provisionWholesaleCustomer } from '../../src/providers/webex/operations.js';
import { UpstreamError } from '../../src/errors.js';
import { LISBON_ADDRESS, wholesaleCustomerInput } from '../support/fixtures.js';
import { graphql, signToken, startTestStack, TEST_CREDENTIALS, testPolicy, type TestStack } from '../support/stack.js';

const CUSTOMER_FIELDS = `
  id orgId externalId status packages
  address { addressLine1 addressLine2 city stateOrProvince zipOrPostalCode country }
  packageDetails { provider name package status warnings { errorCode description } errors { errorCode description } }
  errors { errorCode description }`;
const PROVISION = `mutation Provision($input: WholesaleCustomerInput!) {
  provisionWholesaleCustomer(input: $input) { ${CUSTOMER_FIELDS} }
}`;
const GET = `query Get($id: ID!) { wholesaleCustomer(id: $id) { ${CUSTOMER_FIELDS} } }`;
const LIST = `query List($externalId: String, $status: WholesaleCustomerStatus, $first: Int, $after: String) {
  wholesaleCustomers(externalId: $externalId, status: $status, first: $first, after: $after) {
    edges { cursor node { id externalId } }
    nodes { id status }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

type Customer = Record<string, unknown> & { id: string; externalId: string; packageDetails: Record<string, unknown>[] };
type Page = {
  wholesaleCustomers: {
    edges: { cursor: string; node: { id: string; externalId: string } }[];
    nodes: { id: string; status: string }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  };
};

describe('Webex Wholesale over the emulator', () => {
  let stack: TestStack;
  let url: string;
  let csp: string;

  beforeAll(async () => {
    stack = await startTestStack();
    url = stack.server.url;
    csp = await signToken();
  });
  afterAll(() => stack.close());

  it('provisions a customer, which starts provisioning, and reads it back provisioned', async () => {
    const input = wholesaleCustomerInput();
    const callsBefore = stack.emulators.webex.calls.length;
    const provisioned = await graphql<{ provisionWholesaleCustomer: Customer }>(
      url,
      PROVISION,
      { input },
      { token: csp },
    );
    expect(provisioned.errors).toBeUndefined();
    const accepted = provisioned.data!.provisionWholesaleCustomer;
    expect(accepted).toEqual({
      id: expect.any(String),
      orgId: null,
      externalId: input.externalId,
      status: 'PROVISIONING',
      packages: ['WEBEX_CALLING', 'WEBEX_MEETINGS'],
      address: LISBON_ADDRESS,
      packageDetails: [
        {
          provider: 'WEBEX_WHOLESALE',
          name: 'webex_calling',
          package: 'WEBEX_CALLING',
          status: 'PROVISIONING',
          warnings: [],
          errors: [],
        },
        {
          provider: 'WEBEX_WHOLESALE',
          name: 'webex_meetings',
          package: 'WEBEX_MEETINGS',
          status: 'PROVISIONING',
          warnings: [],
          errors: [],
        },
      ],
      errors: [],
    });
    // One upstream call: the mutation does not read the customer back.
    expect(stack.emulators.webex.calls.slice(callsBefore).map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /v1/wholesale/customers',
    ]);

    const read = await graphql<{ wholesaleCustomer: Customer }>(url, GET, { id: accepted.id }, { token: csp });
    expect(read.errors).toBeUndefined();
    expect(read.data!.wholesaleCustomer).toMatchObject({
      id: accepted.id,
      orgId: expect.any(String),
      status: 'PROVISIONED',
      packageDetails: [{ status: 'PROVISIONED' }, { status: 'PROVISIONED' }],
    });

    const byExternalId = await graphql<Page>(url, LIST, { externalId: input.externalId }, { token: csp });
    expect(byExternalId.data!.wholesaleCustomers.nodes).toEqual([{ id: accepted.id, status: 'PROVISIONED' }]);
  });

  it('answers a repeated provisioning with CONFLICT naming externalId, and Webex’s tracking id (ours)', async () => {
    const input = wholesaleCustomerInput();
    await graphql(url, PROVISION, { input }, { token: csp });
    const again = await graphql(url, PROVISION, { input }, { token: csp });
    expect(again.data).toBeNull();
    const [error] = again.errors!;
    expect(error!.path).toEqual(['provisionWholesaleCustomer']);
    expect(error!.extensions).toMatchObject({
      code: 'CONFLICT',
      provider: 'WEBEX_WHOLESALE',
      httpStatus: 409,
      fieldErrors: [{ path: ['input', 'externalId'], messages: [expect.any(String)] }],
    });
    // We send our correlation id as Webex's TrackingID, and Webex quotes it back as trackingId.
    expect(error!.extensions.correlationId).toBe(again.extensions!.correlationId);
  });

  it('maps Webex’s validation errors onto the GraphQL input paths', async () => {
    const response = await graphql(
      url,
      PROVISION,
      {
        input: wholesaleCustomerInput({
          customerInfo: undefined,
          address: { ...LISBON_ADDRESS, addressLine1: 'x'.repeat(51) },
          packages: ['WEBEX_VOICE', 'CISCO_CALLING_PLAN'],
          provisioningParameters: { meetings: { timezone: 'Europe/Lisbon' } },
        }),
      },
      { token: csp },
    );
    const [error] = response.errors!;
    expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'WEBEX_WHOLESALE', httpStatus: 400 });
    const paths = (error!.extensions.fieldErrors as { path: unknown[] }[]).map((f) => f.path);
    expect(paths).toEqual([
      ['input', 'address', 'addressLine1'],
      ['input', 'customerInfo'],
      ['input', 'provisioningParameters', 'calling'],
    ]);
    expect(error!.message).toMatch(/^Webex Wholesale rejected the request: /);
  });

  it('refuses invalid scalars and enum values before anything is sent upstream', async () => {
    const callsBefore = stack.emulators.webex.calls.length;
    for (const input of [
      wholesaleCustomerInput({ address: { ...LISBON_ADDRESS, country: 'XX' } }),
      wholesaleCustomerInput({ packages: ['webex_calling'] }),
      wholesaleCustomerInput({ customerInfo: { name: 'A', primaryEmail: 'not-an-email' } }),
    ]) {
      const response = await graphql(url, PROVISION, { input }, { token: csp });
      expect(response.status).toBe(400);
      expect(response.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    }
    expect(stack.emulators.webex.calls.length).toBe(callsBefore);
  });

  it('reads an unknown id as null', async () => {
    const response = await graphql(url, GET, { id: 'Y2lzY29zcGFyazovL3VzL0VOVEVSUFJJU0Uvbm9uZQ' }, { token: csp });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ wholesaleCustomer: null });
    expect((await graphql(url, GET, { id: ' ' }, { token: csp })).data).toEqual({ wholesaleCustomer: null });
  });

  it('pages through the partner’s customers with Relay cursors, filtered by status', async () => {
    const created: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await graphql<{ provisionWholesaleCustomer: Customer }>(
        url,
        PROVISION,
        { input: wholesaleCustomerInput() },
        { token: csp },
      );
      created.push(response.data!.provisionWholesaleCustomer.id);
    }
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof graphql<Page>>> = await graphql<Page>(
        url,
        LIST,
        { status: 'PROVISIONED', first: 2, after },
        { token: csp },
      );
      expect(page.errors).toBeUndefined();
      const { nodes, edges, pageInfo } = page.data!.wholesaleCustomers;
      expect(nodes.length).toBeLessThanOrEqual(2);
      expect(nodes.every((n) => n.status === 'PROVISIONED')).toBe(true);
      expect(edges.map((e) => e.node.id)).toEqual(nodes.map((n) => n.id));
      expect(pageInfo.hasPreviousPage).toBe(pages > 0);
      seen.push(...nodes.map((n) => n.id));
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 20);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(-3)).toEqual(created);
    expect(pages).toBe(Math.ceil(seen.length / 2));
  });

  it('refuses page sizes outside 1 to 100, and foreign cursors', async () => {
    for (const first of [0, 101]) {
      const response = await graphql(url, LIST, { first }, { token: csp });
      expect(response.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: [{ path: ['first'] }],
      });
    }
    const badCursor = await graphql(url, LIST, { after: 'bm90LWEtY3Vyc29y' }, { token: csp });
    expect(badCursor.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['after'] }],
    });
  });

  it('lets only CSP users use Webex directly, and nobody without a token', async () => {
    const reseller = await signToken({ roles: ['reseller'], resellerId: randomUUID() });
    const callsBefore = stack.emulators.webex.calls.length;
    const operations: [string, Record<string, unknown>][] = [
      [PROVISION, { input: wholesaleCustomerInput() }],
      [GET, { id: 'any' }],
      [LIST, {}],
    ];
    for (const [query, variables] of operations) {
      const asReseller = await graphql(url, query, variables, { token: reseller });
      expect(asReseller.errors![0]!.extensions.code).toBe('FORBIDDEN');
      const anonymous = await graphql(url, query, variables);
      expect(anonymous.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    }
    expect(stack.emulators.webex.calls.length).toBe(callsBefore);
    // A CSP that is also a reseller acts as a CSP.
    const both = await signToken({ roles: ['csp', 'reseller'], resellerId: randomUUID() });
    expect((await graphql(url, LIST, {}, { token: both })).errors).toBeUndefined();
  });
});

describe('Webex Wholesale: recorded in the ledger, read by its own tenant only', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack.close());

  it('records a provisionWholesaleCustomer as a provisioning, and shows its customer to no other tenant', async () => {
    const mine = await signToken({ tenant: 'contoso.example' });
    const theirs = await signToken({ tenant: 'fabrikam.example' });
    const input = wholesaleCustomerInput();
    const provisioned = await graphql<{ provisionWholesaleCustomer: { id: string } }>(
      stack.server.url,
      PROVISION,
      { input },
      { token: mine },
    );
    const id = provisioned.data!.provisionWholesaleCustomer.id;

    const recorded = await graphql<{
      provisionings: {
        nodes: { kind: string; steps: { provider: string; upstreamIds: { name: string; value: string }[] }[] }[];
      };
    }>(
      stack.server.url,
      'query { provisionings(first: 1) { nodes { kind steps { provider upstreamIds { name value } } } } }',
      {},
      { token: mine },
    );
    expect(recorded.data!.provisionings.nodes[0]).toMatchObject({
      kind: 'provisionWholesaleCustomer',
      steps: [{ provider: 'WEBEX_WHOLESALE', upstreamIds: expect.arrayContaining([{ name: 'id', value: id }]) }],
    });

    expect((await graphql(stack.server.url, GET, { id }, { token: mine })).data).toMatchObject({
      wholesaleCustomer: { id },
    });
    const webexCalls = stack.emulators.webex.calls.length;
    expect((await graphql(stack.server.url, GET, { id }, { token: theirs })).data).toEqual({ wholesaleCustomer: null });
    // Refused from the ledger: Webex is not even asked about another tenant's customer.
    expect(stack.emulators.webex.calls.length).toBe(webexCalls);

    const listed = await graphql<{ wholesaleCustomers: { nodes: { id: string }[] } }>(
      stack.server.url,
      LIST,
      { externalId: input.externalId },
      { token: theirs },
    );
    expect(listed.data!.wholesaleCustomers.nodes).toEqual([]);
    const own = await graphql<{ wholesaleCustomers: { nodes: { id: string }[] } }>(
      stack.server.url,
      LIST,
      { externalId: input.externalId },
      { token: mine },
    );
    expect(own.data!.wholesaleCustomers.nodes.map((n) => n.id)).toEqual([id]);
  });
});

describe('Webex Wholesale: provisioning states and throttling', () => {
  async function withWebex(emulator: RunningEmulator, run: (stack: TestStack) => Promise<void>) {
    const stack = await startTestStack({ urls: { webex: emulator.url } });
    try {
      await run(stack);
    } finally {
      await stack.close();
      await emulator.close();
    }
  }

  it('shows a customer still provisioning without an organization', async () => {
    const stack = await startTestStack({ webexProvisioningDelayMs: 60_000 });
    try {
      const token = await signToken();
      const created = await graphql<{ provisionWholesaleCustomer: Customer }>(
        stack.server.url,
        PROVISION,
        { input: wholesaleCustomerInput() },
        { token },
      );
      const read = await graphql<{ wholesaleCustomer: Customer }>(
        stack.server.url,
        GET,
        { id: created.data!.provisionWholesaleCustomer.id },
        { token },
      );
      expect(read.data!.wholesaleCustomer).toMatchObject({ status: 'PROVISIONING', orgId: null });
    } finally {
      await stack.close();
    }
  });

  it('reports packages whose provisioning failed, with Webex’s errors', async () => {
    const emulator = await startWebexEmulator({
      ...TEST_CREDENTIALS.webex,
      provisioningDelayMs: 0,
      failingPackages: ['webex_meetings'],
    });
    await withWebex(emulator, async (stack) => {
      const token = await signToken();
      const created = await graphql<{ provisionWholesaleCustomer: Customer }>(
        stack.server.url,
        PROVISION,
        { input: wholesaleCustomerInput() },
        { token },
      );
      const read = await graphql<{ wholesaleCustomer: Customer }>(
        stack.server.url,
        GET,
        { id: created.data!.provisionWholesaleCustomer.id },
        { token },
      );
      expect(read.data!.wholesaleCustomer.status).toBe('PROVISIONED_WITH_ERRORS');
      expect(read.data!.wholesaleCustomer.packageDetails[1]).toEqual({
        provider: 'WEBEX_WHOLESALE',
        name: 'webex_meetings',
        package: 'WEBEX_MEETINGS',
        status: 'ERROR',
        warnings: [],
        errors: [{ errorCode: expect.any(Number), description: expect.stringContaining('webex_meetings') }],
      });
    });
  });

  it('answers UPSTREAM_BUSY with retryAfterSeconds while Webex is locked (423)', async () => {
    const emulator = await startWebexEmulator({ ...TEST_CREDENTIALS.webex, lockedRetryAfterSeconds: 12 });
    await withWebex(emulator, async (stack) => {
      const response = await graphql(
        stack.server.url,
        PROVISION,
        { input: wholesaleCustomerInput() },
        { token: await signToken() },
      );
      expect(response.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_BUSY',
        provider: 'WEBEX_WHOLESALE',
        httpStatus: 423,
        retryAfterSeconds: 12,
        correlationId: response.extensions!.correlationId,
      });
    });
  });

  it('answers UPSTREAM_BUSY with retryAfterSeconds when Webex rate-limits (429)', async () => {
    const emulator = await startWebexEmulator({
      ...TEST_CREDENTIALS.webex,
      rateLimit: { requests: 1, retryAfterSeconds: 30 },
    });
    await withWebex(emulator, async (stack) => {
      const token = await signToken();
      expect((await graphql(stack.server.url, LIST, {}, { token })).errors).toBeUndefined();
      const limited = await graphql(stack.server.url, LIST, {}, { token });
      expect(limited.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_BUSY',
        httpStatus: 429,
        retryAfterSeconds: 30,
      });
    });
  });
});

describe('Webex Wholesale: the service function the fan-out calls', () => {
  let emulator: RunningEmulator;
  let webex: WebexClient;

  const canonical: CustomerViewModel = {
    id: randomUUID(),
    companyName: 'Contoso Pizza',
    country: 'PT',
    addressLine1: 'Rua Augusta 100 — Edifício Pombalino, Escritório 2º Esquerdo',
    addressLine2: null,
    city: 'Lisboa',
    state: 'Lisboa',
    zip: '1100-053',
    firstName: 'Ana',
    lastName: 'Silva',
    email: 'ana.silva@contoso.example',
    phone: '+351911111111',
    providerCustomers: {},
  };

  beforeAll(async () => {
    emulator = await startWebexEmulator({ ...TEST_CREDENTIALS.webex, provisioningDelayMs: 0 });
    webex = new WebexClient(
      { baseURL: emulator.url, policy: testPolicy('WEBEX_WHOLESALE'), ...TEST_CREDENTIALS.webex },
      { correlationId: randomUUID(), logger: createLogger('silent') },
    );
  });
  afterAll(() => emulator.close());

  it('provisions from the canonical customer, and points Webex’s errors into the section', async () => {
    const section = { provisioningId: 'template-1', packages: [WholesalePackageName.WebexMeetings] };
    const tooLong = wholesaleInputFromCanonical(canonical, section);
    const failure = await provisionWholesaleCustomer(webex, tooLong, ['input', 'wholesale']).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as UpstreamError).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['input', 'wholesale', 'address', 'addressLine1'] }],
    });

    const fixed = wholesaleInputFromCanonical(canonical, { ...section, address: { addressLine1: 'Rua Augusta 100' } });
    const accepted = await provisionWholesaleCustomer(webex, fixed, ['input', 'wholesale']);
    expect(accepted).toMatchObject({ externalId: canonical.id, status: 'provisioning' });
    expect(emulator.calls.at(-1)!.body).toMatchObject({
      externalId: canonical.id,
      address: {
        addressLine1: 'Rua Augusta 100',
        city: 'Lisboa',
        stateOrProvince: 'Lisboa',
        zipOrPostalCode: '1100-053',
        country: 'PT',
      },
      customerInfo: { name: 'Contoso Pizza', primaryEmail: 'ana.silva@contoso.example' },
    });

    const repeated = await provisionWholesaleCustomer(webex, fixed, ['input', 'wholesale']).catch((e: unknown) => e);
    expect((repeated as UpstreamError).extensions).toMatchObject({ code: 'CONFLICT', httpStatus: 409 });
  });
});
