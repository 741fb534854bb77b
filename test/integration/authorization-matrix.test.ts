import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mutation, Query } from '../../src/generated/graphql.js';
import { createSchema } from '../../src/schema.js';
import {
  customerInput,
  experiencePlatformInput,
  net3ProvisioningInput,
  providerInstanceInput,
  wholesaleCustomerInput,
} from '../support/fixtures.js';
import { graphql, signToken, startTestStack, type GraphQLResponse, type TestStack } from '../support/stack.js';

/*
 * Issue 11: every caller against every root field, the rule of the README's Authentication section. A CSP sees its
 * whole tenant and may act for a reseller; a reseller sees and changes only what is related to it (a customer created
 * under it or associated with it, a provisioning it asked for or of such a customer): another's reads as absent (null,
 * left out of lists, NOT_FOUND to a mutation), and acting for another is FORBIDDEN; Webex Wholesale's own fields and
 * onboarding a Net3 reseller are for CSP users; another tenant's records do not exist for a caller. A token that does
 * not verify, or none, is UNAUTHENTICATED (HTTP 401) whatever it asks for, and nothing reaches a provider.
 */

const ISSUER = 'https://idp.contoso.example/';
const AUDIENCE = 'provisioning-graph';
const RESELLER = randomUUID();
const OTHER_RESELLER = randomUUID();

/** The schema's own root fields, and the two buildSubgraphSchema adds for a federation gateway (not in codegen's types). */
type RootField = Exclude<keyof Query | keyof Mutation, '__typename'> | '_entities' | '_service';

const AUTHENTICATED = ['csp', 'reseller', 'otherReseller', 'otherTenant'] as const;
const UNAUTHENTICATED = ['anonymous', 'expired', 'forgedSecret', 'algNone', 'wrongAudience', 'wrongIssuer'] as const;
type AuthenticatedCaller = (typeof AUTHENTICATED)[number];
type Caller = AuthenticatedCaller | (typeof UNAUTHENTICATED)[number];

/**
 * `allowed`: answered, and the fixture's record shown; `hidden`: answered as if the record did not exist (null, or
 * left out of a list); the others: refused with that `extensions.code`.
 */
type Outcome = 'allowed' | 'hidden' | 'FORBIDDEN' | 'NOT_FOUND';

/** What the cells act on: records of the tenant `contoso.example`, made before the matrix runs. */
interface Records {
  /** A customer created by the reseller `RESELLER`, and the provisioning that created it. */
  resellerCustomerId: string;
  resellerProvisioningId: string;
  webexCustomerId: string;
  webexExternalId: string;
  adobeRequest: { imsOrgId: string; requestId: string };
}

interface Row {
  document: string;
  variables(records: Records, outcome: Outcome): Record<string, unknown> | Promise<Record<string, unknown>>;
  outcomes: Record<AuthenticatedCaller, Outcome>;
  /** Whether an answer shows the fixture's record; a mutation's shows it whenever it returns something. */
  shows?(data: Record<string, unknown>, records: Records): boolean;
}

const ids = (list: unknown): string[] => ((list as { nodes: { id: string }[] }).nodes ?? []).map((n) => n.id);

let stack: TestStack;
let tokens: Record<Caller, string | undefined>;
let records: Records;

/** A customer of `RESELLER` made by the CSP for it, for a cell that adds to it (an instance is added only once). */
async function newResellerCustomer(): Promise<string> {
  const made = await call<{ createCustomer: { id: string } }>(
    'csp',
    'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }',
    { input: customerInput({ resellerId: RESELLER }) },
  );
  expect(made.errors).toBeUndefined();
  return made.data!.createCustomer.id;
}

const MATRIX: Record<RootField, Row> = {
  customer: {
    document: 'query($id: ID!) { customer(id: $id) { id } }',
    variables: (r) => ({ id: r.resellerCustomerId }),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'hidden', otherTenant: 'hidden' },
    shows: (data, r) => (data.customer as { id: string } | null)?.id === r.resellerCustomerId,
  },
  customers: {
    document: 'query { customers(first: 200) { nodes { id } } }',
    variables: () => ({}),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'hidden', otherTenant: 'hidden' },
    shows: (data, r) => ids(data.customers).includes(r.resellerCustomerId),
  },
  experiencePlatformRequestStatus: {
    document: `query($imsOrgId: String!, $requestId: String!) {
      experiencePlatformRequestStatus(imsOrgId: $imsOrgId, requestId: $requestId) { requestId }
    }`,
    variables: (r) => r.adobeRequest,
    // Adobe's credentials are the partner's, as Webex's: a status is read only for a request that a provisioning the
    // caller sees stored (the CSP made this one, for no reseller), whoever else knows its organization and id.
    outcomes: { csp: 'allowed', reseller: 'hidden', otherReseller: 'hidden', otherTenant: 'hidden' },
    shows: (data, r) =>
      (data.experiencePlatformRequestStatus as { requestId: string } | null)?.requestId === r.adobeRequest.requestId,
  },
  provisioning: {
    document: 'query($id: ID!) { provisioning(id: $id) { id } }',
    variables: (r) => ({ id: r.resellerProvisioningId }),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'hidden', otherTenant: 'hidden' },
    shows: (data, r) => (data.provisioning as { id: string } | null)?.id === r.resellerProvisioningId,
  },
  _entities: {
    // A gateway's references: each entity is seen where its root query would show it.
    document: `query($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Customer { id } ... on Provisioning { id } }
    }`,
    variables: (r) => ({
      representations: [
        { __typename: 'Customer', id: r.resellerCustomerId },
        { __typename: 'Provisioning', id: r.resellerProvisioningId },
      ],
    }),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'hidden', otherTenant: 'hidden' },
    shows: (data, r) =>
      JSON.stringify(data._entities) ===
      JSON.stringify([{ id: r.resellerCustomerId }, { id: r.resellerProvisioningId }]),
  },
  _service: {
    // The schema's SDL, the same for every caller: nobody's record is in it.
    document: 'query { _service { sdl } }',
    variables: () => ({}),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'allowed', otherTenant: 'allowed' },
  },
  provisionings: {
    document: 'query { provisionings(first: 100) { nodes { id } } }',
    variables: () => ({}),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'hidden', otherTenant: 'hidden' },
    shows: (data, r) => ids(data.provisionings).includes(r.resellerProvisioningId),
  },
  wholesaleCustomer: {
    document: 'query($id: ID!) { wholesaleCustomer(id: $id) { id } }',
    variables: (r) => ({ id: r.webexCustomerId }),
    outcomes: { csp: 'allowed', reseller: 'FORBIDDEN', otherReseller: 'FORBIDDEN', otherTenant: 'hidden' },
    shows: (data, r) => (data.wholesaleCustomer as { id: string } | null)?.id === r.webexCustomerId,
  },
  wholesaleCustomers: {
    document: 'query($externalId: String) { wholesaleCustomers(externalId: $externalId) { nodes { id } } }',
    variables: (r) => ({ externalId: r.webexExternalId }),
    outcomes: { csp: 'allowed', reseller: 'FORBIDDEN', otherReseller: 'FORBIDDEN', otherTenant: 'hidden' },
    shows: (data, r) => ids(data.wholesaleCustomers).includes(r.webexCustomerId),
  },
  createCustomer: {
    // Made for the reseller: a CSP may act for it, the reseller for itself, another reseller not.
    document: 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }',
    variables: () => ({ input: customerInput({ resellerId: RESELLER }) }),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'FORBIDDEN', otherTenant: 'allowed' },
  },
  addProviderInstance: {
    document: `mutation($customerId: ID!, $input: AddProviderInstanceInput!) {
      addProviderInstance(customerId: $customerId, input: $input) { providerInstanceId }
    }`,
    variables: async (r, outcome) => ({
      customerId: outcome === 'allowed' ? await newResellerCustomer() : r.resellerCustomerId,
      input: providerInstanceInput(),
    }),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'NOT_FOUND', otherTenant: 'NOT_FOUND' },
  },
  provisionExperiencePlatform: {
    document: `mutation($input: ExperiencePlatformProvisioningInput!) {
      provisionExperiencePlatform(input: $input) { pollRequired }
    }`,
    variables: () => ({ input: experiencePlatformInput() }),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'allowed', otherTenant: 'allowed' },
  },
  retryProvisioning: {
    // The reseller's provisioning has succeeded: a retry answers it as it stands and calls nobody.
    document: 'mutation($id: ID!) { retryProvisioning(id: $id) { id status } }',
    variables: (r) => ({ id: r.resellerProvisioningId }),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'NOT_FOUND', otherTenant: 'NOT_FOUND' },
  },
  provisionNet3Customer: {
    // Onboarding a reseller of Net3 services: "only a CSP caller may".
    document: `mutation($input: Net3ProvisioningInput!) {
      provisionNet3Customer(input: $input) { customer { customerId isReseller } }
    }`,
    variables: () => ({ input: net3ProvisioningInput({ customerId: randomUUID(), isReseller: true }) }),
    outcomes: { csp: 'allowed', reseller: 'FORBIDDEN', otherReseller: 'FORBIDDEN', otherTenant: 'allowed' },
  },
  provisionCustomer: {
    document: `mutation($input: ProvisionCustomerInput!) {
      provisionCustomer(input: $input) { customer { id resellerId } failures { code } }
    }`,
    variables: () => ({ input: { customer: customerInput({ resellerId: RESELLER }) } }),
    outcomes: { csp: 'allowed', reseller: 'allowed', otherReseller: 'FORBIDDEN', otherTenant: 'allowed' },
  },
  provisionWholesaleCustomer: {
    document: `mutation($input: WholesaleCustomerInput!) { provisionWholesaleCustomer(input: $input) { id } }`,
    variables: () => ({ input: wholesaleCustomerInput() }),
    outcomes: { csp: 'allowed', reseller: 'FORBIDDEN', otherReseller: 'FORBIDDEN', otherTenant: 'allowed' },
  },
};

function call<TData = Record<string, unknown>>(
  caller: Caller,
  document: string,
  variables: Record<string, unknown>,
): Promise<GraphQLResponse<TData>> {
  return graphql<TData>(stack.server.url, document, variables, { token: tokens[caller] });
}

const upstreamCalls = () => Object.values(stack.emulators).reduce((sum, emulator) => sum + emulator.calls.length, 0);

async function ledgerOperations(): Promise<number> {
  const [row] = await stack.ledger.database.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM provisioning_operations',
  );
  return row!.count;
}

/** An unsigned token (`alg: none`) with claims that would otherwise be accepted. */
function unsignedToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'user-1', tenant: 'contoso.example', roles: ['csp'], iss: ISSUER, aud: AUDIENCE };
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, iat: now, exp: now + 600 })}.`;
}

beforeAll(async () => {
  stack = await startTestStack({ jwt: { issuer: ISSUER, audience: AUDIENCE } });
  const accepted = { issuer: ISSUER, audience: AUDIENCE };
  const sign = (claims: Parameters<typeof signToken>[0], registered = {}, secret?: string) =>
    signToken(claims, secret, { ...accepted, ...registered });
  tokens = {
    csp: await sign({}),
    reseller: await sign({ roles: ['reseller'], resellerId: RESELLER }),
    otherReseller: await sign({ roles: ['reseller'], resellerId: OTHER_RESELLER }),
    otherTenant: await sign({ tenant: 'fabrikam.example' }),
    anonymous: undefined,
    expired: await sign({}, { expiresAt: Math.floor(Date.now() / 1000) - 60 }),
    forgedSecret: await sign({}, {}, 'another-secret-that-is-long-enough-for-hs256'),
    algNone: unsignedToken(),
    wrongAudience: await sign({}, { audience: 'another-application' }),
    wrongIssuer: await sign({}, { issuer: 'https://idp.fabrikam.example/' }),
  };

  const provisioned = await call<{ provisionCustomer: { customer: { id: string }; provisioning: { id: string } } }>(
    'reseller',
    'mutation($input: ProvisionCustomerInput!) { provisionCustomer(input: $input) { customer { id } provisioning { id } } }',
    { input: { customer: customerInput() } },
  );
  expect(provisioned.errors).toBeUndefined();
  const webexInput = wholesaleCustomerInput();
  const webex = await call<{ provisionWholesaleCustomer: { id: string } }>(
    'csp',
    MATRIX.provisionWholesaleCustomer.document,
    { input: webexInput },
  );
  expect(webex.errors).toBeUndefined();
  const adobe = await call<{ provisionExperiencePlatform: { storedRequest: { id: string; imsOrgId: string } } }>(
    'csp',
    `mutation($input: ExperiencePlatformProvisioningInput!) {
      provisionExperiencePlatform(input: $input) { storedRequest { id imsOrgId } }
    }`,
    { input: experiencePlatformInput() },
  );
  expect(adobe.errors).toBeUndefined();
  const stored = adobe.data!.provisionExperiencePlatform.storedRequest;
  records = {
    resellerCustomerId: provisioned.data!.provisionCustomer.customer.id,
    resellerProvisioningId: provisioned.data!.provisionCustomer.provisioning.id,
    webexCustomerId: webex.data!.provisionWholesaleCustomer.id,
    webexExternalId: webexInput.externalId as string,
    adobeRequest: { imsOrgId: stored.imsOrgId, requestId: stored.id },
  };
});
afterAll(() => stack?.close());

describe('the authorization matrix', () => {
  it('has a row for every query and mutation of the schema', () => {
    const schema = createSchema();
    const fields = [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
      Object.keys(type?.getFields() ?? {}),
    );
    expect(Object.keys(MATRIX).sort()).toEqual(fields.sort());
  });

  const fields = Object.keys(MATRIX) as RootField[];

  describe.each(fields)('%s', (field) => {
    const row = MATRIX[field];

    it.each(AUTHENTICATED)('as %s', async (caller) => {
      const outcome = row.outcomes[caller];
      const variables = await row.variables(records, outcome);
      const operationsBefore = await ledgerOperations();
      const response = await call(caller, row.document, variables);
      if (outcome === 'allowed' || outcome === 'hidden') {
        expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
        const shown = row.shows ? row.shows(response.data!, records) : response.data![field] != null;
        expect(shown).toBe(outcome === 'allowed');
      } else {
        expect(response.errors?.map((e) => e.extensions.code)).toEqual([outcome]);
        expect(response.errors![0]!.path).toEqual([field]);
        expect(response.data?.[field] ?? null).toBeNull();
        // A role the caller lacks is refused before anything is recorded (a NOT_FOUND may be CloudCockpit's answer).
        if (outcome === 'FORBIDDEN') expect(await ledgerOperations()).toBe(operationsBefore);
      }
    });

    it.each(UNAUTHENTICATED)('as %s: UNAUTHENTICATED, and nothing goes upstream', async (caller) => {
      const variables = await row.variables(records, 'NOT_FOUND');
      const callsBefore = upstreamCalls();
      const operationsBefore = await ledgerOperations();
      const response = await call(caller, row.document, variables);
      expect(response.status).toBe(401);
      expect(response.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
      // A nullable query field answers `{ field: null }`, a non-null one `data: null`.
      expect(response.data?.[field] ?? null).toBeNull();
      expect(upstreamCalls()).toBe(callsBefore);
      expect(await ledgerOperations()).toBe(operationsBefore);
    });
  });
});
