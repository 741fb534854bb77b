import { isReseller } from '../auth.js';
import { authorized, type RequestContext } from '../context.js';
import { badUserInput, forbidden, rethrowAtInput, type InputPath } from '../errors.js';
import { Provider, type ExperiencePlatformProvisioningInput, type Resolvers } from '../generated/graphql.js';
import {
  entitlementOf,
  imsOrgIdProblemOf,
  inputPathOfProperty,
  isFinalState,
  metricValueOf,
  provisioningStateOf,
  timeOf,
  toProvisioningRequest,
  withRequestTime,
  type PathOfProperty,
} from '../providers/experience-platform/mapping.js';
import type { ProvisioningResponse } from '../providers/experience-platform/wire.js';
import { provisionOnce } from '../provisioning/provision-customer.js';

export interface ExperiencePlatformProvisionOptions {
  /** Adobe's `reprovision` query parameter; null or undefined leaves it out. */
  reprovision?: boolean | null;
  /**
   * Where a gateway property sits under `at`. @default inputPathOfProperty (an ExperiencePlatformProvisioningInput);
   * the fan-out passes `sectionPathOfProperty` when the input was built from an ExperiencePlatformSection.
   */
  pathOfProperty?: PathOfProperty;
}

/**
 * Provisions a customer at Adobe Experience Platform: the standalone mutation and the fan-out both call this.
 * `at` is where `input` sits in the GraphQL arguments (`['input']`, or `['input', 'experiencePlatform']`), so that
 * refused fields are reported at their full path.
 */
export async function provisionExperiencePlatform(
  context: RequestContext,
  input: ExperiencePlatformProvisioningInput,
  at: InputPath,
  options: ExperiencePlatformProvisionOptions = {},
): Promise<ProvisioningResponse> {
  const { providers } = authorized(context);
  const pathOf = options.pathOfProperty ?? inputPathOfProperty;
  const body = toProvisioningRequest(input, at, pathOf);
  return providers.experiencePlatform.provision(body, options.reprovision ?? null).catch(rethrowAtInput(at, pathOf));
}

export const experiencePlatformResolvers: Resolvers = {
  Query: {
    async experiencePlatformRequestStatus(_, { imsOrgId, requestId }, context) {
      const { providers } = authorized(context);
      // The organization goes out as a header: refused here rather than sent malformed.
      const problem = imsOrgIdProblemOf(imsOrgId);
      if (problem) throw badUserInput(problem, [{ path: ['imsOrgId'], messages: [problem] }]);
      return providers.experiencePlatform.getProvisioningStatus(requestId, imsOrgId);
    },
  },

  Mutation: {
    provisionExperiencePlatform: (_, { input, reprovision }, context) =>
      provisionOnce<ProvisioningResponse>(context, {
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
    connectionString(provisioning, _, context) {
      const { caller } = authorized(context);
      if (isReseller(caller)) throw forbidden('Only a CSP may read the Adobe Experience Platform connection string');
      return provisioning.connectionString ?? null;
    },
    async requestStatus(provisioning, _, context) {
      const stored = provisioning.storedRequest;
      if (provisioning.pollRequired !== true || !stored?.id) return null;
      const { providers } = authorized(context);
      return providers.experiencePlatform.getProvisioningStatus(stored.id, stored.imsOrgId);
    },
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
    numberOfProfiles: (metrics) => metricValueOf(metrics.numberOfProfiles),
    capacityCPU: (metrics) => metricValueOf(metrics.capacityCPU),
    capacityStorage: (metrics) => metricValueOf(metrics.capacityStorage),
    capacityBandwidth: (metrics) => metricValueOf(metrics.capacityBandwidth),
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
