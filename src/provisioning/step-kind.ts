import type { Caller } from '../auth.js';
import type { Providers } from '../context.js';
import type { InputPath, ProviderName } from '../errors.js';
import type { Ledger, StepCompletion, StepRecord, UpstreamIdRecord } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { CustomerViewModel } from '../providers/cloudcockpit/wire.js';
import { ReportedFailure } from '../providers/failures.js';

/** What a step kind works with: who it acts for, their provider clients, and the ledger. No GraphQL request. */
export interface StepScope {
  caller: Caller;
  providers: Providers;
  ledger: Ledger;
  /** Sent to the providers, and named in errors. */
  correlationId: string;
  /** The caller's IP address, when a request is behind the step (Net3 records it). */
  clientIp: string | null;
  logger: Logger;
}

/** What a provider's answer makes of a step, and what the GraphQL payload shows of it. */
export interface StepAnswer extends StepCompletion {
  /** The provider's answer as the payload shows it; may hold secrets that `result` leaves out. */
  response: unknown;
}

export interface StepKind<Input> {
  provider: ProviderName;
  /**
   * Throws what `run` would refuse without calling anyone (invalid input, a role the caller lacks), so that a
   * single-call mutation is refused before anything is recorded or called, as a malformed variable is.
   */
  check?(scope: StepScope, input: Input, customer: CustomerViewModel | null, at: InputPath): void;
  /** Calls the provider: the first time, or again once a look-up proved that nothing is there. */
  run(scope: StepScope, input: Input, customer: CustomerViewModel | null, at: InputPath): Promise<StepAnswer>;
  /**
   * While a call's outcome is unknown: what the provider already has, or null when it definitely has nothing and
   * the step is to run again. Providers without a read endpoint recognise a repeat instead.
   */
  reconcile(scope: StepScope, input: Input, customer: CustomerViewModel | null): Promise<StepAnswer | null>;
  /** For IN_PROGRESS steps: how the provider's work stands now. */
  follow?(scope: StepScope, step: StepRecord): Promise<StepAnswer | { checkAgainInSeconds: number }>;
}

/** How long to wait before first asking a provider again about work it finishes later. */
export const FOLLOW_INTERVAL_SECONDS = 2;
export const MAX_FOLLOW_INTERVAL_SECONDS = 300;
export const later = (seconds = FOLLOW_INTERVAL_SECONDS) => new Date(Date.now() + seconds * 1000);

/**
 * When to ask again about work still under way: soon at first, then a tenth of the time it has taken so far, at
 * most every five minutes. Webex's `pending_rpl_review` waits for a person and Adobe's resources may take hours:
 * asking every few seconds for days would spend the partner's rate limit on nothing.
 */
export function followAgainInSeconds(startedAt: Date | null, now = Date.now()): number {
  const elapsedSeconds = startedAt ? (now - startedAt.getTime()) / 1000 : 0;
  return Math.min(MAX_FOLLOW_INTERVAL_SECONDS, Math.max(FOLLOW_INTERVAL_SECONDS, Math.round(elapsedSeconds / 10)));
}

/** The CloudCockpit customer a step is for: every step of provisionCustomer has one, and those that need it. */
export function requireCustomer(customer: CustomerViewModel | null): CustomerViewModel {
  if (!customer) throw new Error('this step runs for a CloudCockpit customer, and none was given');
  return customer;
}

export const succeeded = (
  response: unknown,
  upstreamIds: Record<string, string>,
  result: unknown = response,
): StepAnswer => ({
  status: 'SUCCEEDED',
  response,
  result,
  upstreamIds,
});

/** A provider finished its work with a failure: the step fails as if its call had. */
export function reportedFailure(scope: StepScope, provider: ProviderName, message: string): ReportedFailure {
  return new ReportedFailure({
    provider,
    httpStatus: null,
    correlationId: scope.correlationId,
    message,
    invalidProperties: [],
  });
}

/**
 * Whether a record the provider has under this upstream id belongs to another step: one of another tenant, or one
 * not PENDING (the step being looked up is PENDING, and may have recorded the id itself on an earlier attempt).
 */
export async function recordedByAnotherStep(
  scope: StepScope,
  provider: ProviderName,
  name: string,
  value: string,
): Promise<boolean> {
  return anotherStepAmong(scope, await scope.ledger.stepsRecordingUpstreamId(provider, name, value));
}

export function anotherStepAmong(scope: StepScope, steps: UpstreamIdRecord[]): boolean {
  return steps.some((step) => step.tenant !== scope.caller.tenant || step.status !== 'PENDING');
}
