import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { RunningEmulator } from '../../../emulators/toolkit/server.js';
import { callEmulator, type EmulatorCallOptions, type EmulatorReply } from '../../support/emulator-call.js';
import { startExperiencePlatformEmulator } from '../../../emulators/experience-platform/emulator.js';
import type {
  ErrorResponse,
  OrgStatusResponse,
  ProvisioningRequest,
  ProvisioningResponse,
} from '../../../src/providers/experience-platform/wire.js';

const TOKEN = 'aep-emulator-token';
const GATEWAY_TOKEN = 'aep-emulator-gateway-token';

/** Requires TOKEN and GATEWAY_TOKEN; provisioning completes at once. */
let emulator: RunningEmulator;
/** Any tokens; provisioning takes a minute. */
let slow: RunningEmulator;

beforeAll(async () => {
  [emulator, slow] = await Promise.all([
    startExperiencePlatformEmulator({ token: TOKEN, imsAuthorization: GATEWAY_TOKEN, provisioningDelayMs: 0 }),
    startExperiencePlatformEmulator({ provisioningDelayMs: 60_000 }),
  ]);
});

afterAll(async () => {
  await Promise.all([emulator?.close(), slow?.close()]);
});

// ───────────── helpers ─────────────

/** A fresh organization per test keeps tests independent of each other's data. */
function newOrg(): string {
  return `${randomBytes(12).toString('hex').toUpperCase()}@AdobeOrg`;
}

function request(
  org: string,
  overrides: { customer?: object; entitlement?: object; reports?: object } = {},
): ProvisioningRequest {
  return {
    customer: {
      name: 'Contoso Pizza',
      imsOrgId: org,
      contact: 'ana@contoso.example',
      tenentId: 'contosopizza',
      region: 'NLD2',
      ...overrides.customer,
    },
    entitlement: {
      valuePropId: 'rtcdp-prime',
      valuePropSKUID: '65304520CA01A12',
      location: 'EU',
      metrics: { numberOfProfiles: '1000000', capacityCPU: '8', capacityStorage: '500', capacityBandwidth: '100' },
      ...overrides.entitlement,
    },
    reports: {
      eccid: '1234567',
      dealRegistrationNumber: 'DR-42',
      startDate: '2025-01-01T00:00:00.000Z',
      endDate: '2025-12-31T00:00:00.000Z',
      recordOwner: 'owner@partner.example',
      ...overrides.reports,
    },
  };
}

interface CallOptions extends EmulatorCallOptions {
  /** null: no header; otherwise the whole header value. */
  authorization?: string | null;
  gateway?: string | null;
  org?: string | null;
  on?: RunningEmulator;
}

function call<T = unknown>(path: string, options: CallOptions = {}): Promise<EmulatorReply<T>> {
  return callEmulator<T>(`${(options.on ?? emulator).url}${path}`, {
    ...options,
    headers: {
      Authorization: options.authorization === undefined ? `Bearer ${TOKEN}` : options.authorization,
      'x-gw-ims-authorization': options.gateway === undefined ? `Bearer ${GATEWAY_TOKEN}` : options.gateway,
      'x-gw-ims-org-id': options.org,
    },
  });
}

/** POSTs a provisioning request with the org header taken from the body unless told otherwise. */
function provision(body: ProvisioningRequest | unknown, options: CallOptions & { query?: string } = {}) {
  const org = (body as ProvisioningRequest | undefined)?.customer?.imsOrgId;
  return call<ProvisioningResponse & ErrorResponse>(`/provisioning/customer${options.query ?? ''}`, {
    org: typeof org === 'string' ? org : null,
    ...options,
    body,
  });
}

function expectRejection(reply: EmulatorReply, status: number, reason: RegExp) {
  expect(reply.status).toBe(status);
  const body = reply.json as ErrorResponse;
  expect(Object.keys(body).sort()).toEqual(['message', 'reason']);
  expect(body.reason).toMatch(reason);
}

// ───────────── tests ─────────────

describe('Experience Platform emulator: provisioning', () => {
  it('provisions a customer and answers with the stored request, a connection string and pollRequired', async () => {
    const org = newOrg();
    const before = Date.now();
    const reply = await provision(request(org));
    expect(reply.status).toBe(200);
    const body = reply.json;
    expect(body.pollRequired).toBe(true);
    expect(body.errors).toEqual([]);
    expect(body.connectionString).toMatch(
      /^Endpoint=sb:\/\/aep-contosopizza\.servicebus\.windows\.net\/;.*SharedAccessKey=/,
    );
    expect(body.storedRequest).toMatchObject({ imsOrgId: org, stored: request(org) });
    expect(body.storedRequest!.id).toMatch(/^[0-9a-f-]{36}$/);
    // Epoch milliseconds.
    expect(body.storedRequest!.timestamp).toBeGreaterThanOrEqual(before);
    expect(body.storedRequest!.timestamp).toBeLessThanOrEqual(Date.now());
  });

  it('accepts a request with only the required fields', async () => {
    const org = newOrg();
    const minimal = {
      customer: { name: 'Contoso', imsOrgId: org, contact: 'ana@contoso.example', tenentId: 'contoso', region: 'VA7' },
      entitlement: { valuePropId: 'rtcdp', valuePropSKUID: 'SKU1' },
    };
    const reply = await provision(minimal);
    expect(reply.status).toBe(200);
    expect(reply.json.storedRequest!.stored).toEqual(minimal);
  });

  it('refuses an organization already provisioned with the value proposition unless reprovision=true', async () => {
    const org = newOrg();
    const first = await provision(request(org));
    expect(first.status).toBe(200);

    expectRejection(
      await provision(request(org)),
      400,
      /^entitlement\.valuePropId: .*already provisioned.*reprovision=true/,
    );
    expectRejection(await provision(request(org), { query: '?reprovision=false' }), 400, /already provisioned/);

    const again = await provision(request(org), { query: '?reprovision=true' });
    expect(again.status).toBe(200);
    expect(again.json.message).toMatch(/Re-provisioning/);
    expect(again.json.storedRequest!.id).not.toBe(first.json.storedRequest!.id);

    // Another value proposition, or another organization, is a new provisioning.
    expect((await provision(request(org, { entitlement: { valuePropId: 'ajo' } }))).status).toBe(200);
    expect((await provision(request(newOrg()))).status).toBe(200);
  });

  it('counts every provisioning it accepts under <imsOrgId>:<valuePropId>, a refused duplicate not, a reprovision again', async () => {
    const org = newOrg();
    const key = `${org}:rtcdp-prime`;
    expect((await provision(request(org))).status).toBe(200);
    expect((await provision(request(org))).status).toBe(400);
    expect(emulator.created.get(key)).toBe(1);
    expect((await provision(request(org), { query: '?reprovision=true' })).status).toBe(200);
    expect(emulator.created.get(key)).toBe(2);
  });

  it('re-provisions an organization not yet provisioned as a first provisioning', async () => {
    const reply = await provision(request(newOrg()), { query: '?reprovision=TRUE' });
    expect(reply.status).toBe(200);
    expect(reply.json.message).toBe('Provisioning request accepted');
  });

  it('refuses a reprovision value other than true or false', async () => {
    expectRejection(
      await provision(request(newOrg()), { query: '?reprovision=yes' }),
      400,
      /^reprovision: must be true or false$/,
    );
  });

  it('records every call, also the rejected ones', async () => {
    const org = newOrg();
    const before = emulator.calls.length;
    await provision(request(org), { authorization: null });
    const recorded = emulator.calls.slice(before);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ method: 'POST', path: '/provisioning/customer', body: request(org) });
    expect(recorded[0]!.headers['x-gw-ims-org-id']).toBe(org);
  });
});

describe('Experience Platform emulator: authentication and headers', () => {
  const org = newOrg();

  it('answers 403 without Authorization, with another token, or without the Bearer scheme', async () => {
    expectRejection(await provision(request(org), { authorization: null }), 403, /^Authorization:/);
    expectRejection(await provision(request(org), { authorization: 'Bearer someone-else' }), 403, /^Authorization:/);
    expectRejection(await provision(request(org), { authorization: TOKEN }), 403, /^Authorization:/);
  });

  it('answers 403 without x-gw-ims-authorization, with another token, or without the Bearer scheme', async () => {
    expectRejection(await provision(request(org), { gateway: null }), 403, /^x-gw-ims-authorization:/);
    expectRejection(await provision(request(org), { gateway: 'Bearer someone-else' }), 403, /^x-gw-ims-authorization:/);
    expectRejection(await provision(request(org), { gateway: GATEWAY_TOKEN }), 403, /^x-gw-ims-authorization:/);
  });

  it('accepts any Bearer tokens when none is configured, and the scheme in any case', async () => {
    const reply = await provision(request(newOrg()), {
      on: slow,
      authorization: 'bearer anything',
      gateway: 'BEARER other',
    });
    expect(reply.status).toBe(200);
  });

  it("answers 400 without x-gw-ims-org-id, and when it is not the customer's organization", async () => {
    expectRejection(await provision(request(org), { org: null }), 400, /^x-gw-ims-org-id: the header is required$/);
    expectRejection(
      await provision(request(org), { org: newOrg() }),
      400,
      /^x-gw-ims-org-id: must be the organization of customer\.imsOrgId$/,
    );
  });

  it('answers 415 for another media type and 400 for a missing, malformed or non-object body', async () => {
    expectRejection(await provision(request(org), { contentType: 'text/plain' }), 415, /Content-Type/);
    expectRejection(
      await call('/provisioning/customer', { method: 'POST', org, contentType: 'application/json' }),
      400,
      /^body: /,
    );
    expectRejection(
      await call('/provisioning/customer', { org, rawBody: '{"customer":' }),
      400,
      /^body: is not valid JSON$/,
    );
    expectRejection(
      await call('/provisioning/customer', { org, body: [request(org)] }),
      400,
      /^body: must be a JSON object$/,
    );
  });

  it('answers 404 for an unknown path and 405 for another method', async () => {
    expect((await call('/provisioning/customers', { org, body: request(org) })).status).toBe(404);
    const wrongMethod = await call('/provisioning/customer', { method: 'PUT', org, body: request(org) });
    expect(wrongMethod.status).toBe(405);
  });
});

describe('Experience Platform emulator: validation of the body', () => {
  it('requires the customer and the entitlement objects', async () => {
    const org = newOrg();
    const reply = await provision({ reports: {} }, { org });
    expectRejection(reply, 400, /customer: is required/);
    expect((reply.json as ErrorResponse).reason).toMatch(/entitlement: is required/);
    expectRejection(
      await provision({ customer: 'x', entitlement: [] }, { org }),
      400,
      /^customer: must be a JSON object; entitlement: must be a JSON object$/,
    );
  });

  it('requires every customer field, and reports all problems at once', async () => {
    const org = newOrg();
    const reply = await provision({ customer: { imsOrgId: org }, entitlement: request(org).entitlement }, { org });
    expectRejection(reply, 400, /customer\.name: is required/);
    expect((reply.json as ErrorResponse).reason.split('; ')).toEqual([
      'customer.name: is required',
      'customer.contact: is required',
      'customer.tenentId: is required',
      'customer.region: is required',
    ]);
  });

  it('refuses blank and overlong names', async () => {
    const org = newOrg();
    expectRejection(
      await provision(request(org, { customer: { name: '  ' } })),
      400,
      /^customer\.name: must not be blank$/,
    );
    expectRejection(
      await provision(request(org, { customer: { name: 'x'.repeat(256) } })),
      400,
      /^customer\.name: must be at most 255 characters$/,
    );
  });

  it("requires an IMS organization id in Adobe's <24 hex>@AdobeOrg form", async () => {
    for (const imsOrgId of [
      '0123456789ABCDEF0123456@AdobeOrg',
      '0123456789ABCDEF0123456G@AdobeOrg',
      '0123456789ABCDEF01234567',
      '0123456789ABCDEF01234567@adobeorg',
    ]) {
      expectRejection(await provision(request(imsOrgId)), 400, /^customer\.imsOrgId: must be an IMS organization id/);
    }
    expect((await provision(request(`${randomBytes(12).toString('hex')}@AdobeOrg`))).status).toBe(200);
  });

  it('requires the contact to be an e-mail address', async () => {
    const org = newOrg();
    expectRejection(
      await provision(request(org, { customer: { contact: 'Ana Silva' } })),
      400,
      /^customer\.contact: must be an e-mail address$/,
    );
  });

  it('reads the tenant only as tenentId: a body spelling it tenantId is missing its tenant', async () => {
    const org = newOrg();
    const body = request(org);
    const { tenentId, ...customer } = body.customer;
    const reply = await provision({ ...body, customer: { ...customer, tenantId: tenentId } });
    expectRejection(reply, 400, /^customer\.tenentId: is required \(the gateway reads tenentId, not tenantId\)$/);
  });

  it('requires the value proposition id and SKU', async () => {
    const org = newOrg();
    const reply = await provision(request(org, { entitlement: { valuePropId: '', valuePropSKUID: undefined } }));
    expectRejection(
      reply,
      400,
      /^entitlement\.valuePropId: must not be blank; entitlement\.valuePropSKUID: is required$/,
    );
  });

  it("holds every value to the document's strings", async () => {
    const org = newOrg();
    const reply = await provision(
      request(org, { customer: { region: 2 }, entitlement: { location: { city: 'Lisboa' } } }),
    );
    expectRejection(reply, 400, /^customer\.region: must be a string; entitlement\.location: must be a string$/);
  });

  it('requires metrics to be whole numbers in strings', async () => {
    const org = newOrg();
    const reply = await provision(
      request(org, { entitlement: { metrics: { numberOfProfiles: '1e6', capacityCPU: 8, capacityStorage: '-1' } } }),
    );
    expect((reply.json as ErrorResponse).reason.split('; ')).toEqual([
      'entitlement.metrics.numberOfProfiles: must be a whole number, such as "1000"',
      'entitlement.metrics.capacityCPU: must be a string',
      'entitlement.metrics.capacityStorage: must be a whole number, such as "1000"',
    ]);
    expectRejection(
      await provision(request(org, { entitlement: { metrics: 'lots' } })),
      400,
      /^entitlement\.metrics: must be a JSON object$/,
    );
  });

  it('takes metrics of any number of digits and stores them as sent', async () => {
    const metrics = { numberOfProfiles: '0', capacityStorage: '18446744073709551615', capacityCPU: '9'.repeat(40) };
    const reply = await provision(request(newOrg(), { entitlement: { metrics } }));
    expect(reply.status).toBe(200);
    expect((reply.json as ProvisioningResponse).storedRequest!.stored.entitlement.metrics).toEqual(metrics);
  });

  it('requires report dates to be ISO 8601, the end not before the start', async () => {
    const org = newOrg();
    expectRejection(
      await provision(request(org, { reports: { startDate: '01/02/2025' } })),
      400,
      /^reports\.startDate: must be an ISO 8601 date/,
    );
    expectRejection(
      await provision(request(org, { reports: { startDate: '2025-06-01', endDate: '2025-05-31T23:59:59Z' } })),
      400,
      /^reports\.endDate: must not be before reports\.startDate$/,
    );
    expect(
      (await provision(request(org, { reports: { startDate: '2025-06-01', endDate: '2025-06-01' } }))).status,
    ).toBe(200);
  });
});

describe('Experience Platform emulator: GET /provisioning/status', () => {
  it('answers a provisioning completed once the delay has passed (0 here)', async () => {
    const org = newOrg();
    const provisioned = await provision(request(org));
    const id = provisioned.json.storedRequest!.id;
    const reply = await call<OrgStatusResponse>(`/provisioning/status?request=${id}`, { org });
    expect(reply.status).toBe(200);
    expect(reply.json.status).toBe('completed');
    expect(reply.json.request).toMatchObject({ id, imsOrgId: org });
    expect(reply.json.subscriptionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.json.actionStatusList!.map((a) => [a.name, a.status])).toEqual([
      ['createSandbox', 'completed'],
      ['createEventHub', 'completed'],
      ['assignValueProposition', 'completed'],
    ]);
  });

  it('answers inProgress while the delay has not passed', async () => {
    const org = newOrg();
    const provisioned = await provision(request(org), { on: slow, authorization: 'Bearer a', gateway: 'Bearer b' });
    const id = provisioned.json.storedRequest!.id;
    const reply = await call<OrgStatusResponse>(`/provisioning/status?request=${id}`, {
      on: slow,
      org,
      authorization: 'Bearer a',
      gateway: 'Bearer b',
    });
    expect(reply.json.status).toBe('inProgress');
    expect(reply.json.subscriptionId).toBeNull();
    expect(reply.json.actionStatusList!.every((a) => a.status === 'inProgress')).toBe(true);
  });

  it("answers the organization's latest request when no request id is given", async () => {
    const org = newOrg();
    await provision(request(org));
    const latest = await provision(request(org, { entitlement: { valuePropId: 'ajo' } }));
    const reply = await call<OrgStatusResponse>('/provisioning/status', { org });
    expect(reply.json.request!.id).toBe(latest.json.storedRequest!.id);
  });

  it('answers 500 "could not be found" for an unknown request, another organization\'s, or neither id nor organization', async () => {
    const org = newOrg();
    const provisioned = await provision(request(org));
    expectRejection(
      await call(`/provisioning/status?request=${randomUUID()}`, { org }),
      500,
      /^Provisioning Status could not be found$/,
    );
    expectRejection(
      await call(`/provisioning/status?request=${provisioned.json.storedRequest!.id}`, { org: newOrg() }),
      500,
      /could not be found/,
    );
    expectRejection(await call('/provisioning/status'), 500, /could not be found/);
  });

  it('answers 403 without the gateway tokens', async () => {
    expectRejection(
      await call(`/provisioning/status?request=${randomUUID()}`, { authorization: null }),
      403,
      /^Authorization:/,
    );
    expectRejection(
      await call(`/provisioning/status?request=${randomUUID()}`, { gateway: null }),
      403,
      /^x-gw-ims-authorization:/,
    );
  });
});

describe('Experience Platform emulator: options', () => {
  it('refuses a negative delay', async () => {
    await expect(startExperiencePlatformEmulator({ provisioningDelayMs: -1 })).rejects.toThrow(/provisioningDelayMs/);
  });
});
