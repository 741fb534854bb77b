import { GraphQLError } from 'graphql';
import { ErrorCode, type InputPath } from '../../errors.js';
import type { WholesaleCustomerInput, WholesaleSection } from '../../generated/graphql.js';
import type { StepRecord } from '../../ledger/ledger.js';
import {
  followAgainInSeconds,
  later,
  recordedByAnotherStep,
  reportedFailure,
  requireCustomer,
  succeeded,
  type StepAnswer,
  type StepKind,
  type StepScope,
} from '../../provisioning/step-kind.js';
import { toProvisionRequest, wholesaleInputFromCanonical } from './mapping.js';
import { provisionWholesaleCustomer } from './operations.js';
import type { ProvisionWholesaleCustomerRequest, WholesaleCustomer } from './wire.js';

/** Webex's final statuses; the others mean it is still working. */
const WEBEX_FINAL = new Set(['provisioned', 'provisioned_with_errors', 'error']);

/** What Webex shows of a customer makes of the step; its `error` status fails it, however the step learnt of it. */
function webexAnswer(scope: StepScope, customer: WholesaleCustomer): StepAnswer {
  if (customer.status === 'error')
    throw reportedFailure(scope, 'WEBEX_WHOLESALE', 'Webex Wholesale could not provision the customer');
  const ids: Record<string, string> = { id: customer.id, externalId: customer.externalId };
  if (customer.location) ids.location = customer.location;
  if (!WEBEX_FINAL.has(customer.status))
    return { status: 'IN_PROGRESS', response: customer, result: customer, upstreamIds: ids, nextCheckAt: later() };
  return succeeded(customer, ids);
}

/**
 * The customer Webex has for the externalId (unique per partner); null when none, to run the call again. The token
 * is the partner's and an externalId may be the caller's choice, so a customer is taken only when no other step
 * records it and it is what this step asked for (assumption: Get a Wholesale Customer shows address, packages and
 * organization as provisioned). Otherwise a CONFLICT, as Webex answers a repeat of a taken externalId (409).
 */
async function reconcileWebex(
  scope: StepScope,
  input: WholesaleCustomerInput,
  externalIdAt: InputPath | null,
): Promise<StepAnswer | null> {
  const sent = toProvisionRequest(input);
  const page = await scope.providers.webex.listCustomers({ externalId: sent.externalId, offset: 0, max: 1 });
  const found = page.items[0];
  if (!found) return null;
  if (!(await recordedByAnotherStep(scope, 'WEBEX_WHOLESALE', 'id', found.id)) && isWebexCustomerOf(found, sent)) {
    return webexAnswer(scope, found);
  }
  const message = 'Webex Wholesale already has a customer with this externalId that this provisioning did not make';
  throw new GraphQLError(message, {
    extensions: {
      code: ErrorCode.CONFLICT,
      provider: 'WEBEX_WHOLESALE',
      httpStatus: null,
      correlationId: scope.correlationId,
      ...(externalIdAt ? { fieldErrors: [{ path: externalIdAt, messages: [message] }] } : {}),
    },
  });
}

/** Whether the customer Webex shows is the one `sent` asked for, as far as Webex shows it. */
function isWebexCustomerOf(customer: WholesaleCustomer, sent: ProvisionWholesaleCustomerRequest): boolean {
  const shown: Record<string, unknown> = { ...customer.address };
  const asked: Record<string, unknown> = { ...sent.address };
  // A line left out and a line shown as null are the same absent line.
  const fields = new Set([...Object.keys(shown), ...Object.keys(asked)]);
  const sameAddress = [...fields].every((field) => (shown[field] ?? null) === (asked[field] ?? null));
  const samePackages = [...customer.packages].sort().join(',') === [...sent.packages].sort().join(',');
  // orgId shows only once the organization exists; a new customer's is Webex's own.
  const sameOrg = !sent.orgId || !customer.orgId || customer.orgId === sent.orgId;
  return customer.externalId === sent.externalId && sameAddress && samePackages && sameOrg;
}

async function followWebex(scope: StepScope, step: StepRecord): Promise<StepAnswer | { checkAgainInSeconds: number }> {
  const id = step.upstreamIds.id;
  const current = id ? await scope.providers.webex.getCustomer(id) : null;
  if (!current)
    throw reportedFailure(scope, 'WEBEX_WHOLESALE', `Webex Wholesale no longer knows customer ${id ?? '(no id)'}`);
  const answer = webexAnswer(scope, current);
  return answer.status === 'IN_PROGRESS' ? { checkAgainInSeconds: followAgainInSeconds(step.startedAt) } : answer;
}

export const wholesaleStep: StepKind<WholesaleSection> = {
  provider: 'WEBEX_WHOLESALE',
  async run(scope, section, customer, at) {
    const input = wholesaleInputFromCanonical(requireCustomer(customer), section);
    return webexAnswer(scope, await provisionWholesaleCustomer(scope.providers.webex, input, at));
  },
  async reconcile(scope, section, customer) {
    // The externalId is the CloudCockpit id: Webex finds the customer by it if the first call went through.
    return reconcileWebex(scope, wholesaleInputFromCanonical(requireCustomer(customer), section), null);
  },
  follow: followWebex,
};

export const wholesaleCallStep: StepKind<WholesaleCustomerInput> = {
  provider: 'WEBEX_WHOLESALE',
  check(_scope, input, _customer, at) {
    toProvisionRequest(input, at);
  },
  async run(scope, input, _customer, at) {
    return webexAnswer(scope, await provisionWholesaleCustomer(scope.providers.webex, input, at));
  },
  async reconcile(scope, input) {
    return reconcileWebex(scope, input, ['input', 'externalId']);
  },
  follow: followWebex,
};
