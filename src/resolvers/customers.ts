import { actingResellerId, canSee, isReseller } from '../auth.js';
import { authorized, isUuid, type RequestContext } from '../context.js';
import { notFound, rethrowAtInput, type InputPath } from '../errors.js';
import type { AddProviderInstanceInput, CreateCustomerInput, Resolvers } from '../generated/graphql.js';
import {
  customerCursors,
  inputPathOfProperty,
  MAX_PAGE_SIZE,
  microsoftCustomerDataOf,
  offerTypeMarginsOf,
  pagesCovering,
  parseProviderCustomerData,
  providerInstancesOf,
  resellerIdsOf,
  toAddProviderInstanceRequest,
  toCustomerConnection,
  toCustomerViewModel,
} from '../providers/cloudcockpit/mapping.js';
import { requestedWindow } from '../relay.js';
import type { CustomerViewModel, ProviderCustomer } from '../providers/cloudcockpit/wire.js';

export const customerResolvers: Resolvers = {
  Query: {
    async customer(_, { id }, context) {
      const { caller, providers } = authorized(context);
      // CloudCockpit ids are GUIDs: anything else names no customer.
      if (!isUuid(id)) return null;
      const customer = await providers.cloudCockpit.getCustomer(id);
      return customer && canSee(caller, resellerIdsOf(customer)) ? customer : null;
    },

    async customers(_, { first, after, search }, context) {
      const { caller, providers } = authorized(context);
      const { offset, size: pageSize } = requestedWindow(first, after, { cursors: customerCursors, maxSize: MAX_PAGE_SIZE });
      const resellerId = isReseller(caller) ? caller.resellerId : null;
      const pages = await Promise.all(
        pagesCovering(offset, pageSize).map((page) =>
          providers.cloudCockpit.listCustomers({ ...page, search: search ?? undefined, resellerId }),
        ),
      );
      return toCustomerConnection(pages, offset, pageSize);
    },
  },

  Mutation: {
    createCustomer: (_, { input }, context) => createCloudCockpitCustomer(context, input, ['input']),
    addProviderInstance: (_, { customerId, input, resellerId }, context) =>
      addCloudCockpitProviderInstance(context, customerId, input, resellerId, ['input']),
  },

  Customer: {
    providerInstances: (customer) => providerInstancesOf(customer),
    associations: (customer) => customer.customerAssociations ?? [],
  },

  ProviderInstance: {
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

/** Creates the customer in CloudCockpit and returns it as CloudCockpit then holds it. */
export async function createCloudCockpitCustomer(
  context: RequestContext,
  input: CreateCustomerInput,
  at: InputPath,
): Promise<CustomerViewModel> {
  const { caller, providers } = authorized(context);
  const body = toCustomerViewModel(input, actingResellerId(caller, input.resellerId), at);
  const id = await providers.cloudCockpit
    .createCustomer(body)
    .catch(rethrowAtInput(at, (property) => inputPathOfProperty(property, input)));
  // Read back what CloudCockpit now holds (statuses of provider instances); fall back to what was sent
  // if the read is not yet consistent, since the customer does exist.
  return (await providers.cloudCockpit.getCustomer(id)) ?? { ...body, id };
}

/** Adds the customer to a provider instance and returns that instance as CloudCockpit then holds it. */
export async function addCloudCockpitProviderInstance(
  context: RequestContext,
  customerId: string,
  input: AddProviderInstanceInput,
  resellerId: string | null | undefined,
  at: InputPath,
): Promise<ProviderCustomer> {
  const { caller, providers } = authorized(context);
  const actingFor = actingResellerId(caller, resellerId);
  const customerMissing = () => notFound(`There is no customer ${customerId}`);
  if (!isUuid(customerId)) throw customerMissing();
  if (isReseller(caller)) {
    // The service token sees the whole tenant, so a reseller's reach is checked here.
    const customer = await providers.cloudCockpit.getCustomer(customerId);
    if (!customer || !canSee(caller, resellerIdsOf(customer))) throw customerMissing();
  }
  const body = toAddProviderInstanceRequest(input, at);
  await providers.cloudCockpit
    // The document: resellerId "should not be passed if a reseller performs the request".
    .addProviderInstance(customerId, body, isReseller(caller) ? null : actingFor)
    .catch(rethrowAtInput(at, (property) => inputPathOfProperty(property, input)));
  const customer = await providers.cloudCockpit.getCustomer(customerId);
  return customer?.providerCustomers?.[body.providerInstanceId] ?? body;
}
