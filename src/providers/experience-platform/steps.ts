import type { ExperiencePlatformProvisioningInput, ExperiencePlatformSection } from '../../generated/graphql.js';
import { UpstreamError } from '../../errors.js';
import type { StepRecord } from '../../ledger/ledger.js';
import { isAlreadyProvisioned } from '../failures.js';
import {
  anotherStepAmong,
  followAgainInSeconds,
  later,
  reportedFailure,
  requireCustomer,
  succeeded,
  type StepAnswer,
  type StepKind,
  type StepScope,
} from '../../provisioning/step-kind.js';
import {
  experiencePlatformInputFromCanonical,
  isFinalState,
  isStoredAs,
  provisioningStateOf,
  sectionPathOfProperty,
  storedSince,
  toProvisioningRequest,
  type RequestTime,
} from './mapping.js';
import { provisionExperiencePlatform } from './operations.js';
import type { ProvisioningRequest, ProvisioningResponse, StoredRequest } from './wire.js';

/** Adobe's answer without its secret: the connection string is shown once, to the caller, and never stored. */
function storableAdobeAnswer(response: ProvisioningResponse): ProvisioningResponse {
  const { connectionString: _secret, ...rest } = response;
  return rest;
}

function adobeAnswer(response: ProvisioningResponse): StepAnswer {
  const ids: Record<string, string> = {};
  if (response.storedRequest?.id) ids.storedRequestId = response.storedRequest.id;
  if (response.storedRequest?.imsOrgId) ids.imsOrgId = response.storedRequest.imsOrgId;
  const waiting = response.pollRequired === true && ids.storedRequestId !== undefined;
  return {
    status: waiting ? 'IN_PROGRESS' : 'SUCCEEDED',
    response,
    result: storableAdobeAnswer(response),
    upstreamIds: ids,
    ...(waiting ? { nextCheckAt: later() } : {}),
  };
}

/**
 * A request found at Adobe in place of a lost answer: recorded as that answer would have been, with the id the
 * worker follows it by (it never saw the answer's `pollRequired`; the status says). The connection string was
 * only in the lost answer: it is not recovered.
 */
function foundAtAdobe(request: StoredRequest): StepAnswer {
  return adobeAnswer({ storedRequest: request, pollRequired: true });
}

/**
 * Adobe takes no id of ours, has no search, and with `reprovision=true` accepts a repeat as a new provisioning; but
 * the status endpoint answers the organization's latest request. That is this step's when it holds what was sent,
 * was stored no earlier than `requestedAt`, and no other step records it; else the call is repeated. Should another
 * request have been stored for the organization since, the repeat provisions again: Adobe shows only the latest.
 */
async function reconcileAdobe(
  scope: StepScope,
  sent: ProvisioningRequest,
  requestedAt: string | null | undefined,
  repeat: () => Promise<StepAnswer>,
): Promise<StepAnswer> {
  const { imsOrgId } = sent.customer;
  const latest = (await scope.providers.experiencePlatform.getLatestProvisioningStatus(imsOrgId))?.request ?? null;
  const owners = latest
    ? await scope.ledger.stepsRecordingUpstreamId('EXPERIENCE_PLATFORM', 'storedRequestId', latest.id)
    : [];
  if (latest && isStoredAs(latest, sent) && storedSince(latest, requestedAt) && !anotherStepAmong(scope, owners))
    return foundAtAdobe(latest);
  try {
    return await repeat();
  } catch (error) {
    if (!isAlreadyProvisioned(error)) throw error;
    // Without reprovision=true Adobe refuses a repeat: the first call's success (or an earlier provisioning's) seen
    // again. The latest request, when it is this one and no other tenant records it, is followed; else nothing is.
    if (latest && isStoredAs(latest, sent) && owners.every((o) => o.tenant === scope.caller.tenant))
      return foundAtAdobe(latest);
    return succeeded(null, { imsOrgId });
  }
}

async function followAdobe(scope: StepScope, step: StepRecord): Promise<StepAnswer | { checkAgainInSeconds: number }> {
  const { storedRequestId, imsOrgId } = step.upstreamIds;
  if (!storedRequestId || !imsOrgId) return succeeded(step.result, step.upstreamIds);
  const status = await scope.providers.experiencePlatform.getProvisioningStatus(storedRequestId, imsOrgId);
  if (!status) {
    // Not final: the gateway may not have the request's status yet. The worker backs off and, if Adobe never
    // knows it, gives up and fails the step.
    throw new UpstreamError({
      provider: 'EXPERIENCE_PLATFORM',
      httpStatus: null,
      correlationId: scope.correlationId,
      message: `Adobe Experience Platform does not know request ${storedRequestId}`,
      invalidProperties: [],
    });
  }
  const state = provisioningStateOf(status.status);
  if (!isFinalState(state)) return { checkAgainInSeconds: followAgainInSeconds(step.startedAt) };
  if (state === 'failed')
    throw reportedFailure(
      scope,
      'EXPERIENCE_PLATFORM',
      `Adobe Experience Platform reports request ${storedRequestId} failed`,
    );
  return succeeded({ ...(step.result as object), requestStatus: status }, step.upstreamIds);
}

/** The fan-out's Adobe section, as recorded: with when the provisioning was asked for. */
export type ExperiencePlatformStepInput = ExperiencePlatformSection & RequestTime;

export const experiencePlatformStep: StepKind<ExperiencePlatformStepInput> = {
  provider: 'EXPERIENCE_PLATFORM',
  async run(scope, section, customer, at) {
    const input = experiencePlatformInputFromCanonical(requireCustomer(customer), section);
    const response = await provisionExperiencePlatform(scope.providers.experiencePlatform, input, at, {
      reprovision: section.reprovision,
      pathOfProperty: sectionPathOfProperty,
    });
    return adobeAnswer(response);
  },
  async reconcile(scope, section, customer) {
    const at = ['input', 'experiencePlatform'];
    const sent = toProvisioningRequest(
      experiencePlatformInputFromCanonical(requireCustomer(customer), section),
      at,
      sectionPathOfProperty,
    );
    return reconcileAdobe(scope, sent, section.requestedAt, () => this.run(scope, section, customer, at));
  },
  follow: followAdobe,
};

/** `provisionExperiencePlatform`: the full input, Adobe's `reprovision`, and when it was asked for. */
export interface ExperiencePlatformCall extends RequestTime {
  input: ExperiencePlatformProvisioningInput;
  reprovision: boolean | null;
}

export const experiencePlatformCallStep: StepKind<ExperiencePlatformCall> = {
  provider: 'EXPERIENCE_PLATFORM',
  check(_scope, { input }, _customer, at) {
    toProvisioningRequest(input, at);
  },
  async run(scope, { input, reprovision }, _customer, at) {
    return adobeAnswer(
      await provisionExperiencePlatform(scope.providers.experiencePlatform, input, at, { reprovision }),
    );
  },
  async reconcile(scope, call, customer) {
    const sent = toProvisioningRequest(call.input, ['input']);
    return reconcileAdobe(scope, sent, call.requestedAt, () => this.run(scope, call, customer, ['input']));
  },
  follow: followAdobe,
};
