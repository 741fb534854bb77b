import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestBarrier, startBarrierProxy } from '../support/barrier-proxy.js';
import { startForwardingProxy, type ForwardingProxy, type ProxiedRequest } from '../support/proxy.js';
import {
  customerInput,
  MICROSOFT_INSTANCE,
  providerInstanceInput,
  provisionEverywhereInput,
} from '../support/fixtures.js';
import { graphql, signToken, startTestStack, TEST_CREDENTIALS, type TestStack } from '../support/stack.js';

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id companyName }
    providerInstances {
      __typename
      ... on ProviderInstance { providerInstanceId status }
      ... on ProviderFailure { provider code }
    }
    experiencePlatform {
      __typename
      ... on ExperiencePlatformProvisioning { storedRequest { id } entitlement { name sku } }
      ... on ProviderFailure { provider httpStatus code message correlationId fieldErrors { path messages } }
    }
    net3 {
      __typename
      ... on Net3Provisioning { customer { customerId customerName } contacts { email roles } }
      ... on ProviderFailure { provider httpStatus code message correlationId fieldErrors { path messages } }
    }
    wholesale {
      __typename
      ... on WholesaleCustomer { id externalId status }
      ... on ProviderFailure { provider httpStatus code message correlationId }
    }
    entitlements { __typename provider name }
    failures { provider code }
  }
}`;

const WHOLESALE = `query Wholesale($id: ID!) { wholesaleCustomer(id: $id) { id status orgId packageDetails { name status } } }`;

type Payload = {
  customer: { id: string; companyName: string };
  providerInstances: Record<string, unknown>[];
  experiencePlatform: Record<string, unknown> | null;
  net3: Record<string, unknown> | null;
  wholesale: Record<string, unknown> & { id?: string };
  entitlements: { __typename: string; provider: string; name: string }[];
  failures: { provider: string; code: string }[];
};

describe('provisionCustomer: one mutation for the whole onboarding', () => {
  let stack: TestStack;
  let csp: string;

  beforeAll(async () => {
    stack = await startTestStack();
    csp = await signToken();
  });
  afterAll(() => stack.close());

  it('provisions a customer at all four providers, each taking what it needs from the canonical customer', async () => {
    const response = await graphql<{ provisionCustomer: Payload }>(
      stack.server.url,
      PROVISION,
      { input: provisionEverywhereInput() },
      { token: csp },
    );
    expect(response.errors).toBeUndefined();
    const payload = response.data!.provisionCustomer;
    const customerId = payload.customer.id;

    expect(payload.failures).toEqual([]);
    expect(payload.providerInstances).toEqual([
      { __typename: 'ProviderInstance', providerInstanceId: 'cb3cd15b-1d6e-45be-b493-c71549cbfd87', status: 'SUCCESS' },
    ]);
    expect(payload.experiencePlatform).toMatchObject({
      __typename: 'ExperiencePlatformProvisioning',
      entitlement: { name: 'rtcdp-prime', sku: '65304520CA01A12' },
    });
    expect(payload.net3).toMatchObject({
      __typename: 'Net3Provisioning',
      customer: { customerId, customerName: 'Contoso Pizza' },
      contacts: [{ email: 'ana.silva@contoso.example', roles: ['PRIMARY', 'BILLING'] }],
    });
    expect(payload.wholesale).toMatchObject({
      __typename: 'WholesaleCustomer',
      externalId: customerId,
      status: 'PROVISIONING',
    });
    expect(payload.entitlements).toEqual([
      { __typename: 'ExperiencePlatformEntitlement', provider: 'EXPERIENCE_PLATFORM', name: 'rtcdp-prime' },
      { __typename: 'WholesalePackage', provider: 'WEBEX_WHOLESALE', name: 'webex_calling' },
      { __typename: 'WholesalePackage', provider: 'WEBEX_WHOLESALE', name: 'webex_meetings' },
    ]);

    // What each provider received came from the canonical customer.
    const adobeBody = stack.emulators.experiencePlatform.calls.at(-1)!.body as { customer: Record<string, string> };
    expect(adobeBody.customer).toMatchObject({ name: 'Contoso Pizza', contact: 'ana.silva@contoso.example' });
    const webexBody = stack.emulators.webex.calls.at(-1)!.body as Record<string, Record<string, string>>;
    expect(webexBody.address).toMatchObject({
      addressLine1: 'Rua Augusta 100',
      city: 'Lisboa',
      zipOrPostalCode: '1100-053',
      country: 'PT',
    });
    expect(webexBody.customerInfo).toMatchObject({ name: 'Contoso Pizza', primaryEmail: 'ana.silva@contoso.example' });

    // Webex finishes later; the customer then reads as provisioned.
    const later = await graphql<{ wholesaleCustomer: { status: string; orgId: string | null } }>(
      stack.server.url,
      WHOLESALE,
      { id: payload.wholesale.id },
      { token: csp },
    );
    expect(later.data!.wholesaleCustomer).toMatchObject({ status: 'PROVISIONED', orgId: expect.any(String) });
  });

  it('fails as a whole, calling no other provider, when CloudCockpit refuses the customer', async () => {
    const callsBefore = ['experiencePlatform', 'net3', 'webex'].map((p) => stack.emulators[p as 'net3'].calls.length);
    const response = await graphql(
      stack.server.url,
      PROVISION,
      { input: provisionEverywhereInput({ customer: customerInput({ zip: '1'.repeat(31) }) }) },
      { token: csp },
    );
    expect(response.data).toBeNull();
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      provider: 'CLOUDCOCKPIT',
      fieldErrors: [{ path: ['input', 'customer', 'zip'] }],
    });
    expect(['experiencePlatform', 'net3', 'webex'].map((p) => stack.emulators[p as 'net3'].calls.length)).toEqual(
      callsBefore,
    );

    // The provisioning is on record, to be fixed and retried: the error names it.
    const provisioningId = response.errors![0]!.extensions.provisioningId as string;
    const recorded = await graphql<{
      provisioning: {
        status: string;
        steps: { name: string; attempts: number; outcomeUnknown: boolean; failure: { code: string } }[];
      };
    }>(
      stack.server.url,
      'query($id: ID!) { provisioning(id: $id) { status steps { name attempts outcomeUnknown failure { code } } } }',
      { id: provisioningId },
      { token: csp },
    );
    expect(recorded.data!.provisioning.status).toBe('FAILED');
    // The write-ahead started every step; those never called count no attempt, and nothing about them is unknown.
    expect(recorded.data!.provisioning.steps.map((s) => [s.failure.code, s.attempts, s.outcomeUnknown])).toEqual([
      ['BAD_USER_INPUT', 1, false],
      ['NOT_STARTED', 0, false],
      ['NOT_STARTED', 0, false],
      ['NOT_STARTED', 0, false],
      ['NOT_STARTED', 0, false],
    ]);
  });

  it('refuses to retry a provisioning while one of its steps is still pending', async () => {
    const id = randomUUID();
    await stack.ledger.beginOperation(
      {
        id,
        tenant: 'contoso.example',
        caller: { subject: 'user-1', tenant: 'contoso.example', roles: ['csp'], resellerId: null },
        kind: 'provisionCustomer',
        customerId: randomUUID(),
        request: {},
        correlationId: randomUUID(),
      },
      [{ step: 'customer', provider: 'CLOUDCOCKPIT', position: 0, input: {} }],
    );
    const response = await graphql(
      stack.server.url,
      'mutation($id: ID!) { retryProvisioning(id: $id) { id } }',
      { id },
      { token: csp },
    );
    expect(response.errors![0]!.extensions.code).toBe('IN_PROGRESS');
  });

  it('refuses a provider instance listed twice, in whatever case, before anything is recorded or called', async () => {
    const callsBefore = stack.emulators.cloudCockpit.calls.length;
    const providerInstances = [
      providerInstanceInput(),
      providerInstanceInput({ providerInstanceId: MICROSOFT_INSTANCE.toUpperCase() }),
    ];
    const response = await graphql(
      stack.server.url,
      PROVISION,
      { input: provisionEverywhereInput({ providerInstances }) },
      { token: csp },
    );
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['input', 'providerInstances', 1, 'providerInstanceId'] }],
    });
    expect(stack.emulators.cloudCockpit.calls.length).toBe(callsBefore);
  });

  it('keeps ids as CloudCockpit writes them (lower case) when they are given in upper case', async () => {
    const id = randomUUID().toUpperCase();
    const input = provisionEverywhereInput({
      customer: customerInput({ id }),
      providerInstances: [providerInstanceInput({ providerInstanceId: MICROSOFT_INSTANCE.toUpperCase() })],
    });
    const response = await graphql<{ provisionCustomer: Payload }>(
      stack.server.url,
      PROVISION,
      { input },
      { token: csp },
    );
    expect(response.errors).toBeUndefined();
    const payload = response.data!.provisionCustomer;
    expect(payload.customer.id).toBe(id.toLowerCase());
    expect(payload.providerInstances).toEqual([
      { __typename: 'ProviderInstance', providerInstanceId: MICROSOFT_INSTANCE, status: 'SUCCESS' },
    ]);
    // The ledger finds the provisioning by the id CloudCockpit answers with.
    expect(await stack.ledger.operationsOfCustomers('contoso.example', [id.toLowerCase()])).toHaveLength(1);
  });

  it('reports a refused section at its own input path and still provisions the others', async () => {
    const input = provisionEverywhereInput();
    (input.experiencePlatform as Record<string, unknown>).imsOrgId = 'not-an-org';
    const response = await graphql<{ provisionCustomer: Payload }>(
      stack.server.url,
      PROVISION,
      { input },
      { token: csp },
    );
    const payload = response.data!.provisionCustomer;
    expect(payload.experiencePlatform).toMatchObject({
      __typename: 'ProviderFailure',
      provider: 'EXPERIENCE_PLATFORM',
      code: 'BAD_USER_INPUT',
      httpStatus: null,
      correlationId: response.extensions!.correlationId,
      fieldErrors: [{ path: ['input', 'experiencePlatform', 'imsOrgId'] }],
    });
    expect(payload.failures).toEqual([{ provider: 'EXPERIENCE_PLATFORM', code: 'BAD_USER_INPUT' }]);
    expect(payload.net3).toMatchObject({ __typename: 'Net3Provisioning' });
    expect(payload.wholesale).toMatchObject({ __typename: 'WholesaleCustomer' });
  });
});

describe('provisionCustomer with one provider down', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // Nothing listens on the discard port: Net3 cannot be reached.
    stack = await startTestStack({ urls: { net3: 'http://127.0.0.1:9' } });
  });
  afterAll(() => stack.close());

  it('returns the other three results and a typed failure for the fourth', async () => {
    const token = await signToken();
    const response = await graphql<{ provisionCustomer: Payload }>(
      stack.server.url,
      PROVISION,
      { input: provisionEverywhereInput() },
      { token },
    );
    expect(response.errors).toBeUndefined();
    const payload = response.data!.provisionCustomer;
    expect(payload.net3).toEqual({
      __typename: 'ProviderFailure',
      provider: 'NET3',
      httpStatus: null,
      code: 'UPSTREAM_ERROR',
      message: 'Net3 could not be reached',
      correlationId: response.extensions!.correlationId,
      fieldErrors: [],
    });
    expect(payload.providerInstances[0]).toMatchObject({ __typename: 'ProviderInstance' });
    expect(payload.experiencePlatform).toMatchObject({ __typename: 'ExperiencePlatformProvisioning' });
    expect(payload.wholesale).toMatchObject({ __typename: 'WholesaleCustomer' });
    expect(payload.failures).toEqual([{ provider: 'NET3', code: 'UPSTREAM_ERROR' }]);
  });
});

describe('provisionCustomer concurrency', () => {
  let stack: TestStack;
  let proxies: ForwardingProxy[];
  const barrier = new RequestBarrier(3);

  beforeAll(async () => {
    // Adobe, Net3 and Webex each sit behind a proxy that holds its request until all three have arrived.
    stack = await startTestStack({
      urls: async ({ experiencePlatform, net3, webex }) => {
        proxies = await Promise.all(
          [experiencePlatform, net3, webex].map((emulator) => startBarrierProxy(emulator.url, barrier)),
        );
        const [adobeProxy, net3Proxy, webexProxy] = proxies.map((proxy) => proxy.url);
        return { experiencePlatform: adobeProxy, net3: net3Proxy, webex: webexProxy };
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it('calls the providers after the customer’s creation at the same time', async () => {
    const token = await signToken();
    const response = await graphql<{ provisionCustomer: Payload }>(
      stack.server.url,
      PROVISION,
      { input: provisionEverywhereInput() },
      { token },
    );
    expect(response.data!.provisionCustomer.failures).toEqual([]);
    expect(barrier.filled).toBe(true);
  });
});

describe('provisionCustomer on the wire', () => {
  let stack: TestStack;
  let proxies: Record<'cloudCockpit' | 'experiencePlatform' | 'net3' | 'webex', ForwardingProxy>;

  beforeAll(async () => {
    // Every provider behind a proxy that keeps each request as it crossed the network, bytes and headers.
    stack = await startTestStack({
      urls: async (emulators) => {
        const [cloudCockpit, experiencePlatform, net3, webex] = await Promise.all(
          [emulators.cloudCockpit, emulators.experiencePlatform, emulators.net3, emulators.webex].map((e) =>
            startForwardingProxy(e.url),
          ),
        );
        proxies = { cloudCockpit: cloudCockpit!, experiencePlatform: experiencePlatform!, net3: net3!, webex: webex! };
        return {
          cloudCockpit: cloudCockpit!.url,
          experiencePlatform: experiencePlatform!.url,
          net3: net3!.url,
          webex: webex!.url,
        };
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
  });

  const only = (proxy: ForwardingProxy): ProxiedRequest => {
    expect(proxy.exchanges).toHaveLength(1);
    return proxy.exchanges[0]!;
  };

  it('sends each provider exactly its documented method, path, headers, field names and formats', async () => {
    const correlationId = randomUUID();
    const response = await graphql<{ provisionCustomer: Payload }>(
      stack.server.url,
      PROVISION,
      { input: provisionEverywhereInput() },
      { token: await signToken(), headers: { 'x-correlation-id': correlationId } },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.provisionCustomer.failures).toEqual([]);
    const customerId = response.data!.provisionCustomer.customer.id;

    const [create, add] = proxies.cloudCockpit.exchanges.filter((request) => request.method === 'POST');
    expect(create).toMatchObject({ method: 'POST', path: '/v1/Customers' });
    expect(add).toMatchObject({ method: 'POST', path: `/v1/Customers/${customerId}/provider-instances` });
    for (const request of [create!, add!]) {
      expect(request.headers).toMatchObject({
        authorization: `Bearer ${TEST_CREDENTIALS.cloudCockpit.token}`,
        'x-tenant': 'contoso.example',
        'x-correlation-id': correlationId,
      });
    }
    // The customer id is made here and sent, so that a repeat is recognised rather than duplicated.
    expect(create!.body).toMatchObject({ id: customerId, companyName: 'Contoso Pizza', country: 'PT' });
    expect(add!.body).toMatchObject({
      providerInstanceId: MICROSOFT_INSTANCE,
      providerCustomerData: expect.any(String),
    });

    const adobe = only(proxies.experiencePlatform);
    expect(adobe).toMatchObject({ method: 'POST', path: '/provisioning/customer' });
    expect(adobe.headers).toMatchObject({
      authorization: `Bearer ${TEST_CREDENTIALS.experiencePlatform.token}`,
      'x-gw-ims-authorization': `Bearer ${TEST_CREDENTIALS.experiencePlatform.imsAuthorization}`,
      'x-gw-ims-org-id': (adobe.body as { customer: { imsOrgId: string } }).customer.imsOrgId,
    });
    expect(Object.keys((adobe.body as { customer: object }).customer)).toEqual([
      'name',
      'imsOrgId',
      'contact',
      'tenentId',
      'region',
    ]);

    const net3 = only(proxies.net3);
    expect(net3).toMatchObject({ method: 'POST', path: '/provisioning/customer' });
    expect(net3.headers.authorization).toBe(`Bearer ${TEST_CREDENTIALS.net3.apiKey}`);
    // ServiceStack's own spelling: `\/Date(ms-0000)\/` with the escaped slashes, as the bytes went out.
    expect(net3.text).toMatch(/"requestCreated":"\\\/Date\(\d+-0000\)\\\/"/);
    expect(net3.body).toMatchObject({
      customer: { customerId, customerName: 'Contoso Pizza' },
      contacts: [{ email: 'ana.silva@contoso.example', roles: ['Primary', 'Billing'] }],
    });

    const webex = only(proxies.webex);
    expect(webex).toMatchObject({ method: 'POST', path: '/v1/wholesale/customers' });
    expect(webex.headers.authorization).toBe(`Bearer ${TEST_CREDENTIALS.webex.token}`);
    expect(webex.body).toMatchObject({ externalId: customerId, packages: ['webex_calling', 'webex_meetings'] });
    expect(Object.keys(webex.body as object)).toEqual([
      'provisioningId',
      'packages',
      'externalId',
      'address',
      'customerInfo',
      'provisioningParameters',
    ]);
  });
});
