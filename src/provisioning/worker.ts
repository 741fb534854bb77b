import { GraphQLError } from 'graphql';
import { providersFor, type ContextServices } from '../context.js';
import { ErrorCode, type ProviderName } from '../errors.js';
import type { LeasedStep, OperationRecord, StepFailure, StepRecord } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { CustomerViewModel } from '../providers/cloudcockpit/wire.js';
import { failureOf, notStartedError, runStep } from './provision-customer.js';
import { isTransient } from '../providers/failures.js';
import type { StepAnswer, StepScope } from './step-kind.js';
import { stepKindOf } from './step-kinds.js';

export interface ProvisioningWorkerOptions {
  /** The pause between the end of one pass and the start of the next (`WORKER_INTERVAL_MS`). @default 1000 */
  intervalMs?: number;
  /** The most steps one pass takes; the rest wait for the next pass, or for another replica. @default 20 */
  batchSize?: number;
  /** The wait after a step's first transient failure, doubled after each further one in a row. @default 2000 */
  initialBackoffMs?: number;
  /** The longest wait between two tries of a step that keeps failing transiently. @default 300000 */
  maxBackoffMs?: number;
  /** Transient failures in a row (no answer, 5xx, 423, 429) after which a step is given up as FAILED. @default 10 */
  maxTransientFailures?: number;
}

/** A transient failure kept on a step the worker will try again, with how many there have been in a row. */
interface RepeatedFailure extends StepFailure {
  failuresInARow: number;
}

/**
 * Settles in the background what no caller waits for: PENDING steps whose process died (looked up, or run again)
 * and IN_PROGRESS work a provider finishes later (asked about when due). Each step comes under a lease of its own
 * (work-queue.ts), and it acts as the original caller under the step's correlation id, so that the providers'
 * audit trails show the same caller and id as the original request.
 */
export class ProvisioningWorker {
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxTransientFailures: number;
  private readonly logger: Logger;
  private running = false;
  /** Set by stop: a pass under way finishes the steps it has begun and hands back the rest. */
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;

  constructor(
    private readonly services: ContextServices,
    options: ProvisioningWorkerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 20;
    this.initialBackoffMs = options.initialBackoffMs ?? 2_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 300_000;
    this.maxTransientFailures = options.maxTransientFailures ?? 10;
    this.logger = services.logger.child({ component: 'provisioning-worker', owner: services.ledger.owner });
  }

  /** Runs a pass at once, which recovers what a crash left behind, then one every `intervalMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.pass = this.passThenSchedule();
  }

  /**
   * No pass starts after this, and the pass under way starts no further step: it finishes the calls it has made and
   * hands the steps it took but did not begin back to the ledger, for another replica to take at once. Resolves once
   * that pass has ended.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.pass;
  }

  /** Settles the steps due now as far as it can; resolves to how many it took. */
  async runOnce(): Promise<number> {
    const steps = await this.services.ledger.leaseDueSteps(this.batchSize);
    const byOperation = new Map<string, LeasedStep[]>();
    for (const step of steps) byOperation.set(step.operationId, [...(byOperation.get(step.operationId) ?? []), step]);
    await Promise.all(
      [...byOperation].map(([operationId, ofOperation]) => this.settleOperation(operationId, ofOperation)),
    );
    return steps.length;
  }

  private async passThenSchedule(): Promise<void> {
    try {
      await this.runOnce();
    } catch (error) {
      // The database may be away for a moment; the next pass tries again, and leases keep steps from being lost.
      this.logger.error({ err: error }, 'provisioning worker pass failed');
    }
    if (!this.running) return;
    this.timer = setTimeout(() => (this.pass = this.passThenSchedule()), this.intervalMs);
    // The HTTP server keeps the process alive, not the worker: a test or a shutdown need not wait for a timer.
    this.timer.unref();
  }

  /** The customer step first: the others copy the customer it creates. */
  private async settleOperation(operationId: string, steps: LeasedStep[]): Promise<void> {
    const operation = await this.services.ledger.operationById(operationId);
    if (!operation) return;
    const customerStep = steps.find((s) => s.step === 'customer');
    if (customerStep && !(await this.handedBack([customerStep]))) await this.settleSafely(operation, customerStep);
    const others = steps.filter((s) => s !== customerStep);
    if (await this.handedBack(others)) return;
    await Promise.all(others.map((s) => this.settleSafely(operation, s)));
  }

  /** While stopping: `steps`, not begun, go back to the ledger (see stop). Whether they did. */
  private async handedBack(steps: LeasedStep[]): Promise<boolean> {
    if (!this.stopping) return false;
    if (steps.length === 0) return true;
    try {
      const released = await this.services.ledger.releaseSteps(steps);
      this.logger.info({ steps: steps.map((s) => s.step), released }, 'provisioning worker handed steps back');
    } catch (error) {
      // Their leases then run out as a crash's would: nothing is lost, only later.
      this.logger.error({ err: error }, 'provisioning worker could not hand steps back');
    }
    return true;
  }

  /** One step's trouble never stops the others or the loop: its lease runs out and a later pass takes it again. */
  private async settleSafely(operation: OperationRecord, step: LeasedStep): Promise<void> {
    try {
      await (step.status === 'IN_PROGRESS' ? this.follow(operation, step) : this.recover(operation, step));
    } catch (error) {
      this.logger.error(
        { err: error, operationId: operation.id, step: step.step },
        'provisioning worker could not settle a step',
      );
    }
  }

  /** What a step is settled with: the operation's caller, under the correlation id of the step's last call. */
  private scopeOf(operation: OperationRecord, step: StepRecord): StepScope {
    const { endpoints, ledger, logger } = this.services;
    const correlationId = step.correlationId ?? operation.correlationId;
    // The ledger's kind ('provisionCustomer') stands for the operation: the caller's own name for it is not recorded.
    const bindings = { correlationId, tenant: operation.tenant, operationKind: operation.kind };
    const scope = { correlationId, logger: logger.child(bindings) };
    return {
      ...scope,
      caller: operation.caller,
      providers: providersFor(endpoints, operation.caller, scope),
      ledger,
      clientIp: null,
    };
  }

  /** A PENDING step its process abandoned: found at the provider, or run again. */
  private async recover(operation: OperationRecord, step: LeasedStep): Promise<void> {
    const { ledger } = this.services;
    const scope = this.scopeOf(operation, step);
    const kind = stepKindOf(step.step);
    // A step of a single-call mutation stands alone: at most it needs the id of the customer it was made for.
    let customer = operation.customerId ? ({ id: operation.customerId } as CustomerViewModel) : null;
    const [customerStep] = (await ledger.stepsOf([operation.id])).filter((s) => s.step === 'customer');
    if (customerStep && step.step !== 'customer') {
      if (customerStep.status === 'FAILED') {
        // As provisionCustomer does when the customer fails: recorded, and retryProvisioning runs it later.
        const notStarted = failureOf(scope, 'CLOUDCOCKPIT', notStartedError());
        if (await ledger.failStep(operation.id, step.step, step.lease, notStarted, step.outcomeUnknown)) {
          this.logSettled(scope, operation, step, 'FAILED', 'not started: the CloudCockpit customer was not created');
        }
        return;
      }
      if (customerStep.status !== 'SUCCEEDED') {
        // The customer step is still being run (or recovered) elsewhere: look again after a pass.
        await ledger.postponeStep(
          operation.id,
          step.step,
          step.lease,
          new Date(Date.now() + this.intervalMs),
          step.failure,
        );
        return;
      }
      customer = customerStep.result as CustomerViewModel;
    }
    // A look-up that fails leaves the step PENDING and its outcome unknown, to be asked again later (runStep's rule).
    if (step.outcomeUnknown) {
      let found: StepAnswer | null;
      try {
        found = await kind.reconcile(scope, step.input, customer);
      } catch (error) {
        await this.tryAgainLater(scope, operation, step, kind.provider, error);
        return;
      }
      if (found) {
        if (await ledger.completeStep(operation.id, step.step, step.lease, found)) {
          this.logSettled(scope, operation, step, found.status, 'found at the provider');
        }
        return;
      }
    }
    try {
      // A transient failure of the call (the provider down, busy) keeps the step PENDING for a later pass.
      await runStep(scope, operation.id, step, customer, step.lease, {
        lookedUp: step.outcomeUnknown,
        retryLater: (failure, error) => this.nextTry(step, failure, error),
      });
    } catch (error) {
      // runStep has recorded the failure; another request (of any process) holding the step is no outcome at all.
      if (error instanceof GraphQLError && error.extensions.code === ErrorCode.IN_PROGRESS) return;
    }
    const [after] = (await ledger.stepsOf([operation.id])).filter((s) => s.step === step.step);
    const how = step.outcomeUnknown ? 'not found, ran again' : 'ran';
    this.logSettled(
      scope,
      operation,
      step,
      after?.status ?? 'UNKNOWN',
      after?.status === 'PENDING' ? `${how}; to be tried again` : how,
      {
        ...(after?.status === 'PENDING' ? { nextCheckAt: after.nextCheckAt } : {}),
      },
    );
  }

  /** An IN_PROGRESS step due for a check: how the provider's work stands now. */
  private async follow(operation: OperationRecord, step: LeasedStep): Promise<void> {
    const { ledger } = this.services;
    const scope = this.scopeOf(operation, step);
    const kind = stepKindOf(step.step);
    if (!kind.follow) {
      // Only kinds that can follow produce IN_PROGRESS steps; should one appear anyway, it must not wait forever.
      const failure = failureOf(scope, kind.provider, new Error(`step ${step.step} cannot be followed`));
      if (await ledger.failStep(operation.id, step.step, step.lease, failure, true)) {
        this.logSettled(scope, operation, step, 'FAILED', 'cannot be followed');
      }
      return;
    }
    let outcome: StepAnswer | { checkAgainInSeconds: number };
    try {
      outcome = await kind.follow(scope, step);
    } catch (error) {
      await this.tryAgainLater(scope, operation, step, kind.provider, error);
      return;
    }
    if ('checkAgainInSeconds' in outcome) {
      await ledger.postponeStep(
        operation.id,
        step.step,
        step.lease,
        new Date(Date.now() + outcome.checkAgainInSeconds * 1000),
        null,
      );
      return;
    }
    if (await ledger.completeStep(operation.id, step.step, step.lease, outcome)) {
      this.logSettled(scope, operation, step, outcome.status, 'followed');
    }
  }

  /**
   * When a step that failed transiently is tried again: after the provider's `Retry-After`, else a back-off doubling
   * with each failure in a row. Null when it is not tried again: any other failure is final (the provider refused the
   * request, or reported its work failed), and so is the last of `maxTransientFailures` in a row.
   */
  private nextTry(
    step: StepRecord,
    failure: StepFailure,
    error: unknown,
  ): { at: Date; failure: RepeatedFailure } | null {
    const failuresInARow = ((step.failure as RepeatedFailure | null)?.failuresInARow ?? 0) + 1;
    if (!isTransient(error) || failuresInARow >= this.maxTransientFailures) return null;
    const waitMs =
      failure.retryAfterSeconds !== null
        ? failure.retryAfterSeconds * 1000
        : Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (failuresInARow - 1));
    return { at: new Date(Date.now() + waitMs), failure: { ...failure, failuresInARow } };
  }

  /** A look-up or a check that failed: tried again later ({@link nextTry}), or the step recorded FAILED. */
  private async tryAgainLater(
    scope: StepScope,
    operation: OperationRecord,
    step: LeasedStep,
    provider: ProviderName,
    error: unknown,
  ): Promise<void> {
    const failure = failureOf(scope, provider, error);
    const later = this.nextTry(step, failure, error);
    if (!later) {
      // A step being followed has its record at the provider, and one being recovered may: a retry looks it up.
      const outcomeUnknown = step.outcomeUnknown || step.status === 'IN_PROGRESS';
      if (!(await this.services.ledger.failStep(operation.id, step.step, step.lease, failure, outcomeUnknown))) return;
      this.logSettled(
        scope,
        operation,
        step,
        'FAILED',
        isTransient(error) ? 'gave up after transient failures' : 'refused',
        {
          code: failure.code,
          httpStatus: failure.httpStatus,
          ...(failure.code === ErrorCode.INTERNAL ? { err: error } : {}),
        },
      );
      return;
    }
    if (!(await this.services.ledger.postponeStep(operation.id, step.step, step.lease, later.at, later.failure)))
      return;
    scope.logger.info(
      {
        operationId: operation.id,
        step: step.step,
        provider,
        code: failure.code,
        httpStatus: failure.httpStatus,
        failuresInARow: later.failure.failuresInARow,
        waitMs: later.at.getTime() - Date.now(),
        ...(failure.code === ErrorCode.INTERNAL ? { err: error } : {}),
      },
      'provisioning step will be tried again',
    );
  }

  private logSettled(
    scope: StepScope,
    operation: OperationRecord,
    step: StepRecord,
    outcome: string,
    how: string,
    details: Record<string, unknown> = {},
  ): void {
    scope.logger.info(
      { operationId: operation.id, step: step.step, was: step.status, outcome, how, ...details },
      'provisioning worker settled a step',
    );
  }
}
