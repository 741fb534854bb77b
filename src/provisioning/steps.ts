import { GraphQLError } from 'graphql';
import type { RequestContext } from '../context.js';
import { authorized } from '../context.js';
import { ErrorCode, UpstreamError, type InputPath, type ProviderName } from '../errors.js';
import type {
  AddProviderInstanceInput,
  CreateCustomerInput,
  ExperiencePlatformProvisioningInput,
  ExperiencePlatformSection,
  Net3ProvisioningInput,
  Net3Section,
  WholesaleCustomerInput,
  WholesaleSection,
} from '../generated/graphql.js';
import type { StepCompletion, StepRecord, UpstreamIdRecord } from '../ledger/ledger.js';
import { providerCustomerOf, wireGuid } from '../providers/cloudcockpit/mapping.js';
import type { CustomerViewModel } from '../providers/cloudcockpit/wire.js';
import {
  experiencePlatformInputFromCanonical,
  isFinalState,
  isStoredAs,
  provisioningStateOf,
  sectionPathOfProperty,
  storedSince,
  toProvisioningRequest,
  type RequestTime,
} from '../providers/experience-platform/mapping.js';
import type { ProvisioningRequest, ProvisioningResponse, StoredRequest } from '../providers/experience-platform/wire.js';
import { net3InputFromCanonical, net3SectionPathOfProperty } from '../providers/net3/mapping.js';
import { toProvisionRequest, wholesaleInputFromCanonical } from '../providers/webex/mapping.js';
import type { ProvisionWholesaleCustomerRequest, WholesaleCustomer } from '../providers/webex/wire.js';
import { addCloudCockpitProviderInstance, createCloudCockpitCustomer } from '../resolvers/customers.js';
import { provisionExperiencePlatform } from '../resolvers/experience-platform.js';
import { provisionNet3Customer } from '../resolvers/net3.js';
import { provisionWholesaleCustomer } from '../resolvers/webex.js';

/** What a provider's answer makes of a step, and what the GraphQL payload shows of it. */
export interface StepAnswer extends StepCompletion {
  /** The provider's answer as the payload shows it; may hold secrets that `result` leaves out. */
  response: unknown;
}

/** The input of a CloudCockpit provider-instance step: the instance, and the reseller a CSP acted for. */
export type ProviderInstanceStepInput = AddProviderInstanceInput & { resellerId?: string | null };

/**
 * One kind of provisioning step: how to call its provider, how to find out after a crash whether the
 * provider already has it, and how to follow work the provider finishes later.
 */
export interface StepKind<Input> {
  provider: ProviderName;
  /** Calls the provider: the first time, or again after a failure. */
  run(context: RequestContext, input: Input, customer: CustomerViewModel, at: InputPath): Promise<StepAnswer>;
  /**
   * After the process that ran the step died during the call: what the provider already has, or null when it
   * has nothing and the step is to run again. Providers without a read endpoint recognise a repeat instead.
   */
  reconcile(context: RequestContext, input: Input, customer: CustomerViewModel): Promise<StepAnswer | null>;
  /** For IN_PROGRESS steps: how the provider's work stands now. */
  follow?(context: RequestContext, step: StepRecord): Promise<StepAnswer | { checkAgainInSeconds: number }>;
}

/** How long to wait before first asking a provider again about work it finishes later. */
export const FOLLOW_INTERVAL_SECONDS = 2;
/** The longest wait between two checks of work still under way. */
export const MAX_FOLLOW_INTERVAL_SECONDS = 300;
const later = (seconds = FOLLOW_INTERVAL_SECONDS) => new Date(Date.now() + seconds * 1000);

/**
 * When to ask again about work still under way: soon at first, then a tenth of the time it has taken so far, at
 * most every five minutes. Webex usually provisions in seconds to minutes, but `pending_rpl_review` waits for a
 * person, and Adobe's resources may take hours: asking every few seconds for days would spend the partner's rate
 * limit (429) on nothing, while a tenth keeps a finished customer's wait short against how long it already took.
 */
export function followAgainInSeconds(startedAt: Date | null, now = Date.now()): number {
  const elapsedSeconds = startedAt ? (now - startedAt.getTime()) / 1000 : 0;
  return Math.min(MAX_FOLLOW_INTERVAL_SECONDS, Math.max(FOLLOW_INTERVAL_SECONDS, Math.round(elapsedSeconds / 10)));
}

const succeeded = (response: unknown, upstreamIds: Record<string, string>, result: unknown = response): StepAnswer => ({
  status: 'SUCCEEDED',
  response,
  result,
  upstreamIds,
});

export const customerStep: StepKind<CreateCustomerInput & { id: string }> = {
  provider: 'CLOUDCOCKPIT',
  async run(context, input, _customer, at) {
    const customer = await createCloudCockpitCustomer(context, input, at);
    return succeeded(customer, { customerId: customer.id });
  },
  async reconcile(context, input) {
    // The id is made before the first call, so the customer is found by it if CloudCockpit created it.
    const customer = await authorized(context).providers.cloudCockpit.getCustomer(input.id);
    return customer ? succeeded(customer, { customerId: customer.id }) : null;
  },
};

export const providerInstanceStep: StepKind<ProviderInstanceStepInput> = {
  provider: 'CLOUDCOCKPIT',
  async run(context, { resellerId, ...input }, customer, at) {
    const instance = await addCloudCockpitProviderInstance(context, customer.id, input, resellerId, at);
    return succeeded(instance, { customerId: customer.id, providerInstanceId: wireGuid(input.providerInstanceId) });
  },
  async reconcile(context, input, customer) {
    const current = await authorized(context).providers.cloudCockpit.getCustomer(customer.id);
    // Keyed as .NET writes Guids (lower case), whatever case the input gave.
    const instance = providerCustomerOf(current, input.providerInstanceId);
    return instance ? succeeded(instance, { customerId: customer.id, providerInstanceId: wireGuid(input.providerInstanceId) }) : null;
  },
};

/** Adobe refuses an organization already entitled to the value proposition (unless `reprovision=true`). */
function isAlreadyProvisioned(error: unknown): boolean {
  return error instanceof UpstreamError && error.httpStatus === 400 && /already provisioned/i.test(error.message);
}

/**
 * A provider refusing a create because it already has the record: Webex and Net3 answer 409, Adobe "already
 * provisioned", CloudCockpit a validation error on the id or provider instance ("already exists", "already has").
 */
export function isRepeatRefused(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  if (error.httpStatus === 409 || isAlreadyProvisioned(error)) return true;
  return error.httpStatus === 400 && error.failure.invalidProperties.some((p) => p.messages.some((m) => /\balready\b/i.test(m)));
}

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
 * worker follows it by until Adobe reports it done (it never saw the answer's `pollRequired`; the status says).
 * The connection string was only in the lost answer: it is not recovered.
 */
function foundAtAdobe(request: StoredRequest): StepAnswer {
  return adobeAnswer({ storedRequest: request, pollRequired: true });
}

/**
 * After an Adobe call whose answer was lost (a crash, a timeout, a 5xx). Adobe takes no id of ours, has no
 * search, and with `reprovision=true` accepts a repeat as a new provisioning; but `GET /provisioning/status`
 * without a request id answers the organization's latest request. That request is this step's when it holds
 * what this step sent, was stored no earlier than the provisioning was asked for (`requestedAt`, recorded
 * before the ledger write), and no other step records it ({@link recordedByAnotherStep}: other calls' answers,
 * earlier provisionings of the same organization among them): it is recorded, and nothing is sent again.
 * Otherwise the call is repeated. Adobe shows only the latest request: should another have been stored for the
 * organization since, this step's is not found and the repeat provisions again.
 */
async function reconcileAdobe(
  context: RequestContext,
  sent: ProvisioningRequest,
  requestedAt: string | null | undefined,
  repeat: () => Promise<StepAnswer>,
): Promise<StepAnswer> {
  const { imsOrgId } = sent.customer;
  const latest = (await authorized(context).providers.experiencePlatform.getLatestProvisioningStatus(imsOrgId))?.request ?? null;
  const owners = latest ? await context.ledger.stepsRecordingUpstreamId('EXPERIENCE_PLATFORM', 'storedRequestId', latest.id) : [];
  if (latest && isStoredAs(latest, sent) && storedSince(latest, requestedAt) && !anotherStepAmong(context, owners)) return foundAtAdobe(latest);
  try {
    return await repeat();
  } catch (error) {
    if (!isAlreadyProvisioned(error)) throw error;
    // Without reprovision=true Adobe refuses the repeat: the organization already has the value proposition, the
    // first call's success seen again (or an earlier provisioning's). The latest request, when it is the one for
    // this value proposition and another tenant's provisioning does not record it, is recorded, so that the
    // worker follows it; else the step succeeds with nothing more to follow.
    const caller = authorized(context).caller;
    if (latest && isStoredAs(latest, sent) && owners.every((o) => o.tenant === caller.tenant)) return foundAtAdobe(latest);
    return succeeded(null, { imsOrgId });
  }
}

/** The fan-out's Adobe section, as recorded: with when the provisioning was asked for. */
export type ExperiencePlatformStepInput = ExperiencePlatformSection & RequestTime;

export const experiencePlatformStep: StepKind<ExperiencePlatformStepInput> = {
  provider: 'EXPERIENCE_PLATFORM',
  async run(context, section, customer, at) {
    const response = await provisionExperiencePlatform(context, experiencePlatformInputFromCanonical(customer, section), at, {
      reprovision: section.reprovision,
      pathOfProperty: sectionPathOfProperty,
    });
    return adobeAnswer(response);
  },
  async reconcile(context, section, customer) {
    const at = ['input', 'experiencePlatform'];
    const sent = toProvisioningRequest(experiencePlatformInputFromCanonical(customer, section), at, sectionPathOfProperty);
    return reconcileAdobe(context, sent, section.requestedAt, () => this.run(context, section, customer, at));
  },
  async follow(context, step) {
    const { storedRequestId, imsOrgId } = step.upstreamIds;
    if (!storedRequestId || !imsOrgId) return succeeded(step.result, step.upstreamIds);
    const status = await authorized(context).providers.experiencePlatform.getProvisioningStatus(storedRequestId, imsOrgId);
    if (!status) {
      // Not final: the gateway may not have the request's status yet. The worker backs off and, if Adobe never
      // knows it, gives up and fails the step.
      throw new UpstreamError({
        provider: 'EXPERIENCE_PLATFORM',
        httpStatus: null,
        correlationId: context.correlationId,
        message: `Adobe Experience Platform does not know request ${storedRequestId}`,
        invalidProperties: [],
      });
    }
    const state = provisioningStateOf(status.status);
    if (!isFinalState(state)) return { checkAgainInSeconds: followAgainInSeconds(step.startedAt) };
    if (state === 'failed') throw reportedFailure(context, 'EXPERIENCE_PLATFORM', `Adobe Experience Platform reports request ${storedRequestId} failed`);
    return succeeded({ ...(step.result as object), requestStatus: status }, step.upstreamIds);
  },
};

export const net3Step: StepKind<Net3Section> = {
  provider: 'NET3',
  async run(context, section, customer, at) {
    const response = await provisionNet3Customer(context, net3InputFromCanonical(customer, section), at, net3SectionPathOfProperty);
    return succeeded(response, net3Ids(customer.id, response.customer?.localId));
  },
  async reconcile(context, section, customer) {
    // Its customerId is the CloudCockpit id: a call that already went through comes back as 409.
    return reconcileNet3(context, customer.id, () => this.run(context, section, customer, ['input', 'net3']));
  },
};

/** Webex's final statuses; the others mean it is still working. */
const WEBEX_FINAL = new Set(['provisioned', 'provisioned_with_errors', 'error']);

/** What Webex shows of a customer makes of the step; its `error` status fails it, however the step learnt of it. */
function webexAnswer(context: RequestContext, customer: WholesaleCustomer): StepAnswer {
  if (customer.status === 'error') throw reportedFailure(context, 'WEBEX_WHOLESALE', 'Webex Wholesale could not provision the customer');
  const ids: Record<string, string> = { id: customer.id, externalId: customer.externalId };
  if (customer.location) ids.location = customer.location;
  if (!WEBEX_FINAL.has(customer.status)) return { status: 'IN_PROGRESS', response: customer, result: customer, upstreamIds: ids, nextCheckAt: later() };
  return succeeded(customer, ids);
}

/**
 * After a Webex call whose answer was lost: the customer Webex has for the externalId (unique per partner), when
 * this provisioning made it; null when Webex has none and the call is to run again. The Webex token is the
 * partner's, so the list shows every tenant's customers, and an externalId may be the caller's choice (always
 * for `provisionWholesaleCustomer`; for the fan-out, when the caller gives the CloudCockpit id): a customer with
 * this externalId may be another tenant's, or no provisioning's of ours at all, and recording it would let this
 * tenant read it (`wholesaleCustomer(id)` shows the customers a tenant's steps record). So it is taken only
 *
 * - when no other step records it ({@link recordedByAnotherStep});
 * - and when it is what this step asked for: the same address and packages, and the organization when one was
 *   named. Assumption: Get a Wholesale Customer shows them as provisioned (its document shows no provisioningId
 *   nor customerInfo, which cannot be compared).
 *
 * Otherwise the step fails as a CONFLICT, as Webex answers a repeat of a taken externalId (409), without
 * naming the customer it found.
 */
async function reconcileWebex(
  context: RequestContext,
  input: WholesaleCustomerInput,
  externalIdAt: InputPath | null,
): Promise<StepAnswer | null> {
  const { providers } = authorized(context);
  const sent = toProvisionRequest(input);
  const page = await providers.webex.listCustomers({ externalId: sent.externalId, offset: 0, max: 1 });
  const found = page.items[0];
  if (!found) return null;
  if (!(await recordedByAnotherStep(context, 'WEBEX_WHOLESALE', 'id', found.id)) && isWebexCustomerOf(found, sent)) {
    return webexAnswer(context, found);
  }
  const message = 'Webex Wholesale already has a customer with this externalId that this provisioning did not make';
  throw new GraphQLError(message, {
    extensions: {
      code: ErrorCode.CONFLICT,
      provider: 'WEBEX_WHOLESALE',
      httpStatus: null,
      correlationId: context.correlationId,
      ...(externalIdAt ? { fieldErrors: [{ path: externalIdAt, messages: [message] }] } : {}),
    },
  });
}

/**
 * Whether a step other than the one being recovered records this upstream id: one of another tenant, or one of
 * this tenant that is not PENDING (the step being recovered is PENDING while it is reconciled, and may have
 * recorded the id itself before it failed). A record the provider has under that id is then not this step's.
 */
async function recordedByAnotherStep(context: RequestContext, provider: ProviderName, name: string, value: string): Promise<boolean> {
  return anotherStepAmong(context, await context.ledger.stepsRecordingUpstreamId(provider, name, value));
}

function anotherStepAmong(context: RequestContext, steps: UpstreamIdRecord[]): boolean {
  const { caller } = authorized(context);
  return steps.some((step) => step.tenant !== caller.tenant || step.status !== 'PENDING');
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

export const wholesaleStep: StepKind<WholesaleSection> = {
  provider: 'WEBEX_WHOLESALE',
  async run(context, section, customer, at) {
    return webexAnswer(context, await provisionWholesaleCustomer(context, wholesaleInputFromCanonical(customer, section), at));
  },
  async reconcile(context, section, customer) {
    // The externalId is the CloudCockpit id: Webex finds the customer by it if the first call went through.
    return reconcileWebex(context, wholesaleInputFromCanonical(customer, section), null);
  },
  async follow(context, step) {
    const id = step.upstreamIds.id;
    const current = id ? await authorized(context).providers.webex.getCustomer(id) : null;
    if (!current) throw reportedFailure(context, 'WEBEX_WHOLESALE', `Webex Wholesale no longer knows customer ${id ?? '(no id)'}`);
    const answer = webexAnswer(context, current);
    return answer.status === 'IN_PROGRESS' ? { checkAgainInSeconds: followAgainInSeconds(step.startedAt) } : answer;
  },
};

// ---------------------------------------------------------------------------------------------
// The single-call mutations, recorded as one-step provisionings (see `provisionOnce`)

/** `provisionExperiencePlatform`: the full input, Adobe's `reprovision`, and when it was asked for. */
export interface ExperiencePlatformCall extends RequestTime {
  input: ExperiencePlatformProvisioningInput;
  reprovision: boolean | null;
}

export const experiencePlatformCallStep: StepKind<ExperiencePlatformCall> = {
  provider: 'EXPERIENCE_PLATFORM',
  async run(context, { input, reprovision }, _customer, at) {
    return adobeAnswer(await provisionExperiencePlatform(context, input, at, { reprovision }));
  },
  async reconcile(context, call, customer) {
    const sent = toProvisioningRequest(call.input, ['input']);
    return reconcileAdobe(context, sent, call.requestedAt, () => this.run(context, call, customer, ['input']));
  },
  follow: (context, step) => experiencePlatformStep.follow!(context, step),
};

export const net3CallStep: StepKind<Net3ProvisioningInput> = {
  provider: 'NET3',
  async run(context, input, _customer, at) {
    const response = await provisionNet3Customer(context, input, at);
    return succeeded(response, net3Ids(response.customer?.customerId ?? input.customer.customerId, response.customer?.localId));
  },
  async reconcile(context, input, customer) {
    // The recorded input carries the customerId the first call sent (fixed by withRequestFacts before the ledger
    // write), so a call that already went through comes back as 409.
    return reconcileNet3(context, input.customer.customerId, () => this.run(context, input, customer, ['input']));
  },
};

/**
 * After a Net3 call whose answer was lost. Net3 has no read endpoint: the call is repeated with the customerId
 * the first one sent, and a 409 is that customer, recognised rather than duplicated, and recorded by its id;
 * unless another step records that customerId (a caller may choose it: another tenant's, or an earlier
 * provisioning's), when the 409 is what it says, a conflict.
 */
async function reconcileNet3(
  context: RequestContext,
  customerId: string | null | undefined,
  repeat: () => Promise<StepAnswer>,
): Promise<StepAnswer> {
  try {
    return await repeat();
  } catch (error) {
    if (!(error instanceof UpstreamError && error.httpStatus === 409)) throw error;
    if (!customerId || (await recordedByAnotherStep(context, 'NET3', 'customerId', customerId))) throw error;
    return succeeded(null, net3Ids(customerId, null));
  }
}

/** What identifies a Net3 customer: the customerId it was provisioned with, and the localId Net3 gave it. */
function net3Ids(customerId: string | null | undefined, localId: number | null | undefined): Record<string, string> {
  const ids: Record<string, string> = {};
  if (customerId) ids.customerId = customerId;
  if (localId != null) ids.localId = String(localId);
  return ids;
}

export const wholesaleCallStep: StepKind<WholesaleCustomerInput> = {
  provider: 'WEBEX_WHOLESALE',
  async run(context, input, _customer, at) {
    return webexAnswer(context, await provisionWholesaleCustomer(context, input, at));
  },
  async reconcile(context, input) {
    return reconcileWebex(context, input, ['input', 'externalId']);
  },
  follow: (context, step) => wholesaleStep.follow!(context, step),
};

/**
 * A provider reports that its work ended in failure: final, unlike a call that did not get through, which has no
 * HTTP status either and is worth repeating.
 */
export class ReportedFailure extends UpstreamError {}

/** A provider finished its work with a failure: the step fails as if its call had. */
function reportedFailure(context: RequestContext, provider: ProviderName, message: string): UpstreamError {
  return new ReportedFailure({ provider, httpStatus: null, correlationId: context.correlationId, message, invalidProperties: [] });
}

/** The kind of a ledger step, by its name. */
export function stepKindOf(step: string): StepKind<never> {
  if (step === 'customer') return customerStep as StepKind<never>;
  if (step.startsWith('providerInstance:')) return providerInstanceStep as StepKind<never>;
  if (step === 'experiencePlatform') return experiencePlatformStep as StepKind<never>;
  if (step === 'net3') return net3Step as StepKind<never>;
  if (step === 'wholesale') return wholesaleStep as StepKind<never>;
  if (step === 'provisionExperiencePlatform') return experiencePlatformCallStep as StepKind<never>;
  if (step === 'provisionNet3Customer') return net3CallStep as StepKind<never>;
  if (step === 'provisionWholesaleCustomer') return wholesaleCallStep as StepKind<never>;
  throw new Error(`unknown provisioning step ${step}`);
}
