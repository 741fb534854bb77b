import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { RunningEmulator } from '../../emulators/toolkit/server.js';
import { startNet3Emulator } from '../../emulators/net3/emulator.js';
import { graphql, signToken, startTestStack, TEST_CREDENTIALS, type TestStack } from '../support/stack.js';

const PROVISION = `mutation Provision($input: Net3ProvisioningInput!) {
  provisionNet3Customer(input: $input) {
    customer {
      customerId localId loginsCompanyId customerName streetAddress cityStateZip phone extension email
      serviceLevelId isReseller parentCompanyId typeCustomerStatusId typePricingTierId lastUpdateDate
    }
    addresses { street city state postalCode telephone extension email notes primary }
    contacts { firstName lastName email telephone roles }
    requestCreated
    created
  }
}`;

type Provisioning = {
  provisionNet3Customer: {
    customer: Record<string, unknown>;
    addresses: Record<string, unknown>[];
    contacts: Record<string, unknown>[];
    requestCreated: string | null;
    created: string | null;
  };
};

interface FieldError {
  path: (string | number)[];
  messages: string[];
}

function contact(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    firstName: 'Ana',
    lastName: 'Silva',
    email: `ana.${randomUUID().slice(0, 8)}@contoso.example`,
    roles: ['PRIMARY'],
    ...overrides,
  };
}

function provisioningInput(
  customer: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    customer: { customerId: `crm-${randomUUID()}`, customerName: 'Contoso Pizza', ...customer },
    contacts: [contact()],
    ...overrides,
  };
}

describe('provisionNet3Customer over the Net3 emulator', () => {
  let stack: TestStack;
  let url: string;
  let csp: string;

  beforeAll(async () => {
    stack = await startTestStack();
    url = stack.server.url;
    csp = await signToken();
  });
  afterAll(() => stack.close());

  const net3Calls = () => stack.emulators.net3.calls.length;

  it('provisions a customer and answers with what Net3 provisioned and the ids it assigned', async () => {
    const customerId = `crm-${randomUUID()}`;
    const input = provisioningInput(
      {
        customerId,
        streetAddress: '1200 Main St, Suite 4',
        cityStateZip: 'Columbia, SC 29201',
        phone: '+1 803 555 0100',
        extension: '12',
        email: 'office@contoso.example',
        serviceLevelId: 2,
        parentCompanyId: 'PARENT-1',
        typeCustomerStatusId: 1,
        typePricingTierId: 3,
      },
      {
        addresses: [{ street: '1200 Main St', city: 'Columbia', state: 'SC', postalCode: '29201', primary: true }],
        contacts: [
          contact({ email: 'ana@contoso.example', telephone: '+1 803 555 0101', roles: ['PRIMARY', 'BILLING'] }),
          contact({ firstName: 'Carl', email: 'carl@contoso.example', roles: ['TECHNICAL', 'CONTRACT_SIGNATORY'] }),
        ],
        createdBy: { username: 'rrep', userId: randomUUID() },
        salesContact: 'rep@partner.example',
        requestCreated: '2023-11-14T22:13:20.000Z',
      },
    );
    const before = net3Calls();
    const response = await graphql<Provisioning>(
      url,
      PROVISION,
      { input },
      { token: csp, headers: { 'x-forwarded-for': '203.0.113.7' } },
    );
    expect(response.errors).toBeUndefined();
    const provisioned = response.data!.provisionNet3Customer;
    expect(provisioned.customer).toEqual({
      customerId,
      localId: expect.stringMatching(/^\d+$/),
      loginsCompanyId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      customerName: 'Contoso Pizza',
      streetAddress: '1200 Main St, Suite 4',
      cityStateZip: 'Columbia, SC 29201',
      phone: '+1 803 555 0100',
      extension: '12',
      email: 'office@contoso.example',
      serviceLevelId: 2,
      isReseller: false,
      parentCompanyId: 'PARENT-1',
      typeCustomerStatusId: 1,
      typePricingTierId: 3,
      lastUpdateDate: provisioned.created,
    });
    expect(provisioned.addresses).toEqual([
      {
        street: '1200 Main St',
        city: 'Columbia',
        state: 'SC',
        postalCode: '29201',
        telephone: null,
        extension: null,
        email: null,
        notes: null,
        primary: true,
      },
    ]);
    expect(provisioned.contacts.map((c) => c.roles)).toEqual([
      ['PRIMARY', 'BILLING'],
      ['TECHNICAL', 'CONTRACT_SIGNATORY'],
    ]);
    expect(provisioned.requestCreated).toBe('2023-11-14T22:13:20.000Z');
    expect(Number.isNaN(Date.parse(provisioned.created!))).toBe(false);

    // One call, carrying the caller's address as Net3's requesterIP.
    expect(net3Calls()).toBe(before + 1);
    const call = stack.emulators.net3.calls.at(-1)!;
    expect(call.headers.authorization).toBe(`Bearer ${TEST_CREDENTIALS.net3.apiKey}`);
    expect((call.body as { requesterIP: string }).requesterIP).toBe('203.0.113.7');
  });

  it('maps Net3’s validation errors onto the GraphQL input, without its stack trace', async () => {
    const input = provisioningInput(
      { customerName: 'x'.repeat(101) },
      { contacts: [contact({ roles: ['BILLING'] }), contact({ telephone: '1'.repeat(26), roles: ['TECHNICAL'] })] },
    );
    const response = await graphql(url, PROVISION, { input }, { token: csp });
    expect(response.data).toBeNull();
    const [error] = response.errors!;
    expect(error!.path).toEqual(['provisionNet3Customer']);
    expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'NET3', httpStatus: 400 });
    expect(error!.extensions.correlationId).toBe(response.extensions!.correlationId);
    expect((error!.extensions.fieldErrors as FieldError[]).map((f) => f.path)).toEqual([
      ['input', 'customer', 'customerName'],
      ['input', 'contacts', 1, 'telephone'],
      ['input', 'contacts'],
    ]);
    expect(error!.message).toContain("'Customer Name' must be 100 characters or fewer");
    const text = JSON.stringify(response);
    // The emulator runs in DebugMode: its 400s carry a stack trace that dumps the request.
    expect(text).not.toContain('ServiceStack.FluentValidation');
    expect(text).not.toContain('[REQUEST:');
  });

  it('answers a repeated customer id with CONFLICT, so a retry is recognisable', async () => {
    const input = provisioningInput();
    const first = await graphql(url, PROVISION, { input }, { token: csp });
    expect(first.errors).toBeUndefined();
    const again = await graphql(url, PROVISION, { input }, { token: csp });
    expect(again.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', provider: 'NET3', httpStatus: 409 });
    expect(again.errors![0]!.message).toContain((input.customer as { customerId: string }).customerId);
  });

  it('refuses input GraphQL or this API can already tell is wrong, before calling Net3', async () => {
    const before = net3Calls();
    const badEmail = await graphql(
      url,
      PROVISION,
      { input: provisioningInput({ email: 'not-an-email' }) },
      { token: csp },
    );
    expect(badEmail.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    const badRole = await graphql(
      url,
      PROVISION,
      { input: provisioningInput({}, { contacts: [contact({ roles: ['Primary'] })] }) },
      { token: csp },
    );
    expect(badRole.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    const badLocalId = await graphql(url, PROVISION, { input: provisioningInput({ localId: '-4' }) }, { token: csp });
    expect(badLocalId.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['input', 'customer', 'localId'], messages: [expect.any(String)] }],
    });
    expect(net3Calls()).toBe(before);
  });

  it('requires a caller, and lets only a CSP onboard a reseller', async () => {
    const before = net3Calls();
    const anonymous = await graphql(url, PROVISION, { input: provisioningInput() });
    expect(anonymous.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    const reseller = await signToken({ roles: ['reseller'], resellerId: randomUUID() });
    const refused = await graphql(
      url,
      PROVISION,
      { input: provisioningInput({ isReseller: true }) },
      { token: reseller },
    );
    expect(refused.errors![0]!.extensions.code).toBe('FORBIDDEN');
    expect(refused.errors![0]!.path).toEqual(['provisionNet3Customer']);
    expect(net3Calls()).toBe(before);

    const ownCustomer = await graphql<Provisioning>(
      url,
      PROVISION,
      { input: provisioningInput() },
      { token: reseller },
    );
    expect(ownCustomer.errors).toBeUndefined();
    const byCsp = await graphql<Provisioning>(
      url,
      PROVISION,
      { input: provisioningInput({ isReseller: true }) },
      { token: csp },
    );
    expect(byCsp.data!.provisionNet3Customer.customer.isReseller).toBe(true);
  });
});

describe('provisionNet3Customer when Net3 fails', () => {
  const failingId = `crm-${randomUUID()}`;
  let net3: RunningEmulator;
  let otherKey: RunningEmulator;
  let stack: TestStack;
  let wrongKey: TestStack;
  let csp: string;

  beforeAll(async () => {
    // Net3 in DebugMode, with one customer whose insert fails, and one accepting another key than ours.
    [net3, otherKey] = await Promise.all([
      startNet3Emulator({ credentials: TEST_CREDENTIALS.net3, failingCustomerIds: [failingId] }),
      startNet3Emulator({ credentials: { apiKey: 'not-the-test-key' } }),
    ]);
    [stack, wrongKey] = await Promise.all([
      startTestStack({ urls: { net3: net3.url } }),
      startTestStack({ urls: { net3: otherKey.url } }),
    ]);
    csp = await signToken();
  });
  afterAll(async () => {
    await Promise.all([stack.close(), wrongKey.close(), net3.close(), otherKey.close()]);
  });

  it('turns a 500 into UPSTREAM_ERROR, passing neither its message nor its stack trace on', async () => {
    const correlationId = randomUUID();
    const response = await graphql(
      url(stack),
      PROVISION,
      { input: provisioningInput({ customerId: failingId }) },
      {
        token: csp,
        headers: { 'x-correlation-id': correlationId },
      },
    );
    const [error] = response.errors!;
    expect(error!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      provider: 'NET3',
      httpStatus: 500,
      correlationId,
      fieldErrors: [],
    });
    expect(error!.message).toBe('Net3 failed (HTTP 500)');
    const text = JSON.stringify(response);
    expect(text).not.toContain('deadlock');
    expect(text).not.toContain('SqlException');
    expect(text).not.toContain('ProvisioningService');
    expect(net3.calls.at(-1)!.path).toBe('/provisioning/customer');
  });

  it('turns Net3’s 401 into FORBIDDEN: our credentials, not the caller’s, were refused', async () => {
    const response = await graphql(url(wrongKey), PROVISION, { input: provisioningInput() }, { token: csp });
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', provider: 'NET3', httpStatus: 401 });
    expect(response.errors![0]!.message).not.toContain(TEST_CREDENTIALS.net3.apiKey);
  });

  function url(s: TestStack): string {
    return s.server.url;
  }
});
