import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { BENCH_JWT_SECRET } from './setup.js';

/** The bench as a caller of the project: its token, its operations and their inputs, and GraphQL over fetch. */

/** A CSP caller's JWT, signed as an identity provider would sign it, for the bench's own tenant. */
export function signCallerToken(tenant: string): Promise<string> {
  return new SignJWT({ tenant, roles: ['csp'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench-user')
    .setIssuedAt()
    .setExpirationTime('4h')
    .sign(new TextEncoder().encode(BENCH_JWT_SECRET));
}

/** The reads under test; the facade's schema has exactly these fields. */
export const READS = {
  wholesaleCustomer: `query WholesaleRead($id: ID!) {
  wholesaleCustomer(id: $id) { id orgId externalId status packages address { addressLine1 city country } }
}`,
  customer: `query CustomerRead($id: ID!) {
  customer(id: $id) { id companyName country city email phone }
}`,
} as const;

export type ReadName = keyof typeof READS;

/** The provider instance's id but not its status, which costs one more CloudCockpit read after the provisioning. */
export const PROVISION_CUSTOMER = `mutation ProvisionEverywhere($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id companyName }
    providerInstances { __typename ... on ProviderInstance { providerInstanceId } }
    experiencePlatform { __typename ... on ExperiencePlatformProvisioning { pollRequired } }
    net3 { __typename ... on Net3Provisioning { customer { customerId localId } } }
    wholesale { __typename ... on WholesaleCustomer { id status } }
    failures { provider httpStatus code message }
  }
}`;

export interface ProvisionedCustomer {
  customer: { id: string };
  wholesale: { __typename: string; id?: string };
  failures: { provider: string; code: string; message: string }[];
}

/**
 * Every list field the ledger answers (each provider's part, entitlements, provisionings and their steps), so a
 * page costs one CloudCockpit list plus ledger reads. `experiencePlatform.requestStatus` is left out: the schema
 * says it is read live, one Adobe call per customer that selects it.
 */
export const CUSTOMERS_WITH_EVERY_PROVIDER = `query CustomersEverywhere($first: Int) {
  customers(first: $first) {
    source totalCount
    nodes {
      id companyName source
      providerInstances { providerInstanceId status }
      experiencePlatform { pollRequired entitlement { name } }
      net3 { customer { customerId localId } }
      wholesale { id status orgId packageDetails { name status } }
      entitlements { provider name }
      provisionings { id status steps { name provider status attempts } }
    }
  }
}`;

/** The Microsoft provider instance every CloudCockpit emulator tenant has (CloudCockpit's documentation's id). */
const MICROSOFT_INSTANCE = 'cb3cd15b-1d6e-45be-b493-c71549cbfd87';

/** A `provisionCustomer` for all four providers: the customer, one provider instance, Adobe, Net3 and Webex. */
export function provisionEverywhereInput(): Record<string, unknown> {
  const unique = randomBytes(12).toString('hex');
  return {
    customer: {
      companyName: 'Contoso Pizza',
      country: 'PT',
      addressLine1: 'Rua Augusta 100',
      city: 'Lisboa',
      state: 'Lisboa',
      zip: '1100-053',
      firstName: 'Ana',
      lastName: 'Silva',
      email: 'ana.silva@contoso.example',
      phone: '+351911111111',
    },
    providerInstances: [
      {
        providerInstanceId: MICROSOFT_INSTANCE,
        margin: { marginRule: { name: 'markup' }, value: 10.6 },
        offerTypeMargins: [{ offerType: 'license', margin: { marginRule: { name: 'markup' }, value: 10 } }],
        microsoftCustomerData: {
          domain: `contoso${unique.slice(0, 10)}`,
          credentialsEmail: 'admin@contoso.example',
          acceptedMCA: true,
          agreementDate: '2022-12-28T00:00:00Z',
          keepPrimaryInformation: true,
          firstName: 'Ana',
          lastName: 'Silva',
          email: 'ana.silva@contoso.example',
          phone: '921231231',
          defaultCulture: 'en-US',
          language: 'en',
          qualifications: [],
          enableGDAP: true,
        },
      },
    ],
    // A new Adobe organization each time: Adobe refuses to provision one twice.
    experiencePlatform: {
      imsOrgId: `${unique.toUpperCase()}@AdobeOrg`,
      tenantId: 'contosopizza',
      region: 'NLD2',
      entitlement: { valuePropId: 'rtcdp-prime', valuePropSKUID: '65304520CA01A12', location: 'EU' },
    },
    net3: { serviceLevelId: 2, primaryContactRoles: ['PRIMARY', 'BILLING'] },
    wholesale: {
      provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
      packages: ['WEBEX_MEETINGS'],
      provisioningParameters: { meetings: { timezone: 'Europe/Lisbon' } },
    },
  };
}

export interface GraphQLAnswer<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export const BENCH_OPERATION_HEADER = 'x-bench-operation';

/** POSTs one operation; the answer as it came, errors included. */
export async function graphql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<GraphQLAnswer<T>> {
  const operationName = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1];
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      // Names the operation to the instrumented server, which sees the request before its body is read.
      ...(operationName ? { [BENCH_OPERATION_HEADER]: operationName } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLAnswer<T>, 'status'>;
  return { status: response.status, ...body };
}

/** The data of an operation that must succeed; throws with the errors otherwise. */
export async function graphqlData<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<T> {
  const answer = await graphql<T>(url, query, variables, token);
  if (answer.status !== 200 || answer.errors?.length || !answer.data) {
    throw new Error(`GraphQL call failed (HTTP ${answer.status}): ${JSON.stringify(answer.errors ?? answer)}`);
  }
  return answer.data;
}

/** Provisions one customer everywhere; throws when a provider failed, since the figures would then mean less. */
export async function provisionEverywhere(url: string, token: string): Promise<ProvisionedCustomer> {
  const { provisionCustomer } = await graphqlData<{ provisionCustomer: ProvisionedCustomer }>(
    url,
    PROVISION_CUSTOMER,
    { input: provisionEverywhereInput() },
    token,
  );
  if (provisionCustomer.failures.length > 0) {
    throw new Error(`provisionCustomer failed at a provider: ${JSON.stringify(provisionCustomer.failures)}`);
  }
  return provisionCustomer;
}
