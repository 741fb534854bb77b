import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEmulator } from '../support/emulator-call.js';
import { customerInput, MICROSOFT_INSTANCE, providerInstanceInput } from '../support/fixtures.js';
import { startForwardingProxy, type ForwardingProxy } from '../support/proxy.js';
import { graphql, signToken, startTestStack, TEST_CREDENTIALS, type TestStack } from '../support/stack.js';

const CUSTOMER_FIELDS = `
  id companyName taxId country addressLine1 addressLine2 city state zip firstName middleName lastName
  email phone internalIdentifier resellerId
  associations { resellerId name }
  providerInstances {
    providerInstanceId providerCustomerId status customerCreationError
    margin { marginRule { name } value }
    offerTypeMargins { offerType margin { marginRule { name } value } }
    providerCustomerData
    microsoftCustomerData { domain acceptedMCA agreementDate qualifications enableGDAP associatedPartnerId }
  }`;

const CREATE = `mutation Create($input: CreateCustomerInput!) { createCustomer(input: $input) { ${CUSTOMER_FIELDS} } }`;
const ADD = `mutation Add($customerId: ID!, $input: AddProviderInstanceInput!, $resellerId: UUID) {
  addProviderInstance(customerId: $customerId, input: $input, resellerId: $resellerId) {
    providerInstanceId status customerCreationError margin { value } offerTypeMargins { offerType margin { value } }
    microsoftCustomerData { domain agreementDate }
  }
}`;
const GET = `query Get($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS} } }`;
const LIST = `query List($first: Int, $after: String, $search: String) {
  customers(first: $first, after: $after, search: $search) {
    totalCount
    edges { cursor node { id companyName } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

type Customer = Record<string, unknown> & { id: string; providerInstances: Record<string, unknown>[] };

describe('customers over CloudCockpit', () => {
  let stack: TestStack;
  let url: string;
  let csp: string;

  beforeAll(async () => {
    stack = await startTestStack();
    url = stack.server.url;
    csp = await signToken();
  });
  afterAll(() => stack.close());

  it('creates a customer, adds a provider instance and reads both back', async () => {
    const created = await graphql<{ createCustomer: Customer }>(
      url,
      CREATE,
      { input: customerInput() },
      { token: csp },
    );
    expect(created.errors).toBeUndefined();
    const customer = created.data!.createCustomer;
    expect(customer).toMatchObject({ ...customerInput(), resellerId: null, providerInstances: [], associations: [] });
    expect(customer.id).toMatch(/^[0-9a-f-]{36}$/);

    const input = providerInstanceInput();
    const added = await graphql<{ addProviderInstance: Record<string, unknown> }>(
      url,
      ADD,
      { customerId: customer.id, input },
      { token: csp },
    );
    expect(added.errors).toBeUndefined();
    expect(added.data!.addProviderInstance).toEqual({
      providerInstanceId: MICROSOFT_INSTANCE,
      status: 'SUCCESS',
      customerCreationError: 'NONE',
      margin: { value: 10.6 },
      offerTypeMargins: [{ offerType: 'license', margin: { value: 10 } }],
      microsoftCustomerData: {
        domain: (input.microsoftCustomerData as { domain: string }).domain,
        agreementDate: '2022-12-28T00:00:00.000Z',
      },
    });

    const read = await graphql<{ customer: Customer }>(url, GET, { id: customer.id }, { token: csp });
    expect(read.errors).toBeUndefined();
    const instance = read.data!.customer.providerInstances[0]!;
    expect(read.data!.customer.companyName).toBe('Contoso Pizza');
    expect(instance.providerCustomerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(instance.margin).toEqual({ marginRule: { name: 'markup' }, value: 10.6 });
    // The raw data is CloudCockpit's JSON document, in the document's PascalCase.
    expect(instance.providerCustomerData).toMatchObject({ AcceptedMCA: true, EnableGDAP: true, Qualifications: [] });
  });

  it('sends a given customer id, and creates provider instances with the customer', async () => {
    const id = randomUUID();
    const created = await graphql<{ createCustomer: Customer }>(
      url,
      CREATE,
      {
        input: customerInput({
          id,
          providerCustomers: [providerInstanceInput()],
          customerAssociations: [{ resellerId: randomUUID(), name: 'Fabrikam' }],
        }),
      },
      { token: csp },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createCustomer.id).toBe(id);
    expect(created.data!.createCustomer.providerInstances).toHaveLength(1);
    expect(created.data!.createCustomer.associations).toEqual([{ resellerId: expect.any(String), name: 'Fabrikam' }]);
  });

  it('maps CloudCockpit validation errors onto the GraphQL input paths', async () => {
    const response = await graphql(
      url,
      CREATE,
      { input: customerInput({ companyName: 'x'.repeat(256), zip: '1'.repeat(31) }) },
      { token: csp },
    );
    expect(response.data).toBeNull();
    const [error] = response.errors!;
    expect(error!.path).toEqual(['createCustomer']);
    expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'CLOUDCOCKPIT', httpStatus: 400 });
    expect(error!.extensions.correlationId).toBe(response.extensions!.correlationId);
    const paths = (error!.extensions.fieldErrors as { path: unknown[] }[]).map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        ['input', 'companyName'],
        ['input', 'zip'],
      ]),
    );
  });

  it('maps a nested provider-instance error to its entry of the input list', async () => {
    const entries = [providerInstanceInput({ providerInstanceId: randomUUID() }), providerInstanceInput()];
    const response = await graphql(
      url,
      CREATE,
      { input: customerInput({ providerCustomers: entries }) },
      { token: csp },
    );
    const fieldErrors = response.errors![0]!.extensions.fieldErrors as { path: unknown[] }[];
    // CloudCockpit names the dictionary entry (`ProviderCustomers[<id>]`): the list entry with that id.
    expect(fieldErrors.map((f) => f.path)).toContainEqual(['input', 'providerCustomers', 0]);
  });

  it('reads a customer whose e-mail CloudCockpit accepted though the EmailAddress scalar would not', async () => {
    // Made in the emulator directly, as another CloudCockpit client could: FluentValidation takes `josé@…`.
    const tenant = 'accented.example';
    const email = 'josé@example.pt';
    const made = await callEmulator<string>(`${stack.emulators.cloudCockpit.url}/v1/Customers`, {
      headers: { authorization: `Bearer ${TEST_CREDENTIALS.cloudCockpit.token}`, 'x-tenant': tenant },
      body: { ...customerInput({ email }), providerCustomers: {} },
    });
    expect(made.status).toBe(201);
    const token = await signToken({ tenant });

    const read = await graphql<{ customer: Customer }>(url, GET, { id: made.json }, { token });
    expect(read.errors).toBeUndefined();
    expect(read.data!.customer).toMatchObject({ id: made.json, email, country: 'PT' });
    // One such customer used to fail the whole list (data: null), the error repeating the address.
    const list = await graphql<{ customers: { totalCount: number; nodes: { id: string; email: string }[] } }>(
      url,
      'query { customers { totalCount nodes { id email } } }',
      {},
      { token },
    );
    expect(list.errors).toBeUndefined();
    expect(list.data!.customers).toEqual({ totalCount: 1, nodes: [{ id: made.json, email }] });
  });

  it('rejects invalid scalars before anything is sent upstream', async () => {
    const callsBefore = stack.emulators.cloudCockpit.calls.length;
    const response = await graphql(
      url,
      CREATE,
      { input: customerInput({ country: 'XX', email: 'nope' }) },
      { token: csp },
    );
    expect(response.status).toBe(400);
    expect(response.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(stack.emulators.cloudCockpit.calls.length).toBe(callsBefore);
  });

  it('refuses both or neither kind of provider customer data, naming the field', async () => {
    const { microsoftCustomerData: _unused, ...neither } = providerInstanceInput();
    const response = await graphql(url, ADD, { customerId: randomUUID(), input: neither }, { token: csp });
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['input', 'providerCustomerData'], messages: [expect.any(String)] }],
    });
  });

  it('answers null for an unknown customer and NOT_FOUND when adding to one', async () => {
    const read = await graphql(url, GET, { id: randomUUID() }, { token: csp });
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ customer: null });
    const add = await graphql(url, ADD, { customerId: randomUUID(), input: providerInstanceInput() }, { token: csp });
    expect(add.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'CLOUDCOCKPIT', httpStatus: 404 });
    expect(add.errors![0]!.path).toEqual(['addProviderInstance']);
  });

  it('reports a duplicate Microsoft domain as CloudCockpit does: a FAILED instance with DOMAIN_EXISTS', async () => {
    const input = providerInstanceInput();
    const first = await graphql<{ createCustomer: Customer }>(url, CREATE, { input: customerInput() }, { token: csp });
    const second = await graphql<{ createCustomer: Customer }>(url, CREATE, { input: customerInput() }, { token: csp });
    await graphql(url, ADD, { customerId: first.data!.createCustomer.id, input }, { token: csp });
    const added = await graphql<{ addProviderInstance: Record<string, unknown> }>(
      url,
      ADD,
      { customerId: second.data!.createCustomer.id, input },
      { token: csp },
    );
    expect(added.data!.addProviderInstance).toMatchObject({ status: 'FAILED', customerCreationError: 'DOMAIN_EXISTS' });
  });

  it('keeps tenants apart', async () => {
    const created = await graphql<{ createCustomer: Customer }>(
      url,
      CREATE,
      { input: customerInput() },
      { token: csp },
    );
    const otherTenant = await signToken({ tenant: 'fabrikam.example' });
    const read = await graphql(url, GET, { id: created.data!.createCustomer.id }, { token: otherTenant });
    expect(read.data).toEqual({ customer: null });
  });

  it('lets a reseller see and change only its own customers', async () => {
    const resellerId = randomUUID();
    const reseller = await signToken({ roles: ['reseller'], resellerId, tenant: 'reseller.example' });
    const cspHere = await signToken({ tenant: 'reseller.example' });
    const mine = await graphql<{ createCustomer: Customer }>(
      url,
      CREATE,
      { input: customerInput() },
      { token: reseller },
    );
    expect(mine.data!.createCustomer.resellerId).toBe(resellerId);
    const direct = await graphql<{ createCustomer: Customer }>(
      url,
      CREATE,
      { input: customerInput() },
      { token: cspHere },
    );

    expect((await graphql(url, GET, { id: direct.data!.createCustomer.id }, { token: reseller })).data).toEqual({
      customer: null,
    });
    const list = await graphql<{ customers: { totalCount: number; nodes: { id: string }[] } }>(
      url,
      LIST,
      { first: 50 },
      { token: reseller },
    );
    expect(list.data!.customers.nodes.map((n) => n.id)).toEqual([mine.data!.createCustomer.id]);
    // The emulator applies resellerId: nothing is left out, and its count is the reseller's.
    expect(list.data!.customers.totalCount).toBe(1);

    // The reseller's add reads the customer before and after: the second read must see the new instance. (Its
    // creation read nothing back: without provider instances, CloudCockpit's record is what was sent.)
    const addMine = await graphql<{ addProviderInstance: { status: string } }>(
      url,
      ADD,
      { customerId: mine.data!.createCustomer.id, input: providerInstanceInput() },
      { token: reseller },
    );
    expect(addMine.data!.addProviderInstance.status).toBe('SUCCESS');
    expect(
      stack.emulators.cloudCockpit.calls.filter((c) => c.path === `/v1/Customers/${mine.data!.createCustomer.id}`),
    ).toHaveLength(2);

    const add = await graphql(
      url,
      ADD,
      { customerId: direct.data!.createCustomer.id, input: providerInstanceInput() },
      { token: reseller },
    );
    expect(add.errors![0]!.extensions.code).toBe('NOT_FOUND');
    const otherReseller = await graphql(
      url,
      CREATE,
      { input: customerInput({ resellerId: randomUUID() }) },
      { token: reseller },
    );
    expect(otherReseller.errors![0]!.extensions.code).toBe('FORBIDDEN');
  });

  it('takes GUIDs in any case and answers with them as CloudCockpit (.NET) writes them, in lower case', async () => {
    const id = randomUUID().toUpperCase();
    const created = await graphql<{ createCustomer: Customer }>(
      url,
      CREATE,
      { input: customerInput({ id }) },
      { token: csp },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createCustomer.id).toBe(id.toLowerCase());
    const read = await graphql<{ customer: Customer | null }>(url, GET, { id }, { token: csp });
    expect(read.data!.customer?.id).toBe(id.toLowerCase());

    // CloudCockpit keys providerCustomers by the lower-case Guid: the instance is found there, not echoed back.
    const added = await graphql<{ addProviderInstance: Record<string, unknown> }>(
      url,
      ADD,
      { customerId: id, input: providerInstanceInput({ providerInstanceId: MICROSOFT_INSTANCE.toUpperCase() }) },
      { token: csp },
    );
    expect(added.errors).toBeUndefined();
    expect(added.data!.addProviderInstance).toMatchObject({
      providerInstanceId: MICROSOFT_INSTANCE,
      status: 'SUCCESS',
      customerCreationError: 'NONE',
    });
    const post = stack.emulators.cloudCockpit.calls.findLast((c) => c.method === 'POST')!;
    expect(post.path).toBe(`/v1/Customers/${id.toLowerCase()}/provider-instances`);
    expect((post.body as { providerInstanceId: string }).providerInstanceId).toBe(MICROSOFT_INSTANCE);
  });

  it('refuses one provider instance listed twice in two cases, before anything is sent', async () => {
    const callsBefore = stack.emulators.cloudCockpit.calls.length;
    const entries = [
      providerInstanceInput(),
      providerInstanceInput({ providerInstanceId: MICROSOFT_INSTANCE.toUpperCase() }),
    ];
    const response = await graphql(
      url,
      CREATE,
      { input: customerInput({ providerCustomers: entries }) },
      { token: csp },
    );
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['input', 'providerCustomers', 1, 'providerInstanceId'] }],
    });
    expect(response.errors![0]!.extensions.provider).toBeUndefined();
    expect(stack.emulators.cloudCockpit.calls.length).toBe(callsBefore);
  });

  it('lets a reseller whose token spells its id in upper case see its own customers', async () => {
    const resellerId = randomUUID();
    const tenant = 'upper-reseller.example';
    const reseller = await signToken({ roles: ['reseller'], resellerId: resellerId.toUpperCase(), tenant });
    const created = await graphql<{ createCustomer: Customer }>(
      url,
      CREATE,
      { input: customerInput() },
      { token: reseller },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createCustomer.resellerId).toBe(resellerId);
    const id = created.data!.createCustomer.id;
    expect(
      (await graphql<{ customer: Customer | null }>(url, GET, { id }, { token: reseller })).data!.customer?.id,
    ).toBe(id);
    const list = await graphql<{ customers: { nodes: { id: string }[] } }>(url, LIST, {}, { token: reseller });
    expect(list.data!.customers.nodes.map((n) => n.id)).toEqual([id]);
    // A reseller naming itself in another case is itself, not another reseller.
    const again = await graphql(url, CREATE, { input: customerInput({ resellerId }) }, { token: reseller });
    expect(again.errors).toBeUndefined();
  });

  it('pages through customers with Relay cursors, also across CloudCockpit page boundaries', async () => {
    const tenant = await signToken({ tenant: 'paging.example' });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const created = await graphql<{ createCustomer: Customer }>(
        url,
        CREATE,
        { input: customerInput({ companyName: `Paging ${i}` }) },
        { token: tenant },
      );
      ids.push(created.data!.createCustomer.id);
    }
    type Page = { customers: { totalCount: number; nodes: { id: string }[]; pageInfo: Record<string, unknown> } };
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      // 3 then 3 then 1, so later windows straddle CloudCockpit pages.
      const page: Awaited<ReturnType<typeof graphql<Page>>> = await graphql<Page>(
        url,
        LIST,
        { first: pages === 0 ? 2 : 3, after },
        { token: tenant },
      );
      expect(page.errors).toBeUndefined();
      expect(page.data!.customers.totalCount).toBe(7);
      expect(page.data!.customers.pageInfo.hasPreviousPage).toBe(pages > 0);
      seen.push(...page.data!.customers.nodes.map((n) => n.id));
      after = page.data!.customers.pageInfo.hasNextPage ? (page.data!.customers.pageInfo.endCursor as string) : null;
      pages++;
    } while (after && pages < 10);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);

    const search = await graphql<Page>(url, LIST, { search: 'paging 3' }, { token: tenant });
    expect(search.data!.customers.nodes.map((n) => n.id)).toEqual([ids[3]]);
  });

  it('refuses page sizes CloudCockpit refuses, and foreign cursors', async () => {
    const tooMany = await graphql(url, LIST, { first: 2001 }, { token: csp });
    expect(tooMany.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['first'] }],
    });
    const badCursor = await graphql(url, LIST, { after: 'bm90LWEtY3Vyc29y' }, { token: csp });
    expect(badCursor.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['after'] }],
    });
  });
});

describe('customers for a reseller, when CloudCockpit does not apply resellerId', () => {
  let stack: TestStack;
  let proxy: ForwardingProxy;
  /** Each list request as it left the API, before the proxy took resellerId off. */
  const lists: { resellerId: string | null; pageSize: string | null }[] = [];

  beforeAll(async () => {
    // An independent proxy that forwards GET /v1/Customers without resellerId: a service that ignores the parameter.
    stack = await startTestStack({
      urls: async (emulators) => {
        proxy = await startForwardingProxy(emulators.cloudCockpit.url, {
          beforeForward(request) {
            const target = new URL(request.path, 'http://cloudcockpit');
            if (request.method === 'GET' && target.pathname === '/v1/Customers') {
              lists.push({
                resellerId: target.searchParams.get('resellerId'),
                pageSize: target.searchParams.get('pageSize'),
              });
              target.searchParams.delete('resellerId');
              request.path = `${target.pathname}${target.search}`;
            }
            return 'pass';
          },
        });
        return { cloudCockpit: proxy.url };
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await proxy.close();
  });

  it('shows a reseller only its own customers, keeps sending resellerId, and does not pass on the tenant-wide count', async () => {
    const url = stack.server.url;
    const tenant = 'ignores-reseller.example';
    const resellerId = randomUUID();
    const csp = await signToken({ tenant });
    const reseller = await signToken({ roles: ['reseller'], resellerId, tenant });
    const create = async (token: string, input: Record<string, unknown> = {}) => {
      const created = await graphql<{ createCustomer: Customer }>(
        url,
        CREATE,
        { input: customerInput(input) },
        { token },
      );
      expect(created.errors).toBeUndefined();
      return created.data!.createCustomer.id;
    };
    // CloudCockpit's order: direct, mine, another reseller's, direct, associated with me, mine, direct.
    await create(csp);
    const mine1 = await create(reseller);
    await create(csp, { resellerId: randomUUID() });
    await create(csp);
    const associated = await create(csp, { customerAssociations: [{ resellerId, name: 'Reseller' }] });
    const mine2 = await create(reseller);
    await create(csp);
    const own = [mine1, associated, mine2];

    type List = {
      customers: {
        totalCount: number;
        nodes: { id: string }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    lists.length = 0;
    const all = await graphql<List>(url, LIST, { first: 50 }, { token: reseller });
    expect(all.errors).toBeUndefined();
    expect(all.data!.customers.nodes.map((n) => n.id)).toEqual(own);
    expect(all.data!.customers.totalCount).toBe(3);
    // The page is still asked for narrowed to the reseller; the tenant's count alongside, one customer's worth.
    expect(lists).toEqual(
      expect.arrayContaining([
        { resellerId, pageSize: '50' },
        { resellerId: null, pageSize: '1' },
      ]),
    );
    expect(lists).toHaveLength(2);

    // Page by page, the windows hold other customers too: paging reaches every own customer, once, and ends.
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof graphql<List>>> = await graphql<List>(
        url,
        LIST,
        { first: 2, after },
        { token: reseller },
      );
      expect(page.errors).toBeUndefined();
      // Never the tenant's 7, also for the window that holds only own customers.
      expect(page.data!.customers.totalCount).toBeLessThanOrEqual(own.length);
      seen.push(...page.data!.customers.nodes.map((n) => n.id));
      after = page.data!.customers.pageInfo.hasNextPage ? page.data!.customers.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 10);
    expect(seen).toEqual(own);
    expect(pages).toBe(4);

    // A CSP is not narrowed: it sends no resellerId and sees the tenant, with CloudCockpit's count.
    lists.length = 0;
    const tenantWide = await graphql<List>(url, LIST, { first: 50 }, { token: csp });
    expect(tenantWide.data!.customers.totalCount).toBe(7);
    expect(lists).toEqual([{ resellerId: null, pageSize: '50' }]);
  });
});
