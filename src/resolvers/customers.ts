import { randomUUID } from 'node:crypto';
import { authorized, type RequestContext } from '../context.js';
import { notFound } from '../errors.js';
import type { Resolvers } from '../generated/graphql.js';
import {
  customerCursors,
  MAX_PAGE_SIZE,
  microsoftCustomerDataOf,
  offerTypeMarginsOf,
  parseProviderCustomerData,
  providerInstancesOf,
  wireGuid,
} from '../providers/cloudcockpit/mapping.js';
import { entityFieldsAsked } from '../federation.js';
import {
  customerReference,
  entitlementsOf,
  experiencePlatformOf,
  findCustomer,
  heldProviderInstance,
  listCustomers,
  net3Of,
  sourceOf,
  wholesaleOf,
  type CustomerReadScope,
} from '../provisioning/customers.js';
import { provisionOnce } from '../provisioning/provision-customer.js';
import { requestedWindow } from '../relay.js';
import { isUuid } from '../uuid.js';
import { stepScopeOf } from './scope.js';

/** The fields of a customer the ledger answers, given its id: a gateway asking only these needs no CloudCockpit read. */
const LEDGER_FIELDS = new Set([
  '__typename',
  'id',
  'experiencePlatform',
  'net3',
  'wholesale',
  'entitlements',
  'provisionings',
]);

export const customerResolvers: Resolvers = {
  Query: {
    customer: (_, { id }, context) => findCustomer(customerReadScope(context), id),
    customers(_, { first, after, search }, context) {
      const { offset, size: pageSize } = requestedWindow(first, after, {
        cursors: customerCursors,
        maxSize: MAX_PAGE_SIZE,
      });
      return listCustomers(customerReadScope(context), { offset, pageSize, search: search ?? null });
    },
  },

  Mutation: {
    createCustomer: (_, { input }, context) => {
      // Made before the call, as CloudCockpit writes it (wireGuid), so that the ledger and the customer share it.
      const id = wireGuid(input.id ?? randomUUID());
      return provisionOnce(stepScopeOf(context), {
        kind: 'createCustomer',
        step: 'customer',
        provider: 'CLOUDCOCKPIT',
        customerId: id,
        input: { ...input, id },
      });
    },
    addProviderInstance: (_, { customerId, input, resellerId }, context) => {
      if (!isUuid(customerId)) throw notFound(`There is no customer ${customerId}`);
      // One step per provider instance, whatever case its id was given in (wireGuid).
      const providerInstanceId = wireGuid(input.providerInstanceId);
      return provisionOnce(stepScopeOf(context), {
        kind: 'addProviderInstance',
        step: `providerInstance:${providerInstanceId}`,
        provider: 'CLOUDCOCKPIT',
        customerId: wireGuid(customerId),
        input: { ...input, providerInstanceId, resellerId: resellerId ?? null },
      });
    },
  },

  Customer: {
    __resolveReference: ({ id }, context, info) =>
      customerReference(customerReadScope(context), id, {
        needsRecord: [...entityFieldsAsked(info, 'Customer')].some((field) => !LEDGER_FIELDS.has(field)),
      }),
    providerInstances: (customer) => providerInstancesOf(customer),
    associations: (customer) => customer.customerAssociations ?? [],
    source: (customer) => sourceOf(customer),
    experiencePlatform: (customer, _, context) => experiencePlatformOf(context.loaders, customer),
    net3: (customer, _, context) => net3Of(context.loaders, customer),
    wholesale: (customer, _, context) => wholesaleOf(context.loaders, context.logger, customer),
    entitlements: (customer, _, context) => entitlementsOf(context.loaders, context.logger, customer),
    provisionings: (customer, _, context) => context.loaders.provisioningsOfCustomer.load(customer.id),
  },

  ProviderInstance: {
    // Only CloudCockpit's record tells these: read when selected, for an instance it has just accepted.
    providerCustomerId: async (instance, _, context) =>
      (await heldProviderInstance(customerReadScope(context), instance)).providerCustomerId ?? null,
    status: async (instance, _, context) =>
      (await heldProviderInstance(customerReadScope(context), instance)).status ?? null,
    customerCreationError: async (instance, _, context) =>
      (await heldProviderInstance(customerReadScope(context), instance)).customerCreationError ?? null,
    offerTypeMargins: (instance) => offerTypeMarginsOf(instance),
    providerCustomerData: (instance) => parseProviderCustomerData(instance.providerCustomerData),
    microsoftCustomerData: (instance) => microsoftCustomerDataOf(instance.providerCustomerData),
  },

  ProviderInstanceStatus: { PROCESSING: 'Processing', SUCCESS: 'Success', FAILED: 'Failed' },
  CustomerCreationError: {
    NONE: 'None',
    DOMAIN_EXISTS: 'DomainExists',
    INVALID_COMPANY_INFO: 'InvalidCompanyInfo',
    UNKNOWN: 'Unknown',
  },
};

function customerReadScope(context: RequestContext): CustomerReadScope {
  const { caller, providers } = authorized(context);
  return {
    caller,
    cloudCockpit: providers.cloudCockpit,
    ledger: context.ledger,
    loaders: context.loaders,
    // Made on first use: a read that goes well never logs, and a request's child logger costs it some 15 µs.
    get logger() {
      return context.logger;
    },
  };
}
