import { isReseller } from '../auth.js';
import { authorized, type RequestContext } from '../context.js';
import { forbidden, rethrowAtInput, type InputPath } from '../errors.js';
import type { Net3ProvisioningInput, Resolvers } from '../generated/graphql.js';
import {
  dateOfWcf,
  net3InputPathOfProperty,
  provisionedCustomer,
  withRequestFacts,
  toProvisionCustomerModel,
  uuidOfWireGuid,
} from '../providers/net3/mapping.js';
import type { ProvisionCustomerModelResponse } from '../providers/net3/wire.js';
import { provisionOnce } from '../provisioning/provision-customer.js';

/**
 * Provisions a customer at Net3: the service behind `provisionNet3Customer` and the Net3 part of
 * `provisionCustomer`. `at` is where `input` sits in the mutation's arguments; `pathOf` places a field Net3
 * names (`Contacts[0].Email`) under `at` — by default in a {@link Net3ProvisioningInput}; the fan-out passes
 * `net3SectionPathOfProperty` for input made by `net3InputFromCanonical`.
 */
export async function provisionNet3Customer(
  context: RequestContext,
  input: Net3ProvisioningInput,
  at: InputPath,
  pathOf: (property: string) => InputPath = net3InputPathOfProperty,
): Promise<ProvisionCustomerModelResponse> {
  const { caller, providers } = authorized(context);
  // Net3's reseller flag makes the customer a reseller of Net3 services: a CSP decision, not a reseller's.
  if (input.customer.isReseller && isReseller(caller)) {
    throw forbidden('Only a CSP can onboard a reseller at Net3');
  }
  const body = toProvisionCustomerModel(input, { clientIp: context.clientIp, now: new Date() }, at);
  const answer = await providers.net3.provisionCustomer(body).catch(rethrowAtInput(at, pathOf));
  return provisionedCustomer(body, answer);
}

export const net3Resolvers: Resolvers = {
  Mutation: {
    provisionNet3Customer: (_, { input }, context) =>
      provisionOnce<ProvisionCustomerModelResponse>(context, {
        kind: 'provisionNet3Customer',
        step: 'provisionNet3Customer',
        provider: 'NET3',
        customerId: null,
        input: withRequestFacts(input, context.clientIp),
      }),
  },

  Net3Provisioning: {
    customer: (provisioning) => provisioning.customer ?? {},
    addresses: (provisioning) => provisioning.addresses ?? [],
    contacts: (provisioning) => provisioning.contacts ?? [],
    requestCreated: (provisioning) => dateOfWcf(provisioning.requestCreated),
    created: (provisioning) => dateOfWcf(provisioning.created),
  },

  Net3Customer: {
    customerId: (customer) => customer.customerId ?? '',
    localId: (customer) => (customer.localId == null ? null : String(customer.localId)),
    loginsCompanyId: (customer) => uuidOfWireGuid(customer.n3TLogins_CompanyId),
    isReseller: (customer) => customer.isReseller ?? false,
    lastUpdateDate: (customer) => dateOfWcf(customer.lastUpdateDate),
  },

  Net3Address: {
    primary: (address) => address.primary ?? false,
  },

  Net3ContactRole: {
    PRIMARY: 'Primary',
    TECHNICAL: 'Technical',
    BILLING: 'Billing',
    RESELLER: 'Reseller',
    SALES: 'Sales',
    CONTRACT_SIGNATORY: 'ContractSignatory',
  },
};
