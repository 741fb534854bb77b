import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { RunningEmulator } from '../../../emulators/toolkit/server.js';
import { callEmulator, type EmulatorCallOptions, type EmulatorReply } from '../../support/emulator-call.js';
import { startWebexEmulator } from '../../../emulators/webex/emulator.js';
import type {
  WebexErrorResponse,
  WholesaleCustomer,
  WholesaleCustomerList,
} from '../../../src/providers/webex/wire.js';

const TOKEN = 'webex-emulator-test-token';
const ORG_ID = Buffer.from(`ciscospark://us/ORGANIZATION/${randomUUID()}`).toString('base64url');

/** Requires TOKEN; customers are provisioned at once. */
let emulator: RunningEmulator;
/** Any token; customers stay provisioning for a minute. */
let slow: RunningEmulator;
/** Provisioning of webex_meetings and webex_voice fails. */
let failing: RunningEmulator;
/** Pages of at most 2 customers. */
let smallPages: RunningEmulator;

beforeAll(async () => {
  [emulator, slow, failing, smallPages] = await Promise.all([
    startWebexEmulator({ token: TOKEN, provisioningDelayMs: 0 }),
    startWebexEmulator({ provisioningDelayMs: 60_000 }),
    startWebexEmulator({ provisioningDelayMs: 0, failingPackages: ['webex_meetings', 'webex_voice'] }),
    startWebexEmulator({ provisioningDelayMs: 0, maxPageSize: 2 }),
  ]);
});

afterAll(async () => {
  await Promise.all([emulator?.close(), slow?.close(), failing?.close(), smallPages?.close()]);
});

// ───────────── helpers ─────────────

interface CallOptions extends EmulatorCallOptions {
  /** null: no Authorization header; otherwise the whole header value. */
  authorization?: string | null;
  on?: RunningEmulator;
}

function call(path: string, options: CallOptions = {}): Promise<EmulatorReply> {
  return callEmulator(`${(options.on ?? emulator).url}${path}`, {
    ...options,
    headers: {
      Authorization: options.authorization === undefined ? `Bearer ${TOKEN}` : options.authorization,
      ...options.headers,
    },
  });
}

function address(overrides: Record<string, unknown> = {}) {
  return {
    addressLine1: '771 Alder Drive',
    addressLine2: 'Cisco Site 5',
    city: 'Milpitas',
    stateOrProvince: 'CA',
    zipOrPostalCode: '95035',
    country: 'US',
    ...overrides,
  };
}

function location(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Head Office',
    address: address(),
    timezone: 'America/Los_Angeles',
    language: 'en_us',
    emergencyLocationIdentifier: '95547321',
    ...overrides,
  };
}

/** The document's example body, with a fresh externalId and no orgId (a new customer). */
function validBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
    packages: ['common_area_calling', 'webex_calling', 'webex_meetings', 'webex_suite', 'webex_voice'],
    externalId: randomUUID(),
    address: address(),
    customerInfo: { name: "John's Pizza", primaryEmail: 'john.anderson@acme.com', language: 'en' },
    provisioningParameters: { calling: { location: location() }, meetings: { timezone: 'America/Los_Angeles' } },
    ...overrides,
  };
}

async function provision(body: unknown, options: CallOptions = {}): Promise<EmulatorReply> {
  return call('/v1/wholesale/customers', { body, ...options });
}

/** The descriptions of a 400, after checking it is Webex's error body. */
async function rejected(body: unknown, options: CallOptions = {}): Promise<string[]> {
  const reply = await provision(body, options);
  expect(reply.status).toBe(400);
  const error = reply.json as WebexErrorResponse;
  expect(error).toEqual({ message: expect.any(String), errors: expect.any(Array), trackingId: expect.any(String) });
  for (const entry of error.errors!)
    expect(entry).toEqual({ description: expect.any(String), errorCode: expect.any(Number) });
  return error.errors!.map((e) => e.description);
}

function idOf(reply: EmulatorReply): string {
  return (reply.json as { url: string }).url.split('/').at(-1)!;
}

function decoded(id: string): string {
  return Buffer.from(id, 'base64').toString('utf8');
}

// ───────────── authentication ─────────────

describe('Webex emulator: authentication', () => {
  it('answers 401 with Webex’s error body without a Bearer token, or with another token', async () => {
    for (const authorization of [null, 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer wrong-token']) {
      const reply = await call('/v1/wholesale/customers', { authorization });
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual({
        message: expect.stringContaining('access token'),
        errors: [{ description: expect.stringContaining('access token') }],
        trackingId: expect.any(String),
      });
    }
    expect((await call('/v1/wholesale/customers', { authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it('checks the token before anything else, including the body', async () => {
    const reply = await provision(validBody({ packages: 'nope' }), { authorization: 'Bearer wrong' });
    expect(reply.status).toBe(401);
  });

  it('echoes the caller’s TrackingID in the header and in error bodies, and makes one up otherwise', async () => {
    const reply = await call('/v1/wholesale/customers/unknown', { headers: { TrackingID: 'our-correlation-id' } });
    expect(reply.headers.get('trackingid')).toBe('our-correlation-id');
    expect((reply.json as WebexErrorResponse).trackingId).toBe('our-correlation-id');
    const without = await call('/v1/wholesale/customers/unknown');
    expect((without.json as WebexErrorResponse).trackingId).toMatch(/^ROUTER_/);
  });
});

// ───────────── provisioning ─────────────

describe('Webex emulator: POST /v1/wholesale/customers', () => {
  it('accepts the document’s example with 202, a Location and the same url in the body', async () => {
    const reply = await provision(validBody());
    expect(reply.status).toBe(202);
    const { url } = reply.json as { url: string };
    expect(reply.headers.get('location')).toBe(url);
    expect(url).toMatch(new RegExp(`^${emulator.url}/v1/wholesale/customers/[A-Za-z0-9_-]+$`));
    expect(decoded(idOf(reply))).toMatch(/^ciscospark:\/\/us\/ENTERPRISE\/[0-9a-f-]{36}$/);
  });

  it('keeps a new customer provisioning, without orgId, until the delay has passed', async () => {
    const body = validBody();
    const id = idOf(await provision(body, { on: slow }));
    const read = await call(`/v1/wholesale/customers/${id}`, { on: slow });
    expect(read.status).toBe(200);
    const customer = read.json as WholesaleCustomer;
    expect(customer).toMatchObject({
      id,
      externalId: body.externalId,
      status: 'provisioning',
      packages: body.packages,
    });
    expect(customer).not.toHaveProperty('orgId');
    expect(customer.resourceDetails!.packages.every((p) => p.status === 'provisioning')).toBe(true);
  });

  it('turns provisioned with an organization and provisioned packages once the delay has passed', async () => {
    const body = validBody();
    const id = idOf(await provision(body));
    const customer = (await call(`/v1/wholesale/customers/${id}`)).json as WholesaleCustomer;
    expect(customer.status).toBe('provisioned');
    expect(decoded(customer.orgId!)).toMatch(/^ciscospark:\/\/us\/ORGANIZATION\//);
    expect(customer.address).toEqual(address());
    expect(customer.resourceDetails!.packages).toEqual(
      (body.packages as string[]).map((name) => ({ name, status: 'provisioned', warnings: [], errors: [] })),
    );
  });

  it('keeps the organization it was given for an existing customer, which needs no customerInfo', async () => {
    const { customerInfo: _omitted, ...body } = validBody({ orgId: ORG_ID });
    const reply = await provision(body);
    expect(reply.status).toBe(202);
    const customer = (await call(`/v1/wholesale/customers/${idOf(reply)}`)).json as WholesaleCustomer;
    expect(customer.orgId).toBe(ORG_ID);
  });

  it('reports failed packages: provisioned_with_errors, or error when every package failed', async () => {
    const some = await provision(validBody({ packages: ['webex_calling', 'webex_meetings'] }), { on: failing });
    const customer = (await call(`/v1/wholesale/customers/${idOf(some)}`, { on: failing })).json as WholesaleCustomer;
    expect(customer.status).toBe('provisioned_with_errors');
    expect(customer.resourceDetails!.packages[1]).toEqual({
      name: 'webex_meetings',
      status: 'error',
      warnings: [],
      errors: [{ errorCode: expect.any(Number), description: expect.stringContaining('webex_meetings') }],
    });
    const all = await provision(validBody({ packages: ['webex_meetings'], provisioningParameters: undefined }), {
      on: failing,
    });
    const failed = (await call(`/v1/wholesale/customers/${idOf(all)}`, { on: failing })).json as WholesaleCustomer;
    expect(failed.status).toBe('error');
    expect(failed).not.toHaveProperty('orgId');
  });

  it('answers 409 to a second customer with the same externalId of the same partner only', async () => {
    const body = validBody();
    expect((await provision(body)).status).toBe(202);
    const again = await provision({ ...body, provisioningId: 'another-template' });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({
      message: expect.any(String),
      errors: [{ description: expect.stringMatching(/^externalId /), errorCode: expect.any(Number) }],
      trackingId: expect.any(String),
    });
    expect((await provision(body, { on: slow, authorization: 'Bearer partner-a' })).status).toBe(202);
    expect((await provision(body, { on: slow, authorization: 'Bearer partner-b' })).status).toBe(202);
  });

  it('counts a customer once under its externalId, and not a duplicate it refuses', async () => {
    const body = validBody();
    expect((await provision(body)).status).toBe(202);
    expect((await provision(body)).status).toBe(409);
    expect(emulator.created.get(body.externalId as string)).toBe(1);
  });

  it('requires provisioningId, packages, externalId and address', async () => {
    const descriptions = await rejected(
      validBody({ provisioningId: undefined, packages: undefined, externalId: ' ', address: undefined }),
    );
    expect(descriptions).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^provisioningId /),
        expect.stringMatching(/^packages /),
        expect.stringMatching(/^externalId /),
        expect.stringMatching(/^address /),
      ]),
    );
  });

  it('refuses fields of the wrong JSON type', async () => {
    const descriptions = await rejected(
      validBody({ provisioningId: 42, packages: 'webex_calling', address: 'Milpitas' }),
    );
    expect(descriptions).toEqual([
      expect.stringMatching(/^provisioningId must be a string/),
      expect.stringMatching(/^packages must be an array/),
      expect.stringMatching(/^address must be a JSON object/),
    ]);
  });

  it('refuses an empty package list and packages Webex does not have', async () => {
    expect(await rejected(validBody({ packages: [] }))).toEqual([
      expect.stringMatching(/^packages must name at least one/),
    ]);
    expect(await rejected(validBody({ packages: ['webex_calling', 'webex_teams', 'WEBEX_SUITE'] }))).toEqual([
      expect.stringMatching(/^packages\[1\] 'webex_teams'/),
      expect.stringMatching(/^packages\[2\] 'WEBEX_SUITE'/),
    ]);
  });

  it('accepts every package of the public reference', async () => {
    const packages = [
      'common_area_calling',
      'webex_calling',
      'webex_meetings',
      'webex_suite',
      'webex_voice',
      'cx_essentials',
      'webex_calling_standard',
      'cisco_calling_plan',
      'attendant_console',
      'cx_premium_agent',
      'cx_standard_agent',
      'cx_voice_ports',
      'cx_ai_assistant',
      'webex_ai_agent',
    ];
    expect((await provision(validBody({ packages }))).status).toBe(202);
  });

  it('refuses cisco_calling_plan and attendant_console without a package they depend on', async () => {
    expect(await rejected(validBody({ packages: ['webex_meetings', 'cisco_calling_plan'] }))).toEqual([
      expect.stringMatching(/^packages\[1\] 'cisco_calling_plan' is dependent on/),
    ]);
    expect(await rejected(validBody({ packages: ['attendant_console', 'webex_voice'] }))).toEqual([
      expect.stringMatching(/^packages\[0\] 'attendant_console' is dependent on/),
    ]);
    expect((await provision(validBody({ packages: ['attendant_console', 'webex_calling'] }))).status).toBe(202);
  });

  it('limits each address line to 50 characters', async () => {
    const fifty = 'x'.repeat(50);
    expect(
      (await provision(validBody({ address: address({ addressLine1: fifty, addressLine2: fifty }) }))).status,
    ).toBe(202);
    const descriptions = await rejected(
      validBody({ address: address({ addressLine1: `${fifty}1`, addressLine2: `${fifty}22` }) }),
    );
    expect(descriptions).toEqual([
      expect.stringMatching(/^address\.addressLine1 must be 50 characters or fewer; it has 51/),
      expect.stringMatching(/^address\.addressLine2 must be 50 characters or fewer; it has 52/),
    ]);
  });

  it('requires addressLine1, city and country, and an ISO2 country', async () => {
    const missing = await rejected(validBody({ address: { stateOrProvince: 'CA' } }));
    expect(missing).toEqual([
      expect.stringMatching(/^address\.addressLine1 is required/),
      expect.stringMatching(/^address\.city is required/),
      expect.stringMatching(/^address\.country is required/),
    ]);
    for (const country of ['USA', 'XX', 'U1']) {
      expect(await rejected(validBody({ address: address({ country }) }))).toEqual([
        expect.stringMatching(/^address\.country must be an ISO2 country code/),
      ]);
    }
    const { stateOrProvince: _s, zipOrPostalCode: _z, addressLine2: _l, ...minimal } = address();
    expect((await provision(validBody({ address: minimal }))).status).toBe(202);
  });

  it('requires customerInfo for a new customer, and a well-formed orgId for an existing one', async () => {
    expect(await rejected(validBody({ customerInfo: undefined }))).toEqual([
      expect.stringMatching(/^customerInfo is required when orgId is not given/),
    ]);
    expect(await rejected(validBody({ customerInfo: null }))).toEqual([
      expect.stringMatching(/^customerInfo is required/),
    ]);
    expect(await rejected(validBody({ orgId: 'not-a-webex-id' }))).toEqual([
      expect.stringMatching(/^orgId must be a Webex organization id/),
    ]);
    const personId = Buffer.from(`ciscospark://us/PEOPLE/${randomUUID()}`).toString('base64url');
    expect(await rejected(validBody({ orgId: personId }))).toEqual([expect.stringMatching(/^orgId /)]);
  });

  it('checks customerInfo: name without "%", a primary e-mail, an ISO language', async () => {
    const descriptions = await rejected(
      validBody({ customerInfo: { name: '100% Pizza', primaryEmail: 'john.anderson', language: 'english' } }),
    );
    expect(descriptions).toEqual([
      expect.stringMatching(/^customerInfo\.name must not include the "%"/),
      expect.stringMatching(/^customerInfo\.primaryEmail must be an e-mail address/),
      expect.stringMatching(/^customerInfo\.language must be an ISO-639-1/),
    ]);
    expect(await rejected(validBody({ customerInfo: {} }))).toEqual([
      expect.stringMatching(/^customerInfo\.name is required/),
      expect.stringMatching(/^customerInfo\.primaryEmail is required/),
    ]);
    const { language: _language, ...withoutLanguage } = {
      name: 'Pizza',
      primaryEmail: 'a@b.example',
      language: 'en_US',
    };
    expect((await provision(validBody({ customerInfo: withoutLanguage }))).status).toBe(202);
  });

  it('requires calling settings when a calling package is provisioned, and checks the location', async () => {
    expect(await rejected(validBody({ packages: ['webex_calling'], provisioningParameters: undefined }))).toEqual([
      expect.stringMatching(
        /^provisioningParameters\.calling is required when provisioning the calling package 'webex_calling'/,
      ),
    ]);
    expect(
      await rejected(
        validBody({ packages: ['webex_voice'], provisioningParameters: { meetings: { timezone: 'Europe/Lisbon' } } }),
      ),
    ).toEqual([expect.stringMatching(/^provisioningParameters\.calling is required/)]);
    expect(
      (await provision(validBody({ packages: ['webex_meetings'], provisioningParameters: undefined }))).status,
    ).toBe(202);

    const descriptions = await rejected(
      validBody({
        provisioningParameters: {
          calling: {
            location: {
              address: address({ addressLine1: 'x'.repeat(51) }),
              timezone: 'Mars/Olympus',
              language: 'klingon',
            },
          },
          meetings: { timezone: 'Nowhere/City' },
        },
      }),
    );
    expect(descriptions).toEqual([
      expect.stringMatching(/^provisioningParameters\.calling\.location\.name is required/),
      expect.stringMatching(/^provisioningParameters\.calling\.location\.address\.addressLine1 must be 50 characters/),
      expect.stringMatching(/^provisioningParameters\.calling\.location\.timezone must be a time zone/),
      expect.stringMatching(/^provisioningParameters\.calling\.location\.language must be an ISO-639-1/),
      expect.stringMatching(/^provisioningParameters\.meetings\.timezone must be a time zone/),
    ]);
    expect(await rejected(validBody({ provisioningParameters: { calling: {} } }))).toEqual([
      expect.stringMatching(/^provisioningParameters\.calling\.location is required/),
    ]);
  });

  it('refuses another media type (415), and an empty, malformed or non-object body (400)', async () => {
    const text = await provision(undefined, { rawBody: JSON.stringify(validBody()), contentType: 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.json).toMatchObject({ message: expect.any(String), trackingId: expect.any(String) });
    for (const rawBody of ['', '{"provisioningId":', '[]', '"text"']) {
      const reply = await provision(undefined, { rawBody });
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({
        errors: [{ description: expect.any(String), errorCode: expect.any(Number) }],
      });
    }
  });
});

// ───────────── reading ─────────────

describe('Webex emulator: GET /v1/wholesale/customers/{customerId}', () => {
  it('answers 404 with Webex’s body for an unknown id, and for another partner’s customer', async () => {
    const reply = await call('/v1/wholesale/customers/Y2lzY29zcGFyazovL3VzL0VOVEVSUFJJU0Uvbm9uZQ');
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({
      message: expect.any(String),
      errors: [{ description: expect.any(String) }],
      trackingId: expect.any(String),
    });
    const id = idOf(await provision(validBody(), { on: slow, authorization: 'Bearer partner-a' }));
    expect((await call(`/v1/wholesale/customers/${id}`, { on: slow, authorization: 'Bearer partner-a' })).status).toBe(
      200,
    );
    expect((await call(`/v1/wholesale/customers/${id}`, { on: slow, authorization: 'Bearer partner-b' })).status).toBe(
      404,
    );
  });

  it('answers 405 with Allow to methods it does not serve, and 404 elsewhere', async () => {
    const put = await call('/v1/wholesale/customers/some-id', { method: 'PATCH' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET');
    const del = await call('/v1/wholesale/customers', { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, POST');
    expect((await call('/v1/wholesale/subscribers')).status).toBe(404);
  });
});

describe('Webex emulator: GET /v1/wholesale/customers', () => {
  async function list(query: string, options: CallOptions = {}) {
    const reply = await call(`/v1/wholesale/customers${query}`, options);
    return { ...reply, items: (reply.json as WholesaleCustomerList).items };
  }

  it('filters by externalId and by status, one or several', async () => {
    const partner = { on: slow, authorization: `Bearer ${randomUUID()}` };
    const bodies = [validBody(), validBody(), validBody()];
    for (const body of bodies) await provision(body, partner);
    const one = await list(`?externalId=${String(bodies[1]!.externalId)}`, partner);
    expect(one.items.map((c) => c.externalId)).toEqual([bodies[1]!.externalId]);
    expect((await list('?status=provisioning', partner)).items).toHaveLength(3);
    expect((await list('?status=provisioned', partner)).items).toHaveLength(0);
    expect((await list('?status=provisioned&status=provisioning', partner)).items).toHaveLength(3);
    expect((await list('?status=provisioned,provisioning', partner)).items).toHaveLength(3);
  });

  it('pages with offset and max and links the next page with rel="next"', async () => {
    const partner = { on: slow, authorization: `Bearer ${randomUUID()}` };
    const bodies = [validBody(), validBody(), validBody()];
    for (const body of bodies) await provision(body, partner);
    const first = await list('?offset=0&max=2&status=provisioning', partner);
    expect(first.items.map((c) => c.externalId)).toEqual([bodies[0]!.externalId, bodies[1]!.externalId]);
    const link = first.headers.get('link')!;
    expect(link).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/v1\/wholesale\/customers\?[^>]+>; rel="next"$/);
    const next = new URL(link.slice(1, link.indexOf('>')));
    expect(Object.fromEntries(next.searchParams)).toEqual({ status: 'provisioning', offset: '2', max: '2' });
    const second = await list(`${next.search}`, partner);
    expect(second.items.map((c) => c.externalId)).toEqual([bodies[2]!.externalId]);
    expect(second.headers.get('link')).toBeNull();
  });

  it('clamps max to its page size, still linking the rest', async () => {
    const partner = { on: smallPages, authorization: `Bearer ${randomUUID()}` };
    for (let i = 0; i < 3; i++) await provision(validBody(), partner);
    const page = await list('?max=50', partner);
    expect(page.items).toHaveLength(2);
    expect(page.headers.get('link')).toContain('offset=2&max=2');
  });

  it('refuses offset, max and status values it cannot read', async () => {
    for (const query of ['?offset=-1', '?offset=abc', '?max=0', '?max=1.5', '?status=active']) {
      const reply = await list(query);
      expect(reply.status, query).toBe(400);
      expect((reply.json as WebexErrorResponse).errors![0]!.description).toMatch(/^(offset|max|status) /);
    }
  });
});

// ───────────── throttling ─────────────

describe('Webex emulator: 423 and 429', () => {
  it('answers 423 Locked with Retry-After while locked, after authentication', async () => {
    const locked = await startWebexEmulator({ token: TOKEN, lockedRetryAfterSeconds: 7 });
    try {
      const reply = await call('/v1/wholesale/customers', { on: locked, body: validBody() });
      expect(reply.status).toBe(423);
      expect(reply.headers.get('retry-after')).toBe('7');
      expect(reply.json).toMatchObject({ message: expect.any(String), errors: [{ description: expect.any(String) }] });
      expect((await call('/v1/wholesale/customers', { on: locked, authorization: null })).status).toBe(401);
    } finally {
      await locked.close();
    }
  });

  it('answers 429 with Retry-After beyond the rate limit, counting per token', async () => {
    const limited = await startWebexEmulator({ rateLimit: { requests: 2, retryAfterSeconds: 30 } });
    try {
      const a = { on: limited, authorization: 'Bearer partner-a' };
      expect((await call('/v1/wholesale/customers', a)).status).toBe(200);
      expect((await call('/v1/wholesale/customers', a)).status).toBe(200);
      const third = await call('/v1/wholesale/customers', a);
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('30');
      expect(third.json).toMatchObject({ message: expect.any(String), trackingId: expect.any(String) });
      expect((await call('/v1/wholesale/customers', { on: limited, authorization: 'Bearer partner-b' })).status).toBe(
        200,
      );
    } finally {
      await limited.close();
    }
  });

  it('refuses options that make no sense', async () => {
    await expect(startWebexEmulator({ provisioningDelayMs: -1 })).rejects.toThrow(/provisioningDelayMs/);
    await expect(startWebexEmulator({ failingPackages: ['webex_teams' as never] })).rejects.toThrow(/failingPackages/);
    await expect(startWebexEmulator({ maxPageSize: 0 })).rejects.toThrow(/maxPageSize/);
  });
});

describe('Webex emulator: recording', () => {
  it('records every call, rejected ones included', async () => {
    emulator.calls.length = 0;
    await call('/v1/wholesale/customers', { authorization: null });
    await provision(validBody());
    expect(emulator.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /v1/wholesale/customers',
      'POST /v1/wholesale/customers',
    ]);
    expect(emulator.calls[1]!.body).toMatchObject({ provisioningId: expect.any(String) });
  });
});
