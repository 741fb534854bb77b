import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { badUserInput, ErrorCode, notFound, UpstreamError, type FieldError, type InputPath } from '../errors.js';
import type { ProvisionCustomerInput } from '../generated/graphql.js';
import type { OperationRecord, PlannedStep, StepClaim, StepFailure, StepLease, StepRecord } from '../ledger/ledger.js';
import { wireGuid } from '../providers/cloudcockpit/mapping.js';
import { customerRequestOf, type ProviderInstanceModel } from '../providers/cloudcockpit/operations.js';
import type { CustomerViewModel } from '../providers/cloudcockpit/wire.js';
import type { ProvisioningResponse } from '../providers/experience-platform/wire.js';
import { withRequestTime } from '../providers/experience-platform/mapping.js';
import { withRequestFacts } from '../providers/net3/mapping.js';
import type { ProvisionCustomerModelResponse } from '../providers/net3/wire.js';
import type { WholesaleCustomer } from '../providers/webex/wire.js';
import { isRepeatRefused, mayHaveActed, neverLeft } from '../providers/failures.js';
import type { StepScope } from './step-kind.js';
import { stepKindOf } from './step-kinds.js';

/** Why one provider's part failed, as the schema's `ProviderFailure` shows it. */
export interface ProviderFailureRecord extends StepFailure {
  __typename: 'ProviderFailure';
}

export type Outcome<T> = T | ProviderFailureRecord;

export interface ProvisionCustomerResult {
  operationId: string;
  customer: CustomerViewModel;
  providerInstances: Outcome<ProviderInstanceModel>[];
  experiencePlatform: Outcome<ProvisioningResponse> | null;
  net3: Outcome<ProvisionCustomerModelResponse> | null;
  wholesale: Outcome<WholesaleCustomer> | null;
}

export function isFailure(outcome: unknown): outcome is ProviderFailureRecord {
  return (outcome as ProviderFailureRecord | null)?.__typename === 'ProviderFailure';
}

/** Where each step's input sits in the mutation's arguments, for error paths. */
function inputPathOf(step: Pick<PlannedStep, 'step' | 'position'>): InputPath {
  if (step.step === 'customer') return ['input', 'customer'];
  if (step.step.startsWith('providerInstance:')) return ['input', 'providerInstances', step.position - 1];
  return ['input', step.step];
}

/**
 * Every step is written to the ledger before anything is called, with the stable ids that make a repeat safe (the
 * CloudCockpit customer id is made here; Net3's customerId and Webex's externalId are that id). CloudCockpit's
 * customer comes first, since the others copy it and key their records by its id; then the rest start at once, each
 * settling on its own, so one provider failing neither fails nor undoes the others.
 */
export async function provisionCustomer(
  scope: StepScope,
  input: ProvisionCustomerInput,
): Promise<ProvisionCustomerResult> {
  const { caller } = scope;
  const customerInput = { ...input.customer, id: input.customer.id ?? randomUUID() };
  // Fixed before the write-ahead, so that a repeat sends (Net3) or compares (Adobe) what the first call did.
  const experiencePlatform = input.experiencePlatform && withRequestTime(input.experiencePlatform);
  const net3 = input.net3 && withRequestFacts(input.net3, scope.clientIp);
  // One step per provider instance, named as CloudCockpit keys it (wireGuid), whatever case its id was given in.
  const instanceIds = (input.providerInstances ?? []).map((entry) => wireGuid(entry.providerInstanceId));
  const repeated = instanceIds.findIndex((id, index) => instanceIds.indexOf(id) !== index);
  if (repeated !== -1) {
    throw badUserInput('A provider instance is listed twice', [
      {
        path: ['input', 'providerInstances', repeated, 'providerInstanceId'],
        messages: ['This provider instance is already listed'],
      },
    ]);
  }
  const plan: PlannedStep[] = [
    { step: 'customer', provider: 'CLOUDCOCKPIT', position: 0, input: customerInput },
    ...(input.providerInstances ?? []).map((entry, index) => ({
      step: `providerInstance:${instanceIds[index]}`,
      provider: 'CLOUDCOCKPIT' as const,
      position: index + 1,
      input: { ...entry, resellerId: input.customer.resellerId ?? null },
    })),
    ...(experiencePlatform
      ? [
          {
            step: 'experiencePlatform',
            provider: 'EXPERIENCE_PLATFORM' as const,
            position: 1000,
            input: experiencePlatform,
          },
        ]
      : []),
    ...(net3 ? [{ step: 'net3', provider: 'NET3' as const, position: 1001, input: net3 }] : []),
    ...(input.wholesale
      ? [{ step: 'wholesale', provider: 'WEBEX_WHOLESALE' as const, position: 1002, input: input.wholesale }]
      : []),
  ];
  // A customer refused without calling CloudCockpit (invalid, or for another reseller) is refused before anything is
  // recorded, as it would fail the whole mutation. A section refused so stays that section's failure in the payload.
  customerRequestOf(caller, customerInput, inputPathOf(plan[0]!));
  const operationId = randomUUID();
  const { lease, claims } = await scope.ledger.beginOperationStarting(
    {
      id: operationId,
      tenant: caller.tenant,
      caller,
      kind: 'provisionCustomer',
      customerId: customerInput.id,
      request: { ...input, customer: customerInput, net3 },
      correlationId: scope.correlationId,
    },
    plan,
    // Every step starts with the write-ahead, the others included: the one commit before the customer's call is the
    // only one on the way to theirs (a crash before they are called leaves them to be looked up, never resent blind).
    plan.map((s) => s.step),
  );
  // The customer was refused: nothing else ran, but the provisioning is on record, to fix and retry.
  const { customer, outcomes } = await runSteps(scope, operationId, plan, null, lease, claims).catch(
    withProvisioningId(operationId),
  );
  const outcomeOf = (step: string) => outcomes.get(step) ?? null;
  return {
    operationId,
    // The plan starts with the customer step: had it failed, runSteps would have thrown.
    customer: customer!,
    providerInstances: plan
      .filter((s) => s.step.startsWith('providerInstance:'))
      .map((s) => outcomeOf(s.step) as Outcome<ProviderInstanceModel>),
    experiencePlatform: outcomeOf('experiencePlatform') as Outcome<ProvisioningResponse> | null,
    net3: outcomeOf('net3') as Outcome<ProvisionCustomerModelResponse> | null,
    wholesale: outcomeOf('wholesale') as Outcome<WholesaleCustomer> | null,
  };
}

/** A mutation that makes one provider call, such as `provisionWholesaleCustomer`. */
export interface SingleCallProvisioning {
  /** The mutation's name, recorded as the operation's kind. */
  kind: string;
  /** The step kind's name (see `stepKindOf`). */
  step: string;
  provider: StepFailure['provider'];
  /** The CloudCockpit customer it is for, when there is one. */
  customerId: string | null;
  /** The step's input, complete: a repeat after a crash sends exactly this. */
  input: unknown;
}

/**
 * Recorded in the ledger like the fan-out's steps, so that a single-call mutation is listed, followed and recovered
 * with them. Its failure is the mutation's error, as without the ledger.
 */
export async function provisionOnce<Response>(scope: StepScope, call: SingleCallProvisioning): Promise<Response> {
  const { caller } = scope;
  const customer = call.customerId ? ({ id: call.customerId } as CustomerViewModel) : null;
  // Refused before anything is recorded or called, as a malformed variable is.
  stepKindOf(call.step).check?.(scope, call.input, customer, ['input']);
  const operationId = randomUUID();
  const { lease, claims } = await scope.ledger.beginOperationStarting(
    {
      id: operationId,
      tenant: caller.tenant,
      caller,
      kind: call.kind,
      customerId: call.customerId,
      request: call.input,
      correlationId: scope.correlationId,
    },
    [{ step: call.step, provider: call.provider, position: 0, input: call.input }],
    [call.step],
  );
  const step = { step: call.step, position: 0, input: call.input, at: ['input'] };
  const claim = claims.get(call.step) ?? null;
  return (await runStep(scope, operationId, step, customer, lease, { claim }).catch(
    withProvisioningId(operationId),
  )) as Response;
}

/** For `.catch()`: a failed provisioning's error names it, so that the caller can retry it (`retryProvisioning`). */
function withProvisioningId(operationId: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof GraphQLError) Object.assign(error.extensions, { provisioningId: operationId });
    throw error;
  };
}

/**
 * Failed steps run again, succeeded ones never. Refused while any step is PENDING (running, or awaiting the worker
 * after a crash), so that no step runs twice at once, and when another request claims a step first (runStep).
 */
export async function retryProvisioning(scope: StepScope, id: string): Promise<OperationRecord> {
  const { caller } = scope;
  const operation = await scope.ledger.operation(caller.tenant, id);
  if (!operation) throw notFound(`There is no provisioning ${id}`);
  const steps = await scope.ledger.stepsOf([id]);
  const customerStep = steps.find((s) => s.step === 'customer');
  const customer = customerStep
    ? customerStep.status === 'SUCCEEDED'
      ? (customerStep.result as CustomerViewModel)
      : null
    : operation.customerId
      ? ({ id: operation.customerId } as CustomerViewModel)
      : null;
  const stillRunning = () =>
    new GraphQLError(`Provisioning ${id} is still running; retry it once it has settled`, {
      extensions: { code: ErrorCode.IN_PROGRESS },
    });
  if (steps.some((s) => s.status === 'PENDING')) throw stillRunning();
  const toRun = steps.filter((s) => s.status === 'FAILED');
  if (toRun.length > 0) {
    const { outcomes } = await runSteps(scope, id, toRun, customer, null);
    if ([...outcomes.values()].some((o) => isFailure(o) && o.code === ErrorCode.IN_PROGRESS)) throw stillRunning();
  }
  return (await scope.ledger.operation(caller.tenant, id)) ?? operation;
}

/**
 * The customer's step first when it is among them: nothing else can run without it. `held` is the lease of their
 * write-ahead when this request wrote them; null for steps that failed before, nobody's until a request claims them.
 * `started`: the claims the write-ahead made, for every step, so that the others are called the moment the customer
 * answers, while its answer is recorded; without them (a retry), the others start in the transaction recording it.
 */
async function runSteps(
  scope: StepScope,
  operationId: string,
  steps: RunnableStep[],
  knownCustomer: CustomerViewModel | null,
  held: StepLease | null,
  started: Map<string, StepClaim | null> | null = null,
): Promise<{ customer: CustomerViewModel | null; outcomes: Map<string, unknown> }> {
  const outcomes = new Map<string, unknown>();
  const customerStep = steps.find((s) => s.step === 'customer');
  const others = steps.filter((s) => s !== customerStep);
  // Null only for a single-call mutation made for no customer, whose step needs none.
  const runOthers = (customer: CustomerViewModel | null, claims: Map<string, StepClaim | null>) =>
    Promise.all(
      others.map(async (s) => {
        try {
          const claim = claims.get(s.step) ?? null;
          outcomes.set(s.step, await runStep(scope, operationId, s, customer, held, { claim }));
        } catch (error) {
          outcomes.set(s.step, {
            __typename: 'ProviderFailure',
            ...failureOf(scope, stepKindOf(s.step).provider, error),
          });
        }
      }),
    );
  if (!customerStep) {
    await runOthers(
      knownCustomer,
      await scope.ledger.startSteps(
        operationId,
        others.map((s) => s.step),
        scope.correlationId,
        held,
      ),
    );
    return { customer: knownCustomer, outcomes };
  }
  let othersCalled = false;
  try {
    const attempt = await attemptStep(scope, operationId, customerStep, null, held, {
      ...(started
        ? {
            claim: started.get(customerStep.step) ?? null,
            meanwhile: (customer) => ((othersCalled = true), runOthers(customer as CustomerViewModel, started)),
          }
        : { thenStart: others.map((s) => s.step) }),
    });
    const customer = attempt.response as CustomerViewModel;
    if (!started) await runOthers(customer, attempt.started);
    return { customer, outcomes };
  } catch (error) {
    // Only steps this request started with its write-ahead are its own to record as not called. Steps that had failed
    // before have failed as they were (nothing was sent for them now), and may by now be another retry's.
    if (started && !othersCalled) {
      const failure = failureOf(scope, 'CLOUDCOCKPIT', notStartedError());
      await Promise.all(
        others.map((s) => {
          const claim = started.get(s.step);
          return claim && scope.ledger.failUncalledStep(operationId, s.step, claim.lease, failure);
        }),
      );
    }
    throw error;
  }
}

/** Planned now, or read back from the ledger. `at`: where its input sits (default: where provisionCustomer has it). */
type RunnableStep = Pick<StepRecord, 'step' | 'position' | 'input'> & { at?: InputPath };

/**
 * Claimed in the ledger, called, and recorded under that claim. `held`: the lease the caller already holds the step
 * under (write-ahead, worker's take-over). A step another request holds is not run: IN_PROGRESS.
 *
 * Exactly once rests on the ledger's outcome flag, never on the last error: while an earlier call's outcome is
 * unknown the step is looked up first, and only a conclusive answer (found, or definitely absent) ends that. A failed
 * look-up (429, 5xx, no answer) leaves it unknown, so no retry repeats the call blindly. `lookedUp`: the caller has
 * just looked and found nothing (the worker's recovery).
 */
export async function runStep(
  scope: StepScope,
  operationId: string,
  step: RunnableStep,
  customer: CustomerViewModel | null,
  held: StepLease | null,
  options: StepAttemptOptions = {},
): Promise<unknown> {
  return (await attemptStep(scope, operationId, step, customer, held, options)).response;
}

export interface StepAttemptOptions {
  /** The caller has just looked and found nothing (the worker's recovery). */
  lookedUp?: boolean;
  /** The step's claim when the caller already made it (startSteps); null when the step could not be claimed. */
  claim?: StepClaim | null;
  /** Steps to start in the transaction that records this one's answer, their claims in `started`. */
  thenStart?: readonly string[];
  /** Run with the answer while it is recorded (steps already started that need it); settled before this returns. */
  meanwhile?: (response: unknown) => Promise<unknown>;
  /**
   * When to try a failed call again, the step staying PENDING under its lease until then (the worker's back-off);
   * null, or no function, records the step FAILED.
   */
  retryLater?: (failure: StepFailure, error: unknown) => { at: Date; failure: StepFailure } | null;
}

async function attemptStep(
  scope: StepScope,
  operationId: string,
  step: RunnableStep,
  customer: CustomerViewModel | null,
  held: StepLease | null,
  { lookedUp = false, claim: given, thenStart = [], meanwhile, retryLater }: StepAttemptOptions,
): Promise<{ response: unknown; started: Map<string, StepClaim | null> }> {
  const kind = stepKindOf(step.step);
  const claim =
    given !== undefined ? given : await scope.ledger.startStep(operationId, step.step, scope.correlationId, held);
  if (claim === null) {
    throw new GraphQLError(`Step ${step.step} of provisioning ${operationId} is being run by another request`, {
      extensions: { code: ErrorCode.IN_PROGRESS },
    });
  }
  const { lease } = claim;
  const lookUpFirst = claim.outcomeUnknown && !lookedUp;
  let outcomeUnknown = lookUpFirst;
  try {
    const found = lookUpFirst ? await kind.reconcile(scope, step.input, customer) : null;
    let answer = found;
    if (!answer) {
      outcomeUnknown = false;
      const at = step.at ?? inputPathOf(step);
      answer = await kind.run(scope, step.input, customer, at).catch((error: unknown) => {
        // The provider says it has this record although the look-up just found none (a lagging read): still unknown.
        outcomeUnknown = mayHaveActed(error) || (claim.outcomeUnknown && isRepeatRefused(error));
        throw error;
      });
    }
    const recording = scope.ledger.completeStepAndStart(operationId, step.step, lease, answer, {
      steps: thenStart,
      correlationId: scope.correlationId,
      held,
    });
    // Both settle before this returns or fails: a step running alongside is never recorded as not started under it.
    const [recorded] = await Promise.allSettled([recording, meanwhile?.(answer.response)]);
    if (recorded.status === 'rejected') throw recorded.reason;
    const { completed, claims: started } = recorded.value;
    if (!completed) {
      // The lease ran out during the call and the worker took the step over: it finds this answer at the provider.
      scope.logger.warn({ operationId, step: step.step }, 'provisioning step answered after its lease was taken over');
    }
    return { response: answer.response, started };
  } catch (error) {
    const failure = failureOf(scope, kind.provider, error);
    scope.logger.warn(
      {
        provider: kind.provider,
        step: step.step,
        code: failure.code,
        httpStatus: failure.httpStatus,
        outcomeUnknown,
        ...(failure.code === ErrorCode.INTERNAL ? { err: error } : {}),
      },
      'provisioning step failed',
    );
    const later = retryLater?.(failure, error) ?? null;
    if (later) await scope.ledger.postponeStep(operationId, step.step, lease, later.at, later.failure, outcomeUnknown);
    // A call that never left (refused, circuit open, cap full) gives its attempt back: `attempts` counts calls.
    else await scope.ledger.failStep(operationId, step.step, lease, failure, outcomeUnknown, !neverLeft(error));
    throw error;
  }
}

/** Why a step that needs the CloudCockpit customer was not run: the customer was not created. */
export function notStartedError(): GraphQLError {
  return new GraphQLError('Not started: the CloudCockpit customer was not created', {
    extensions: { code: ErrorCode.NOT_STARTED },
  });
}

/** A step's error as a failure record: safe to show, to store and to return in the payload. */
export function failureOf(scope: StepScope, provider: StepFailure['provider'], error: unknown): StepFailure {
  if (error instanceof UpstreamError) {
    return {
      provider,
      httpStatus: error.failure.httpStatus,
      code: String(error.extensions.code),
      message: error.message,
      correlationId: error.failure.correlationId,
      retryAfterSeconds: error.failure.retryAfterSeconds ?? null,
      fieldErrors: fieldErrorsOf(error),
    };
  }
  const common = { provider, httpStatus: null, correlationId: scope.correlationId, retryAfterSeconds: null };
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string') {
    // Refused here before anything was sent (bad input, a role the caller lacks).
    return { ...common, code: error.extensions.code, message: error.message, fieldErrors: fieldErrorsOf(error) };
  }
  // A bug of ours: say so without its details, which go to the log.
  return { ...common, code: ErrorCode.INTERNAL, message: 'An unexpected error occurred', fieldErrors: [] };
}

function fieldErrorsOf(error: GraphQLError): StepFailure['fieldErrors'] {
  const fieldErrors = (error.extensions.fieldErrors ?? []) as FieldError[];
  return fieldErrors.map(({ path, messages }) => ({ path: path.map(String), messages }));
}
