import { isReseller, type Caller } from '../auth.js';
import { authorized, type Providers, type RequestContext } from '../context.js';
import { forbidden, rethrowAtInput, type InputPath } from '../errors.js';
import { Provider, type Resolvers, type WholesaleCustomerInput } from '../generated/graphql.js';
import {
  acceptedCustomer,
  inputPathOfProperty,
  knownPackagesOf,
  MAX_PAGE_SIZE,
  packageDetailsOf,
  packageOf,
  toProvisionRequest,
  toWholesaleCustomerConnection,
  wholesaleCustomerCursors,
} from '../providers/webex/mapping.js';
import { requestedWindow } from '../relay.js';
import type { WholesaleCustomer } from '../providers/webex/wire.js';
import { provisionOnce } from '../provisioning/provision-customer.js';

/**
 * Provisions a customer at Webex Wholesale: what `provisionWholesaleCustomer` and the fan-out
 * `provisionCustomer` both do. `at` is where `input` sits in the operation's arguments (`['input']`, or
 * `['input', '<section>']` in the fan-out), so that Webex's validation errors point into the caller's input.
 * The result is the customer as Webex has just accepted it: `provisioning`, with the id Webex gave it.
 */
export async function provisionWholesaleCustomer(
  context: RequestContext,
  input: WholesaleCustomerInput,
  at: InputPath,
): Promise<WholesaleCustomer> {
  const { providers } = authorized(context);
  const body = toProvisionRequest(input, at);
  const { id, location } = await providers.webex.provisionCustomer(body).catch(rethrowAtInput(at, inputPathOfProperty));
  return acceptedCustomer(body, id, location);
}

/**
 * The Webex token is the partner's and Webex knows nothing of resellers: every Webex customer of the partner
 * is visible through it. So only CSP users use Webex directly; a reseller's customers reach Webex through
 * the fan-out, for customers that are its own.
 */
function authorizedCsp(context: RequestContext): { caller: Caller; providers: Providers } {
  const authorizedCaller = authorized(context);
  if (isReseller(authorizedCaller.caller)) throw forbidden('Only CSP users may use Webex Wholesale directly');
  return authorizedCaller;
}

export const wholesaleResolvers: Resolvers = {
  Query: {
    async wholesaleCustomer(_, { id }, context) {
      const { caller, providers } = authorizedCsp(context);
      // An empty id would address the list endpoint instead of a customer.
      if (id.trim() === '') return null;
      // The Webex token sees every tenant's customers: a tenant reads only those its provisionings made.
      if (!(await context.ledger.recordedUpstreamIds(caller.tenant, 'WEBEX_WHOLESALE', 'id', [id])).has(id)) return null;
      return providers.webex.getCustomer(id);
    },

    async wholesaleCustomers(_, { externalId, status, first, after }, context) {
      const { caller, providers } = authorizedCsp(context);
      const { offset, size: max } = requestedWindow(first, after, { cursors: wholesaleCustomerCursors, maxSize: MAX_PAGE_SIZE });
      const page = await providers.webex.listCustomers({
        externalId: externalId ?? undefined,
        status: status ?? undefined,
        offset,
        max,
      });
      const own = await context.ledger.recordedUpstreamIds(caller.tenant, 'WEBEX_WHOLESALE', 'id', page.items.map((c) => c.id));
      // Webex pages over the partner's customers; the tenant sees its own of each page (paging stays Webex's).
      return toWholesaleCustomerConnection(page, offset, (customer) => own.has(customer.id));
    },
  },

  Mutation: {
    async provisionWholesaleCustomer(_, { input }, context) {
      authorizedCsp(context);
      return provisionOnce<WholesaleCustomer>(context, {
        kind: 'provisionWholesaleCustomer',
        step: 'provisionWholesaleCustomer',
        provider: 'WEBEX_WHOLESALE',
        customerId: null,
        input,
      });
    },
  },

  WholesaleCustomer: {
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
