import type { Resolvers } from '../generated/graphql.js';
import { dateOfWcf, uuidOfWireGuid, withRequestFacts } from '../providers/net3/mapping.js';
import type { ProvisionCustomerModelResponse } from '../providers/net3/wire.js';
import { provisionOnce } from '../provisioning/provision-customer.js';
import { stepScopeOf } from './scope.js';

export const net3Resolvers: Resolvers = {
  Mutation: {
    provisionNet3Customer: (_, { input }, context) =>
      provisionOnce<ProvisionCustomerModelResponse>(stepScopeOf(context), {
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
