import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ExperiencePlatformClient } from '../../../src/providers/experience-platform/client.js';
import type { ProvisioningRequest, ProvisioningResponse } from '../../../src/providers/experience-platform/wire.js';
import {
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer,
  type Reply,
} from '../../support/recording-server.js';
import {
  graphql,
  recordExperiencePlatformRequest,
  signToken,
  startTestStack,
  TEST_CREDENTIALS,
  testPolicy,
  type TestStack,
} from '../../support/stack.js';

const ORG = '0123456789ABCDEF01234567@AdobeOrg';
const REQUEST_ID = '5b1f7f0e-7c2d-4b39-9a51-0d7c3f1e2a44';
const CONNECTION_STRING =
  'Endpoint=sb://aep-contoso.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0;EntityPath=rtcdp';

/** When set, answers instead of the default gateway below. */
let override: ((request: RecordedRequest) => Reply | undefined) | undefined;
let pollRequired = true;

/** A gateway answering as the document shows: the stored request echoes the body. */
function gateway(request: RecordedRequest): Reply {
  const overridden = override?.(request);
  if (overridden) return overridden;
  if (request.method === 'POST' && request.url.startsWith('/provisioning/customer')) {
    const stored = JSON.parse(request.body) as ProvisioningRequest;
    const response: ProvisioningResponse = {
      message: 'Provisioning request accepted',
      status: 202,
      connectionString: CONNECTION_STRING,
      errors: [],
      azureResponse: '{"provisioningState":"Accepted"}',
      storedRequest: { id: REQUEST_ID, imsOrgId: stored.customer.imsOrgId, stored, timestamp: 1_735_689_600_000 },
      pollRequired,
    };
    return { status: 200, body: response };
  }
  if (request.method === 'GET' && request.url.startsWith('/provisioning/status')) {
    return {
      status: 200,
      body: { status: 'inProgress', request: { id: REQUEST_ID, imsOrgId: ORG }, actionStatusList: [] },
    };
  }
  return { status: 404, body: { reason: 'No such resource', message: 'Not Found' } };
}

function provisioningInput(overrides: Record<string, unknown> = {}) {
  return {
    customer: {
      name: 'Contoso Pizza',
      imsOrgId: ORG,
      contact: 'ana@contoso.example',
      tenantId: 'contosopizza',
      region: 'NLD2',
    },
    entitlement: {
      valuePropId: 'rtcdp-prime',
      valuePropSKUID: '65304520CA01A12',
      location: 'EU',
      metrics: { numberOfProfiles: 1000000, capacityCPU: 8, capacityStorage: 500, capacityBandwidth: 100 },
    },
    reports: {
      eccid: '1234567',
      dealRegistrationNumber: 'DR-42',
      startDate: '2025-01-01T00:00:00Z',
      endDate: '2025-12-31T00:00:00Z',
      recordOwner: 'owner@partner.example',
    },
    ...overrides,
  };
}

const PROVISION = `mutation($input: ExperiencePlatformProvisioningInput!, $reprovision: Boolean) {
  provisionExperiencePlatform(input: $input, reprovision: $reprovision) {
    pollRequired storedRequest { id } requestStatus { status }
  }
}`;
const STATUS = `query($imsOrgId: String!, $requestId: String!) {
  experiencePlatformRequestStatus(imsOrgId: $imsOrgId, requestId: $requestId) { status }
}`;

describe('Experience Platform wire format, recorded by an independent server', () => {
  let recorder: RecordingServer;
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    recorder = await startRecordingServer(gateway);
    stack = await startTestStack({ urls: { experiencePlatform: recorder.url }, timeoutMs: 1_000 });
    token = await signToken();
    // A caller reads the status of its own requests only: those the status reads below ask for.
    for (const requestId of [REQUEST_ID, 'a b&c']) {
      await recordExperiencePlatformRequest(stack.ledger, { imsOrgId: ORG, requestId });
    }
  });
  afterAll(async () => {
    await stack.close();
    await recorder.close();
  });

  async function run(query: string, variables: Record<string, unknown>, correlationId = randomUUID()) {
    recorder.requests.length = 0;
    const response = await graphql(stack.server.url, query, variables, {
      token,
      headers: { 'x-correlation-id': correlationId },
    });
    return { response, correlationId };
  }

  function expectGatewayHeaders(request: RecordedRequest) {
    // Adobe's gateway takes both IMS tokens with the Bearer scheme.
    expect(request.headers.authorization).toBe(`Bearer ${TEST_CREDENTIALS.experiencePlatform.token}`);
    expect(request.headers['x-gw-ims-authorization']).toBe(
      `Bearer ${TEST_CREDENTIALS.experiencePlatform.imsAuthorization}`,
    );
    expect(request.headers['x-gw-ims-org-id']).toBe(ORG);
    // Exactly the document's headers: no tracing header of our own.
    expect(request.headers['x-request-id']).toBeUndefined();
  }

  it("provisions with POST /provisioning/customer, no query, and the document's body", async () => {
    pollRequired = true;
    const { response } = await run(PROVISION, { input: provisioningInput() });
    expect(response.errors).toBeUndefined();
    const [post, get] = recorder.requests;
    expect(post!.method).toBe('POST');
    expect(post!.url).toBe('/provisioning/customer');
    expect(post!.headers['content-type']).toMatch(/^application\/json/);
    expectGatewayHeaders(post!);

    const body = JSON.parse(post!.body) as Record<string, Record<string, unknown>>;
    expect(Object.keys(body)).toEqual(['customer', 'entitlement', 'reports']);
    // `tenentId` (sic), as the gateway spells it.
    expect(Object.keys(body.customer!)).toEqual(['name', 'imsOrgId', 'contact', 'tenentId', 'region']);
    expect(body.customer!.tenentId).toBe('contosopizza');
    expect(Object.keys(body.entitlement!)).toEqual(['valuePropId', 'valuePropSKUID', 'location', 'metrics']);
    // Every value a string, as the document types them: metrics in decimal digits.
    expect(body.entitlement!.metrics).toEqual({
      numberOfProfiles: '1000000',
      capacityCPU: '8',
      capacityStorage: '500',
      capacityBandwidth: '100',
    });
    expect(body.reports).toEqual({
      eccid: '1234567',
      dealRegistrationNumber: 'DR-42',
      startDate: '2025-01-01T00:00:00.000Z',
      endDate: '2025-12-31T00:00:00.000Z',
      recordOwner: 'owner@partner.example',
    });

    // requestStatus reads GET /provisioning/status for the stored request.
    expect(get!.method).toBe('GET');
    expect(get!.url).toBe(`/provisioning/status?request=${REQUEST_ID}`);
    expect(get!.body).toBe('');
    expectGatewayHeaders(get!);
    expect(recorder.requests).toHaveLength(2);
  });

  it("sends a metric past 2^53 as the very digits given, and answers Adobe's as it stored them, null when not digits", async () => {
    const metrics = { numberOfProfiles: 9007199254740991, capacityStorage: '9007199254740993' };
    override = (request) => {
      if (request.method !== 'POST') return undefined;
      const stored = JSON.parse(request.body) as ProvisioningRequest;
      // What a gateway might hold that the document's strings allow but no quantity is.
      stored.entitlement.metrics = { ...stored.entitlement.metrics, capacityCPU: '8 cores', capacityBandwidth: '1.5' };
      return {
        status: 200,
        body: { storedRequest: { id: REQUEST_ID, imsOrgId: ORG, stored, timestamp: 0 }, pollRequired: false },
      };
    };
    try {
      const { response } = await run(
        `mutation($input: ExperiencePlatformProvisioningInput!) {
          provisionExperiencePlatform(input: $input) {
            entitlement { metrics { numberOfProfiles capacityCPU capacityStorage capacityBandwidth } }
          }
        }`,
        { input: provisioningInput({ entitlement: { ...provisioningInput().entitlement, metrics } }) },
      );
      // The raw text: no JSON number anywhere in between.
      expect(recorder.requests[0]!.body).toContain(
        '"metrics":{"numberOfProfiles":"9007199254740991","capacityStorage":"9007199254740993"}',
      );
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({
        provisionExperiencePlatform: {
          entitlement: {
            metrics: {
              numberOfProfiles: '9007199254740991',
              capacityCPU: null,
              capacityStorage: '9007199254740993',
              capacityBandwidth: null,
            },
          },
        },
      });
    } finally {
      override = undefined;
    }
  });

  it('sends reprovision only when given, as true or false', async () => {
    await run(PROVISION, { input: provisioningInput(), reprovision: true });
    expect(recorder.requests[0]!.url).toBe('/provisioning/customer?reprovision=true');
    await run(PROVISION, { input: provisioningInput(), reprovision: false });
    expect(recorder.requests[0]!.url).toBe('/provisioning/customer?reprovision=false');
    await run(PROVISION, { input: provisioningInput(), reprovision: null });
    expect(recorder.requests[0]!.url).toBe('/provisioning/customer');
  });

  it('reads no status when pollRequired is false', async () => {
    pollRequired = false;
    try {
      const { response } = await run(PROVISION, { input: provisioningInput() });
      expect(response.data).toEqual({
        provisionExperiencePlatform: { pollRequired: false, storedRequest: { id: REQUEST_ID }, requestStatus: null },
      });
      expect(recorder.requests.map((r) => r.method)).toEqual(['POST']);
    } finally {
      pollRequired = true;
    }
  });

  it('reads a status with GET /provisioning/status?request=<id> and the organization header', async () => {
    const { response } = await run(STATUS, { imsOrgId: ORG, requestId: 'a b&c' });
    expect(response.data).toEqual({ experiencePlatformRequestStatus: { status: 'IN_PROGRESS' } });
    const [get] = recorder.requests;
    expect(get!.url).toBe('/provisioning/status?request=a+b%26c');
    expectGatewayHeaders(get!);
  });

  it('answers null for a status the gateway could not find (its 500)', async () => {
    override = (request) =>
      request.method === 'GET'
        ? { status: 500, body: { reason: 'Provisioning Status could not be found', message: 'Internal Server error' } }
        : undefined;
    try {
      const { response } = await run(STATUS, { imsOrgId: ORG, requestId: REQUEST_ID });
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ experiencePlatformRequestStatus: null });
    } finally {
      override = undefined;
    }
  });

  it('turns a 400 into BAD_USER_INPUT at the input path its reason names', async () => {
    override = () => ({
      status: 400,
      body: {
        reason: 'customer.tenentId: is required; entitlement.metrics.capacityCPU: is too large',
        message: 'Unable to process the input request. Please verify the input.',
      },
    });
    try {
      const { response, correlationId } = await run(PROVISION, { input: provisioningInput() });
      const [error] = response.errors!;
      expect(error!.path).toEqual(['provisionExperiencePlatform']);
      expect(error!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        provider: 'EXPERIENCE_PLATFORM',
        httpStatus: 400,
        correlationId,
        fieldErrors: [
          { path: ['input', 'customer', 'tenantId'], messages: ['is required'] },
          { path: ['input', 'entitlement', 'metrics', 'capacityCPU'], messages: ['is too large'] },
        ],
      });
    } finally {
      override = undefined;
    }
  });

  it("turns a 403 into FORBIDDEN and a 500 into UPSTREAM_ERROR, never repeating the 500's reason", async () => {
    try {
      override = () => ({ status: 403, body: { reason: 'Invalid gateway token', message: 'Forbidden' } });
      const forbidden = (await run(PROVISION, { input: provisioningInput() })).response;
      expect(forbidden.errors![0]!.extensions).toMatchObject({
        code: 'FORBIDDEN',
        provider: 'EXPERIENCE_PLATFORM',
        httpStatus: 403,
      });

      override = () => ({
        status: 500,
        body: { reason: 'NullPointerException at AzureProvisioner.java:42', message: 'Internal Server error' },
      });
      const { response, correlationId } = await run(PROVISION, { input: provisioningInput() });
      expect(response.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        provider: 'EXPERIENCE_PLATFORM',
        httpStatus: 500,
        correlationId,
      });
      expect(JSON.stringify(response)).not.toContain('NullPointerException');
    } finally {
      override = undefined;
    }
  });

  it('turns an unreachable gateway into UPSTREAM_ERROR with no status', async () => {
    const closedPort = await startTestStack({ urls: { experiencePlatform: 'http://127.0.0.1:9' } });
    try {
      const response = await graphql(closedPort.server.url, PROVISION, { input: provisioningInput() }, { token });
      expect(response.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        provider: 'EXPERIENCE_PLATFORM',
        httpStatus: null,
      });
    } finally {
      await closedPort.close();
    }
  });
});

describe('Experience Platform client', () => {
  let recorder: RecordingServer;
  beforeAll(async () => {
    recorder = await startRecordingServer(gateway);
  });
  afterAll(() => recorder.close());

  function clientWith(baseURL: string, token: string, imsAuthorization: string, logs: string[]) {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    return new ExperiencePlatformClient(
      { baseURL, policy: testPolicy('EXPERIENCE_PLATFORM', { timeoutMs: 1_000 }), token, imsAuthorization },
      { correlationId: randomUUID(), logger },
    );
  }

  const body: ProvisioningRequest = {
    customer: { name: 'Contoso', imsOrgId: ORG, contact: 'ana@contoso.example', tenentId: 'contoso', region: 'VA7' },
    entitlement: { valuePropId: 'rtcdp', valuePropSKUID: 'SKU' },
  };

  it("asks for an organization's latest request with GET /provisioning/status and only the organization header", async () => {
    recorder.requests.length = 0;
    const client = clientWith(recorder.url, 'ims-token', 'gateway-token', []);
    const other = '76543210FEDCBA9876543210@AdobeOrg';
    // Two organizations at once: the same URL, but each asked about, not one answered from the other's call.
    const [latest] = await Promise.all([
      client.getLatestProvisioningStatus(ORG),
      client.getLatestProvisioningStatus(other),
    ]);
    expect(latest).toMatchObject({ status: 'inProgress', request: { id: REQUEST_ID } });
    expect(recorder.requests.map((r) => [r.method, r.url, r.headers['x-gw-ims-org-id']]).sort()).toEqual([
      ['GET', '/provisioning/status', ORG],
      ['GET', '/provisioning/status', other],
    ]);
    override = () => ({
      status: 500,
      body: { reason: 'Provisioning Status could not be found', message: 'Internal Server error' },
    });
    try {
      expect(await client.getLatestProvisioningStatus(ORG)).toBeNull();
    } finally {
      override = undefined;
    }
  });

  it('sends a configured token that already carries the Bearer scheme as it is', async () => {
    recorder.requests.length = 0;
    await clientWith(recorder.url, 'Bearer ims-token', 'gateway-token', []).provision(body, null);
    expect(recorder.requests[0]!.headers.authorization).toBe('Bearer ims-token');
    expect(recorder.requests[0]!.headers['x-gw-ims-authorization']).toBe('Bearer gateway-token');
  });

  it('logs neither the tokens nor the connection string, also when the gateway cannot be reached', async () => {
    const logs: string[] = [];
    const answered = await clientWith(recorder.url, 'secret-ims-token', 'secret-gateway-token', logs).provision(
      body,
      true,
    );
    expect(answered.connectionString).toBe(CONNECTION_STRING);
    await expect(
      clientWith('http://127.0.0.1:9', 'secret-ims-token', 'secret-gateway-token', logs).provision(body, null),
    ).rejects.toThrow(/could not be reached/);
    expect(logs.length).toBeGreaterThan(0);
    const text = logs.join('\n');
    expect(text).not.toContain('secret-ims-token');
    expect(text).not.toContain('secret-gateway-token');
    expect(text).not.toContain('SharedAccessKey');
  });
});
