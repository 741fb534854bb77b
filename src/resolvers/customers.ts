import { randomUUID } from 'node:crypto';
import { actingResellerId, canSee, isReseller } from '../auth.js';
import { authorized, type RequestContext } from '../context.js';
import { ErrorCode, notFound, rethrowAtInput, UpstreamError, type InputPath } from '../errors.js';
import { CustomerSource, type AddProviderInstanceInput, type CreateCustomerInput, type Resolvers } from '../generated/graphql.js';
import type { StepRecord } from '../ledger/ledger.js';
import {
  customerCursors,
  inputPathOfProperty,
  MAX_PAGE_SIZE,
  microsoftCustomerDataOf,
  offerTypeMarginsOf,
  pagesCovering,
  parseProviderCustomerData,
  providerCustomerOf,
  providerInstancesOf,
  resellerIdsOf,
  toAddProviderInstanceRequest,
  toCustomerConnection,
  toCustomerViewModel,
  wireGuid,
} from '../providers/cloudcockpit/mapping.js';
import { entitlementOf } from '../providers/experience-platform/mapping.js';
import type { ProvisioningResponse } from '../providers/experience-platform/wire.js';
import type { ProvisionCustomerModelResponse } from '../providers/net3/wire.js';
import { packageDetailsOf } from '../providers/webex/mapping.js';
import type { WholesaleCustomer } from '../providers/webex/wire.js';
import { provisionOnce } from '../provisioning/provision-customer.js';
import { connectionOf, requestedWindow } from '../relay.js';
import type { CustomerViewModel, ProviderCustomer } from '../providers/cloudcockpit/wire.js';
import { isUuid } from '../uuid.js';

export const customerResolvers: Resolvers = {
  Query: {
    async customer(_, { id }, context) {
      const { caller, providers } = authorized(context);
      // CloudCockpit ids are GUIDs: anything else names no customer.
      if (!isUuid(id)) return null;
      let customer: CustomerViewModel | null;
      try {
        customer = await providers.cloudCockpit.getCustomer(id);
      } catch (error) {
        if (!isCloudCockpitUnreachable(error)) throw error;
        // A customer the ledger does not know stays an error: null would claim CloudCockpit has no such customer.
        customer = await ledgerCopyOfCustomer(context, wireGuid(id));
        if (!customer) throw error;
      }
      return customer && canSee(caller, resellerIdsOf(customer)) ? customer : null;
    },

    async customers(_, { first, after, search }, context) {
      const { caller, providers } = authorized(context);
      const { offset, size: pageSize } = requestedWindow(first, after, { cursors: customerCursors, maxSize: MAX_PAGE_SIZE });
      const resellerId = isReseller(caller) ? caller.resellerId : null;
      try {
        const list = { search: search ?? undefined };
        // Defence in depth: the service's token sees the whole tenant and the resellerId parameter is an assumption
        // (client.ts), so a reseller is shown only what `customer(id)` would show it, whatever CloudCockpit lists.
        // The tenant's count, asked for alongside (one customer's worth), tells whether CloudCockpit narrowed the list.
        const [answers, tenantTotal] = await Promise.all([
          Promise.all(
            pagesCovering(offset, pageSize).map(async (asked) => ({
              asked,
              page: await providers.cloudCockpit.listCustomers({ ...list, ...asked, resellerId }),
            })),
          ),
          isReseller(caller)
            ? providers.cloudCockpit.listCustomers({ ...list, pageNumber: 1, pageSize: 1 }).then((p) => p.totalCount)
            : null,
        ]);
        const scope =
          tenantTotal === null
            ? undefined
            : { visible: (customer: CustomerViewModel) => canSee(caller, resellerIdsOf(customer)), tenantTotal };
        const { hidden, ...connection } = toCustomerConnection(answers, offset, pageSize, scope);
        if (hidden > 0) {
          context.logger.warn(
            { provider: 'CLOUDCOCKPIT', hidden },
            'CloudCockpit listed customers of other resellers to a reseller (resellerId not applied): they were left out',
          );
        }
        return { ...connection, source: CustomerSource.Cloudcockpit };
      } catch (error) {
        if (!isCloudCockpitUnreachable(error)) throw error;
        const page = await context.ledger.provisionedCustomers(caller.tenant, {
          // The ledger holds customers as CloudCockpit answered them: their reseller ids are lower-case.
          resellerId: wireGuid(resellerId),
          search: search || null,
          offset,
          limit: pageSize,
        });
        // The ledger knows only what was provisioned here: no match there is no proof that CloudCockpit has none.
        if (page.totalCount === 0) throw error;
        context.logger.warn({ provider: 'CLOUDCOCKPIT' }, 'CloudCockpit unreachable: listing the customers the ledger provisioned');
        const nodes = (page.items as CustomerViewModel[]).map(markedAsLedgerCopy);
        return {
          ...connectionOf(nodes, offset, offset + nodes.length < page.totalCount, customerCursors),
          totalCount: page.totalCount,
          source: CustomerSource.Ledger,
        };
      }
    },
  },

  Mutation: {
    // Recorded in the ledger like every provisioning: the customer id is made here, before the call.
    createCustomer: (_, { input }, context) => {
      // As CloudCockpit will answer with it (wireGuid), so that the ledger's record and the customer share one id.
      const id = wireGuid(input.id ?? randomUUID());
      return provisionOnce(context, { kind: 'createCustomer', step: 'customer', provider: 'CLOUDCOCKPIT', customerId: id, input: { ...input, id } });
    },
    addProviderInstance: (_, { customerId, input, resellerId }, context) => {
      if (!isUuid(customerId)) throw notFound(`There is no customer ${customerId}`);
      // GUIDs as CloudCockpit writes them (wireGuid): one step per provider instance, whatever case it was given in.
      const providerInstanceId = wireGuid(input.providerInstanceId);
      return provisionOnce(context, {
        kind: 'addProviderInstance',
        step: `providerInstance:${providerInstanceId}`,
        provider: 'CLOUDCOCKPIT',
        customerId: wireGuid(customerId),
        input: { ...input, providerInstanceId, resellerId: resellerId ?? null },
      });
    },
  },

  Customer: {
    providerInstances: (customer) => providerInstancesOf(customer),
    associations: (customer) => customer.customerAssociations ?? [],
    source: (customer) => (ledgerCopies.has(customer) ? CustomerSource.Ledger : CustomerSource.Cloudcockpit),
    experiencePlatform: (customer, _, context) => experiencePlatformOf(context, customer),
    net3: (customer, _, context) => net3Of(context, customer),
    wholesale: (customer, _, context) => wholesaleOf(context, customer),
    async entitlements(customer, _, context) {
      const [adobe, webex] = await Promise.all([experiencePlatformOf(context, customer), wholesaleOf(context, customer)]);
      const valueProposition = adobe ? entitlementOf(adobe) : null;
      return [...(valueProposition ? [valueProposition] : []), ...(webex ? packageDetailsOf(webex) : [])];
    },
    provisionings: (customer, _, context) => context.loaders.provisioningsOfCustomer.load(customer.id),
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
  // What CloudCockpit now holds (statuses of provider instances), or what was sent: the customer exists either way.
  return (await readBack(context, () => providers.cloudCockpit.getCustomer(id))) ?? { ...body, id };
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
  const customer = await readBack(context, () => providers.cloudCockpit.getCustomer(customerId));
  // What was sent stands in while CloudCockpit's read does not show the new instance yet, or could not be made.
  return providerCustomerOf(customer, body.providerInstanceId) ?? body;
}

/**
 * A read right after a create that succeeded is no part of the create: when it fails (a 429, a 5xx) the create
 * still stands, and its step must not fail, or a retry would send the create again. Null then, and the caller
 * answers with what it sent; readers of the customer get CloudCockpit's own record later.
 */
async function readBack<T>(context: RequestContext, read: () => Promise<T | null>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    context.logger.warn({ provider: 'CLOUDCOCKPIT', httpStatus: error.httpStatus }, 'read-back after a create failed: answering with what was sent');
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// What the ledger adds to a customer

/**
 * CloudCockpit gave no answer, or a 5xx: the only failures a copy can stand in for. A refusal (401, 403, 400) is
 * CloudCockpit's word on the request and stays an error.
 */
function isCloudCockpitUnreachable(error: unknown): boolean {
  return error instanceof UpstreamError && error.failure.provider === 'CLOUDCOCKPIT' && error.extensions.code === ErrorCode.UPSTREAM_ERROR;
}

/** Customers read from the ledger rather than CloudCockpit, for `Customer.source`. */
const ledgerCopies = new WeakSet<CustomerViewModel>();

function markedAsLedgerCopy(customer: CustomerViewModel): CustomerViewModel {
  ledgerCopies.add(customer);
  return customer;
}

/** The customer as CloudCockpit returned it when its provisioning created it; null when the ledger has none. */
async function ledgerCopyOfCustomer(context: RequestContext, id: string): Promise<CustomerViewModel | null> {
  const step = await currentStep(context, id, 'customer');
  const customer = step?.result as CustomerViewModel | null | undefined;
  return customer ? markedAsLedgerCopy(customer) : null;
}

/** The customer's newest step of this name that succeeded or that its provider is still working on. */
async function currentStep(context: RequestContext, customerId: string, name: string): Promise<StepRecord | null> {
  return (await context.loaders.currentStepsOfCustomer.load(customerId)).get(name) ?? null;
}

async function experiencePlatformOf(context: RequestContext, customer: CustomerViewModel): Promise<ProvisioningResponse | null> {
  const step = await currentStep(context, customer.id, 'experiencePlatform');
  if (!step) return null;
  // A repeat recognised after a crash ("already provisioned") succeeds without Adobe's answer: Adobe has it, no more is known.
  return (step.result as ProvisioningResponse | null) ?? { errors: [], pollRequired: false };
}

async function net3Of(context: RequestContext, customer: CustomerViewModel): Promise<ProvisionCustomerModelResponse | null> {
  const step = await currentStep(context, customer.id, 'net3');
  if (!step) return null;
  // A repeat recognised after a crash (409) succeeds without Net3's answer: only the customer's id is known.
  return (step.result as ProvisionCustomerModelResponse | null) ?? { customer: { customerId: step.upstreamIds.customerId ?? customer.id } };
}

/**
 * The Webex customer: the ledger's copy once its step succeeded (Webex's status was final; the worker follows it
 * until then). While Webex is still working, the customer is read live by its Webex id, which shows its progress
 * between the worker's checks; if Webex cannot say, the ledger's copy is the best known.
 */
async function wholesaleOf(context: RequestContext, customer: CustomerViewModel): Promise<WholesaleCustomer | null> {
  const step = await currentStep(context, customer.id, 'wholesale');
  const stored = (step?.result as WholesaleCustomer | null | undefined) ?? null;
  const webexId = step?.upstreamIds.id;
  if (!step || step.status !== 'IN_PROGRESS' || !webexId) return stored;
  try {
    return (await context.loaders.wholesaleCustomer.load(webexId)) ?? stored;
  } catch (error) {
    context.logger.warn({ provider: 'WEBEX_WHOLESALE', err: error }, 'live Webex read failed: showing the ledger’s copy');
    return stored;
  }
}
