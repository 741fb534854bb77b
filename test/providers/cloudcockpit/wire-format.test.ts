import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { customerInput, MICROSOFT_INSTANCE, providerInstanceInput } from '../../support/fixtures.js';
import {
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer,
  type Reply,
} from '../../support/recording-server.js';
import { graphql, signToken, startTestStack, TEST_CREDENTIALS, type TestStack } from '../../support/stack.js';

/** What CloudCockpit would hold after the create: the body sent, as the GET returns it. */
let stored: Record<string, unknown> | undefined;
let override: ((request: RecordedRequest) => Reply | undefined) | undefined;

function cloudCockpit(request: RecordedRequest): Reply {
  const overridden = override?.(request);
  if (overridden) return overridden;
  if (request.method === 'POST' && request.url === '/v1/Customers') {
    stored = JSON.parse(request.body) as Record<string, unknown>;
    return { status: 201, body: JSON.stringify(stored.id) };
  }
  if (request.method === 'POST' && request.url.includes('/provider-instances')) return { status: 201, body: '"ok"' };
  if (request.method === 'GET' && stored) return { status: 200, body: stored };
  return {
    status: 404,
    body: { statusCode: 404, type: 'NotFound', description: 'missing', correlationId: null, errors: [] },
  };
}

const CREATE = 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }';
const ADD = `mutation($customerId: ID!, $input: AddProviderInstanceInput!, $resellerId: UUID) {
  addProviderInstance(customerId: $customerId, input: $input, resellerId: $resellerId) { providerInstanceId }
}`;

describe('CloudCockpit wire format, recorded by an independent server', () => {
  let recorder: RecordingServer;
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    recorder = await startRecordingServer(cloudCockpit);
    stack = await startTestStack({ urls: { cloudCockpit: recorder.url }, timeoutMs: 1_000 });
    token = await signToken({ tenant: 'contoso.example' });
  });
  afterEach(() => {
    recorder.requests.length = 0;
    override = undefined;
  });
  afterAll(async () => {
    await stack.close();
    await recorder.close();
  });

  function expectDocumentedHeaders(request: RecordedRequest, correlationId: string) {
    expect(request.headers.authorization).toBe(`Bearer ${TEST_CREDENTIALS.cloudCockpit.token}`);
    expect(request.headers['x-tenant']).toBe('contoso.example');
    expect(request.headers['x-correlation-id']).toBe(correlationId);
  }

  it('createCustomer sends POST /v1/Customers with the documented body', async () => {
    const correlationId = randomUUID();
    const response = await graphql(
      url(),
      CREATE,
      { input: customerInput({ providerCustomers: [providerInstanceInput()] }) },
      {
        token,
        headers: { 'x-correlation-id': correlationId },
      },
    );
    expect(response.errors).toBeUndefined();
    const [post, get] = recorder.requests;
    expect(post!.method).toBe('POST');
    expect(post!.url).toBe('/v1/Customers');
    expect(post!.headers['content-type']).toMatch(/^application\/json/);
    expectDocumentedHeaders(post!, correlationId);

    const body = JSON.parse(post!.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      [
        'id',
        'companyName',
        'taxId',
        'country',
        'addressLine1',
        'addressLine2',
        'city',
        'state',
        'zip',
        'firstName',
        'middleName',
        'lastName',
        'email',
        'phone',
        'internalIdentifier',
        'resellerId',
        'providerCustomers',
        'customerAssociations',
      ].sort(),
    );
    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(body.resellerId).toBeNull();
    const entry = (body.providerCustomers as Record<string, Record<string, unknown>>)[MICROSOFT_INSTANCE]!;
    expect(Object.keys(entry).sort()).toEqual([
      'margin',
      'offerTypeMargins',
      'providerCustomerData',
      'providerInstanceId',
    ]);
    expect(entry.margin).toEqual({ marginRule: { name: 'markup' }, value: 10.6 });
    // The documents' own spelling: a `Value` dictionary of PascalCase margins.
    expect(entry.offerTypeMargins).toEqual({ Value: { license: { MarginRule: { Name: 'markup' }, Value: 10 } } });
    const data = JSON.parse(entry.providerCustomerData as string) as Record<string, unknown>;
    expect(Object.keys(data)).toEqual([
      'Domain',
      'CredentialsEmail',
      'AcceptedMCA',
      'AgreementDate',
      'KeepPrimaryInformation',
      'FirstName',
      'LastName',
      'Email',
      'Phone',
      'DefaultCulture',
      'Language',
      'AssociatedPartnerId',
      'Qualifications',
      'EnableGDAP',
    ]);
    expect(data.AgreementDate).toBe('2022-12-28T00:00:00Z');

    expect(get!.method).toBe('GET');
    expect(get!.url).toBe(`/v1/Customers/${String(body.id)}`);
    expectDocumentedHeaders(get!, correlationId);
  });

  it('addProviderInstance sends the documented path, body, and resellerId only for a CSP acting for a reseller', async () => {
    const customerId = randomUUID();
    const resellerId = randomUUID();
    const correlationId = randomUUID();
    const added = await graphql(
      url(),
      ADD,
      { customerId, input: providerInstanceInput(), resellerId },
      {
        token,
        headers: { 'x-correlation-id': correlationId },
      },
    );
    expect(added.errors).toBeUndefined();
    const post = recorder.requests.find((r) => r.method === 'POST')!;
    expect(post.url).toBe(`/v1/Customers/${customerId}/provider-instances?resellerId=${resellerId}`);
    expect(post.headers['content-type']).toMatch(/^application\/json/);
    expectDocumentedHeaders(post, correlationId);
    expect(Object.keys(JSON.parse(post.body) as object).sort()).toEqual([
      'margin',
      'offerTypeMargins',
      'providerCustomerData',
      'providerInstanceId',
    ]);
    // Its 201 carries no status: CloudCockpit's record is read only when a query selects the status.
    expect(recorder.requests.filter((r) => r.method === 'GET')).toEqual([]);

    recorder.requests.length = 0;
    const withStatus = await graphql(
      url(),
      ADD.replace('{ providerInstanceId }', '{ providerInstanceId status customerCreationError }'),
      { customerId, input: providerInstanceInput(), resellerId },
      { token, headers: { 'x-correlation-id': correlationId } },
    );
    expect(withStatus.errors).toBeUndefined();
    // One read for both fields, with the same headers.
    const reads = recorder.requests.filter((r) => r.method === 'GET');
    expect(reads.map((r) => r.url)).toEqual([`/v1/Customers/${customerId}`]);
    expectDocumentedHeaders(reads[0]!, correlationId);

    recorder.requests.length = 0;
    const direct = await graphql(url(), ADD, { customerId, input: providerInstanceInput() }, { token });
    expect(direct.errors).toBeUndefined();
    expect(recorder.requests.find((r) => r.method === 'POST')!.url).toBe(
      `/v1/Customers/${customerId}/provider-instances`,
    );

    recorder.requests.length = 0;
    const ownReseller = randomUUID();
    const reseller = await signToken({ roles: ['reseller'], resellerId: ownReseller });
    stored = { ...(stored ?? {}), id: customerId, resellerId: ownReseller, providerCustomers: {} };
    const resellerCorrelationId = randomUUID();
    const byReseller = await graphql(
      url(),
      ADD,
      { customerId, input: providerInstanceInput() },
      {
        token: reseller,
        headers: { 'x-correlation-id': resellerCorrelationId },
      },
    );
    expect(byReseller.errors).toBeUndefined();
    const resellerPost = recorder.requests.find((r) => r.method === 'POST')!;
    expect(resellerPost.url).toBe(`/v1/Customers/${customerId}/provider-instances`);
    expectDocumentedHeaders(resellerPost, resellerCorrelationId);
  });

  it('shows country and e-mail as CloudCockpit holds them, also where the input scalars would refuse them', async () => {
    // The documents say only "ISO 3166-1 alpha-2" and give no e-mail rule; what CloudCockpit keeps (older records,
    // other clients) is shown as kept: 'UK' is no ISO code and the EmailAddress scalar refuses 'josé@…'.
    const held = {
      ...customerInput({ country: 'UK', email: 'josé@example.pt' }),
      id: randomUUID(),
      resellerId: null,
      providerCustomers: {},
    };
    override = (request) =>
      request.method !== 'GET'
        ? undefined
        : request.url.startsWith('/v1/Customers?')
          ? { status: 200, body: { items: [held], pageNumber: 1, pageSize: 20, totalCount: 1 } }
          : { status: 200, body: held };
    const one = await graphql<{ customer: { country: string; email: string } }>(
      url(),
      'query($id: ID!) { customer(id: $id) { country email } }',
      { id: held.id },
      { token },
    );
    expect(one.errors).toBeUndefined();
    expect(one.data!.customer).toEqual({ country: 'UK', email: 'josé@example.pt' });
    const list = await graphql<{ customers: { nodes: { id: string; country: string }[] } }>(
      url(),
      'query { customers { nodes { id country } } }',
      {},
      { token },
    );
    expect(list.errors).toBeUndefined();
    expect(list.data!.customers.nodes).toEqual([{ id: held.id, country: 'UK' }]);
  });

  it('turns 5xx into UPSTREAM_ERROR without leaking the upstream body', async () => {
    override = () => ({
      status: 500,
      body: { statusCode: 500, type: 'Boom', description: 'SqlException at line 42', correlationId: 'c', errors: [] },
    });
    // A tenant with nothing in the ledger: there is no record to fall back to, so the outage is the answer.
    const fresh = await signToken({ tenant: 'nothing-provisioned.example' });
    const response = await graphql(url(), 'query { customers { totalCount } }', {}, { token: fresh });
    const [error] = response.errors!;
    expect(error!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      provider: 'CLOUDCOCKPIT',
      httpStatus: 500,
      correlationId: 'c',
    });
    expect(JSON.stringify(response)).not.toContain('SqlException');
    expect(error!.path).toEqual(['customers']);
  });

  it('turns 401 and 403 into FORBIDDEN', async () => {
    for (const status of [401, 403]) {
      override = () => ({ status });
      const response = await graphql(url(), 'query { customers { totalCount } }', {}, { token });
      expect(response.errors![0]!.extensions).toMatchObject({
        code: 'FORBIDDEN',
        provider: 'CLOUDCOCKPIT',
        httpStatus: status,
      });
    }
  });

  it('gives up on a CloudCockpit that does not answer in time, or stalls in the middle of its body', async () => {
    // The first call gets no answer at all; the second its headers and half a body, then nothing.
    let calls = 0;
    const stalling = createServer((request, response) => {
      request.resume();
      if (++calls === 1) return;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"items": [');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
    // Retries off: this is about the time limit alone (test/providers/policies.test.ts has the retries).
    const slow = await startTestStack({ urls: { cloudCockpit: url }, timeoutMs: 300, policy: { maxAttempts: 0 } });
    try {
      for (let attempt = 1; attempt <= 2; attempt++) {
        const response = await graphql(slow.server.url, 'query { customers { totalCount } }', {}, { token });
        expect(response.errors![0]!.message).toBe('CloudCockpit could not be reached in time');
        expect(response.errors![0]!.extensions).toMatchObject({
          code: 'UPSTREAM_ERROR',
          provider: 'CLOUDCOCKPIT',
          httpStatus: null,
        });
      }
      expect(calls).toBe(2);
    } finally {
      await slow.close();
      stalling.closeAllConnections();
      stalling.close();
    }
  });

  it('turns an unreachable CloudCockpit into UPSTREAM_ERROR with no status', async () => {
    const closedPort = await startTestStack({ urls: { cloudCockpit: 'http://127.0.0.1:9' } });
    try {
      const correlationId = randomUUID();
      const response = await graphql(
        closedPort.server.url,
        'query { customers { totalCount } }',
        {},
        {
          token,
          headers: { 'x-correlation-id': correlationId },
        },
      );
      expect(response.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        provider: 'CLOUDCOCKPIT',
        httpStatus: null,
        correlationId,
      });
    } finally {
      await closedPort.close();
    }
  });

  function url() {
    return stack.server.url;
  }
});
