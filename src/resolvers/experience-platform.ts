import { authorized } from '../context.js';
import { Provider, type Resolvers } from '../generated/graphql.js';
import {
  entitlementOf,
  isFinalState,
  provisioningStateOf,
  quantityOf,
  timeOf,
  withRequestTime,
} from '../providers/experience-platform/mapping.js';
import {
  connectionStringFor,
  requestStatus,
  statusOfProvisioning,
} from '../providers/experience-platform/operations.js';
import type { ProvisioningResponse } from '../providers/experience-platform/wire.js';
import { provisionOnce } from '../provisioning/provision-customer.js';
import { stepScopeOf } from './scope.js';

export const experiencePlatformResolvers: Resolvers = {
  Query: {
    experiencePlatformRequestStatus(_, { imsOrgId, requestId }, context) {
      const { caller, providers } = authorized(context);
      const scope = { caller, adobe: providers.experiencePlatform, ledger: context.ledger };
      return requestStatus(scope, imsOrgId, requestId);
    },
  },

  Mutation: {
    provisionExperiencePlatform: (_, { input, reprovision }, context) =>
      provisionOnce<ProvisioningResponse>(stepScopeOf(context), {
        kind: 'provisionExperiencePlatform',
        step: 'provisionExperiencePlatform',
        provider: 'EXPERIENCE_PLATFORM',
        customerId: null,
        // When it was asked for, recorded with it: how a retry tells the request Adobe stored for a lost answer.
        input: withRequestTime({ input, reprovision: reprovision ?? null }),
      }),
  },

  ExperiencePlatformProvisioning: {
    errors: (provisioning) => provisioning.errors ?? [],
    pollRequired: (provisioning) => provisioning.pollRequired === true,
    entitlement: (provisioning) => entitlementOf(provisioning),
    connectionString: (provisioning, _, context) => connectionStringFor(authorized(context).caller, provisioning),
    requestStatus: (provisioning, _, context) =>
      statusOfProvisioning(authorized(context).providers.experiencePlatform, provisioning),
    // `azureResponse` is deliberately not in the schema: the raw, undocumented answer of Adobe's Azure back end,
    // which may name internal resources and keys and means nothing to a caller.
  },

  ExperiencePlatformStoredRequest: {
    timestamp: (stored) => timeOf(stored.timestamp),
  },

  ExperiencePlatformEntitlement: {
    provider: () => Provider.ExperiencePlatform,
    name: (entitlement) => entitlement.valuePropId,
    sku: (entitlement) => entitlement.valuePropSKUID,
    location: (entitlement) => entitlement.location ?? null,
    metrics: (entitlement) => entitlement.metrics ?? null,
  },

  ExperiencePlatformMetrics: {
    numberOfProfiles: (metrics) => quantityOf(metrics.numberOfProfiles),
    capacityCPU: (metrics) => quantityOf(metrics.capacityCPU),
    capacityStorage: (metrics) => quantityOf(metrics.capacityStorage),
    capacityBandwidth: (metrics) => quantityOf(metrics.capacityBandwidth),
  },

  ExperiencePlatformRequestStatus: {
    requestId: (status) => status.request?.id ?? null,
    status: (status) => provisioningStateOf(status.status),
    statusText: (status) => status.status ?? '',
    done: (status) => isFinalState(provisioningStateOf(status.status)),
    subscriptionId: (status) => status.subscriptionId ?? status.request?.stored?.subscriptionId ?? null,
    actions: (status) => status.actionStatusList ?? [],
  },

  ExperiencePlatformProvisioningAction: {
    status: (action) => provisioningStateOf(action.status),
    statusText: (action) => action.status ?? null,
    message: (action) => action.msg ?? null,
    updatedAt: (action) => timeOf(action.updated ?? action.created),
  },

  ExperiencePlatformProvisioningState: {
    IN_PROGRESS: 'inProgress',
    COMPLETED: 'completed',
    FAILED: 'failed',
    UNKNOWN: 'unknown',
  },
};
