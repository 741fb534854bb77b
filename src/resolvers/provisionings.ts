import { authorized, type RequestContext } from '../context.js';
import { notFound } from '../errors.js';
import type { WholesaleCustomer } from '../providers/webex/wire.js';
import type { Resolvers } from '../generated/graphql.js';
import type { OperationRecord } from '../ledger/ledger.js';
import { scopeOf } from '../ledger/visibility.js';
import { customerProvisioningProgress, provisioningProgress } from '../provisioning/progress.js';
import { retryProvisioning } from '../provisioning/provision-customer.js';
import { connectionOf, offsetCursors, requestedWindow } from '../relay.js';
import { isUuid } from '../uuid.js';
import { stepScopeOf } from './scope.js';

/** Largest `first` of `provisionings`. */
export const MAX_PAGE_SIZE = 100;

const provisioningCursors = offsetCursors('provisioning');

/** The caller's provisioning with this id; null when there is none the caller may see. */
async function visibleProvisioning(context: RequestContext, id: string): Promise<OperationRecord | null> {
  authorized(context);
  if (!isUuid(id)) return null;
  // The loader asks the ledger only for what the caller may see (ledger/visibility.ts).
  return context.loaders.provisioning.load(id);
}

export const provisioningLedgerResolvers: Resolvers = {
  Query: {
    provisioning: (_, { id }, context) => visibleProvisioning(context, id),

    async provisionings(_, { first, after, status }, context) {
      const { caller } = authorized(context);
      const { offset, size } = requestedWindow(first, after, { cursors: provisioningCursors, maxSize: MAX_PAGE_SIZE });
      const page = await context.ledger.operations(caller.tenant, {
        offset,
        limit: size,
        status: status ?? null,
        ...scopeOf(caller),
      });
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
      return retryProvisioning(stepScopeOf(context), id);
    },
  },

  Subscription: {
    provisioningUpdated: {
      async subscribe(_, { id }, context) {
        // Refused at once, as `provisioning(id:)` answers null: the caller learns nothing of another's provisioning.
        if (!(await visibleProvisioning(context, id))) throw notFound(`There is no provisioning ${id}`);
        return provisioningProgress(context.ledger, authorized(context).caller, id);
      },
      resolve: (operation: OperationRecord) => operation,
    },
    customerProvisioningUpdated: {
      subscribe(_, { customerId }, context) {
        const { caller } = authorized(context);
        if (!isUuid(customerId)) throw notFound(`There is no customer ${customerId}`);
        return customerProvisioningProgress(context.ledger, caller, customerId);
      },
      resolve: (operation: OperationRecord) => operation,
    },
  },

  Provisioning: {
    // A gateway's reference: the loader reads every reference of the request in one ledger query, with the same rule.
    __resolveReference: ({ id }, context) => visibleProvisioning(context, id),
    steps: (operation, _, context) => context.loaders.stepsOfProvisioning.load(operation.id),
  },

  ProvisioningStep: {
    name: (step) => step.step,
    upstreamIds: (step) => Object.entries(step.upstreamIds).map(([name, value]) => ({ name, value })),
    failure: (step) => (step.failure ? { __typename: 'ProviderFailure' as const, ...step.failure } : null),
    wholesaleCustomer: (step) =>
      step.provider === 'WEBEX_WHOLESALE' ? ((step.result as WholesaleCustomer | null) ?? null) : null,
  },
};
