import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionEverywhereInput, providerInstanceInput } from '../support/fixtures.js';
import {
  graphql,
  postGraphQL,
  signToken,
  startTestStack,
  type GraphQLResponse,
  type TestStack,
} from '../support/stack.js';

/**
 * Issue 11, "Abuse limits": one query with 1,000 aliased `customers` fields made 1,000 calls to CloudCockpit. Every
 * refusal here must come before any provider is called, so each test counts the emulators' calls.
 */

const upstreamCalls = (stack: TestStack) =>
  Object.values(stack.emulators).reduce((sum, emulator) => sum + emulator.calls.length, 0);

const aliased = (count: number, field: (i: number) => string) =>
  `query Aliased { ${Array.from({ length: count }, (_, i) => `a${i}: ${field(i)}`).join(' ')} }`;

/** The measured abuse: a thousand lists of customers in one query. */
const THOUSAND_LISTS = aliased(1000, (i) => `customers(first: 100, search: "s${i}") { totalCount }`);

const errorOf = (response: GraphQLResponse) => {
  expect(response.data ?? undefined).toBeUndefined();
  expect(response.errors).toHaveLength(1);
  return response.errors![0]!;
};

describe('query limits, at their defaults', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack();
    token = await signToken();
  });
  afterAll(() => stack.close());

  it.each([
    {
      limit: 'tokens: the 1,000-alias query, 13,000 tokens',
      query: THOUSAND_LISTS,
      message: 'Syntax Error: Document contains more that 1000 tokens. Parsing aborted.',
      code: 'GRAPHQL_PARSE_FAILED',
    },
    {
      limit: 'tokens: 1,001',
      query: `{ customers { ${Array.from({ length: 997 }, () => 'totalCount').join(' ')} } }`,
      message: 'Syntax Error: Document contains more that 1000 tokens. Parsing aborted.',
      code: 'GRAPHQL_PARSE_FAILED',
    },
    {
      limit: 'aliases: 16',
      query: aliased(16, () => 'customers { totalCount }'),
      message: 'Aliases limit of 15 exceeded, found 16.',
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
    {
      limit: 'directives: 51',
      query: `{ customers { ${Array.from({ length: 51 }, () => 'totalCount @include(if: true)').join(' ')} } }`,
      message: 'Directives limit of 50 exceeded, found 51.',
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
  ])('refuses an operation over the limit of $limit with HTTP 400, before any upstream call', async (over) => {
    const response = await graphql(stack.server.url, over.query, {}, { token });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ message: over.message, extensions: { code: over.code } });
    expect(upstreamCalls(stack)).toBe(0);
  });

  it('answers a limit refusal 200 to a client that accepts only application/json, as the GraphQL over HTTP spec asks', async () => {
    const json = { token, headers: { accept: 'application/json' } };
    const aliases = await graphql(
      stack.server.url,
      aliased(16, () => 'customers { totalCount }'),
      {},
      json,
    );
    expect(aliases.status).toBe(200);
    expect(errorOf(aliases).extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const provisioning =
      'mutation P($input: ProvisionCustomerInput!) { provisionCustomer(input: $input) { customer { id } } }';
    const tooDear = { providerInstances: Array.from({ length: 61 }, () => providerInstanceInput()) };
    const cost = await graphql(stack.server.url, provisioning, { input: provisionEverywhereInput(tooDear) }, json);
    expect(cost.status).toBe(200);
    expect(errorOf(cost).extensions.code).toBe('QUERY_COST_EXCEEDED');
  });

  it("refuses each list's `first` over its provider's page size, naming the field, and calls nobody", async () => {
    for (const [field, max] of [
      ['customers(first: 2001) { totalCount }', 2000],
      ['wholesaleCustomers(first: 101) { nodes { id } }', 100],
      ['provisionings(first: 101) { totalCount }', 100],
    ] as const) {
      const response = await graphql(stack.server.url, `{ page: ${field} }`, {}, { token });
      expect(errorOf(response)).toMatchObject({
        message: `first must be between 1 and ${max}`,
        path: ['page'],
        extensions: { code: 'BAD_USER_INPUT', fieldErrors: [{ path: ['first'] }] },
      });
    }
    expect(upstreamCalls(stack)).toBe(0);
  });

  it('refuses a provisionCustomer whose provider instances would fan out past the budget, sending nothing', async () => {
    // 4 (the customer) + 4 × 61 instances + 2 + 2 + 2 = 254 calls at most, over 250.
    const input = provisionEverywhereInput({
      providerInstances: Array.from({ length: 61 }, () => providerInstanceInput({ providerInstanceId: randomUUID() })),
    });
    const response = await graphql(
      stack.server.url,
      'mutation P($input: ProvisionCustomerInput!) { provisionCustomer(input: $input) { customer { id } } }',
      { input },
      { token },
    );
    expect(response.status).toBe(400);
    expect(errorOf(response).extensions).toMatchObject({ code: 'QUERY_COST_EXCEEDED', cost: 254, maxCost: 250 });
    expect(upstreamCalls(stack)).toBe(0);
    const recorded = await graphql<{ provisionings: { totalCount: number } }>(
      stack.server.url,
      '{ provisionings { totalCount } }',
      {},
      { token },
    );
    expect(recorded.data!.provisionings.totalCount).toBe(0);
  });
});

describe('the budget of upstream calls per request', () => {
  const BUDGET = 10;
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    // The other limits out of the way, so that the budget alone decides.
    stack = await startTestStack({ queryLimits: { maxCost: BUDGET, maxAliases: 2000, maxTokens: 100_000 } });
    token = await signToken();
  });
  afterAll(() => stack.close());

  it('refuses the 1,000-alias query by its cost, 1,000 CloudCockpit calls, before any of them', async () => {
    const response = await graphql(stack.server.url, THOUSAND_LISTS, {}, { token });
    expect(response.status).toBe(400);
    expect(errorOf(response).extensions).toMatchObject({ code: 'QUERY_COST_EXCEEDED', cost: 1000, maxCost: BUDGET });
    expect(upstreamCalls(stack)).toBe(0);
  });

  it('lets a query of exactly the budget run, making no more calls than it, and refuses one more', async () => {
    const reads = (count: number) => aliased(count, () => `customer(id: "${randomUUID()}") { id }`);
    const within = await graphql(stack.server.url, reads(BUDGET), {}, { token });
    expect(within.errors).toBeUndefined();
    expect(Object.values(within.data!)).toEqual(Array(BUDGET).fill(null));
    expect(stack.emulators.cloudCockpit.calls).toHaveLength(BUDGET);
    expect(upstreamCalls(stack)).toBeLessThanOrEqual(BUDGET);

    const over = await graphql(stack.server.url, reads(BUDGET + 1), {}, { token });
    expect(errorOf(over).extensions).toMatchObject({ code: 'QUERY_COST_EXCEEDED', cost: BUDGET + 1 });
    expect(upstreamCalls(stack)).toBe(BUDGET);
  });

  it('prices a page by its size when each customer costs a call: the same document passes or not by `first`', async () => {
    const page = 'query Page($first: Int) { customers(first: $first) { nodes { id wholesale { status } } } }';
    const before = upstreamCalls(stack);
    // One list, and one live Webex read per customer at most: 1 + 9 × 1 = 10.
    const within = await graphql(stack.server.url, page, { first: 9 }, { token });
    expect(within.errors).toBeUndefined();
    expect(upstreamCalls(stack) - before).toBeLessThanOrEqual(BUDGET);

    const over = await graphql(stack.server.url, page, { first: 10 }, { token });
    expect(errorOf(over).extensions).toMatchObject({ code: 'QUERY_COST_EXCEEDED', cost: 11 });
    // A list of ids alone is one call, whatever its size.
    const ids = await graphql(stack.server.url, 'query { customers(first: 2000) { nodes { id } } }', {}, { token });
    expect(ids.errors).toBeUndefined();
  });
});

describe('automatic persisted queries', () => {
  const QUERY = 'query Provisionings($first: Int) { provisionings(first: $first) { totalCount } }';
  const hashOf = (query: string) => createHash('sha256').update(query).digest('hex');
  const persisted = (query: string) => ({ persistedQuery: { version: 1, sha256Hash: hashOf(query) } });
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack();
    token = await signToken();
  });
  afterAll(() => stack.close());

  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postGraphQL(stack.server.url, body, { token, headers });

  it('answers PERSISTED_QUERY_NOT_FOUND for an unknown hash, then runs the query by its hash once registered, over POST and GET', async () => {
    const unknown = await post({ extensions: persisted(QUERY), variables: { first: 5 } });
    expect(unknown.errors![0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    const registered = await post({ query: QUERY, extensions: persisted(QUERY), variables: { first: 5 } });
    expect(registered.errors).toBeUndefined();
    expect(registered.data).toEqual({ provisionings: { totalCount: 0 } });

    const byHash = await post({
      extensions: persisted(QUERY),
      variables: { first: 5 },
      operationName: 'Provisionings',
    });
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data).toEqual(registered.data);

    const search = new URLSearchParams({
      extensions: JSON.stringify(persisted(QUERY)),
      variables: JSON.stringify({ first: 5 }),
      operationName: 'Provisionings',
    });
    const get = await fetch(`${stack.server.url}?${search}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(((await get.json()) as GraphQLResponse).data).toEqual(registered.data);
  });

  it('refuses a query whose hash does not match it, and never registers a query the limits refuse', async () => {
    const mismatch = await post({ query: QUERY, extensions: persisted('{ provisionings { totalCount } }') });
    expect(mismatch.status).toBe(400);
    expect(mismatch.errors![0]!.message).toBe('provided sha does not match query');

    const tooDear = aliased(
      2,
      () => 'customers(first: 200) { nodes { wholesale { id } } }', // 2 × (1 + 200) calls
    );
    const refused = await post({ query: tooDear, extensions: persisted(tooDear) });
    expect(refused.errors![0]!.extensions.code).toBe('QUERY_COST_EXCEEDED');
    const later = await post({ extensions: persisted(tooDear) });
    expect(later.errors![0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(upstreamCalls(stack)).toBe(0);
  });

  it('replays a mutation sent by its hash under the Idempotency-Key it was first sent with', async () => {
    const mutation =
      'mutation Provision($input: ProvisionCustomerInput!) { provisionCustomer(input: $input) { customer { id } } }';
    const variables = { input: provisionEverywhereInput() };
    const key = { 'idempotency-key': randomUUID() };
    const first = await post({ query: mutation, extensions: persisted(mutation), variables }, key);
    expect(first.errors).toBeUndefined();
    const calls = upstreamCalls(stack);

    const repeat = await post({ extensions: persisted(mutation), variables, operationName: 'Provision' }, key);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.data).toEqual(first.data);
    expect(upstreamCalls(stack)).toBe(calls);
  });
});

describe('in production', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack({ production: true });
    token = await signToken();
  });
  afterAll(() => stack.close());

  const expectNoLeak = (response: GraphQLResponse) => {
    for (const error of response.errors!) {
      expect(error.extensions.stacktrace).toBeUndefined();
      expect(error.message).not.toMatch(/did you mean/i);
    }
  };

  it('refuses introspection', async () => {
    const response = await graphql(stack.server.url, '{ __schema { types { name } } }', {}, { token });
    expect(response.status).toBe(400);
    expect(errorOf(response).extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errorOf(response).message).toMatch(/introspection is not allowed/i);
    expectNoLeak(response);
  });

  it('suggests no field, argument or enum value, and shows no stack trace', async () => {
    const field = await graphql(stack.server.url, '{ customers { nodez { id } } }', {}, { token });
    expect(errorOf(field).message).toBe('Cannot query field "nodez" on type "CustomerConnection".');
    expectNoLeak(field);

    const argument = await graphql(stack.server.url, '{ customers(firstt: 1) { totalCount } }', {}, { token });
    expect(errorOf(argument).message).toBe('Unknown argument "firstt" on field "Query.customers".');
    expectNoLeak(argument);

    const enumValue = await graphql(
      stack.server.url,
      'query P($status: ProvisioningStatus) { provisionings(status: $status) { totalCount } }',
      { status: 'FAILD' },
      { token },
    );
    expect(errorOf(enumValue).extensions.code).toBe('BAD_USER_INPUT');
    expect(errorOf(enumValue).message).toContain('Value "FAILD" does not exist in "ProvisioningStatus" enum.');
    expectNoLeak(enumValue);
  });

  it("shows no stack trace on graphql-armor's refusals, the budget's, or a resolver's error", async () => {
    const aliases = await graphql(
      stack.server.url,
      aliased(16, () => 'customers { totalCount }'),
      {},
      { token },
    );
    expect(errorOf(aliases).extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expectNoLeak(aliases);

    const tokens = await graphql(stack.server.url, THOUSAND_LISTS, {}, { token });
    expect(errorOf(tokens).extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expectNoLeak(tokens);

    const cost = await graphql(
      stack.server.url,
      aliased(2, () => 'customers(first: 200) { nodes { wholesale { id } } }'),
      {},
      { token },
    );
    expect(errorOf(cost).extensions.code).toBe('QUERY_COST_EXCEEDED');
    expectNoLeak(cost);

    const anonymous = await graphql(stack.server.url, '{ customers { totalCount } }');
    expect(errorOf(anonymous).extensions.code).toBe('UNAUTHENTICATED');
    expectNoLeak(anonymous);
    expect(upstreamCalls(stack)).toBe(0);
  });
});
