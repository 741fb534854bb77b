import { canSee, isReseller, type Caller } from '../auth.js';
import { authorized, isUuid, type RequestContext } from '../context.js';
import { notFound } from '../errors.js';
import type { Resolvers } from '../generated/graphql.js';
import type { OperationRecord } from '../ledger/ledger.js';
import { loadersOf } from '../loaders.js';
import { retryProvisioning } from '../provisioning/provision-customer.js';
import { connectionOf, offsetCursors, requestedWindow } from '../relay.js';
import { scopeOf } from './scope.js';

/** Largest `first` of `provisionings`. */
const MAX_PAGE_SIZE = 100;

const provisioningCursors = offsetCursors('provisioning');

/** The customer part of a `provisionCustomer` request, as far as who it belongs to goes. */
interface RequestedCustomer {
  resellerId?: string | null;
  customerAssociations?: { resellerId?: string | null }[] | null;
}

/**
 * The resellers a provisioning concerns: the one that asked for it, and those its customer was created under or
 * associated with (a CSP acting for a reseller). The ledger's `operationsOfReseller` selects by the same rule.
 */
function resellerIdsOfProvisioning(operation: OperationRecord): (string | null | undefined)[] {
  const customer = (operation.request as { customer?: RequestedCustomer | null } | null)?.customer;
  return [operation.caller.resellerId, customer?.resellerId, ...(customer?.customerAssociations ?? []).map((a) => a.resellerId)];
}

/** Within a tenant, a CSP sees every provisioning and a reseller those that concern it. */
export function canSeeProvisioning(caller: Caller, operation: OperationRecord): boolean {
  return canSee(caller, resellerIdsOfProvisioning(operation));
}

/** The caller's provisioning with this id; null when there is none the caller may see. */
async function visibleProvisioning(context: RequestContext, id: string): Promise<OperationRecord | null> {
  const { caller } = authorized(context);
  // The ledger's ids are UUIDs: anything else names no provisioning.
  if (!isUuid(id)) return null;
  const operation = await loadersOf(context).provisioning.load(id);
  return operation && canSeeProvisioning(caller, operation) ? operation : null;
}

export const provisioningLedgerResolvers: Resolvers = {
  Query: {
    provisioning: (_, { id }, context) => visibleProvisioning(context, id),

    async provisionings(_, { first, after, status }, context) {
      const { caller } = authorized(context);
      const { offset, size } = requestedWindow(first, after, { cursors: provisioningCursors, maxSize: MAX_PAGE_SIZE });
      const window = { offset, limit: size, status: status ?? null };
      const page = isReseller(caller)
        ? // A reseller's token always names it (auth.ts); were it missing, '' would match nothing rather than all.
          await context.ledger.operationsOfReseller(caller.tenant, caller.resellerId ?? '', window)
        : await context.ledger.operations(caller.tenant, window);
      return {
        ...connectionOf(page.items, offset, offset + page.items.length < page.totalCount, provisioningCursors),
        totalCount: page.totalCount,
      };
    },
  },

  Mutation: {
    async retryProvisioning(_, { id }, context) {
      // retryProvisioning scopes by tenant only: a reseller must not resume another reseller's provisioning.
      if (!(await visibleProvisioning(context, id))) throw notFound(`There is no provisioning ${id}`);
      return retryProvisioning(scopeOf(context), id);
    },
  },

  Provisioning: {
    steps: (operation, _, context) => loadersOf(context).stepsOfProvisioning.load(operation.id),
  },

  ProvisioningStep: {
    name: (step) => step.step,
    upstreamIds: (step) => Object.entries(step.upstreamIds).map(([name, value]) => ({ name, value })),
    failure: (step) => (step.failure ? { __typename: 'ProviderFailure' as const, ...step.failure } : null),
  },
};
