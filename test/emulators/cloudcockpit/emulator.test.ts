import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { MICROSOFT_PROVIDER_INSTANCE_ID, startCloudCockpitEmulator } from '../../../emulators/cloudcockpit/emulator.js';
import type { RunningEmulator } from '../../../emulators/toolkit/server.js';
import { callEmulator, type EmulatorCallOptions, type EmulatorReply } from '../../support/emulator-call.js';
import type {
  AddProviderInstanceRequest,
  CustomerPage,
  CustomerViewModel,
  ErrorResponse,
  MicrosoftCustomerData,
} from '../../../src/providers/cloudcockpit/wire.js';

const TOKEN = 'emulator-test-token';
const GENERIC_INSTANCE_ID = '5f0e8a52-9a0b-4c43-9d3e-2f1f6c7a9b10';
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Requires TOKEN; default provider instances; delay 0. */
let emulator: RunningEmulator;
/** Any token; a Microsoft and a generic instance. */
let open: RunningEmulator;
/** Provider customers stay Processing for a minute. */
let slow: RunningEmulator;

beforeAll(async () => {
  [emulator, open, slow] = await Promise.all([
    startCloudCockpitEmulator({ token: TOKEN }),
    startCloudCockpitEmulator({
      providerInstances: [
        { id: MICROSOFT_PROVIDER_INSTANCE_ID, kind: 'microsoft' },
        { id: GENERIC_INSTANCE_ID, kind: 'generic' },
      ],
    }),
    startCloudCockpitEmulator({ token: TOKEN, processingDelayMs: 60_000 }),
  ]);
});

afterAll(async () => {
  await Promise.all([emulator?.close(), open?.close(), slow?.close()]);
});

// ───────────── helpers ─────────────

let tenantCounter = 0;
/** A fresh tenant per test keeps tests independent of each other's data. */
function newTenant(): string {
  tenantCounter += 1;
  return `t${tenantCounter}.contoso.example`;
}

interface CallOptions extends EmulatorCallOptions {
  /** null: no X-Tenant header. */
  tenant?: string | null;
  /** null: no Authorization header; otherwise the whole header value. */
  authorization?: string | null;
  on?: RunningEmulator;
}

function call(path: string, options: CallOptions = {}): Promise<EmulatorReply> {
  return callEmulator(`${(options.on ?? emulator).url}${path}`, {
    ...options,
    headers: {
      Authorization: options.authorization === undefined ? `Bearer ${TOKEN}` : options.authorization,
      'X-Tenant': options.tenant === undefined ? 'default.contoso.example' : options.tenant,
      ...options.headers,
    },
  });
}

function microsoftData(
  overrides: Partial<Record<keyof MicrosoftCustomerData, unknown>> = {},
  omit: (keyof MicrosoftCustomerData)[] = [],
): string {
  const data: Record<string, unknown> = {
    Domain: `domain${randomUUID().slice(0, 8)}`,
    CredentialsEmail: 'test@email.com',
    AcceptedMCA: true,
    AgreementDate: '2022-12-28T00:00:00Z',
    KeepPrimaryInformation: true,
    FirstName: 'Test',
    LastName: 'Test',
    Email: 'test@email.com',
    Phone: '921231231',
    DefaultCulture: 'en-US',
    Language: 'en',
    AssociatedPartnerId: null,
    Qualifications: [],
    EnableGDAP: true,
    ...overrides,
  };
  for (const name of omit) delete data[name];
  return JSON.stringify(data);
}

function providerInstanceRequest(overrides: Partial<Record<keyof AddProviderInstanceRequest, unknown>> = {}) {
  return {
    providerInstanceId: MICROSOFT_PROVIDER_INSTANCE_ID,
    providerCustomerData: microsoftData(),
    margin: { marginRule: { name: 'markup' }, value: 10.6 },
    offerTypeMargins: { Value: { license: { MarginRule: { Name: 'markup' }, Value: 10 } } },
    ...overrides,
  };
}

function validCustomer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    companyName: 'Contoso Ltd',
    taxId: 'PT123456789',
    country: 'PT',
    addressLine1: 'Rua Augusta 1',
    addressLine2: '2º Esq',
    city: 'Lisboa',
    state: 'Lisboa',
    zip: '1100-048',
    firstName: 'Ana',
    middleName: 'Maria',
    lastName: 'Silva',
    email: 'ana.silva@contoso.example',
    phone: '+351 921 231 231',
    internalIdentifier: 'CRM-0001',
    resellerId: null,
    providerCustomers: {},
    ...overrides,
  };
}

async function createCustomer(
  tenant: string,
  overrides: Record<string, unknown> = {},
  on?: RunningEmulator,
): Promise<string> {
  const reply = await call('/v1/Customers', { tenant, body: validCustomer(overrides), ...(on ? { on } : {}) });
  expect(reply.status, reply.text).toBe(201);
  return reply.json as string;
}

async function getCustomer(tenant: string, id: string, on?: RunningEmulator): Promise<CustomerViewModel> {
  const reply = await call(`/v1/Customers/${id}`, { tenant, ...(on ? { on } : {}) });
  expect(reply.status, reply.text).toBe(200);
  return reply.json as CustomerViewModel;
}

/** The customer's entry for the default Microsoft instance. */
async function microsoftEntry(tenant: string, customerId: string, on?: RunningEmulator) {
  return (await getCustomer(tenant, customerId, on)).providerCustomers[MICROSOFT_PROVIDER_INSTANCE_ID];
}

/** An add-provider-instance request (or providerCustomers entry) for the Microsoft instance with this Domain. */
function withDomain(Domain: string) {
  return providerInstanceRequest({ providerCustomerData: microsoftData({ Domain }) });
}

function errorBody(reply: EmulatorReply): ErrorResponse {
  return reply.json as ErrorResponse;
}

/** The errors of a 400 as `{ propertyName: description[] }`, after checking the error-body shape. */
function validationErrors(reply: EmulatorReply): Record<string, string[]> {
  expect(reply.status, reply.text).toBe(400);
  const body = errorBody(reply);
  expect(Object.keys(body).sort()).toEqual(['correlationId', 'description', 'errors', 'statusCode', 'type']);
  expect(body.statusCode).toBe(400);
  expect(body.type).toBe('ValidationError');
  expect(body.correlationId).toMatch(UUID_PATTERN);
  return Object.fromEntries((body.errors ?? []).map((e) => [e.propertyName, e.description]));
}

// ───────────── cross-cutting ─────────────

describe('authentication', () => {
  it.each([
    ['no Authorization header', null],
    ['a non-Bearer scheme', `Basic ${Buffer.from('u:p').toString('base64')}`],
    ['an empty Bearer token', 'Bearer '],
    ['the wrong token', 'Bearer not-the-token'],
  ])('answers 401 with an empty body and WWW-Authenticate: Bearer for %s', async (_case, authorization) => {
    const reply = await call('/v1/Customers', { authorization, body: validCustomer() });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('');
    expect(reply.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('checks authentication before X-Tenant, the correlation id and the body', async () => {
    const reply = await call('/v1/Customers', {
      authorization: null,
      tenant: null,
      headers: { 'X-Correlation-Id': 'nope' },
      rawBody: '{not json',
      contentType: 'text/plain',
    });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('');
  });

  it('accepts the scheme case-insensitively', async () => {
    const reply = await call('/v1/Customers', { authorization: `bearer ${TOKEN}` });
    expect(reply.status).toBe(200);
  });

  it('accepts any non-empty Bearer token when no token is configured, but still requires one', async () => {
    expect((await call('/v1/Customers', { on: open, authorization: 'Bearer whatever' })).status).toBe(200);
    expect((await call('/v1/Customers', { on: open, authorization: null })).status).toBe(401);
  });
});

describe('X-Tenant', () => {
  it('is required', async () => {
    const reply = await call('/v1/Customers', { tenant: null });
    expect(validationErrors(reply)).toEqual({ 'X-Tenant': [expect.stringContaining('required')] });
  });

  it.each(['not a domain', 'contoso..example', '-contoso.example', 'contoso.example/', 'contoso_example.com'])(
    'rejects %j, which is not a domain name',
    async (tenant) => {
      const reply = await call('/v1/Customers', { tenant });
      expect(Object.keys(validationErrors(reply))).toEqual(['X-Tenant']);
    },
  );

  it.each(['sandbox.local', 'contoso.example', 'Contoso-EU.example.com'])('accepts %j', async (tenant) => {
    expect((await call('/v1/Customers', { tenant })).status).toBe(200);
  });

  it('isolates data per tenant', async () => {
    const tenantA = newTenant();
    const tenantB = newTenant();
    const id = await createCustomer(tenantA, { companyName: 'Only In A' });

    expect((await call(`/v1/Customers/${id}`, { tenant: tenantB })).status).toBe(404);
    const listB = (await call('/v1/Customers', { tenant: tenantB })).json as CustomerPage;
    expect(listB.totalCount).toBe(0);
    const add = await call(`/v1/Customers/${id}/provider-instances`, {
      tenant: tenantB,
      body: providerInstanceRequest(),
    });
    expect(add.status).toBe(404);

    expect((await getCustomer(tenantA, id)).companyName).toBe('Only In A');
    // The same id may exist once per tenant.
    expect(await createCustomer(tenantB, { id })).toBe(id);
  });

  it('treats the tenant domain case-insensitively', async () => {
    const tenant = newTenant();
    const id = await createCustomer(tenant);
    expect((await call(`/v1/Customers/${id}`, { tenant: tenant.toUpperCase() })).status).toBe(200);
  });
});

describe('X-Correlation-Id', () => {
  it('is echoed in the response header and in error bodies', async () => {
    const correlationId = randomUUID();
    const reply = await call(`/v1/Customers/${randomUUID()}`, { headers: { 'X-Correlation-Id': correlationId } });
    expect(reply.status).toBe(404);
    expect(reply.headers.get('x-correlation-id')).toBe(correlationId);
    expect(errorBody(reply).correlationId).toBe(correlationId);
  });

  it('is generated when absent', async () => {
    const reply = await call(`/v1/Customers/${randomUUID()}`);
    const generated = reply.headers.get('x-correlation-id');
    expect(generated).toMatch(UUID_PATTERN);
    expect(errorBody(reply).correlationId).toBe(generated);
  });

  it('must be a UUID when present', async () => {
    const reply = await call('/v1/Customers', { headers: { 'X-Correlation-Id': 'abc-123' } });
    expect(Object.keys(validationErrors(reply))).toEqual(['X-Correlation-Id']);
    expect(errorBody(reply).correlationId).not.toBe('abc-123');
  });
});

describe('request bodies and routing', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['no content type', null],
  ])('answers 415 for %s', async (_case, contentType) => {
    const reply = await call('/v1/Customers', { rawBody: JSON.stringify(validCustomer()), contentType });
    expect(reply.status).toBe(415);
    expect(errorBody(reply)).toMatchObject({ statusCode: 415, type: 'UnsupportedMediaType', errors: [] });
  });

  it('accepts application/json with a charset', async () => {
    const reply = await call('/v1/Customers', {
      tenant: newTenant(),
      rawBody: JSON.stringify(validCustomer()),
      contentType: 'application/json; charset=utf-8',
    });
    expect(reply.status).toBe(201);
  });

  it('answers 400 for malformed JSON', async () => {
    const reply = await call('/v1/Customers', { rawBody: '{"companyName": "Contoso",' });
    expect(Object.keys(validationErrors(reply))).toEqual(['$']);
  });

  it('answers 400 for an empty body', async () => {
    const reply = await call('/v1/Customers', { method: 'POST', rawBody: '', contentType: 'application/json' });
    expect(validationErrors(reply)).toEqual({ '': ['A non-empty request body is required.'] });
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"x"'],
    ['null', 'null'],
  ])('answers 400 for %s as body', async (_case, rawBody) => {
    const reply = await call('/v1/Customers', { rawBody });
    expect(Object.keys(validationErrors(reply))).toEqual(['$']);
  });

  it("answers 413 with an error body for a body over Kestrel's 30 MB limit, and still records the call", async () => {
    const before = emulator.calls.length;
    const reply = await call('/v1/Customers', { rawBody: `"${'x'.repeat(30 * 1024 * 1024)}"` });
    expect(reply.status).toBe(413);
    expect(errorBody(reply)).toMatchObject({ statusCode: 413, type: 'PayloadTooLarge', errors: [] });
    expect(emulator.calls.slice(before)).toEqual([expect.objectContaining({ method: 'POST', path: '/v1/Customers' })]);
  });

  it('answers 404 with an error body for an unknown route', async () => {
    const reply = await call('/v1/Nope');
    expect(reply.status).toBe(404);
    expect(errorBody(reply)).toMatchObject({ statusCode: 404, type: 'NotFound', errors: [] });
  });

  it('answers 405 for an unsupported method on a known route', async () => {
    const reply = await call('/v1/Customers', { method: 'DELETE' });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('GET, POST');
  });

  it('never leaks a stack trace', async () => {
    const reply = await call('/v1/Customers', { rawBody: '{"a":' });
    expect(reply.text).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(reply.text).not.toContain('stack');
  });
});

describe('call recording', () => {
  it('records method, path with query, lower-cased headers and the parsed body, even when rejected', async () => {
    const before = emulator.calls.length;
    const body = validCustomer({ companyName: 'Recorded' });
    await call('/v1/Customers?x=1', { authorization: null, body });
    await call('/v1/Customers?pageSize=5', { headers: { 'X-Custom-Header': 'Value' } });

    const recorded = emulator.calls.slice(before);
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toMatchObject({ method: 'POST', path: '/v1/Customers?x=1', body });
    expect(recorded[0]?.headers['authorization']).toBeUndefined();
    expect(recorded[1]).toMatchObject({ method: 'GET', path: '/v1/Customers?pageSize=5', body: undefined });
    expect(recorded[1]?.headers).toMatchObject({
      'x-custom-header': 'Value',
      authorization: `Bearer ${TOKEN}`,
      'x-tenant': 'default.contoso.example',
    });
  });

  it('records an unparseable body as text', async () => {
    const before = emulator.calls.length;
    await call('/v1/Customers', { rawBody: '{oops' });
    expect(emulator.calls.slice(before)).toEqual([expect.objectContaining({ body: '{oops' })]);
  });
});

describe('created counts', () => {
  it('counts a customer and a provider instance once each, and not a duplicate it refuses', async () => {
    const tenant = newTenant();
    const id = randomUUID().toUpperCase();
    const customerId = await createCustomer(tenant, { id });
    expect((await call('/v1/Customers', { tenant, body: validCustomer({ id }) })).status).toBe(400);
    const key = `customer:${id.toLowerCase()}`;
    expect(emulator.created.get(key)).toBe(1);

    const add = () =>
      call(`/v1/Customers/${customerId}/provider-instances`, { tenant, body: providerInstanceRequest() });
    expect((await add()).status).toBe(201);
    expect((await add()).status).toBe(400);
    expect(emulator.created.get(`providerInstance:${id.toLowerCase()}:${MICROSOFT_PROVIDER_INSTANCE_ID}`)).toBe(1);
  });

  it('counts a provider instance added with its customer', async () => {
    const id = randomUUID();
    const providerCustomers = { [MICROSOFT_PROVIDER_INSTANCE_ID.toUpperCase()]: providerInstanceRequest() };
    await createCustomer(newTenant(), { id, providerCustomers });
    expect(emulator.created.get(`customer:${id}`)).toBe(1);
    expect(emulator.created.get(`providerInstance:${id}:${MICROSOFT_PROVIDER_INSTANCE_ID}`)).toBe(1);
  });
});

// ───────────── POST /v1/Customers ─────────────

describe('POST /v1/Customers', () => {
  it('answers 201 with the new id as a JSON string, and GET returns every field', async () => {
    const tenant = newTenant();
    const associations = [{ resellerId: randomUUID(), name: 'Reseller One' }];
    const resellerId = randomUUID();
    const input = validCustomer({ resellerId, customerAssociations: associations });
    const reply = await call('/v1/Customers', { tenant, body: input });

    expect(reply.status).toBe(201);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.text).toMatch(/^"[0-9a-f-]{36}"$/);
    const id = reply.json as string;
    expect(id).toMatch(UUID_PATTERN);

    const customer = await getCustomer(tenant, id);
    expect(customer).toEqual({ ...input, id, providerCustomers: {}, customerAssociations: associations });
  });

  it('returns null for omitted optional fields and [] for omitted associations', async () => {
    const tenant = newTenant();
    const required = validCustomer();
    for (const optional of ['taxId', 'addressLine2', 'middleName', 'internalIdentifier', 'resellerId']) {
      delete required[optional];
    }
    const reply = await call('/v1/Customers', { tenant, body: required });
    expect(reply.status).toBe(201);
    const customer = await getCustomer(tenant, reply.json as string);
    expect(customer).toMatchObject({
      taxId: null,
      addressLine2: null,
      middleName: null,
      internalIdentifier: null,
      resellerId: null,
      customerAssociations: [],
    });
  });

  it('generates a distinct id per customer when none is given', async () => {
    const tenant = newTenant();
    const ids = [await createCustomer(tenant), await createCustomer(tenant)];
    expect(ids[0]).not.toBe(ids[1]);
    expect((await call('/v1/Customers', { tenant })).json).toMatchObject({ totalCount: 2 });
  });

  it('honours a given id, answering and storing it lower-cased as .NET does', async () => {
    const tenant = newTenant();
    const id = randomUUID();
    const reply = await call('/v1/Customers', { tenant, body: validCustomer({ id: id.toUpperCase() }) });
    expect(reply.status).toBe(201);
    expect(reply.json).toBe(id);
    expect((await getCustomer(tenant, id.toUpperCase())).id).toBe(id);
  });

  it('rejects a second customer with the same id in the tenant', async () => {
    const tenant = newTenant();
    const id = await createCustomer(tenant, { id: randomUUID() });
    const reply = await call('/v1/Customers', { tenant, body: validCustomer({ id, companyName: 'Other' }) });
    expect(validationErrors(reply)).toEqual({ Id: ['A customer with this id already exists.'] });
    expect((await getCustomer(tenant, id)).companyName).toBe('Contoso Ltd');
  });

  it.each([
    ['not a uuid', 'abc'],
    ['a number', 42],
    ['null', null],
    ['a braced guid', `{${randomUUID()}}`],
  ])('rejects an id that is %s', async (_case, id) => {
    const reply = await call('/v1/Customers', { tenant: newTenant(), body: validCustomer({ id }) });
    expect(Object.keys(validationErrors(reply))).toEqual(['Id']);
  });

  it('collects every error of an empty body into one 400', async () => {
    const reply = await call('/v1/Customers', { body: {} });
    expect(validationErrors(reply)).toEqual({
      CompanyName: ["'Company Name' must not be empty."],
      Country: ["'Country' must not be empty."],
      AddressLine1: ["'Address Line1' must not be empty."],
      City: ["'City' must not be empty."],
      State: ["'State' must not be empty."],
      Zip: ["'Zip' must not be empty."],
      FirstName: ["'First Name' must not be empty."],
      LastName: ["'Last Name' must not be empty."],
      Email: ["'Email' must not be empty."],
      Phone: ["'Phone' must not be empty."],
      ProviderCustomers: ["'Provider Customers' must not be empty."],
    });
  });

  it('collects errors of different kinds together', async () => {
    const reply = await call('/v1/Customers', {
      body: validCustomer({ companyName: '  ', zip: '1'.repeat(31), country: 'XX', email: 'nope', resellerId: 'r1' }),
    });
    expect(validationErrors(reply)).toEqual({
      CompanyName: ["'Company Name' must not be empty."],
      Country: [expect.stringContaining('ISO 3166-1 alpha-2')],
      Zip: ["The length of 'Zip' must be 30 characters or fewer. You entered 31 characters."],
      Email: ["'Email' is not a valid email address."],
      ResellerId: [expect.stringContaining('GUID')],
    });
  });

  const requiredFields = ['companyName', 'country', 'addressLine1', 'city', 'state', 'zip', 'firstName', 'lastName'];
  it.each([...requiredFields, 'email', 'phone'])('requires %s (missing, null and empty string)', async (field) => {
    const propertyName = field.charAt(0).toUpperCase() + field.slice(1);
    for (const value of [null, '']) {
      const reply = await call('/v1/Customers', { body: validCustomer({ [field]: value }) });
      expect(Object.keys(validationErrors(reply))).toEqual([propertyName]);
    }
    const { [field]: _omitted, ...rest } = validCustomer();
    expect(Object.keys(validationErrors(await call('/v1/Customers', { body: rest })))).toEqual([propertyName]);
  });

  it.each([
    ['companyName', 255, 'Company Name'],
    ['taxId', 255, 'Tax Id'],
    ['addressLine1', 255, 'Address Line1'],
    ['addressLine2', 255, 'Address Line2'],
    ['city', 255, 'City'],
    ['state', 255, 'State'],
    ['firstName', 255, 'First Name'],
    ['middleName', 255, 'Middle Name'],
    ['lastName', 255, 'Last Name'],
    ['internalIdentifier', 255, 'Internal Identifier'],
    ['zip', 30, 'Zip'],
    ['phone', 30, 'Phone'],
  ])('limits %s to %i characters', async (field, max, display) => {
    const propertyName = field.charAt(0).toUpperCase() + field.slice(1);
    const atLimit = await call('/v1/Customers', {
      tenant: newTenant(),
      body: validCustomer({ [field]: 'x'.repeat(max) }),
    });
    expect(atLimit.status).toBe(201);
    const over = await call('/v1/Customers', { body: validCustomer({ [field]: 'x'.repeat(max + 1) }) });
    expect(validationErrors(over)).toEqual({
      [propertyName]: [
        `The length of '${display}' must be ${max} characters or fewer. You entered ${max + 1} characters.`,
      ],
    });
  });

  it('limits email to 255 characters', async () => {
    const email = (local: number) => `${'a'.repeat(local)}@contoso.example`;
    const atLimit = await call('/v1/Customers', { tenant: newTenant(), body: validCustomer({ email: email(239) }) });
    expect(atLimit.status).toBe(201);
    const over = await call('/v1/Customers', { body: validCustomer({ email: email(240) }) });
    expect(validationErrors(over)).toEqual({
      Email: ["The length of 'Email' must be 255 characters or fewer. You entered 256 characters."],
    });
  });

  it.each(['XX', 'Portugal', 'PRT', 'P'])('rejects the country %j', async (country) => {
    const reply = await call('/v1/Customers', { body: validCustomer({ country }) });
    expect(Object.keys(validationErrors(reply))).toEqual(['Country']);
  });

  it.each(['US', 'DE', 'GB'])('accepts the country %j', async (country) => {
    expect((await call('/v1/Customers', { tenant: newTenant(), body: validCustomer({ country }) })).status).toBe(201);
  });

  it.each(['plainaddress', '@contoso.example', 'ana@', 'ana@@contoso.example', 'a@b@c'])(
    'rejects the email %j',
    async (email) => {
      const reply = await call('/v1/Customers', { body: validCustomer({ email }) });
      expect(validationErrors(reply)).toEqual({ Email: ["'Email' is not a valid email address."] });
    },
  );

  it('rejects a non-string where a string is expected', async () => {
    const reply = await call('/v1/Customers', { body: validCustomer({ companyName: 42, phone: { n: 1 } }) });
    expect(Object.keys(validationErrors(reply))).toEqual(['CompanyName', 'Phone']);
  });

  it('rejects customerAssociations that is not an array, or holds a non-UUID reseller', async () => {
    const withAssociations = (customerAssociations: unknown) =>
      call('/v1/Customers', { body: validCustomer({ customerAssociations }) });
    const notArray = await withAssociations({ resellerId: randomUUID() });
    expect(Object.keys(validationErrors(notArray))).toEqual(['CustomerAssociations']);
    const badReseller = await withAssociations([{ resellerId: 'x', name: 'R' }]);
    expect(Object.keys(validationErrors(badReseller))).toEqual(['CustomerAssociations[0].ResellerId']);
  });

  it('accepts null customerAssociations and returns []', async () => {
    const tenant = newTenant();
    const id = await createCustomer(tenant, { customerAssociations: null });
    expect((await getCustomer(tenant, id)).customerAssociations).toEqual([]);
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'x'],
  ])('rejects providerCustomers that is %s', async (_case, providerCustomers) => {
    const reply = await call('/v1/Customers', { body: validCustomer({ providerCustomers }) });
    expect(Object.keys(validationErrors(reply))).toEqual(['ProviderCustomers']);
  });

  it('validates providerCustomers entries like add-provider-instance, keyed by instance id', async () => {
    const unknown = randomUUID();
    const reply = await call('/v1/Customers', {
      body: validCustomer({
        providerCustomers: {
          [MICROSOFT_PROVIDER_INSTANCE_ID]: {
            providerInstanceId: MICROSOFT_PROVIDER_INSTANCE_ID,
            providerCustomerData: microsoftData({}, ['Domain']),
            margin: { marginRule: { name: 'markup' }, value: '10' },
            offerTypeMargins: { license: 10 },
          },
          [unknown]: { providerCustomerData: '{}', margin: { marginRule: { name: 'markup' }, value: 1 } },
        },
      }),
    });
    const key = `ProviderCustomers[${MICROSOFT_PROVIDER_INSTANCE_ID}]`;
    expect(validationErrors(reply)).toEqual({
      [`${key}.ProviderCustomerData.Domain`]: ["'Domain' must not be empty."],
      [`${key}.Margin.Value`]: ["'Value' must be a number."],
      [`${key}.OfferTypeMargins`]: [expect.stringContaining('"Value"')],
      [`ProviderCustomers[${unknown}]`]: [expect.stringContaining('does not exist')],
    });
  });

  it('rejects an entry whose providerInstanceId contradicts its key', async () => {
    const entry = providerInstanceRequest({ providerInstanceId: randomUUID() });
    const reply = await call('/v1/Customers', {
      body: validCustomer({ providerCustomers: { [MICROSOFT_PROVIDER_INSTANCE_ID]: entry } }),
    });
    expect(Object.keys(validationErrors(reply))).toEqual([
      `ProviderCustomers[${MICROSOFT_PROVIDER_INSTANCE_ID}].ProviderInstanceId`,
    ]);
  });

  it('stores given provider customers, ignoring client-sent status and provider customer id', async () => {
    const tenant = newTenant();
    const entry = {
      ...providerInstanceRequest(),
      providerCustomerId: 'f574cf12-a7d6-43fe-9663-1af97b04e5ab',
      status: 'Failed',
      customerCreationError: 'Unknown',
    };
    const id = await createCustomer(tenant, { providerCustomers: { [MICROSOFT_PROVIDER_INSTANCE_ID]: entry } });
    const pc = await microsoftEntry(tenant, id);
    expect(pc).toMatchObject({
      providerInstanceId: MICROSOFT_PROVIDER_INSTANCE_ID,
      providerCustomerData: entry.providerCustomerData,
      margin: entry.margin,
      offerTypeMargins: entry.offerTypeMargins,
      status: 'Success',
      customerCreationError: 'None',
    });
    expect(pc?.providerCustomerId).toMatch(UUID_PATTERN);
    expect(pc?.providerCustomerId).not.toBe(entry.providerCustomerId);
  });

  it('keeps provider customers given at creation Processing while the delay runs', async () => {
    const tenant = newTenant();
    const providerCustomers = { [MICROSOFT_PROVIDER_INSTANCE_ID]: providerInstanceRequest() };
    const id = await createCustomer(tenant, { providerCustomers }, slow);
    expect(await microsoftEntry(tenant, id, slow)).toMatchObject({
      status: 'Processing',
      customerCreationError: 'None',
      providerCustomerId: null,
    });
  });
});

// ───────────── GET /v1/Customers/{id} ─────────────

describe('GET /v1/Customers/{customerId}', () => {
  it('answers 404 with the error body for an unknown customer', async () => {
    const correlationId = randomUUID();
    const reply = await call(`/v1/Customers/${randomUUID()}`, {
      tenant: newTenant(),
      headers: { 'X-Correlation-Id': correlationId },
    });
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({
      statusCode: 404,
      type: 'NotFound',
      description: expect.any(String),
      correlationId,
      errors: [],
    });
  });

  it('answers 400 when the id is not a UUID', async () => {
    const reply = await call('/v1/Customers/not-a-guid');
    expect(Object.keys(validationErrors(reply))).toEqual(['CustomerId']);
  });
});

// ───────────── GET /v1/Customers ─────────────

describe('GET /v1/Customers', () => {
  let tenant: string;
  const names = ['Alpha Corp', 'Beta Ltd', 'Gamma SA', 'Delta GmbH', 'Epsilon Inc'];
  const resellerId = randomUUID();

  beforeAll(async () => {
    tenant = newTenant();
    for (const [i, companyName] of names.entries()) {
      await createCustomer(tenant, {
        companyName,
        email: `contact${i}@${companyName.split(' ')[0]?.toLowerCase()}.example`,
        firstName: i === 3 ? 'Alphonse' : 'Ana',
        taxId: `TAX-${i}`,
        resellerId: i % 2 === 0 ? resellerId : null,
      });
    }
  });

  const list = async (query: string) => call(`/v1/Customers${query}`, { tenant });
  const companies = (reply: EmulatorReply) => (reply.json as CustomerPage).items.map((c) => c.companyName);

  it('defaults to page 1 of 25, in creation order', async () => {
    const reply = await list('');
    expect(reply.status).toBe(200);
    const page = reply.json as CustomerPage;
    expect(page).toMatchObject({ pageNumber: 1, pageSize: 25, totalCount: 5 });
    expect(companies(reply)).toEqual(names);
    expect(page.items[0]).toMatchObject({ providerCustomers: {}, customerAssociations: [] });
  });

  it('pages with a 1-based pageNumber', async () => {
    const reply = await list('?pageNumber=2&pageSize=2');
    expect(reply.json).toMatchObject({ pageNumber: 2, pageSize: 2, totalCount: 5 });
    expect(companies(reply)).toEqual(['Gamma SA', 'Delta GmbH']);
    expect(companies(await list('?pageNumber=3&pageSize=2'))).toEqual(['Epsilon Inc']);
    const beyond = await list('?pageNumber=4&pageSize=2');
    expect(beyond.json).toMatchObject({ items: [], totalCount: 5 });
  });

  it('accepts the pageSize bounds 1 and 2000', async () => {
    expect(companies(await list('?pageSize=1'))).toEqual(['Alpha Corp']);
    expect((await list('?pageSize=2000')).status).toBe(200);
  });

  it.each([
    ['?pageNumber=0', { PageNumber: ["'Page Number' must be greater than or equal to '1'."] }],
    ['?pageNumber=-1', { PageNumber: ["'Page Number' must be greater than or equal to '1'."] }],
    ['?pageSize=0', { PageSize: ["'Page Size' must be between 1 and 2000. You entered 0."] }],
    ['?pageSize=2001', { PageSize: ["'Page Size' must be between 1 and 2000. You entered 2001."] }],
    ['?pageSize=abc', { PageSize: ["The value 'abc' is not valid for PageSize."] }],
    ['?pageNumber=1.5', { PageNumber: ["The value '1.5' is not valid for PageNumber."] }],
    [
      '?pageNumber=0&pageSize=0',
      {
        PageNumber: ["'Page Number' must be greater than or equal to '1'."],
        PageSize: ["'Page Size' must be between 1 and 2000. You entered 0."],
      },
    ],
  ])('rejects %s', async (query, errors) => {
    expect(validationErrors(await list(query))).toEqual(errors);
  });

  it('searches case-insensitively across the searchable fields', async () => {
    expect(companies(await list('?search=ALPH'))).toEqual(['Alpha Corp', 'Delta GmbH']); // company name, first name
    expect(companies(await list('?search=%40beta.example'))).toEqual(['Beta Ltd']); // email
    expect(companies(await list('?search=tax-4'))).toEqual(['Epsilon Inc']); // tax id
    const none = await list('?search=zzz');
    expect(none.json).toMatchObject({ items: [], totalCount: 0 });
  });

  it('restricts the search to searchField, whose name is case-insensitive', async () => {
    expect(companies(await list('?search=alph&searchField=companyName'))).toEqual(['Alpha Corp']);
    expect(companies(await list('?search=alph&searchField=FIRSTNAME'))).toEqual(['Delta GmbH']);
    expect(companies(await list('?search=alph&searchField=email'))).toEqual(['Alpha Corp']); // contact0@alpha.example
    expect(companies(await list('?search=alph&searchField=taxId'))).toEqual([]);
  });

  it('counts all matches in totalCount while paging the search', async () => {
    const reply = await list('?search=a&pageSize=1&pageNumber=2');
    expect((reply.json as CustomerPage).totalCount).toBe(5);
    expect(companies(reply)).toEqual(['Beta Ltd']);
  });

  it('rejects an unknown searchField', async () => {
    expect(Object.keys(validationErrors(await list('?search=a&searchField=city')))).toEqual(['SearchField']);
  });

  it('filters by resellerId, which must be a UUID', async () => {
    expect(companies(await list(`?resellerId=${resellerId}`))).toEqual(['Alpha Corp', 'Gamma SA', 'Epsilon Inc']);
    expect(companies(await list(`?resellerId=${resellerId.toUpperCase()}`))).toHaveLength(3);
    expect(companies(await list(`?resellerId=${randomUUID()}`))).toEqual([]);
    expect(Object.keys(validationErrors(await list('?resellerId=r-1')))).toEqual(['ResellerId']);
  });
});

// ───────────── POST /v1/Customers/{id}/provider-instances ─────────────

describe('POST /v1/Customers/{customerId}/provider-instances', () => {
  const add = (tenant: string, customerId: string, body: unknown, query = '', on?: RunningEmulator) =>
    call(`/v1/Customers/${customerId}/provider-instances${query}`, { tenant, body, ...(on ? { on } : {}) });

  it('answers 201 with the provider instance id; the provider customer is Success on read with delay 0', async () => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const request = providerInstanceRequest();
    const reply = await add(tenant, customerId, request);
    expect(reply.status, reply.text).toBe(201);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.json).toBe(MICROSOFT_PROVIDER_INSTANCE_ID);

    const pc = await microsoftEntry(tenant, customerId);
    expect(pc).toEqual({
      providerInstanceId: MICROSOFT_PROVIDER_INSTANCE_ID,
      providerCustomerId: expect.stringMatching(UUID_PATTERN),
      providerCustomerData: request.providerCustomerData,
      margin: request.margin,
      offerTypeMargins: request.offerTypeMargins,
      status: 'Success',
      customerCreationError: 'None',
    });
    // The provider customer id is stable once assigned.
    expect((await microsoftEntry(tenant, customerId))?.providerCustomerId).toBe(pc?.providerCustomerId);
  });

  it('accepts a valid resellerId query, null offerTypeMargins and a null AssociatedPartnerId', async () => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const request = providerInstanceRequest({
      offerTypeMargins: null,
      providerCustomerData: microsoftData({ AssociatedPartnerId: null }),
    });
    expect((await add(tenant, customerId, request, `?resellerId=${randomUUID()}`)).status).toBe(201);
  });

  it('stays Processing, without provider customer id, while the processing delay runs', async () => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant, {}, slow);
    expect((await add(tenant, customerId, providerInstanceRequest(), '', slow)).status).toBe(201);
    const pc = await microsoftEntry(tenant, customerId, slow);
    expect(pc).toMatchObject({ status: 'Processing', customerCreationError: 'None', providerCustomerId: null });
  });

  it('turns Success once the processing delay has elapsed', async () => {
    const quick = await startCloudCockpitEmulator({ processingDelayMs: 150 });
    try {
      const tenant = newTenant();
      const customerId = await createCustomer(tenant, {}, quick);
      expect((await add(tenant, customerId, providerInstanceRequest(), '', quick)).status).toBe(201);
      expect(await microsoftEntry(tenant, customerId, quick)).toMatchObject({
        status: 'Processing',
        providerCustomerId: null,
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await microsoftEntry(tenant, customerId, quick)).toMatchObject({
        status: 'Success',
        providerCustomerId: expect.stringMatching(UUID_PATTERN),
      });
    } finally {
      await quick.close();
    }
  });

  it('answers 404 for an unknown customer', async () => {
    const reply = await add(newTenant(), randomUUID(), providerInstanceRequest());
    expect(reply.status).toBe(404);
    expect(errorBody(reply)).toMatchObject({ statusCode: 404, type: 'NotFound', errors: [] });
  });

  it('answers 400 for a customer id that is not a UUID', async () => {
    const reply = await add(newTenant(), 'abc', providerInstanceRequest());
    expect(Object.keys(validationErrors(reply))).toEqual(['CustomerId']);
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['not a UUID', 'microsoft'],
    ['not an instance of the tenant', randomUUID()],
  ])('rejects a providerInstanceId that is %s', async (_case, providerInstanceId) => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const reply = await add(tenant, customerId, providerInstanceRequest({ providerInstanceId }));
    expect(Object.keys(validationErrors(reply))).toEqual(['ProviderInstanceId']);
  });

  it('rejects a provider instance the customer already has', async () => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    expect((await add(tenant, customerId, providerInstanceRequest())).status).toBe(201);
    const again = await add(tenant, customerId, providerInstanceRequest());
    expect(validationErrors(again)).toEqual({ ProviderInstanceId: [expect.stringContaining('already has')] });
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['empty', ''],
  ])('rejects providerCustomerData that is %s', async (_case, providerCustomerData) => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const reply = await add(tenant, customerId, providerInstanceRequest({ providerCustomerData }));
    expect(validationErrors(reply)).toEqual({ ProviderCustomerData: ["'Provider Customer Data' must not be empty."] });
  });

  it.each([
    ['an inline object instead of a JSON string', JSON.parse(microsoftData()) as unknown],
    ['a string that is not JSON', 'Domain=contoso'],
    ['a JSON array', '[]'],
  ])('rejects Microsoft providerCustomerData that is %s', async (_case, providerCustomerData) => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const reply = await add(tenant, customerId, providerInstanceRequest({ providerCustomerData }));
    expect(Object.keys(validationErrors(reply))).toEqual(['ProviderCustomerData']);
  });

  it('reports each missing Microsoft property', async () => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const providerCustomerData = microsoftData({}, ['Domain', 'EnableGDAP', 'AssociatedPartnerId']);
    const reply = await add(tenant, customerId, providerInstanceRequest({ providerCustomerData }));
    expect(validationErrors(reply)).toEqual({
      'ProviderCustomerData.Domain': ["'Domain' must not be empty."],
      'ProviderCustomerData.AssociatedPartnerId': ["'Associated Partner Id' must not be empty."],
      'ProviderCustomerData.EnableGDAP': ["'Enable GDAP' must not be empty."],
    });
  });

  it('reports all fourteen Microsoft properties for an empty object', async () => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const reply = await add(tenant, customerId, providerInstanceRequest({ providerCustomerData: '{}' }));
    expect(Object.keys(validationErrors(reply))).toEqual(
      [
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
      ].map((p) => `ProviderCustomerData.${p}`),
    );
  });

  it('rejects Microsoft properties of the wrong type', async () => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const data = microsoftData({ AcceptedMCA: 'yes', Qualifications: 'none', AgreementDate: 'yesterday', Domain: '' });
    const reply = await add(tenant, customerId, providerInstanceRequest({ providerCustomerData: data }));
    expect(Object.keys(validationErrors(reply)).sort()).toEqual(
      ['Domain', 'AcceptedMCA', 'AgreementDate', 'Qualifications'].map((p) => `ProviderCustomerData.${p}`).sort(),
    );
  });

  it('does not apply the Microsoft properties to a generic instance', async () => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant, {}, open);
    const request = providerInstanceRequest({
      providerInstanceId: GENERIC_INSTANCE_ID,
      providerCustomerData: '{"AccountId":"1"}',
    });
    const reply = await add(tenant, customerId, request, '', open);
    expect(reply.status, reply.text).toBe(201);
    expect(reply.json).toBe(GENERIC_INSTANCE_ID);
  });

  it.each([
    ['missing margin', { margin: undefined }, { Margin: ["'Margin' must not be empty."] }],
    ['null margin', { margin: null }, { Margin: ["'Margin' must not be empty."] }],
    ['margin without a rule', { margin: { value: 1 } }, { 'Margin.MarginRule.Name': ["'Name' must not be empty."] }],
    [
      'margin with an empty rule',
      { margin: { marginRule: {}, value: 1 } },
      { 'Margin.MarginRule.Name': ["'Name' must not be empty."] },
    ],
    [
      'margin value as a string',
      { margin: { marginRule: { name: 'markup' }, value: '10' } },
      { 'Margin.Value': ["'Value' must be a number."] },
    ],
    [
      "the documents' sample margin",
      { margin: { marginRule: {} } },
      { 'Margin.MarginRule.Name': ["'Name' must not be empty."], 'Margin.Value': ["'Value' must be a number."] },
    ],
  ])('rejects %s', async (_case, overrides, errors) => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const reply = await add(tenant, customerId, providerInstanceRequest(overrides));
    expect(validationErrors(reply)).toEqual(errors);
  });

  it.each([
    ['a bare dictionary', { license: { MarginRule: { Name: 'markup' }, Value: 10 } }],
    ['camelCase inner margins', { Value: { license: { marginRule: { name: 'markup' }, value: 10 } } }],
    ['a non-number Value', { Value: { license: { MarginRule: { Name: 'markup' }, Value: '10' } } }],
    ['an array', []],
  ])('rejects offerTypeMargins given as %s', async (_case, offerTypeMargins) => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const reply = await add(tenant, customerId, providerInstanceRequest({ offerTypeMargins }));
    expect(Object.keys(validationErrors(reply))).toEqual(['OfferTypeMargins']);
  });

  it('rejects a resellerId query that is not a UUID', async () => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const reply = await add(tenant, customerId, providerInstanceRequest(), '?resellerId=reseller-1');
    expect(Object.keys(validationErrors(reply))).toEqual(['ResellerId']);
  });

  it('collects several errors into one 400', async () => {
    const tenant = newTenant();
    const customerId = await createCustomer(tenant);
    const body = { providerInstanceId: MICROSOFT_PROVIDER_INSTANCE_ID, offerTypeMargins: 'x' };
    const reply = await add(tenant, customerId, body, '?resellerId=r');
    expect(Object.keys(validationErrors(reply)).sort()).toEqual([
      'Margin',
      'OfferTypeMargins',
      'ProviderCustomerData',
      'ResellerId',
    ]);
  });

  it('accepts a Microsoft domain another customer of the tenant uses, but fails it with DomainExists', async () => {
    const tenant = newTenant();
    const first = await createCustomer(tenant);
    const second = await createCustomer(tenant);
    expect((await add(tenant, first, withDomain('ContosoShared'))).status).toBe(201);

    const reply = await add(tenant, second, withDomain('contososhared'));
    expect(reply.status).toBe(201);
    expect(await microsoftEntry(tenant, second)).toMatchObject({
      status: 'Failed',
      customerCreationError: 'DomainExists',
      providerCustomerId: null,
    });
    expect(await microsoftEntry(tenant, first)).toMatchObject({ status: 'Success' });

    // Domains are only taken within the tenant.
    const elsewhere = newTenant();
    const third = await createCustomer(elsewhere);
    expect((await add(elsewhere, third, withDomain('ContosoShared'))).status).toBe(201);
    expect((await microsoftEntry(elsewhere, third))?.status).toBe('Success');
  });

  it('also reports DomainExists for a provider customer given at creation', async () => {
    const tenant = newTenant();
    const providerCustomers = { [MICROSOFT_PROVIDER_INSTANCE_ID]: withDomain('TakenAtCreate') };
    const first = await createCustomer(tenant, { providerCustomers });
    const second = await createCustomer(tenant, { providerCustomers });
    expect(await microsoftEntry(tenant, first)).toMatchObject({ status: 'Success' });
    expect(await microsoftEntry(tenant, second)).toMatchObject({
      status: 'Failed',
      customerCreationError: 'DomainExists',
    });
  });
});

describe('startCloudCockpitEmulator', () => {
  it('listens on 127.0.0.1 with a URL without trailing slash, and close() stops it', async () => {
    const running = await startCloudCockpitEmulator();
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const headers = { Authorization: 'Bearer any', 'X-Tenant': 'a.example' };
    expect((await fetch(`${running.url}/v1/Customers`, { headers })).status).toBe(200);
    await running.close();
    await running.close(); // idempotent
    await expect(fetch(`${running.url}/v1/Customers`)).rejects.toThrow();
  });
});
