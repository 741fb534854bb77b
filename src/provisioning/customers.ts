import { canSee, isReseller, type Caller } from '../auth.js';
import { isUuid } from '../uuid.js';
import { CustomerSource } from '../generated/graphql.js';
import type { Ledger, StepRecord } from '../ledger/ledger.js';
import type { Loaders } from '../loaders.js';
import type { Logger } from '../logger.js';
import type { CloudCockpitClient } from '../providers/cloudcockpit/client.js';
import {
  customerCursors,
  pagesCovering,
  providerCustomerOf,
  resellerIdsOf,
  toCustomerConnection,
  wireGuid,
} from '../providers/cloudcockpit/mapping.js';
import { isAccepted, readBack, type ProviderInstanceModel } from '../providers/cloudcockpit/operations.js';
import type { CustomerViewModel, ProviderCustomer } from '../providers/cloudcockpit/wire.js';
import { entitlementOf } from '../providers/experience-platform/mapping.js';
import type { ProvisioningResponse } from '../providers/experience-platform/wire.js';
import { isUnreachable } from '../providers/failures.js';
import type { ProvisionCustomerModelResponse } from '../providers/net3/wire.js';
import { packageDetailsOf } from '../providers/webex/mapping.js';
import type { WholesaleCustomer } from '../providers/webex/wire.js';
import { connectionOf } from '../relay.js';

/** Customers are CloudCockpit's records, or the ledger's copies while CloudCockpit cannot be reached. */
export interface CustomerReadScope {
  caller: Caller;
  cloudCockpit: CloudCockpitClient;
  ledger: Ledger;
  loaders: Loaders;
  logger: Logger;
}

/** A customer the caller may see; null for an id that names none. */
export async function findCustomer(scope: CustomerReadScope, id: string): Promise<CustomerViewModel | null> {
  if (!isUuid(id)) return null;
  let customer: CustomerViewModel | null;
  try {
    customer = await scope.cloudCockpit.getCustomer(id);
  } catch (error) {
    if (!isUnreachable(error, 'CLOUDCOCKPIT')) throw error;
    // A customer the ledger does not know stays an error: null would claim CloudCockpit has no such customer.
    customer = await ledgerCopyOfCustomer(scope.loaders, wireGuid(id));
    if (!customer) throw error;
  }
  return customer && canSee(scope.caller, resellerIdsOf(customer)) ? customer : null;
}

/**
 * A customer a federation gateway refers to by id: null where `findCustomer` would be. A CSP's rule is its tenant
 * alone, which the ledger knows as well as CloudCockpit: when the fields asked for are the ledger's own
 * (`needsRecord` false), a customer this API provisioned is answered with the ledger's copy, so a gateway's N
 * references cost one ledger query (loaders.currentStepsOfCustomer batches them, and the fields read the same rows)
 * where CloudCockpit, which reads one customer per call and has no batch read, would cost N calls. A reseller's
 * relations to a customer may have changed at CloudCockpit since it was provisioned: its references are read there.
 */
export async function customerReference(
  scope: CustomerReadScope,
  id: string,
  { needsRecord }: { needsRecord: boolean },
): Promise<CustomerViewModel | null> {
  if (!isUuid(id)) return null;
  if (!needsRecord && !isReseller(scope.caller)) {
    const copy = await ledgerCopyOfCustomer(scope.loaders, wireGuid(id));
    if (copy) return copy;
  }
  return findCustomer(scope, id);
}

/**
 * The instance as CloudCockpit holds it. One just accepted (not read back, to keep a read off the fan-out's critical
 * path) is read from its customer, once per customer and request; as accepted while that read fails or lags.
 */
export async function heldProviderInstance(
  scope: Pick<CustomerReadScope, 'loaders' | 'logger'>,
  instance: ProviderInstanceModel,
): Promise<ProviderCustomer> {
  if (!isAccepted(instance)) return instance;
  const customer = await readBack(scope, () => scope.loaders.cloudCockpitCustomer.load(instance.acceptedForCustomer));
  return providerCustomerOf(customer, instance.providerInstanceId) ?? instance;
}

/** A page of the customers the caller may see, from CloudCockpit or, while it cannot be reached, from the ledger. */
export async function listCustomers(
  scope: CustomerReadScope,
  { offset, pageSize, search }: { offset: number; pageSize: number; search: string | null },
) {
  const { caller, cloudCockpit, logger } = scope;
  const resellerId = isReseller(caller) ? caller.resellerId : null;
  try {
    const list = { search: search ?? undefined };
    // The service's token sees the whole tenant and the resellerId parameter is an assumption (client.ts): a
    // reseller sees only what `customer(id)` would show it. The tenant's count tells whether CloudCockpit narrowed.
    const [answers, tenantTotal] = await Promise.all([
      Promise.all(
        pagesCovering(offset, pageSize).map(async (asked) => ({
          asked,
          page: await cloudCockpit.listCustomers({ ...list, ...asked, resellerId }),
        })),
      ),
      isReseller(caller)
        ? cloudCockpit.listCustomers({ ...list, pageNumber: 1, pageSize: 1 }).then((p) => p.totalCount)
        : null,
    ]);
    const narrowed =
      tenantTotal === null
        ? undefined
        : { visible: (customer: CustomerViewModel) => canSee(caller, resellerIdsOf(customer)), tenantTotal };
    const { hidden, ...connection } = toCustomerConnection(answers, offset, pageSize, narrowed);
    if (hidden > 0) {
      logger.warn(
        { provider: 'CLOUDCOCKPIT', hidden },
        'CloudCockpit listed customers of other resellers to a reseller (resellerId not applied): they were left out',
      );
    }
    return { ...connection, source: CustomerSource.Cloudcockpit };
  } catch (error) {
    if (!isUnreachable(error, 'CLOUDCOCKPIT')) throw error;
    const page = await scope.ledger.provisionedCustomers(caller.tenant, {
      // The ledger holds customers as CloudCockpit answered them: their reseller ids are lower-case.
      resellerId: wireGuid(resellerId),
      search: search || null,
      offset,
      limit: pageSize,
    });
    // The ledger knows only what was provisioned here: no match there is no proof that CloudCockpit has none.
    if (page.totalCount === 0) throw error;
    logger.warn({ provider: 'CLOUDCOCKPIT' }, 'CloudCockpit unreachable: listing the customers the ledger provisioned');
    const nodes = (page.items as CustomerViewModel[]).map(markedAsLedgerCopy);
    return {
      ...connectionOf(nodes, offset, offset + nodes.length < page.totalCount, customerCursors),
      totalCount: page.totalCount,
      source: CustomerSource.Ledger,
    };
  }
}

/** Customers read from the ledger rather than CloudCockpit, for `Customer.source`. */
const ledgerCopies = new WeakSet<CustomerViewModel>();

function markedAsLedgerCopy(customer: CustomerViewModel): CustomerViewModel {
  ledgerCopies.add(customer);
  return customer;
}

export function sourceOf(customer: CustomerViewModel): CustomerSource {
  return ledgerCopies.has(customer) ? CustomerSource.Ledger : CustomerSource.Cloudcockpit;
}

/** The customer as CloudCockpit returned it when its provisioning created it; null when the ledger has none. */
async function ledgerCopyOfCustomer(loaders: Loaders, id: string): Promise<CustomerViewModel | null> {
  const step = await currentStep(loaders, id, 'customer');
  const customer = step?.result as CustomerViewModel | null | undefined;
  return customer ? markedAsLedgerCopy(customer) : null;
}

async function currentStep(loaders: Loaders, customerId: string, name: string): Promise<StepRecord | null> {
  return (await loaders.currentStepsOfCustomer.load(customerId)).get(name) ?? null;
}

export async function experiencePlatformOf(
  loaders: Loaders,
  customer: CustomerViewModel,
): Promise<ProvisioningResponse | null> {
  const step = await currentStep(loaders, customer.id, 'experiencePlatform');
  if (!step) return null;
  // A repeat recognised after a lost answer ("already provisioned") succeeds without Adobe's answer.
  return (step.result as ProvisioningResponse | null) ?? { errors: [], pollRequired: false };
}

export async function net3Of(
  loaders: Loaders,
  customer: CustomerViewModel,
): Promise<ProvisionCustomerModelResponse | null> {
  const step = await currentStep(loaders, customer.id, 'net3');
  if (!step) return null;
  // A repeat recognised after a lost answer (409) succeeds without Net3's answer: only the customer's id is known.
  return (
    (step.result as ProvisionCustomerModelResponse | null) ?? {
      customer: { customerId: step.upstreamIds.customerId ?? customer.id },
    }
  );
}

/**
 * The ledger's copy once Webex's status was final; until then a live read, which shows progress between the worker's
 * checks, falling back on the ledger's copy when Webex cannot say.
 */
export async function wholesaleOf(
  loaders: Loaders,
  logger: Logger,
  customer: CustomerViewModel,
): Promise<WholesaleCustomer | null> {
  const step = await currentStep(loaders, customer.id, 'wholesale');
  const stored = (step?.result as WholesaleCustomer | null | undefined) ?? null;
  const webexId = step?.upstreamIds.id;
  if (!step || step.status !== 'IN_PROGRESS' || !webexId) return stored;
  try {
    return (await loaders.wholesaleCustomer.load(webexId)) ?? stored;
  } catch (error) {
    logger.warn({ provider: 'WEBEX_WHOLESALE', err: error }, 'live Webex read failed: showing the ledger’s copy');
    return stored;
  }
}

/** What the customer is entitled to at Adobe and Webex. */
export async function entitlementsOf(loaders: Loaders, logger: Logger, customer: CustomerViewModel) {
  const [adobe, webex] = await Promise.all([
    experiencePlatformOf(loaders, customer),
    wholesaleOf(loaders, logger, customer),
  ]);
  const valueProposition = adobe ? entitlementOf(adobe) : null;
  return [...(valueProposition ? [valueProposition] : []), ...(webex ? packageDetailsOf(webex) : [])];
}
