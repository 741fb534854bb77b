import { randomUUID } from 'node:crypto';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBillingSubgraph, type RunningBillingSubgraph } from '../../examples/billing/server.js';
import { composeSupergraph } from '../../scripts/supergraph.js';
import { createSchema } from '../../src/schema.js';
import { customerInput, wholesaleCustomerInput } from '../support/fixtures.js';
import { graphql, signToken, startTestStack, type TestStack } from '../support/stack.js';

/*
 * Issue 12: the facade as a subgraph of a real gateway (@apollo/gateway on the supergraph `npm run supergraph:check`
 * composes), beside the example billing subgraph, all on loopback. The gateway forwards each caller's Authorization
 * to the facade, which applies its own rules to every entity.
 */

/** Customers the billing subgraph bills: enough that N reads and one are told apart. */
const N = 5;
const RESELLER = randomUUID();

interface Gateway {
  url: string;
  close(): Promise<void>;
}

/** A gateway over `supergraphSdl`, forwarding the caller's `Authorization` to every subgraph. */
async function startGateway(supergraphSdl: string): Promise<Gateway> {
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ authorization?: string }>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return { url, close: () => server.stop() };
}

let stack: TestStack;
let billing: RunningBillingSubgraph;
let gateway: Gateway;
let csp: string;
let customerIds: string[];
let provisioningIds: string[];

/** Provisions a customer with a Net3 section, as `caller`; its CloudCockpit id and its provisioning's id. */
async function provision(token: string, customer: Record<string, unknown> = {}) {
  const response = await graphql<{ provisionCustomer: { customer: { id: string }; provisioning: { id: string } } }>(
    stack.server.url,
    `
      mutation ($input: ProvisionCustomerInput!) {
        provisionCustomer(input: $input) {
          customer {
            id
          }
          provisioning {
            id
          }
          failures {
            code
          }
        }
      }
    `,
    {
      input: {
        customer: customerInput({ companyName: `Billed ${randomUUID()}`, ...customer }),
        net3: { serviceLevelId: 2, primaryContactRoles: ['PRIMARY'] },
      },
    },
    { token },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.provisionCustomer;
}

/** Every SQL statement the facade's ledger runs while `work` does. */
async function ledgerQueriesDuring(work: () => Promise<unknown>): Promise<string[]> {
  // A spy that calls through: the ledger runs as ever, and the test sees what it was asked.
  const spy = vi.spyOn(stack.ledger.database, 'query');
  try {
    await work();
    return spy.mock.calls.map(([sql]) => sql);
  } finally {
    spy.mockRestore();
  }
}

const customerReads = () =>
  stack.emulators.cloudCockpit.calls.filter(
    (call) => call.method === 'GET' && /^\/v1\/Customers\/[^/?]+/.test(call.path),
  ).length;

function entities(token: string | undefined, representations: Record<string, unknown>[], selection: string) {
  return graphql<{ _entities: (Record<string, unknown> | null)[] }>(
    stack.server.url,
    `query($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`,
    { representations },
    { token },
  );
}

beforeAll(async () => {
  stack = await startTestStack();
  csp = await signToken();
  const provisioned = [];
  for (let i = 0; i < N; i++) provisioned.push(await provision(csp));
  customerIds = provisioned.map((p) => p.customer.id);
  provisioningIds = provisioned.map((p) => p.provisioning.id);
  billing = await startBillingSubgraph(
    customerIds.map((customerId, i) => ({ id: `account-${i}`, plan: 'monthly', balanceCents: 100 * i, customerId })),
  );
  const composition = composeSupergraph({ facade: stack.server.url, billing: billing.url });
  expect(composition.errors).toBeUndefined();
  gateway = await startGateway(composition.supergraphSdl!);
});

afterAll(async () => {
  await gateway?.close();
  await billing?.close();
  await stack?.close();
});

describe('the facade behind a federation gateway', () => {
  const BILLED = `query Billed {
    billingAccounts {
      id balanceCents
      customer { id billingAccount { plan } net3 { customer { customerId } } provisionings { id status } }
    }
  }`;

  it("joins billing's and the facade's fields of one Customer, N entities read from the ledger in one batch", async () => {
    const readsBefore = customerReads();
    let response!: Awaited<ReturnType<typeof graphql<{ billingAccounts: unknown[] }>>>;
    const queries = await ledgerQueriesDuring(async () => {
      response = await graphql(gateway.url, BILLED, {}, { token: csp });
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.billingAccounts).toEqual(
      customerIds.map((id, i) => ({
        id: `account-${i}`,
        balanceCents: 100 * i,
        customer: {
          id,
          billingAccount: { plan: 'monthly' },
          net3: { customer: { customerId: id } },
          provisionings: [{ id: provisioningIds[i], status: 'SUCCEEDED' }],
        },
      })),
    );
    // The ledger's own fields need nothing of CloudCockpit's record: no customer is read there.
    expect(customerReads()).toBe(readsBefore);
    // One query for the N customers' steps (their references and `net3`), one for their provisionings: not N each.
    expect(queries).toHaveLength(2);
    expect(queries.filter((sql) => sql.includes('provisioning_steps'))).toHaveLength(1);
  });

  it("reads CloudCockpit's record once per customer when a field of it is asked for, the provider having no batch read", async () => {
    const readsBefore = customerReads();
    const response = await graphql<{ billingAccounts: { customer: { companyName: string } }[] }>(
      gateway.url,
      'query { billingAccounts { customer { companyName billingAccount { balanceCents } } } }',
      {},
      { token: csp },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.billingAccounts.every((a) => a.customer.companyName.startsWith('Billed '))).toBe(true);
    expect(customerReads() - readsBefore).toBe(N);
  });

  it("forwards the caller's token: another tenant's gateway request sees billing's accounts but no customer", async () => {
    const response = await graphql<{ billingAccounts: { id: string; customer: unknown }[] }>(
      gateway.url,
      'query { billingAccounts { id customer { id provisionings { id } } } }',
      {},
      { token: await signToken({ tenant: 'fabrikam.example' }) },
    );
    // The facade's null entity makes `customer` null (its `provisionings` is non-null): nothing of the facade's shows.
    expect(response.data!.billingAccounts).toEqual(customerIds.map((_, i) => ({ id: `account-${i}`, customer: null })));
  });
});

describe('_entities at the facade', () => {
  const SELECTION = '... on Customer { id } ... on Provisioning { id } ... on WholesaleCustomer { id }';

  it("resolves another tenant's customer, provisioning and Webex customer to null, with no error", async () => {
    const webex = await graphql<{ provisionWholesaleCustomer: { id: string } }>(
      stack.server.url,
      'mutation($input: WholesaleCustomerInput!) { provisionWholesaleCustomer(input: $input) { id } }',
      { input: wholesaleCustomerInput() },
      { token: csp },
    );
    expect(webex.errors).toBeUndefined();
    const representations = [
      { __typename: 'Customer', id: customerIds[0] },
      { __typename: 'Provisioning', id: provisioningIds[0] },
      { __typename: 'WholesaleCustomer', id: webex.data!.provisionWholesaleCustomer.id },
    ];
    const own = await entities(csp, representations, SELECTION);
    expect(own.errors).toBeUndefined();
    expect(own.data!._entities.map((entity) => entity?.id)).toEqual(representations.map((r) => r.id));

    const other = await entities(await signToken({ tenant: 'fabrikam.example' }), representations, SELECTION);
    expect(other.errors).toBeUndefined();
    expect(other.data!._entities).toEqual([null, null, null]);
  });

  it("resolves another reseller's customer and provisioning to null, and the reseller's own to itself", async () => {
    const reseller = await signToken({ roles: ['reseller'], resellerId: RESELLER });
    const mine = await provision(reseller);
    const representations = [
      { __typename: 'Customer', id: mine.customer.id },
      { __typename: 'Provisioning', id: mine.provisioning.id },
    ];
    const own = await entities(reseller, representations, SELECTION);
    expect(own.errors).toBeUndefined();
    expect(own.data!._entities.map((entity) => entity?.id)).toEqual([mine.customer.id, mine.provisioning.id]);

    const otherReseller = await signToken({ roles: ['reseller'], resellerId: randomUUID() });
    for (const selection of [SELECTION, '... on Customer { provisionings { id } }']) {
      const other = await entities(otherReseller, representations, selection);
      expect(other.errors).toBeUndefined();
      expect(other.data!._entities).toEqual([null, null]);
    }
  });

  it('reads CloudCockpit for a field of its record asked through a named fragment, and only then', async () => {
    const reference = [{ __typename: 'Customer', id: customerIds[1] }];
    const asked = async (query: string) => {
      const before = customerReads();
      const response = await graphql<{ _entities: unknown[] }>(
        stack.server.url,
        query,
        { representations: reference },
        { token: csp },
      );
      expect(response.errors).toBeUndefined();
      return { entities: response.data!._entities, reads: customerReads() - before };
    };
    const byFragment = (fields: string) => `query($representations: [_Any!]!) {
      _entities(representations: $representations) { ...Billed }
    }
    fragment Billed on Customer { ${fields} }`;
    expect(await asked(byFragment('id net3 { customer { customerId } }'))).toEqual({
      entities: [{ id: customerIds[1], net3: { customer: { customerId: customerIds[1] } } }],
      reads: 0,
    });
    expect(await asked(byFragment('id companyName'))).toEqual({
      entities: [{ id: customerIds[1], companyName: expect.stringMatching(/^Billed /) }],
      reads: 1,
    });
  });

  it('is UNAUTHENTICATED without a token, and prices each reference against the budget', async () => {
    const anonymous = await entities(undefined, [{ __typename: 'Customer', id: customerIds[0] }], '__typename');
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);

    // Each reference's CloudCockpit read, and its `wholesale` and `entitlements` Webex reads: 3 × 100 > 250.
    const many = Array.from({ length: 100 }, () => ({ __typename: 'Customer', id: customerIds[0] }));
    const refused = await entities(csp, many, '... on Customer { wholesale { id } entitlements { name } }');
    expect(refused.errors?.map((e) => e.extensions)).toEqual([
      expect.objectContaining({ code: 'QUERY_COST_EXCEEDED', cost: 300, maxCost: 250 }),
    ]);
  });

  it('serves the subgraph SDL on `_service`, with the entities and their keys', async () => {
    const response = await graphql<{ _service: { sdl: string } }>(
      stack.server.url,
      '{ _service { sdl } }',
      {},
      {
        token: csp,
      },
    );
    expect(response.errors).toBeUndefined();
    const sdl = response.data!._service.sdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])');
    for (const entity of ['Customer', 'WholesaleCustomer', 'Provisioning'])
      expect(sdl).toMatch(new RegExp(`type ${entity}\\s+@key\\(fields: "id"\\)`));
  });

  it('keeps `_service` to itself in production, as introspection', async () => {
    const production = await startTestStack({ production: true });
    try {
      const response = await graphql(production.server.url, '{ _service { sdl } }', {}, { token: csp });
      expect(response.errors?.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(response.data).toBeUndefined();
    } finally {
      await production.close();
    }
  });
});

describe('the facade on its own', () => {
  it('keeps its Subscription root in the subgraph schema, for graphql-ws to serve from the same object', () => {
    const subscription = createSchema().getSubscriptionType();
    expect(Object.keys(subscription?.getFields() ?? {}).sort()).toEqual([
      'customerProvisioningUpdated',
      'provisioningUpdated',
    ]);
  });

  it('still answers its root queries as before', async () => {
    const response = await graphql<{ customer: { id: string; net3: unknown }; provisioning: { id: string } }>(
      stack.server.url,
      'query($id: ID!, $p: ID!) { customer(id: $id) { id net3 { customer { customerId } } } provisioning(id: $p) { id } }',
      { id: customerIds[0], p: provisioningIds[0] },
      { token: csp },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      customer: { id: customerIds[0], net3: { customer: { customerId: customerIds[0] } } },
      provisioning: { id: provisioningIds[0] },
    });
  });
});
