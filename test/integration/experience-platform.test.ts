import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { RunningEmulator } from '../../emulators/toolkit/server.js';
import { startExperiencePlatformEmulator } from '../../emulators/experience-platform/emulator.js';
import { graphql, signToken, startTestStack, TEST_CREDENTIALS, type TestStack } from '../support/stack.js';

const RESULT = `
  message status errors pollRequired connectionString
  storedRequest { id imsOrgId timestamp }
  entitlement {
    __typename provider name sku location
    metrics { numberOfProfiles capacityCPU capacityStorage capacityBandwidth }
  }
  requestStatus {
    requestId status statusText done subscriptionId
    actions { name status statusText message reason attempts updatedAt }
  }`;

const PROVISION = `mutation Provision($input: ExperiencePlatformProvisioningInput!, $reprovision: Boolean) {
  provisionExperiencePlatform(input: $input, reprovision: $reprovision) { ${RESULT} }
}`;
const STATUS = `query Status($imsOrgId: String!, $requestId: String!) {
  experiencePlatformRequestStatus(imsOrgId: $imsOrgId, requestId: $requestId) { requestId status done actions { name status } }
}`;

type Provisioning = {
  storedRequest: { id: string; imsOrgId: string; timestamp: string };
  connectionString: string | null;
  requestStatus: { status: string; done: boolean } | null;
} & Record<string, unknown>;

function newOrg(): string {
  return `${randomBytes(12).toString('hex').toUpperCase()}@AdobeOrg`;
}

function provisioningInput(imsOrgId: string, overrides: { customer?: object; entitlement?: object } = {}) {
  return {
    customer: {
      name: 'Contoso Pizza',
      imsOrgId,
      contact: 'ana@contoso.example',
      tenantId: 'contosopizza',
      region: 'NLD2',
      ...overrides.customer,
    },
    entitlement: {
      valuePropId: 'rtcdp-prime',
      valuePropSKUID: '65304520CA01A12',
      location: 'EU',
      metrics: { numberOfProfiles: 1000000, capacityCPU: 8, capacityStorage: 500, capacityBandwidth: 100 },
      ...overrides.entitlement,
    },
    reports: {
      eccid: '1234567',
      startDate: '2025-01-01T00:00:00Z',
      endDate: '2025-12-31T00:00:00Z',
      recordOwner: 'owner@partner.example',
    },
  };
}

describe('Adobe Experience Platform provisioning over the emulator', () => {
  let emulator: RunningEmulator;
  let stack: TestStack;
  let url: string;
  let csp: string;
  let reseller: string;

  beforeAll(async () => {
    // The stack's own emulator runs with the npm start delay; this one completes at once.
    emulator = await startExperiencePlatformEmulator({
      ...TEST_CREDENTIALS.experiencePlatform,
      provisioningDelayMs: 0,
    });
    stack = await startTestStack({ urls: { experiencePlatform: emulator.url } });
    url = stack.server.url;
    csp = await signToken();
    reseller = await signToken({ roles: ['reseller'], resellerId: randomUUID() });
  });
  afterAll(async () => {
    await stack.close();
    await emulator.close();
  });

  it('provisions a customer and returns what Adobe stored, the entitlement, the secret and the progress', async () => {
    const org = newOrg();
    const callsBefore = emulator.calls.length;
    const response = await graphql<{ provisionExperiencePlatform: Provisioning }>(
      url,
      PROVISION,
      { input: provisioningInput(org) },
      { token: csp },
    );
    expect(response.errors).toBeUndefined();
    const result = response.data!.provisionExperiencePlatform;
    expect(result).toMatchObject({
      message: 'Provisioning request accepted',
      status: 202,
      errors: [],
      pollRequired: true,
      entitlement: {
        __typename: 'ExperiencePlatformEntitlement',
        provider: 'EXPERIENCE_PLATFORM',
        name: 'rtcdp-prime',
        sku: '65304520CA01A12',
        location: 'EU',
        metrics: { numberOfProfiles: '1000000', capacityCPU: '8', capacityStorage: '500', capacityBandwidth: '100' },
      },
      requestStatus: { status: 'COMPLETED', statusText: 'completed', done: true },
    });
    expect(result.storedRequest.imsOrgId).toBe(org);
    expect(result.storedRequest.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(result.storedRequest.timestamp) - Date.now())).toBeLessThan(60_000);
    expect(result.connectionString).toMatch(/^Endpoint=sb:\/\//);
    const status = result.requestStatus as unknown as {
      requestId: string;
      subscriptionId: string;
      actions: Record<string, unknown>[];
    };
    expect(status.requestId).toBe(result.storedRequest.id);
    expect(status.subscriptionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(status.actions).toHaveLength(3);
    expect(status.actions[0]).toMatchObject({ name: 'createSandbox', status: 'COMPLETED', attempts: 1, reason: null });
    expect(emulator.calls.slice(callsBefore).map((c) => `${c.method} ${c.path.split('?')[0]}`)).toEqual([
      'POST /provisioning/customer',
      'GET /provisioning/status',
    ]);
  });

  it('lets a reseller provision but not read the connection string, and still returns the rest', async () => {
    const response = await graphql<{ provisionExperiencePlatform: Provisioning }>(
      url,
      PROVISION,
      { input: provisioningInput(newOrg()) },
      { token: reseller },
    );
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.path).toEqual(['provisionExperiencePlatform', 'connectionString']);
    expect(response.errors![0]!.extensions.code).toBe('FORBIDDEN');
    const result = response.data!.provisionExperiencePlatform;
    expect(result.connectionString).toBeNull();
    expect(result.storedRequest.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.requestStatus).toMatchObject({ status: 'COMPLETED' });
  });

  it('refuses an anonymous caller before anything goes upstream', async () => {
    const callsBefore = emulator.calls.length;
    const response = await graphql(url, PROVISION, { input: provisioningInput(newOrg()) });
    expect(response.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(emulator.calls.length).toBe(callsBefore);
  });

  it('reports a second provisioning of the same value proposition at its input path, and re-provisions on request', async () => {
    const org = newOrg();
    const first = await graphql<{ provisionExperiencePlatform: Provisioning }>(
      url,
      PROVISION,
      { input: provisioningInput(org) },
      { token: csp },
    );
    expect(first.errors).toBeUndefined();

    const again = await graphql(url, PROVISION, { input: provisioningInput(org) }, { token: csp });
    expect(again.data).toBeNull();
    const [error] = again.errors!;
    expect(error!.path).toEqual(['provisionExperiencePlatform']);
    expect(error!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      provider: 'EXPERIENCE_PLATFORM',
      httpStatus: 400,
      fieldErrors: [
        { path: ['input', 'entitlement', 'valuePropId'], messages: [expect.stringMatching(/already provisioned/)] },
      ],
    });
    expect(error!.extensions.correlationId).toBe(again.extensions!.correlationId);
    expect(error!.message).toMatch(/already provisioned/);

    const reprovisioned = await graphql<{ provisionExperiencePlatform: Provisioning }>(
      url,
      PROVISION,
      { input: provisioningInput(org), reprovision: true },
      { token: csp },
    );
    expect(reprovisioned.errors).toBeUndefined();
    expect(reprovisioned.data!.provisionExperiencePlatform.message).toBe('Re-provisioning request accepted');
    expect(reprovisioned.data!.provisionExperiencePlatform.storedRequest.id).not.toBe(
      first.data!.provisionExperiencePlatform.storedRequest.id,
    );
  });

  it("maps the gateway's validation errors onto the GraphQL input, tenentId onto tenantId", async () => {
    const response = await graphql(
      url,
      PROVISION,
      {
        input: provisioningInput(newOrg(), {
          customer: { name: 'x'.repeat(256), tenantId: '' },
          entitlement: { valuePropSKUID: ' ' },
        }),
      },
      { token: csp },
    );
    const [error] = response.errors!;
    expect(error!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      provider: 'EXPERIENCE_PLATFORM',
      httpStatus: 400,
    });
    expect((error!.extensions.fieldErrors as { path: unknown[] }[]).map((f) => f.path)).toEqual([
      ['input', 'customer', 'name'],
      ['input', 'customer', 'tenantId'],
      ['input', 'entitlement', 'valuePropSKUID'],
    ]);
  });

  it('refuses a malformed organization id and an end before the start without calling Adobe', async () => {
    const callsBefore = emulator.calls.length;
    const input = provisioningInput('contoso');
    const response = await graphql(
      url,
      PROVISION,
      { input: { ...input, reports: { startDate: '2025-02-01T00:00:00Z', endDate: '2025-01-01T00:00:00Z' } } },
      { token: csp },
    );
    const [error] = response.errors!;
    expect(error!.extensions.code).toBe('BAD_USER_INPUT');
    expect(error!.extensions.provider).toBeUndefined();
    expect((error!.extensions.fieldErrors as { path: unknown[] }[]).map((f) => f.path)).toEqual([
      ['input', 'customer', 'imsOrgId'],
      ['input', 'reports', 'endDate'],
    ]);
    expect(emulator.calls.length).toBe(callsBefore);
  });

  it('sends metrics beyond 32 and 53 bits to Adobe as the exact decimal strings, and reads them back', async () => {
    const metrics = {
      numberOfProfiles: 9007199254740991, // 2^53 − 1, the largest exact JSON number
      capacityCPU: '9007199254740993', // 2^53 + 1, which a JSON number would turn into …992
      capacityStorage: '18446744073709551615', // 2^64 − 1 bytes: 20 digits
      capacityBandwidth: 3000000000, // past GraphQL's 32-bit Int
    };
    const expected = {
      numberOfProfiles: '9007199254740991',
      capacityCPU: '9007199254740993',
      capacityStorage: '18446744073709551615',
      capacityBandwidth: '3000000000',
    };
    const callsBefore = emulator.calls.length;
    const response = await graphql<{ provisionExperiencePlatform: Provisioning }>(
      url,
      PROVISION,
      { input: provisioningInput(newOrg(), { entitlement: { metrics } }) },
      { token: csp },
    );
    expect(response.errors).toBeUndefined();
    const [post] = emulator.calls.slice(callsBefore);
    expect((post!.body as { entitlement: { metrics: unknown } }).entitlement.metrics).toEqual(expected);
    expect(response.data!.provisionExperiencePlatform.entitlement).toMatchObject({ metrics: expected });
  });

  it('refuses a metric Adobe could not take, naming the field, before anything goes upstream', async () => {
    const callsBefore = emulator.calls.length;
    const refused = [-1, 1.5, 2 ** 53, '-1', '1.5', '1e3', 'abc', '', ' 8', '1'.repeat(21), true];
    for (const capacityStorage of refused) {
      const input = provisioningInput(newOrg(), { entitlement: { metrics: { capacityStorage } } });
      const response = await graphql(url, PROVISION, { input }, { token: csp });
      expect(response.status, JSON.stringify(capacityStorage)).toBe(400);
      expect(response.data).toBeUndefined();
      const [error] = response.errors!;
      expect(error!.extensions.code).toBe('BAD_USER_INPUT');
      expect(error!.message).toMatch(
        /^Variable "\$input" got invalid value .* at "input\.entitlement\.metrics\.capacityStorage"; Expected type "ExperiencePlatformQuantity"\. Must be /,
      );
    }
    // The same rules hold for a value written in the query itself, where GraphQL validation refuses it.
    const document = `mutation { provisionExperiencePlatform(input: {
        customer: { name: "Contoso", imsOrgId: "${newOrg()}", contact: "ana@contoso.example", tenantId: "c", region: "VA7" }
        entitlement: { valuePropId: "rtcdp", valuePropSKUID: "SKU", metrics: { capacityStorage: "1e3" } }
      }) { message } }`;
    const literal = await graphql(url, document, {}, { token: csp });
    expect(literal.errors![0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(literal.errors![0]!.message).toMatch(
      /^Expected value of type "ExperiencePlatformQuantity", found "1e3"; Must be decimal digits only/,
    );
    const line = document.split('\n')[2]!;
    // Located at the literal, as GraphQL validation names a field in the document.
    const { locations } = literal.errors![0] as { locations?: unknown };
    expect(locations).toEqual([{ line: 3, column: line.indexOf('"1e3"') + 1 }]);
    expect(emulator.calls.length).toBe(callsBefore);
  });

  it('follows a request by its id, and answers null for one Adobe does not know', async () => {
    const org = newOrg();
    const provisioned = await graphql<{ provisionExperiencePlatform: Provisioning }>(
      url,
      PROVISION,
      { input: provisioningInput(org) },
      { token: reseller },
    );
    const requestId = provisioned.data!.provisionExperiencePlatform.storedRequest.id;

    const status = await graphql(url, STATUS, { imsOrgId: org, requestId }, { token: reseller });
    expect(status.errors).toBeUndefined();
    expect(status.data).toEqual({
      experiencePlatformRequestStatus: {
        requestId,
        status: 'COMPLETED',
        done: true,
        actions: [
          { name: 'createSandbox', status: 'COMPLETED' },
          { name: 'createEventHub', status: 'COMPLETED' },
          { name: 'assignValueProposition', status: 'COMPLETED' },
        ],
      },
    });

    const unknown = await graphql(url, STATUS, { imsOrgId: org, requestId: randomUUID() }, { token: csp });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data).toEqual({ experiencePlatformRequestStatus: null });
    const otherOrg = await graphql(url, STATUS, { imsOrgId: newOrg(), requestId }, { token: csp });
    expect(otherOrg.data).toEqual({ experiencePlatformRequestStatus: null });
  });

  it("shows a request's status only to callers who see the provisioning that stored it", async () => {
    const org = newOrg();
    const provisioned = await graphql<{ provisionExperiencePlatform: Provisioning }>(
      url,
      PROVISION,
      { input: provisioningInput(org) },
      { token: reseller },
    );
    const variables = { imsOrgId: org, requestId: provisioned.data!.provisionExperiencePlatform.storedRequest.id };
    const statusAs = async (token: string) => {
      const response = await graphql<{ experiencePlatformRequestStatus: { requestId: string } | null }>(
        url,
        STATUS,
        variables,
        { token },
      );
      expect(response.errors).toBeUndefined();
      return response.data!.experiencePlatformRequestStatus?.requestId ?? null;
    };

    // The reseller who asked for it, and a CSP of its tenant, who sees every provisioning of the tenant.
    expect(await statusAs(reseller)).toBe(variables.requestId);
    expect(await statusAs(csp)).toBe(variables.requestId);
    // Adobe would answer both (its credentials are the partner's): the ledger says the request is not theirs.
    const callsBefore = emulator.calls.length;
    expect(await statusAs(await signToken({ roles: ['reseller'], resellerId: randomUUID() }))).toBeNull();
    expect(await statusAs(await signToken({ tenant: 'fabrikam.example' }))).toBeNull();
    expect(emulator.calls.length).toBe(callsBefore);
  });

  it('refuses a malformed organization id in a status query', async () => {
    const response = await graphql(
      url,
      STATUS,
      { imsOrgId: 'contoso\nx-evil: 1', requestId: randomUUID() },
      { token: csp },
    );
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['imsOrgId'] }],
    });
  });
});

describe('Adobe Experience Platform provisioning in progress, and refused credentials', () => {
  let slow: RunningEmulator;
  let otherCredentials: RunningEmulator;
  let slowStack: TestStack;
  let refusedStack: TestStack;

  beforeAll(async () => {
    [slow, otherCredentials] = await Promise.all([
      startExperiencePlatformEmulator({ ...TEST_CREDENTIALS.experiencePlatform, provisioningDelayMs: 60_000 }),
      startExperiencePlatformEmulator({
        token: 'another-token',
        imsAuthorization: 'another-gateway-token',
        provisioningDelayMs: 0,
      }),
    ]);
    [slowStack, refusedStack] = await Promise.all([
      startTestStack({ urls: { experiencePlatform: slow.url } }),
      startTestStack({ urls: { experiencePlatform: otherCredentials.url } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([slowStack.close(), refusedStack.close()]);
    await Promise.all([slow.close(), otherCredentials.close()]);
  });

  it('shows a provisioning still in progress as not done', async () => {
    const response = await graphql<{ provisionExperiencePlatform: Provisioning }>(
      slowStack.server.url,
      PROVISION,
      { input: provisioningInput(newOrg()) },
      { token: await signToken() },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.provisionExperiencePlatform.requestStatus).toMatchObject({
      status: 'IN_PROGRESS',
      statusText: 'inProgress',
      done: false,
    });
  });

  it("turns the gateway's 403 into FORBIDDEN with provider, status and correlation id", async () => {
    const correlationId = randomUUID();
    const response = await graphql(
      refusedStack.server.url,
      PROVISION,
      { input: provisioningInput(newOrg()) },
      { token: await signToken(), headers: { 'x-correlation-id': correlationId } },
    );
    expect(response.data).toBeNull();
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'FORBIDDEN',
      provider: 'EXPERIENCE_PLATFORM',
      httpStatus: 403,
      correlationId,
    });
    expect(otherCredentials.calls).toHaveLength(1);
  });
});
