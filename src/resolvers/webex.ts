import { authorized, type RequestContext } from '../context.js';
import { Provider, type Resolvers } from '../generated/graphql.js';
import {
  knownPackagesOf,
  MAX_PAGE_SIZE,
  packageDetailsOf,
  packageOf,
  wholesaleCustomerCursors,
} from '../providers/webex/mapping.js';
import {
  listWholesaleCustomers,
  readWholesaleCustomer,
  requireCsp,
  type WebexScope,
} from '../providers/webex/operations.js';
import type { WholesaleCustomer } from '../providers/webex/wire.js';
import { provisionOnce } from '../provisioning/provision-customer.js';
import { requestedWindow } from '../relay.js';
import { stepScopeOf } from './scope.js';

export const wholesaleResolvers: Resolvers = {
  Query: {
    wholesaleCustomer: (_, { id }, context) => readWholesaleCustomer(authorized(context).caller, context.loaders, id),
    wholesaleCustomers(_, { externalId, status, first, after }, context) {
      const { offset, size: max } = requestedWindow(first, after, {
        cursors: wholesaleCustomerCursors,
        maxSize: MAX_PAGE_SIZE,
      });
      return listWholesaleCustomers(webexScope(context), {
        externalId: externalId ?? undefined,
        status: status ?? undefined,
        offset,
        max,
      });
    },
  },

  Mutation: {
    provisionWholesaleCustomer(_, { input }, context) {
      const scope = stepScopeOf(context);
      requireCsp(scope.caller);
      return provisionOnce<WholesaleCustomer>(scope, {
        kind: 'provisionWholesaleCustomer',
        step: 'provisionWholesaleCustomer',
        provider: 'WEBEX_WHOLESALE',
        customerId: null,
        input,
      });
    },
  },

  WholesaleCustomer: {
    // A gateway's reference: seen exactly where `wholesaleCustomer(id:)` shows it.
    __resolveReference: ({ id }, context) => readWholesaleCustomer(authorized(context).caller, context.loaders, id),
    orgId: (customer) => customer.orgId ?? null,
    packages: (customer) => knownPackagesOf(customer),
    packageDetails: (customer) => packageDetailsOf(customer),
    errors: (customer) => customer.errors ?? [],
  },

  WholesalePackage: {
    provider: () => Provider.WebexWholesale,
    package: (entry) => packageOf(entry.name),
    warnings: (entry) => entry.warnings ?? [],
    errors: (entry) => entry.errors ?? [],
  },

  WholesalePackageName: {
    COMMON_AREA_CALLING: 'common_area_calling',
    WEBEX_CALLING: 'webex_calling',
    WEBEX_MEETINGS: 'webex_meetings',
    WEBEX_SUITE: 'webex_suite',
    WEBEX_VOICE: 'webex_voice',
    CX_ESSENTIALS: 'cx_essentials',
    WEBEX_CALLING_STANDARD: 'webex_calling_standard',
    CISCO_CALLING_PLAN: 'cisco_calling_plan',
    ATTENDANT_CONSOLE: 'attendant_console',
    CX_PREMIUM_AGENT: 'cx_premium_agent',
    CX_STANDARD_AGENT: 'cx_standard_agent',
    CX_VOICE_PORTS: 'cx_voice_ports',
    CX_AI_ASSISTANT: 'cx_ai_assistant',
    WEBEX_AI_AGENT: 'webex_ai_agent',
  },
  WholesaleCustomerStatus: {
    PROVISIONED: 'provisioned',
    PROVISIONED_WITH_ERRORS: 'provisioned_with_errors',
    PROVISIONING: 'provisioning',
    UPDATING: 'updating',
    DELETING: 'deleting',
    ERROR: 'error',
    PENDING_RPL_REVIEW: 'pending_rpl_review',
  },
  WholesalePackageStatus: {
    PROVISIONED: 'provisioned',
    PROVISIONING: 'provisioning',
    DELETING: 'deleting',
    ERROR: 'error',
  },
};

function webexScope(context: RequestContext): WebexScope {
  const { caller, providers } = authorized(context);
  return { caller, webex: providers.webex, ledger: context.ledger };
}
