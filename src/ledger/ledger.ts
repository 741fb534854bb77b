import type { ProviderName } from '../errors.js';
import { ProvisioningChanges } from './changes.js';
import type { Database } from './database.js';
import { LedgerReads, type PageWindow } from './reads.js';
import type { OperationRecord, OperationStatus, StepFailure, StepRecord } from './records.js';
import {
  StepStore,
  type NewOperation,
  type PlannedStep,
  type StepClaim,
  type StepCompletion,
  type StepLease,
} from './steps.js';
import { UpstreamIdIndex, type UpstreamIdRecord } from './upstream-ids.js';
import type { ResellerScope } from './visibility.js';
import { WorkQueue, type LeasedStep, type WorkBacklog } from './work-queue.js';

export type { OperationRecord, OperationStatus, StepFailure, StepRecord, StepStatus } from './records.js';
export type { PageWindow } from './reads.js';
export type { LeaseTerms, PlannedStep, StepClaim, StepCompletion, StepLease } from './steps.js';
export type { UpstreamIdRecord } from './upstream-ids.js';
export type { ResellerScope } from './visibility.js';
export type { LeasedStep, WorkBacklog } from './work-queue.js';

export interface LedgerOptions {
  /** Names this process in leases. */
  owner: string;
  /**
   * How long a claim on a step lasts before another process may take the step over as abandoned; `loadConfig`
   * checks it outlasts the provider calls a step makes under one claim. @default 120000
   */
  leaseMs?: number;
}

/** The durable record of every provisioning: one object over parts documented each in its own file, named below. */
export class Ledger {
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly steps: StepStore;
  private readonly queue: WorkQueue;
  private readonly reads: LedgerReads;
  private readonly upstreamIds: UpstreamIdIndex;
  /** Announcements of changed provisionings, this process's and other processes' alike: changes.ts. */
  readonly changes: ProvisioningChanges;

  constructor(
    private readonly db: Database,
    options: LedgerOptions,
  ) {
    this.owner = options.owner;
    this.leaseMs = options.leaseMs ?? 120_000;
    const terms = { owner: this.owner, leaseMs: this.leaseMs };
    this.steps = new StepStore(db, terms);
    this.queue = new WorkQueue(db, terms);
    this.reads = new LedgerReads(db);
    this.upstreamIds = new UpstreamIdIndex(db);
    this.changes = new ProvisioningChanges(db);
  }

  /** For the stores beside the ledger (idempotency keys) that share its migrations. */
  get database(): Database {
    return this.db;
  }

  get leaseDurationMs(): number {
    return this.leaseMs;
  }

  // The step store and its leases: steps.ts.

  beginOperation(
    operation: Pick<OperationRecord, 'id' | 'tenant' | 'caller' | 'kind' | 'customerId' | 'request' | 'correlationId'>,
    steps: PlannedStep[],
  ): Promise<StepLease> {
    return this.steps.beginOperation(operation, steps);
  }

  beginOperationStarting(
    operation: NewOperation,
    steps: PlannedStep[],
    start: readonly string[],
  ): Promise<{ lease: StepLease; claims: Map<string, StepClaim | null> }> {
    return this.steps.beginOperationStarting(operation, steps, start);
  }

  startStep(
    operationId: string,
    step: string,
    correlationId: string,
    held: StepLease | null = null,
  ): Promise<StepClaim | null> {
    return this.steps.startStep(operationId, step, correlationId, held);
  }

  startSteps(
    operationId: string,
    steps: readonly string[],
    correlationId: string,
    held: StepLease | null = null,
  ): Promise<Map<string, StepClaim | null>> {
    return this.steps.startSteps(operationId, steps, correlationId, held);
  }

  completeStep(operationId: string, step: string, lease: StepLease, completion: StepCompletion): Promise<boolean> {
    return this.steps.completeStep(operationId, step, lease, completion);
  }

  completeStepAndStart(
    operationId: string,
    step: string,
    lease: StepLease,
    completion: StepCompletion,
    next: { steps: readonly string[]; correlationId: string; held: StepLease | null },
  ): Promise<{ completed: boolean; claims: Map<string, StepClaim | null> }> {
    return this.steps.completeStepAndStart(operationId, step, lease, completion, next);
  }

  failStep(
    operationId: string,
    step: string,
    lease: StepLease,
    failure: StepFailure,
    outcomeUnknown: boolean,
    called = true,
  ): Promise<boolean> {
    return this.steps.failStep(operationId, step, lease, failure, outcomeUnknown, called);
  }

  failUncalledStep(operationId: string, step: string, lease: StepLease, failure: StepFailure): Promise<boolean> {
    return this.steps.failUncalledStep(operationId, step, lease, failure);
  }

  postponeStep(
    operationId: string,
    step: string,
    lease: StepLease,
    at: Date,
    failure: StepFailure | null,
    outcomeUnknown?: boolean,
  ): Promise<boolean> {
    return this.steps.postponeStep(operationId, step, lease, at, failure, outcomeUnknown);
  }

  // The worker's queue: work-queue.ts.

  leaseDueSteps(limit: number): Promise<LeasedStep[]> {
    return this.queue.leaseDueSteps(limit);
  }

  releaseSteps(steps: readonly LeasedStep[]): Promise<number> {
    return this.queue.releaseSteps(steps);
  }

  releaseLeasesOfEarlierProcesses(): Promise<number> {
    return this.queue.releaseLeasesOfEarlierProcesses();
  }

  workBacklog(): Promise<WorkBacklog> {
    return this.queue.backlog();
  }

  // Tenants' reads: reads.ts; who sees which provisioning: visibility.ts.

  operation(tenant: string, id: string): Promise<OperationRecord | null> {
    return this.reads.operation(tenant, id);
  }

  operationById(id: string): Promise<OperationRecord | null> {
    return this.reads.operationById(id);
  }

  stepsOf(operationIds: readonly string[]): Promise<StepRecord[]> {
    return this.reads.stepsOf(operationIds);
  }

  operations(
    tenant: string,
    window: PageWindow & ResellerScope & { status?: OperationStatus | null },
  ): Promise<{ items: OperationRecord[]; totalCount: number }> {
    return this.reads.operations(tenant, window);
  }

  operationsByIds(tenant: string, ids: readonly string[], scope: ResellerScope = {}): Promise<OperationRecord[]> {
    return this.reads.operationsByIds(tenant, ids, scope);
  }

  operationsOfCustomers(
    tenant: string,
    customerIds: readonly string[],
    scope: ResellerScope = {},
  ): Promise<OperationRecord[]> {
    return this.reads.operationsOfCustomers(tenant, customerIds, scope);
  }

  operationsByCorrelationId(tenant: string, correlationId: string, since: Date): Promise<OperationRecord[]> {
    return this.reads.operationsByCorrelationId(tenant, correlationId, since);
  }

  currentStepsOfCustomers(
    tenant: string,
    customerIds: readonly string[],
  ): Promise<{ customerId: string; step: StepRecord }[]> {
    return this.reads.currentStepsOfCustomers(tenant, customerIds);
  }

  provisionedCustomers(
    tenant: string,
    query: PageWindow & { resellerId: string | null; search: string | null },
  ): Promise<{ items: unknown[]; totalCount: number }> {
    return this.reads.provisionedCustomers(tenant, query);
  }

  stepRecorded(
    tenant: string,
    scope: ResellerScope,
    provider: ProviderName,
    upstreamIds: Record<string, string>,
  ): Promise<boolean> {
    return this.reads.stepRecorded(tenant, scope, provider, upstreamIds);
  }

  // The upstream-id index: upstream-ids.ts.

  recordedUpstreamIds(
    tenant: string,
    provider: ProviderName,
    name: string,
    values: readonly string[],
  ): Promise<Set<string>> {
    return this.upstreamIds.recordedUpstreamIds(tenant, provider, name, values);
  }

  stepsRecordingUpstreamId(provider: ProviderName, name: string, value: string): Promise<UpstreamIdRecord[]> {
    return this.upstreamIds.stepsRecordingUpstreamId(provider, name, value);
  }
}
