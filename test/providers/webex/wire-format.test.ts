import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import {
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer,
  type Reply,
} from '../../support/recording-server.js';
import {
  graphql,
  recordWebexCustomers,
  signToken,
  startTestStack,
  TEST_CREDENTIALS,
  type TestStack,
} from '../../support/stack.js';

const CUSTOMER_ID = 'Y2lzY29zcGFyazovL3VzL0VOVEVSUFJJU0UvNTJjZjU3NmQtNjBhOC00MDdhLWIyMmMtNDY3YzUxNTkxOTA4';
const ORG_ID = 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi81MmNmNTc2ZC02MGE4LTQwN2EtYjIyYy00NjdjNTE1OTE5MDg';

/** Get a Wholesale Customer's example in the public reference. */
const WEBEX_CUSTOMER = {
  id: CUSTOMER_ID,
  orgId: ORG_ID,
  externalId: 'c1677a16-557a-4fb4-b48f-24adde57ec99',
  address: {
    addressLine1: '771 Alder Drive',
    addressLine2: 'Cisco Site 5',
    city: 'Milpitas',
    stateOrProvince: 'CA',
    zipOrPostalCode: '95035',
    country: 'US',
  },
  status: 'provisioned',
  packages: ['webex_calling'],
  resourceDetails: {
    packages: [
      {
        name: 'webex_calling',
        status: 'provisioned',
        warnings: [
          { errorCode: 2560, description: 'One or more Webex Calling services are unavailable due to maintenance.' },
        ],
        licenseIds: ['Y2lzY29zcGFyazovL3VzL0xJQ0VOU0Uv'],
      },
    ],
  },
};

let override: ((request: RecordedRequest) => Reply | undefined) | undefined;

function webex(request: RecordedRequest): Reply {
  const overridden = override?.(request);
  if (overridden) return overridden;
  const url = `https://webexapis.com/v1/wholesale/customers/${CUSTOMER_ID}`;
  if (request.method === 'POST') return { status: 202, headers: { Location: url }, body: { url } };
  if (request.url.startsWith('/v1/wholesale/customers?')) {
    return {
      status: 200,
      headers: { Link: '<https://webexapis.com/v1/wholesale/customers?offset=3&max=2>; rel="next"' },
      body: { items: [WEBEX_CUSTOMER, { ...WEBEX_CUSTOMER, id: 'second' }] },
    };
  }
  return { status: 200, body: WEBEX_CUSTOMER };
}

const PROVISION = `mutation($input: WholesaleCustomerInput!) {
  provisionWholesaleCustomer(input: $input) { id status orgId packages packageDetails { name status } }
}`;
const GET = `query($id: ID!) {
  wholesaleCustomer(id: $id) {
    id orgId externalId status packages
    address { addressLine1 addressLine2 city stateOrProvince zipOrPostalCode country }
    packageDetails { provider name package status warnings { errorCode description } errors { errorCode } }
    errors { errorCode }
  }
}`;
const LIST = `query($externalId: String, $status: WholesaleCustomerStatus, $first: Int, $after: String) {
  wholesaleCustomers(externalId: $externalId, status: $status, first: $first, after: $after) {
    nodes { id } edges { cursor } pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

function wholesaleInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const address = {
    addressLine1: '771 Alder Drive',
    addressLine2: 'Cisco Site 5',
    city: 'Milpitas',
    stateOrProvince: 'CA',
    zipOrPostalCode: '95035',
    country: 'US',
  };
  return {
    provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
    packages: ['COMMON_AREA_CALLING', 'WEBEX_CALLING', 'WEBEX_MEETINGS', 'WEBEX_SUITE', 'WEBEX_VOICE'],
    orgId: ORG_ID,
    externalId: 'c1677a16-557a-4fb4-b48f-24adde57ec99',
    address,
    customerInfo: { name: "John's Pizza", primaryEmail: 'john.anderson@acme.com', language: 'en' },
    provisioningParameters: {
      calling: {
        location: {
          name: 'Head Office',
          address,
          timezone: 'America/Los_Angeles',
          language: 'en_us',
          emergencyLocationIdentifier: '95547321',
        },
      },
      meetings: { timezone: 'America/Los_Angeles' },
    },
    ...overrides,
  };
}

describe('Webex Wholesale wire format, recorded by an independent server', () => {
  let recorder: RecordingServer;
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    recorder = await startRecordingServer(webex);
    stack = await startTestStack({ urls: { webex: recorder.url }, timeoutMs: 1_000 });
    token = await signToken();
    // A tenant reads only the Webex customers its provisionings made: these stand for such.
    await recordWebexCustomers(stack.ledger, [CUSTOMER_ID, 'second', 'a/b c']);
  });
  afterEach(() => {
    recorder.requests.length = 0;
    override = undefined;
  });
  afterAll(async () => {
    await stack.close();
    await recorder.close();
  });

  function expectWebexHeaders(request: RecordedRequest, correlationId: string) {
    expect(request.headers.authorization).toBe(`Bearer ${TEST_CREDENTIALS.webex.token}`);
    expect(request.headers.trackingid).toBe(correlationId);
    expect(request.headers.accept).toBe('application/json');
  }

  it('provisionWholesaleCustomer sends POST /v1/wholesale/customers with the document’s body, and reads the id from Location', async () => {
    const correlationId = randomUUID();
    const response = await graphql<{ provisionWholesaleCustomer: Record<string, unknown> }>(
      stack.server.url,
      PROVISION,
      { input: wholesaleInput() },
      { token, headers: { 'x-correlation-id': correlationId } },
    );
    expect(response.errors).toBeUndefined();
    expect(recorder.requests).toHaveLength(1);
    const [post] = recorder.requests;
    expect(post!.method).toBe('POST');
    expect(post!.url).toBe('/v1/wholesale/customers');
    expect(post!.headers['content-type']).toMatch(/^application\/json/);
    expectWebexHeaders(post!, correlationId);
    // The document's example, exactly.
    expect(JSON.parse(post!.body)).toEqual({
      provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
      packages: ['common_area_calling', 'webex_calling', 'webex_meetings', 'webex_suite', 'webex_voice'],
      orgId: ORG_ID,
      externalId: 'c1677a16-557a-4fb4-b48f-24adde57ec99',
      address: {
        addressLine1: '771 Alder Drive',
        addressLine2: 'Cisco Site 5',
        city: 'Milpitas',
        stateOrProvince: 'CA',
        zipOrPostalCode: '95035',
        country: 'US',
      },
      customerInfo: { name: "John's Pizza", primaryEmail: 'john.anderson@acme.com', language: 'en' },
      provisioningParameters: {
        calling: {
          location: {
            name: 'Head Office',
            address: {
              addressLine1: '771 Alder Drive',
              addressLine2: 'Cisco Site 5',
              city: 'Milpitas',
              stateOrProvince: 'CA',
              zipOrPostalCode: '95035',
              country: 'US',
            },
            timezone: 'America/Los_Angeles',
            language: 'en_us',
            emergencyLocationIdentifier: '95547321',
          },
        },
        meetings: { timezone: 'America/Los_Angeles' },
      },
    });
    expect(response.data!.provisionWholesaleCustomer).toEqual({
      id: CUSTOMER_ID,
      status: 'PROVISIONING',
      orgId: ORG_ID,
      packages: ['COMMON_AREA_CALLING', 'WEBEX_CALLING', 'WEBEX_MEETINGS', 'WEBEX_SUITE', 'WEBEX_VOICE'],
      packageDetails: [
        { name: 'common_area_calling', status: 'PROVISIONING' },
        { name: 'webex_calling', status: 'PROVISIONING' },
        { name: 'webex_meetings', status: 'PROVISIONING' },
        { name: 'webex_suite', status: 'PROVISIONING' },
        { name: 'webex_voice', status: 'PROVISIONING' },
      ],
    });
  });

  it('takes the id from the body’s url when Location is missing, and fails clearly without either', async () => {
    override = (r) =>
      r.method === 'POST'
        ? { status: 202, body: { url: 'https://webexapis.com/v1/wholesale/customers/from-body' } }
        : undefined;
    const fromBody = await graphql<{ provisionWholesaleCustomer: { id: string } }>(
      stack.server.url,
      PROVISION,
      { input: wholesaleInput() },
      { token },
    );
    expect(fromBody.data!.provisionWholesaleCustomer.id).toBe('from-body');

    override = (r) => (r.method === 'POST' ? { status: 202, body: {} } : undefined);
    const neither = await graphql(stack.server.url, PROVISION, { input: wholesaleInput() }, { token });
    expect(neither.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      provider: 'WEBEX_WHOLESALE',
      httpStatus: 202,
    });
  });

  it('wholesaleCustomer sends GET /v1/wholesale/customers/{id} and maps the public reference’s example', async () => {
    const correlationId = randomUUID();
    const response = await graphql<{ wholesaleCustomer: Record<string, unknown> }>(
      stack.server.url,
      GET,
      { id: CUSTOMER_ID },
      {
        token,
        headers: { 'x-correlation-id': correlationId },
      },
    );
    expect(response.errors).toBeUndefined();
    const [get] = recorder.requests;
    expect(get!.method).toBe('GET');
    expect(get!.url).toBe(`/v1/wholesale/customers/${CUSTOMER_ID}`);
    expect(get!.body).toBe('');
    expectWebexHeaders(get!, correlationId);
    expect(response.data!.wholesaleCustomer).toEqual({
      id: CUSTOMER_ID,
      orgId: ORG_ID,
      externalId: WEBEX_CUSTOMER.externalId,
      status: 'PROVISIONED',
      packages: ['WEBEX_CALLING'],
      address: WEBEX_CUSTOMER.address,
      packageDetails: [
        {
          provider: 'WEBEX_WHOLESALE',
          name: 'webex_calling',
          package: 'WEBEX_CALLING',
          status: 'PROVISIONED',
          warnings: [
            { errorCode: 2560, description: 'One or more Webex Calling services are unavailable due to maintenance.' },
          ],
          errors: [],
        },
      ],
      errors: [],
    });
  });

  it('escapes the id in the path, and reads a 404 as no customer', async () => {
    override = () => ({
      status: 404,
      body: { message: 'Customer not found.', errors: [{ description: 'Customer not found.' }], trackingId: 't' },
    });
    const response = await graphql(stack.server.url, GET, { id: 'a/b c' }, { token });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ wholesaleCustomer: null });
    expect(recorder.requests[0]!.url).toBe('/v1/wholesale/customers/a%2Fb%20c');
  });

  it('wholesaleCustomers sends offset, max and the filters, and pages on the Link header', async () => {
    const first = await graphql<{ wholesaleCustomers: { nodes: unknown[]; pageInfo: Record<string, unknown> } }>(
      stack.server.url,
      LIST,
      { externalId: 'ext-1', status: 'PROVISIONED_WITH_ERRORS', first: 2 },
      { token },
    );
    expect(first.errors).toBeUndefined();
    const [get] = recorder.requests;
    expect(get!.method).toBe('GET');
    const url = new URL(get!.url, 'http://recorder');
    expect(url.pathname).toBe('/v1/wholesale/customers');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      externalId: 'ext-1',
      status: 'provisioned_with_errors',
      offset: '0',
      max: '2',
    });
    expect(first.data!.wholesaleCustomers.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    recorder.requests.length = 0;
    await graphql(stack.server.url, LIST, { after: first.data!.wholesaleCustomers.pageInfo.endCursor }, { token });
    expect(Object.fromEntries(new URL(recorder.requests[0]!.url, 'http://recorder').searchParams)).toEqual({
      offset: '2',
      max: '20',
    });

    override = () => ({ status: 200, body: { items: [WEBEX_CUSTOMER] } });
    const last = await graphql<{ wholesaleCustomers: { pageInfo: { hasNextPage: boolean } } }>(
      stack.server.url,
      LIST,
      {},
      { token },
    );
    expect(last.data!.wholesaleCustomers.pageInfo.hasNextPage).toBe(false);
  });

  it('maps a 400’s descriptions onto the input, and reports Webex’s trackingId', async () => {
    override = () => ({
      status: 400,
      body: {
        message: 'Invalid request.',
        errors: [
          { description: 'address.addressLine1 must be 50 characters or fewer; it has 51.', errorCode: 4003 },
          { description: 'packages[1] is not a package.', errorCode: 4004 },
          { description: 'Something else went wrong.', errorCode: 4000 },
        ],
        trackingId: 'ROUTER_ABC',
      },
    });
    const response = await graphql(stack.server.url, PROVISION, { input: wholesaleInput() }, { token });
    const [error] = response.errors!;
    expect(error!.path).toEqual(['provisionWholesaleCustomer']);
    expect(error!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      provider: 'WEBEX_WHOLESALE',
      httpStatus: 400,
      correlationId: 'ROUTER_ABC',
      fieldErrors: [
        {
          path: ['input', 'address', 'addressLine1'],
          messages: ['address.addressLine1 must be 50 characters or fewer; it has 51.'],
        },
        { path: ['input', 'packages', 1], messages: ['packages[1] is not a package.'] },
      ],
    });
    expect(error!.message).toContain('Something else went wrong.');
  });

  it('passes a description on as one bounded line, never a multi-line dump', async () => {
    override = () => ({
      status: 400,
      body: {
        message: 'Invalid request.',
        errors: [{ description: `orgId is invalid.\n\tat com.cisco.Wholesale\n${'x'.repeat(2_000)}`, errorCode: 4000 }],
        trackingId: 'T',
      },
    });
    const response = await graphql(stack.server.url, PROVISION, { input: wholesaleInput() }, { token });
    const [error] = response.errors!;
    expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ path: ['input', 'orgId'] }] });
    const [message] = (error!.extensions.fieldErrors as { messages: string[] }[])[0]!.messages;
    expect(message).toMatch(/^orgId is invalid\. at com\.cisco\.Wholesale x+…$/);
    expect(message!.length).toBeLessThanOrEqual(501);
    expect(error!.message).not.toMatch(/[\n\t]/);
  });

  it('turns 409 into CONFLICT, and 423 and 429 into UPSTREAM_BUSY with Retry-After', async () => {
    override = () => ({
      status: 409,
      body: {
        message: 'Conflict',
        errors: [{ description: 'externalId is taken.', errorCode: 1 }],
        trackingId: 'T409',
      },
    });
    const conflict = await graphql(stack.server.url, PROVISION, { input: wholesaleInput() }, { token });
    expect(conflict.errors![0]!.extensions).toMatchObject({
      code: 'CONFLICT',
      provider: 'WEBEX_WHOLESALE',
      httpStatus: 409,
      correlationId: 'T409',
      fieldErrors: [{ path: ['input', 'externalId'] }],
    });

    for (const status of [423, 429]) {
      override = () => ({
        status,
        headers: { 'Retry-After': '17' },
        body: { message: 'Later', errors: [], trackingId: 'TB' },
      });
      const busy = await graphql(stack.server.url, LIST, {}, { token });
      expect(busy.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_BUSY',
        provider: 'WEBEX_WHOLESALE',
        httpStatus: status,
        retryAfterSeconds: 17,
      });
    }
  });

  it('turns 5xx into UPSTREAM_ERROR without leaking the body, keeping our correlation id when Webex sends none', async () => {
    override = () => ({ status: 500, body: 'java.lang.NullPointerException at com.cisco.wholesale' });
    const correlationId = randomUUID();
    const response = await graphql(
      stack.server.url,
      GET,
      { id: CUSTOMER_ID },
      { token, headers: { 'x-correlation-id': correlationId } },
    );
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      provider: 'WEBEX_WHOLESALE',
      httpStatus: 500,
      correlationId,
    });
    expect(JSON.stringify(response)).not.toContain('NullPointer');
  });

  it('turns 401 and 403 into FORBIDDEN', async () => {
    for (const status of [401, 403]) {
      override = () => ({ status, body: { message: 'no', errors: [{ description: 'no' }], trackingId: 'T' } });
      const response = await graphql(stack.server.url, GET, { id: CUSTOMER_ID }, { token });
      expect(response.errors![0]!.extensions).toMatchObject({
        code: 'FORBIDDEN',
        provider: 'WEBEX_WHOLESALE',
        httpStatus: status,
      });
    }
  });

  it('sends nothing for input refused here', async () => {
    const twice = wholesaleInput({ packages: ['WEBEX_CALLING', 'WEBEX_CALLING'] });
    const response = await graphql(stack.server.url, PROVISION, { input: twice }, { token });
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['input', 'packages', 1] }],
    });
    const page = await graphql(stack.server.url, LIST, { first: 101 }, { token });
    expect(page.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ path: ['first'] }] });
    expect(recorder.requests).toHaveLength(0);
  });

  it('turns an unreachable Webex into UPSTREAM_ERROR with no status', async () => {
    const closedPort = await startTestStack({ urls: { webex: 'http://127.0.0.1:9' } });
    try {
      await recordWebexCustomers(closedPort.ledger, [CUSTOMER_ID]);
      const correlationId = randomUUID();
      const response = await graphql(
        closedPort.server.url,
        GET,
        { id: CUSTOMER_ID },
        { token, headers: { 'x-correlation-id': correlationId } },
      );
      expect(response.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        provider: 'WEBEX_WHOLESALE',
        httpStatus: null,
        correlationId,
      });
    } finally {
      await closedPort.close();
    }
  });
});
