import type { Resolvers } from '../generated/graphql.js';
import { entitlementOf } from '../providers/experience-platform/mapping.js';
import { packageDetailsOf } from '../providers/webex/mapping.js';
import { isFailure, provisionCustomer } from '../provisioning/provision-customer.js';
import { stepScopeOf } from './scope.js';

export const provisioningResolvers: Resolvers = {
  Mutation: {
    provisionCustomer: (_, { input }, context) => provisionCustomer(stepScopeOf(context), input),
  },

  ProvisionCustomerPayload: {
    async provisioning({ operationId }, _, context) {
      const operation = await context.loaders.provisioning.load(operationId);
      if (!operation) throw new Error(`provisioning ${operationId} is missing from the ledger that recorded it`);
      return operation;
    },
    entitlements({ experiencePlatform, wholesale }) {
      const adobe = experiencePlatform && !isFailure(experiencePlatform) ? entitlementOf(experiencePlatform) : null;
      const webex = wholesale && !isFailure(wholesale) ? packageDetailsOf(wholesale) : [];
      return [...(adobe ? [adobe] : []), ...webex];
    },
    failures: ({ providerInstances, experiencePlatform, net3, wholesale }) =>
      [...providerInstances, experiencePlatform, net3, wholesale].filter(isFailure),
  },

  Entitlement: {
    // Only Adobe's entitlements carry a value proposition; Webex's are packages.
    __resolveType: (entitlement) =>
      'valuePropId' in entitlement ? 'ExperiencePlatformEntitlement' : 'WholesalePackage',
  },
  ProviderInstanceOutcome: {
    __resolveType: (outcome) => (isFailure(outcome) ? 'ProviderFailure' : 'ProviderInstance'),
  },
  ExperiencePlatformOutcome: {
    __resolveType: (outcome) => (isFailure(outcome) ? 'ProviderFailure' : 'ExperiencePlatformProvisioning'),
  },
  Net3Outcome: {
    __resolveType: (outcome) => (isFailure(outcome) ? 'ProviderFailure' : 'Net3Provisioning'),
  },
  WholesaleOutcome: {
    __resolveType: (outcome) => (isFailure(outcome) ? 'ProviderFailure' : 'WholesaleCustomer'),
  },
};
