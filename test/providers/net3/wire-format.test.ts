import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { Net3Client } from '../../../src/providers/net3/client.js';
import {
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer,
  type Reply,
} from '../../support/recording-server.js';
import {
  graphql,
  signToken,
  startTestStack,
  TEST_CREDENTIALS,
  testPolicy,
  type TestStack,
} from '../../support/stack.js';

const LOGINS_COMPANY = 'cb3cd15b-1d6e-45be-b493-c71549cbfd87';
const USER_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

let override: ((request: RecordedRequest) => Reply | undefined) | undefined;

/** Net3 as modelled: the provisioned customer echoed back, with the ids it assigned (see wire.ts). */
function net3(request: RecordedRequest): Reply {
  const overridden = override?.(request);
  if (overridden) return overridden;
  const sent = JSON.parse(request.body) as { customer: Record<string, unknown> };
  const customer = JSON.stringify({ ...sent.customer, localId: 1001, n3TLogins_CompanyId: 'ab'.repeat(16) });
  return {
    status: 200,
    body: `{"customer":${customer},"created":"\\/Date(1700000005000-0000)\\/"}`,
  };
}

const PROVISION = `mutation($input: Net3ProvisioningInput!) {
  provisionNet3Customer(input: $input) {
    customer { customerId localId loginsCompanyId customerName isReseller }
    contacts { email roles }
    requestCreated
    created
  }
}`;

function fullInput(): Record<string, unknown> {
  return {
    customer: {
      customerId: 'crm-42',
      customerName: 'Contoso Pizza',
      streetAddress: '1200 Main St',
      cityStateZip: 'Columbia, SC 29201',
      phone: '+1 803 555 0100',
      extension: '12',
      email: 'office@contoso.example',
      localId: '77',
      serviceLevelId: 2,
      isReseller: false,
      parentCompanyId: 'PARENT-1',
      loginsCompanyId: LOGINS_COMPANY,
      lastUpdateDate: '2023-11-14T22:13:20Z',
      typeCustomerStatusId: 1,
      typePricingTierId: 3,
    },
    addresses: [
      {
        street: '1200 Main St',
        city: 'Columbia',
        state: 'SC',
        postalCode: '29201',
        telephone: '+1 803 555 0100',
        extension: '12',
        email: 'office@contoso.example',
        notes: 'Back door',
        primary: true,
      },
    ],
    contacts: [
      {
        firstName: 'Ana',
        lastName: 'Silva',
        email: 'ana@contoso.example',
        telephone: '+1 803 555 0101',
        roles: ['PRIMARY', 'CONTRACT_SIGNATORY'],
      },
    ],
    createdBy: {
      email: 'rep@partner.example',
      firstName: 'Rita',
      lastName: 'Rep',
      username: 'rrep',
      userId: USER_ID,
      companyId: LOGINS_COMPANY,
    },
    salesContact: 'rep@partner.example',
    requesterIP: '198.51.100.1',
    requestCreated: '2023-11-14T22:13:20.000Z',
  };
}

describe('Net3 wire format, recorded by an independent server', () => {
  let recorder: RecordingServer;
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    recorder = await startRecordingServer(net3);
    stack = await startTestStack({ urls: { net3: recorder.url }, timeoutMs: 1_000 });
    token = await signToken();
  });
  afterEach(() => {
    recorder.requests.length = 0;
    override = undefined;
  });
  afterAll(async () => {
    await stack.close();
    await recorder.close();
  });

  it('sends POST /provisioning/customer with the documented headers and the sample body’s exact spelling', async () => {
    const response = await graphql(stack.server.url, PROVISION, { input: fullInput() }, { token });
    expect(response.errors).toBeUndefined();
    expect(recorder.requests).toHaveLength(1);
    const [request] = recorder.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/provisioning/customer');
    expect(request!.headers.authorization).toBe(`Bearer ${TEST_CREDENTIALS.net3.apiKey}`);
    expect(request!.headers.accept).toBe('application/json');
    expect(request!.headers['content-type']).toBe('application/json');
    // Net3 documents no correlation header; nothing undocumented is sent.
    expect(request!.headers['x-correlation-id']).toBeUndefined();

    const raw = request!.body;
    // ServiceStack's own date form, slashes escaped in the JSON text itself.
    expect(raw).toContain('"lastUpdateDate":"\\/Date(1700000000000-0000)\\/"');
    expect(raw).toContain('"requestCreated":"\\/Date(1700000000000-0000)\\/"');
    const body = JSON.parse(raw) as Record<string, Record<string, unknown> & Record<string, unknown>[]>;
    expect(Object.keys(body)).toEqual([
      'customer',
      'addresses',
      'contacts',
      'createdBy',
      'salesContact',
      'requesterIP',
      'requestCreated',
    ]);
    expect(body.customer).toEqual({
      customerId: 'crm-42',
      customerName: 'Contoso Pizza',
      streetAddress: '1200 Main St',
      cityStateZip: 'Columbia, SC 29201',
      phone: '+1 803 555 0100',
      extension: '12',
      email: 'office@contoso.example',
      localId: 77,
      serviceLevelId: 2,
      isReseller: false,
      parentCompanyId: 'PARENT-1',
      n3TLogins_CompanyId: 'cb3cd15b1d6e45beb493c71549cbfd87',
      lastUpdateDate: '/Date(1700000000000-0000)/',
      typeCustomerStatusId: 1,
      typePricingTierId: 3,
    });
    expect(Object.keys(body.addresses![0]!)).toEqual([
      'street',
      'city',
      'state',
      'postalCode',
      'telephone',
      'extension',
      'email',
      'notes',
      'primary',
    ]);
    expect(body.contacts).toEqual([
      {
        firstName: 'Ana',
        lastName: 'Silva',
        email: 'ana@contoso.example',
        telephone: '+1 803 555 0101',
        roles: ['Primary', 'ContractSignatory'],
      },
    ]);
    expect(body.createdBy).toEqual({
      email: 'rep@partner.example',
      firstName: 'Rita',
      lastName: 'Rep',
      username: 'rrep',
      userId: '0f8fad5bd9cb469fa16570867728950e',
      companyId: 'cb3cd15b1d6e45beb493c71549cbfd87',
    });
    expect(body).toMatchObject({ salesContact: 'rep@partner.example', requesterIP: '198.51.100.1' });

    // And Net3's answer is read back: its ids, its escaped dates.
    expect(response.data).toEqual({
      provisionNet3Customer: {
        customer: {
          customerId: 'crm-42',
          localId: '1001',
          loginsCompanyId: 'abababab-abab-abab-abab-abababababab',
          customerName: 'Contoso Pizza',
          isReseller: false,
        },
        contacts: [{ email: 'ana@contoso.example', roles: ['PRIMARY', 'CONTRACT_SIGNATORY'] }],
        requestCreated: '2023-11-14T22:13:20.000Z',
        created: '2023-11-14T22:13:25.000Z',
      },
    });
  });

  it('leaves out what was not given, and fills requesterIP with the caller’s address and requestCreated with now', async () => {
    const before = Date.now();
    const input = {
      customer: { customerName: 'Contoso' },
      contacts: [{ firstName: 'Ana', lastName: 'Silva', email: 'ana@contoso.example', roles: ['PRIMARY'] }],
    };
    const response = await graphql(
      stack.server.url,
      PROVISION,
      { input },
      { token, headers: { 'x-forwarded-for': '203.0.113.7' } },
    );
    expect(response.errors).toBeUndefined();
    const raw = recorder.requests[0]!.body;
    const body = JSON.parse(raw) as { customer: Record<string, unknown>; requesterIP: string; requestCreated: string };
    expect(Object.keys(body)).toEqual(['customer', 'contacts', 'requesterIP', 'requestCreated']);
    expect(Object.keys(body.customer)).toEqual(['customerId', 'customerName']);
    expect(body.customer.customerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(body.requesterIP).toBe('203.0.113.7');
    expect(raw).toMatch(/"requestCreated":"\\\/Date\(\d+-0000\)\\\/"/);
    const sentAt = Number(/\((\d+)-0000\)/.exec(body.requestCreated)![1]);
    expect(sentAt).toBeGreaterThanOrEqual(before);
    expect(sentAt).toBeLessThanOrEqual(Date.now());
  });

  it('reads an empty answer as what was sent', async () => {
    override = () => ({ status: 200, body: '' });
    const response = await graphql<{ provisionNet3Customer: { customer: Record<string, unknown>; created: unknown } }>(
      stack.server.url,
      PROVISION,
      { input: fullInput() },
      { token },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.provisionNet3Customer.customer).toMatchObject({
      customerId: 'crm-42',
      localId: '77',
      loginsCompanyId: LOGINS_COMPANY,
    });
    expect(response.data!.provisionNet3Customer.created).toBeNull();
  });

  it('maps a ServiceStack validation error onto the input, and never passes its stack trace or raw body on', async () => {
    override = () => ({
      status: 400,
      body: {
        responseStatus: {
          errorCode: 'MaximumLength',
          message: "The length of 'Customer Name' must be 100 characters or fewer.",
          stackTrace:
            '[REQUEST: {customer:{customerId:crm-42}}]\nServiceStack.FluentValidation.ValidationException\n   at Net3.Secret.Frame()',
          errors: [
            {
              errorCode: 'MaximumLength',
              fieldName: 'Customer.CustomerName',
              message: "The length of 'Customer Name' must be 100 characters or fewer.",
              meta: { PropertyName: 'Customer Name' },
            },
            { errorCode: 'Email', fieldName: 'Contacts[0].Email', message: "'Email' is not a valid email address." },
            {
              errorCode: 'SerializationException',
              fieldName: 'Customer.N3TLogins_CompanyId',
              message: "'x' is an Invalid value for 'N3TLogins_CompanyId'",
            },
          ],
        },
      },
    });
    const response = await graphql(stack.server.url, PROVISION, { input: fullInput() }, { token });
    const [error] = response.errors!;
    expect(error!.path).toEqual(['provisionNet3Customer']);
    expect(error!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      provider: 'NET3',
      httpStatus: 400,
      correlationId: response.extensions!.correlationId,
    });
    expect(error!.extensions.fieldErrors).toEqual([
      {
        path: ['input', 'customer', 'customerName'],
        messages: ["The length of 'Customer Name' must be 100 characters or fewer."],
      },
      { path: ['input', 'contacts', 0, 'email'], messages: ["'Email' is not a valid email address."] },
      {
        path: ['input', 'customer', 'loginsCompanyId'],
        messages: ["'x' is an Invalid value for 'N3TLogins_CompanyId'"],
      },
    ]);
    const text = JSON.stringify(response);
    expect(text).not.toContain('Net3.Secret.Frame');
    expect(text).not.toContain('[REQUEST:');
    expect(text).not.toContain('ValidationException');
  });

  it.each([
    [401, 'FORBIDDEN'],
    [403, 'FORBIDDEN'],
    [409, 'CONFLICT'],
    [500, 'UPSTREAM_ERROR'],
    [503, 'UPSTREAM_ERROR'],
  ])('turns HTTP %i into %s, keeping a 5xx’s own message and stack trace to itself', async (status, code) => {
    override = () => ({
      status,
      body: {
        responseStatus: {
          errorCode: 'SqlException',
          message: 'Login failed for user sa; password=hunter2',
          stackTrace: 'at Net3.Db.Open()',
          errors:
            status >= 500
              ? [{ errorCode: 'SqlException', fieldName: 'Customer.CustomerName', message: 'column in db=hunter2' }]
              : [],
        },
      },
    });
    const response = await graphql(stack.server.url, PROVISION, { input: fullInput() }, { token });
    const [error] = response.errors!;
    // A server error's field entries describe Net3's internals, not our input: none is passed on.
    expect(error!.extensions).toMatchObject({ code, provider: 'NET3', httpStatus: status, fieldErrors: [] });
    expect(JSON.stringify(response)).not.toContain('Net3.Db.Open');
    if (status >= 500) expect(JSON.stringify(response)).not.toContain('hunter2');
  });

  it('passes Retry-After on', async () => {
    override = () => ({ status: 503, headers: { 'retry-after': '30' }, body: '' });
    const response = await graphql(stack.server.url, PROVISION, { input: fullInput() }, { token });
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', retryAfterSeconds: 30 });
  });

  it('turns ServiceStack’s plain-text 404 into NOT_FOUND', async () => {
    override = () => ({
      status: 404,
      headers: { 'content-type': 'text/plain' },
      body: 'Handler for Request not found (404)',
    });
    const response = await graphql(stack.server.url, PROVISION, { input: fullInput() }, { token });
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'NET3', httpStatus: 404 });
  });

  it('turns an unreachable Net3 into UPSTREAM_ERROR with no status', async () => {
    const closed = await startTestStack({ urls: { net3: 'http://127.0.0.1:9' } });
    try {
      const correlationId = randomUUID();
      const response = await graphql(
        closed.server.url,
        PROVISION,
        { input: fullInput() },
        { token, headers: { 'x-correlation-id': correlationId } },
      );
      expect(response.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        provider: 'NET3',
        httpStatus: null,
        correlationId,
      });
    } finally {
      await closed.close();
    }
  });
});

describe('Net3 client with user and password', () => {
  it('sends them as Basic', async () => {
    const recorder = await startRecordingServer(net3);
    try {
      const client = new Net3Client(
        {
          baseURL: recorder.url,
          policy: testPolicy('NET3', { timeoutMs: 1_000 }),
          credentials: { username: 'partner', password: 'p@ss:wörd' },
        },
        { correlationId: randomUUID(), logger: createLogger('silent') },
      );
      await client.provisionCustomer({ customer: { customerId: 'c', customerName: 'n' }, contacts: [] });
      expect(recorder.requests[0]!.headers.authorization).toBe(
        `Basic ${Buffer.from('partner:p@ss:wörd', 'utf8').toString('base64')}`,
      );
    } finally {
      await recorder.close();
    }
  });
});
