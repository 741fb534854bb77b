import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { RunningEmulator } from '../../../emulators/toolkit/server.js';
import { callEmulator, type EmulatorCallOptions, type EmulatorReply } from '../../support/emulator-call.js';
import { startNet3Emulator } from '../../../emulators/net3/emulator.js';
import type { ErrorResponse, ProvisionCustomerModelResponse, ResponseError } from '../../../src/providers/net3/wire.js';

const API_KEY = 'net3-emulator-test-key';
const USER = { username: 'partner', password: 'p@ss:word' };
const FAILING_ID = 'customer-that-deadlocks';

/** Requires API_KEY; one customer id fails with a 500. */
let emulator: RunningEmulator;
/** Requires Basic USER. */
let basic: RunningEmulator;
/** Accepts any credentials. */
let open: RunningEmulator;
/** DebugMode off: no stack traces. */
let quiet: RunningEmulator;

beforeAll(async () => {
  [emulator, basic, open, quiet] = await Promise.all([
    startNet3Emulator({ credentials: { apiKey: API_KEY }, failingCustomerIds: [FAILING_ID] }),
    startNet3Emulator({ credentials: USER }),
    startNet3Emulator(),
    startNet3Emulator({ credentials: { apiKey: API_KEY }, debugMode: false }),
  ]);
});

afterAll(async () => {
  await Promise.all([emulator?.close(), basic?.close(), open?.close(), quiet?.close()]);
});

// ───────────── helpers ─────────────

interface CallOptions extends EmulatorCallOptions {
  /** @default /provisioning/customer */
  path?: string;
  /** null: no Authorization header; otherwise the whole header value. */
  authorization?: string | null;
  on?: RunningEmulator;
}

function call(options: CallOptions = {}): Promise<EmulatorReply> {
  return callEmulator(`${(options.on ?? emulator).url}${options.path ?? '/provisioning/customer'}`, {
    method: 'POST',
    ...options,
    headers: {
      Accept: 'application/json',
      Authorization: options.authorization === undefined ? `Bearer ${API_KEY}` : options.authorization,
    },
  });
}

function contact(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    firstName: 'Ana',
    lastName: 'Silva',
    email: `ana.${randomUUID().slice(0, 8)}@contoso.example`,
    telephone: '+1 803 555 0100',
    roles: ['Primary'],
    ...overrides,
  };
}

/** A request Net3 accepts: the sample body's shape with real values. */
function validBody(
  overrides: Record<string, unknown> = {},
  customer: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    customer: {
      customerId: randomUUID(),
      customerName: 'Contoso Pizza',
      streetAddress: '1200 Main St, Suite 4',
      cityStateZip: 'Columbia, SC 29201',
      phone: '+1 803 555 0100',
      extension: '12',
      email: 'office@contoso.example',
      serviceLevelId: 2,
      isReseller: false,
      typeCustomerStatusId: 1,
      typePricingTierId: 3,
      ...customer,
    },
    addresses: [
      {
        street: '1200 Main St',
        city: 'Columbia',
        state: 'SC',
        postalCode: '29201',
        email: 'office@contoso.example',
        primary: true,
      },
    ],
    contacts: [contact()],
    createdBy: { email: 'rep@partner.example', username: 'rep', userId: randomUUID().replace(/-/g, '') },
    salesContact: 'rep@partner.example',
    requesterIP: '203.0.113.7',
    requestCreated: '/Date(1700000000000-0000)/',
    ...overrides,
  };
}

function responseStatusOf(reply: EmulatorReply): ErrorResponse['responseStatus'] {
  const body = reply.json as ErrorResponse;
  expect(Object.keys(body)).toEqual(['responseStatus']);
  return body.responseStatus;
}

/** The field errors of a 400, as `{ fieldName: errorCode[] }`, after checking ServiceStack's body shape. */
function fieldErrors(reply: EmulatorReply): Record<string, string[]> {
  expect(reply.status, reply.text).toBe(400);
  const status = responseStatusOf(reply);
  const errors = status.errors as ResponseError[];
  expect(errors.length).toBeGreaterThan(0);
  const byField: Record<string, string[]> = {};
  for (const e of errors) (byField[e.fieldName ?? ''] ??= []).push(e.errorCode);
  return byField;
}

async function provision(
  body: Record<string, unknown>,
  on?: RunningEmulator,
  authorization?: string,
): Promise<EmulatorReply> {
  return call({ body, ...(on ? { on } : {}), ...(authorization ? { authorization } : {}) });
}

const basicHeader = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

// ───────────── authentication ─────────────

describe('authentication', () => {
  it.each([
    ['no Authorization header', null, 'Not Authenticated'],
    ['an unknown scheme', 'Token abc', 'Not Authenticated'],
    ['an empty Bearer token', 'Bearer ', 'Not Authenticated'],
    ['Basic, which is not registered when an API key is configured', basicHeader('partner', 'x'), 'Not Authenticated'],
    ['the wrong API key', 'Bearer not-the-key', 'Invalid API Key'],
  ])('answers 401 for %s, with WWW-Authenticate and a ServiceStack body', async (_case, authorization, message) => {
    const reply = await call({ authorization, body: validBody() });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="/auth/apikey"');
    expect(responseStatusOf(reply)).toMatchObject({ errorCode: 'Unauthorized', message, errors: [] });
  });

  it('accepts the API key as a Bearer token, the scheme case-insensitively', async () => {
    expect((await call({ authorization: `bearer ${API_KEY}`, body: validBody() })).status).toBe(200);
  });

  it('takes user and password as Basic when so configured (the password may hold a colon)', async () => {
    const ok = await provision(validBody(), basic, basicHeader(USER.username, USER.password));
    expect(ok.status, ok.text).toBe(200);
    const wrong = await provision(validBody(), basic, basicHeader(USER.username, 'p@ss'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="/auth/basic"');
    expect(responseStatusOf(wrong).message).toBe('Invalid UserName or Password');
    const bearer = await provision(validBody(), basic, 'Bearer some-key');
    expect(bearer.status).toBe(401);
  });

  it('accepts any API key or user when no credentials are configured, but still requires one', async () => {
    expect((await provision(validBody(), open, 'Bearer anything')).status).toBe(200);
    expect((await provision(validBody(), open, basicHeader('someone', ''))).status).toBe(200);
    expect((await call({ on: open, authorization: null, body: validBody() })).status).toBe(401);
    expect((await provision(validBody(), open, basicHeader('', 'pw'))).status).toBe(401);
  });

  it('binds the body before authenticating, as ServiceStack does: a malformed body is a 400 even without credentials', async () => {
    const reply = await call({ authorization: null, rawBody: '{not json' });
    expect(reply.status).toBe(400);
    expect(responseStatusOf(reply).errorCode).toBe('SerializationException');
  });

  it('authenticates before validating', async () => {
    const reply = await call({ authorization: null, body: {} });
    expect(reply.status).toBe(401);
  });
});

// ───────────── routing and content types ─────────────

describe('routing and content types', () => {
  it.each([
    ['GET', '/provisioning/customer'],
    ['PUT', '/provisioning/customer'],
    ['POST', '/provisioning/customers'],
  ])('answers %s %s with ServiceStack’s plain-text 404', async (method, path) => {
    const reply = await call({ method, path, ...(method === 'GET' ? {} : { body: validBody() }) });
    expect(reply.status).toBe(404);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(reply.text).toContain('Handler for Request not found');
  });

  it('routes case-insensitively, as ServiceStack does', async () => {
    expect((await call({ path: '/Provisioning/Customer', body: validBody() })).status).toBe(200);
  });

  it('refuses a body that is not JSON', async () => {
    const reply = await call({ rawBody: 'customerName=Contoso', contentType: 'application/x-www-form-urlencoded' });
    expect(reply.status).toBe(415);
    expect(responseStatusOf(reply).errorCode).toBe('NotSupportedException');
  });

  it.each([
    ['malformed JSON', '{"customer":'],
    ['a JSON array', '[]'],
    ['a JSON string', '"customer"'],
  ])('answers %s with a SerializationException', async (_case, rawBody) => {
    const reply = await call({ rawBody });
    expect(reply.status).toBe(400);
    expect(responseStatusOf(reply)).toMatchObject({
      errorCode: 'SerializationException',
      message: "Unable to bind to request 'ProvisionCustomerModel'",
    });
  });

  it('binds an empty body to an empty request, which validation refuses', async () => {
    const errors = fieldErrors(await call({ rawBody: '', contentType: 'application/json' }));
    expect(errors).toEqual({ Customer: ['NotNull'], Contacts: ['NotEmpty'] });
  });
});

// ───────────── binding ─────────────

describe('request binding', () => {
  it.each([
    ['a GUID that is no GUID', {}, { n3TLogins_CompanyId: 'not-a-guid' }, 'Customer.N3TLogins_CompanyId'],
    ['a GUID one digit short', {}, { n3TLogins_CompanyId: '0'.repeat(31) }, 'Customer.N3TLogins_CompanyId'],
    ['a date that is no date', {}, { lastUpdateDate: 'yesterday' }, 'Customer.LastUpdateDate'],
    ['a /Date()/ without milliseconds', { requestCreated: '/Date()/' }, {}, 'RequestCreated'],
    ['a date outside .NET’s range', { requestCreated: '/Date(253402300800000)/' }, {}, 'RequestCreated'],
    ['a number that is no integer', {}, { serviceLevelId: 1.5 }, 'Customer.ServiceLevelId'],
    ['an int beyond 32 bits', {}, { typePricingTierId: 2147483648 }, 'Customer.TypePricingTierId'],
    ['a boolean that is no boolean', {}, { isReseller: 'yes' }, 'Customer.isReseller'],
    ['an object for a string', {}, { customerName: { name: 'x' } }, 'Customer.CustomerName'],
    ['a string for the customer', { customer: 'Contoso' }, null, 'Customer'],
    ['an object for the contact list', { contacts: { firstName: 'Ana' } }, {}, 'Contacts'],
    ['a CreatedBy user id that is no GUID', { createdBy: { userId: 42 } }, {}, 'CreatedBy.UserId'],
  ])('refuses %s, naming the field', async (_case, overrides, customer, fieldName) => {
    const body = validBody(overrides, customer ?? {});
    if (customer === null) body.customer = (overrides as { customer: unknown }).customer;
    const reply = await provision(body);
    expect(reply.status, reply.text).toBe(400);
    const status = responseStatusOf(reply);
    expect(status.errorCode).toBe('SerializationException');
    expect(status.errors).toEqual([
      { errorCode: 'SerializationException', fieldName, message: expect.stringContaining('is an Invalid value for') },
    ]);
  });

  it('refuses a role that is not one of the six, naming its index', async () => {
    const reply = await provision(validBody({ contacts: [contact({ roles: ['Primary', 'Owner'] })] }));
    expect(responseStatusOf(reply).errors).toEqual([
      {
        errorCode: 'SerializationException',
        fieldName: 'Contacts[0].Roles[1]',
        message: "'Owner' is an Invalid value for 'Roles'",
      },
    ]);
  });

  it('takes roles by name in any case, or by their documented number', async () => {
    const reply = await provision(validBody({ contacts: [contact({ roles: ['primary', 3, '6'] })] }));
    expect(reply.status, reply.text).toBe(200);
    expect((reply.json as ProvisionCustomerModelResponse).contacts![0]!.roles).toEqual([
      'Primary',
      'Billing',
      'ContractSignatory',
    ]);
  });

  it.each([
    ['escaped WCF with offset, as ServiceStack writes it', '"\\/Date(1700000000000-0000)\\/"', 1700000000000],
    ['unescaped WCF without offset', '"/Date(1700000000000)/"', 1700000000000],
    ['WCF with a local offset (the milliseconds are UTC)', '"/Date(1700000000000+0100)/"', 1700000000000],
    ['a date before 1970', '"\\/Date(-62135596800000-0000)\\/"', -62135596800000],
    ['ISO 8601', '"2023-11-14T22:13:20Z"', 1700000000000],
  ])('reads dates as %s', async (_case, literal, ms) => {
    const id = randomUUID();
    const rawBody = JSON.stringify(validBody({ requestCreated: '@DATE@' }, { customerId: id })).replace(
      '"@DATE@"',
      literal,
    );
    const reply = await call({ rawBody });
    expect(reply.status, reply.text).toBe(200);
    // ServiceStack writes dates back in its own form, slashes escaped.
    expect(reply.text).toContain(`"requestCreated":"\\/Date(${ms}-0000)\\/"`);
  });

  it.each([
    ['32 digits', 'ABCDEF0123456789ABCDEF0123456789'],
    ['dashed', 'abcdef01-2345-6789-abcd-ef0123456789'],
    ['in braces', '{abcdef01-2345-6789-abcd-ef0123456789}'],
  ])('reads GUIDs %s, and writes them as 32 lowercase digits', async (_case, guid) => {
    const reply = await provision(validBody({}, { n3TLogins_CompanyId: guid }));
    expect(reply.status, reply.text).toBe(200);
    expect((reply.json as ProvisionCustomerModelResponse).customer!.n3TLogins_CompanyId).toBe(
      'abcdef0123456789abcdef0123456789',
    );
  });

  it('matches property names case-insensitively, as ServiceStack.Text does', async () => {
    const body = {
      Customer: { CustomerId: randomUUID(), CustomerName: 'Pascal Ltd' },
      Contacts: [{ FirstName: 'A', LastName: 'B', Email: 'a@b.example', Roles: ['Primary'] }],
    };
    const reply = await provision(body);
    expect(reply.status, reply.text).toBe(200);
    expect((reply.json as ProvisionCustomerModelResponse).customer!.customerName).toBe('Pascal Ltd');
  });

  it('reads numbers and booleans from their text, and strings from numbers', async () => {
    const reply = await provision(validBody({}, { serviceLevelId: '7', isReseller: 'TRUE', phone: 8035550100 }));
    expect(reply.status, reply.text).toBe(200);
    expect((reply.json as ProvisionCustomerModelResponse).customer).toMatchObject({
      serviceLevelId: 7,
      isReseller: true,
      phone: '8035550100',
    });
  });
});

// ───────────── validation ─────────────

describe('validation', () => {
  it('reports every failure, in rule order, with FluentValidation’s codes and wording and the first as the summary', async () => {
    const reply = await provision(
      validBody(
        { contacts: [contact({ firstName: '', roles: ['Technical'] })] },
        { customerId: '', customerName: 'x'.repeat(101) },
      ),
    );
    const status = responseStatusOf(reply);
    expect(status.errorCode).toBe('NotEmpty');
    expect(status.message).toBe("'Customer Id' must not be empty.");
    expect(status.errors).toEqual([
      {
        errorCode: 'NotEmpty',
        fieldName: 'Customer.CustomerId',
        message: "'Customer Id' must not be empty.",
        meta: { PropertyName: 'Customer Id' },
      },
      {
        errorCode: 'MaximumLength',
        fieldName: 'Customer.CustomerName',
        message: "The length of 'Customer Name' must be 100 characters or fewer. You entered 101 characters.",
        meta: { PropertyName: 'Customer Name', MaxLength: '100', TotalLength: '101' },
      },
      {
        errorCode: 'NotEmpty',
        fieldName: 'Contacts[0].FirstName',
        message: "'First Name' must not be empty.",
        meta: { PropertyName: 'First Name' },
      },
      {
        errorCode: 'Predicate',
        fieldName: 'Contacts',
        message: 'Exactly one contact must have the Primary role.',
        meta: { PropertyName: 'Contacts' },
      },
    ]);
  });

  it('requires the customer, its id and its name', async () => {
    expect(fieldErrors(await provision(validBody({ customer: null })))).toEqual({ Customer: ['NotNull'] });
    expect(fieldErrors(await provision(validBody({}, { customerId: '  ', customerName: null })))).toEqual({
      'Customer.CustomerId': ['NotEmpty'],
      'Customer.CustomerName': ['NotEmpty'],
    });
  });

  it.each([
    ['Customer.CustomerId', {}, { customerId: 'x'.repeat(51) }],
    ['Customer.StreetAddress', {}, { streetAddress: 'x'.repeat(201) }],
    ['Customer.CityStateZip', {}, { cityStateZip: 'x'.repeat(101) }],
    ['Customer.Phone', {}, { phone: '1'.repeat(26) }],
    ['Customer.Extension', {}, { extension: '1'.repeat(11) }],
    ['Customer.ParentCompanyId', {}, { parentCompanyId: 'x'.repeat(51) }],
    ['Addresses[0].Street', { addresses: [{ street: 'x'.repeat(201) }] }, {}],
    ['Addresses[0].City', { addresses: [{ city: 'x'.repeat(101) }] }, {}],
    ['Addresses[0].State', { addresses: [{ state: 'x'.repeat(51) }] }, {}],
    ['Addresses[0].PostalCode', { addresses: [{ postalCode: 'x'.repeat(21) }] }, {}],
    ['Addresses[0].Telephone', { addresses: [{ telephone: '1'.repeat(26) }] }, {}],
    ['Addresses[0].Extension', { addresses: [{ extension: '1'.repeat(11) }] }, {}],
    ['Addresses[0].Notes', { addresses: [{ notes: 'x'.repeat(501) }] }, {}],
    ['Contacts[0].FirstName', { contacts: [contact({ firstName: 'x'.repeat(51) })] }, {}],
    ['Contacts[0].LastName', { contacts: [contact({ lastName: 'x'.repeat(51) })] }, {}],
    ['Contacts[0].Telephone', { contacts: [contact({ telephone: '1'.repeat(26) })] }, {}],
    ['SalesContact', { salesContact: 'x'.repeat(101) }, {}],
    ['RequesterIP', { requesterIP: '1'.repeat(46) }, {}],
  ])('limits the length of %s', async (fieldName, overrides, customer) => {
    expect(fieldErrors(await provision(validBody(overrides, customer)))).toEqual({ [fieldName]: ['MaximumLength'] });
  });

  it('accepts values exactly at the limits', async () => {
    const reply = await provision(
      validBody(
        { requesterIP: '1'.repeat(45) },
        { customerName: 'x'.repeat(100), customerId: `${randomUUID()}-${'x'.repeat(13)}` },
      ),
    );
    expect(reply.status, reply.text).toBe(200);
  });

  it.each([
    ['Customer.Email', {}, { email: 'office.contoso.example' }],
    ['Addresses[0].Email', { addresses: [{ email: '@contoso.example' }] }, {}],
    ['Contacts[0].Email', { contacts: [contact({ email: 'ana@' })] }, {}],
    ['CreatedBy.Email', { createdBy: { email: 'a@b@c' } }, {}],
  ])('checks the e-mail format of %s', async (fieldName, overrides, customer) => {
    expect(fieldErrors(await provision(validBody(overrides, customer)))).toEqual({ [fieldName]: ['Email'] });
  });

  it.each(['LocalId', 'ServiceLevelId', 'TypeCustomerStatusId', 'TypePricingTierId'])(
    'refuses a negative %s',
    async (name) => {
      const customer = { [name.charAt(0).toLowerCase() + name.slice(1)]: -1 };
      expect(fieldErrors(await provision(validBody({}, customer)))).toEqual({
        [`Customer.${name}`]: ['GreaterThanOrEqual'],
      });
    },
  );

  it('requires at least one contact, each with names, an e-mail and a role', async () => {
    expect(fieldErrors(await provision(validBody({ contacts: [] })))).toEqual({ Contacts: ['NotEmpty'] });
    const bare = await provision(validBody({ contacts: [contact(), { roles: [] }] }));
    expect(fieldErrors(bare)).toEqual({
      'Contacts[1].FirstName': ['NotEmpty'],
      'Contacts[1].LastName': ['NotEmpty'],
      'Contacts[1].Email': ['NotEmpty'],
      'Contacts[1].Roles': ['NotEmpty'],
    });
  });

  it('requires exactly one Primary contact', async () => {
    const none = await provision(validBody({ contacts: [contact({ roles: ['Billing'] })] }));
    expect(fieldErrors(none)).toEqual({ Contacts: ['Predicate'] });
    const two = await provision(validBody({ contacts: [contact(), contact({ roles: ['Technical', 'Primary'] })] }));
    expect(fieldErrors(two)).toEqual({ Contacts: ['Predicate'] });
  });

  it('refuses two contacts with the same e-mail, which would be the same login', async () => {
    const reply = await provision(
      validBody({
        contacts: [
          contact({ email: 'Ana@Contoso.example' }),
          contact({ email: 'ana@contoso.example', roles: ['Billing'] }),
        ],
      }),
    );
    expect(fieldErrors(reply)).toEqual({ 'Contacts[1].Email': ['Predicate'] });
  });

  it('allows at most one primary address', async () => {
    const reply = await provision(
      validBody({
        addresses: [
          { street: 'A', primary: true },
          { street: 'B', primary: true },
        ],
      }),
    );
    expect(fieldErrors(reply)).toEqual({ Addresses: ['Predicate'] });
  });
});

// ───────────── the service ─────────────

describe('provisioning', () => {
  it('answers 200 with what it provisioned, ids assigned and dates and GUIDs written the ServiceStack way', async () => {
    const body = validBody();
    const reply = await provision(body);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    const response = reply.json as ProvisionCustomerModelResponse;
    expect(response.customer).toMatchObject({ ...(body.customer as object), localId: expect.any(Number) });
    expect(response.customer!.n3TLogins_CompanyId).toMatch(/^[0-9a-f]{32}$/);
    expect(response.customer!.lastUpdateDate).toMatch(/^\/Date\(\d+-0000\)\/$/);
    expect(response.created).toBe(response.customer!.lastUpdateDate);
    expect(response.addresses).toEqual(body.addresses);
    expect(response.contacts).toEqual(body.contacts);
    expect(response.requestCreated).toBe('/Date(1700000000000-0000)/');
    expect(reply.text).toMatch(/"created":"\\\/Date\(\d+-0000\)\\\/"/);
    expect(response).not.toHaveProperty('responseStatus');
  });

  it('gives each customer its own OnBoarding id, and keeps a given Logins company', async () => {
    const company = randomUUID().replace(/-/g, '');
    const first = (await provision(validBody())).json as ProvisionCustomerModelResponse;
    const second = (await provision(validBody({}, { n3TLogins_CompanyId: company })))
      .json as ProvisionCustomerModelResponse;
    expect(second.customer!.localId).toBeGreaterThan(first.customer!.localId!);
    expect(second.customer!.n3TLogins_CompanyId).toBe(company);
    expect(first.customer!.n3TLogins_CompanyId).not.toBe(company);
  });

  it('counts a customer once under its customerId, and not a duplicate it refuses', async () => {
    const body = validBody();
    expect((await provision(body)).status).toBe(200);
    expect((await provision(body)).status).toBe(409);
    expect(emulator.created.get((body.customer as { customerId: string }).customerId)).toBe(1);
  });

  it('refuses a second customer with the same id, whatever its case, with 409 Conflict', async () => {
    const id = `crm-${randomUUID()}`;
    expect((await provision(validBody({}, { customerId: id }))).status).toBe(200);
    const again = await provision(validBody({}, { customerId: id.toUpperCase() }));
    expect(again.status).toBe(409);
    expect(responseStatusOf(again)).toMatchObject({
      errorCode: 'Conflict',
      message: expect.stringContaining(id.toUpperCase()),
      errors: [],
    });
  });

  it('keeps each partner’s customers apart', async () => {
    const id = randomUUID();
    expect((await provision(validBody({}, { customerId: id }), open, 'Bearer partner-a')).status).toBe(200);
    expect((await provision(validBody({}, { customerId: id }), open, 'Bearer partner-b')).status).toBe(200);
    expect((await provision(validBody({}, { customerId: id }), open, 'Bearer partner-a')).status).toBe(409);
    expect((await provision(validBody({}, { customerId: id }), open, basicHeader('partner-a', 'x'))).status).toBe(200);
  });

  it('answers an internal failure with 500 and, in DebugMode, a stack trace that dumps the request', async () => {
    const reply = await provision(validBody({}, { customerId: FAILING_ID }));
    expect(reply.status).toBe(500);
    const status = responseStatusOf(reply);
    expect(status.errorCode).toBe('SqlException');
    expect(status.stackTrace).toContain('Net3.ServiceInterface.ProvisioningService.Post');
    expect(status.stackTrace).toContain(`[REQUEST: {"customer":{"customerId":"${FAILING_ID}"`);
  });

  it('carries a stack trace in its 400s and 401s in DebugMode, and none without it', async () => {
    const invalid = validBody({ contacts: [] });
    expect(responseStatusOf(await provision(invalid)).stackTrace).toContain(
      'ServiceStack.FluentValidation.ValidationException',
    );
    expect(responseStatusOf(await call({ authorization: null, body: invalid })).stackTrace).toContain(
      'ServiceStack.HttpError',
    );
    const quietReply = await provision(invalid, quiet);
    expect(quietReply.status).toBe(400);
    expect(responseStatusOf(quietReply)).not.toHaveProperty('stackTrace');
  });

  it('records every call it receives, refused ones included', async () => {
    const before = emulator.calls.length;
    await call({ authorization: null, body: validBody() });
    await provision(validBody());
    const recorded = emulator.calls.slice(before);
    expect(recorded.map((c) => c.method)).toEqual(['POST', 'POST']);
    expect(recorded[1]!.path).toBe('/provisioning/customer');
    expect(recorded[1]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });
});
