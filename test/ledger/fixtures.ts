import { randomUUID } from 'node:crypto';
import type { Caller } from '../../src/auth.js';
import type { Database } from '../../src/ledger/database.js';
import type { Ledger, PlannedStep, StepFailure, StepLease, StepRecord, StepStatus } from '../../src/ledger/ledger.js';

// What the ledger's tests write, and how they stand in for time passing and processes dying.

export type NewOperation = Parameters<Ledger['beginOperation']>[0];

export const CSP: Caller = { subject: 'user-1', tenant: 'contoso.example', roles: ['csp'], resellerId: null };

/** A provisionCustomer as the mutation writes it ahead, for a tenant of the test's own. */
export function newOperation(overrides: Partial<NewOperation> = {}): NewOperation {
  const tenant = overrides.tenant ?? CSP.tenant;
  return {
    id: randomUUID(),
    tenant,
    caller: { ...CSP, tenant },
    kind: 'provisionCustomer',
    customerId: randomUUID(),
    request: { customer: { companyName: 'Contoso Pizza', country: 'PT' }, net3: { serviceLevelId: 2 } },
    correlationId: randomUUID(),
    ...overrides,
  };
}

export const PLAN: PlannedStep[] = [
  { step: 'customer', provider: 'CLOUDCOCKPIT', position: 0, input: { companyName: 'Contoso Pizza', country: 'PT' } },
  { step: 'net3', provider: 'NET3', position: 1001, input: { serviceLevelId: 2, primaryContactRoles: ['PRIMARY'] } },
  { step: 'wholesale', provider: 'WEBEX_WHOLESALE', position: 1002, input: { packages: ['WEBEX_MEETINGS'] } },
];

/** One step of its own: a Webex customer, the kind the worker follows until Webex finishes it. */
export const WHOLESALE_ONLY: PlannedStep[] = [
  { step: 'wholesale', provider: 'WEBEX_WHOLESALE', position: 1002, input: {} },
];

export function failureOf(provider: StepFailure['provider'], httpStatus: number | null = 503): StepFailure {
  return {
    provider,
    httpStatus,
    code: 'UPSTREAM_ERROR',
    message: 'The provider could not be reached',
    correlationId: randomUUID(),
    retryAfterSeconds: null,
    fieldErrors: [],
  };
}

export const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);

/** The step's lease, which StepRecord does not show. */
export async function leaseOf(
  db: Database,
  operationId: string,
  step: string,
): Promise<{ owner: string | null; live: boolean }> {
  const [row] = await db.query<{ lease_owner: string | null; live: boolean | null }>(
    `SELECT lease_owner, lease_expires_at > now() AS live FROM provisioning_steps WHERE operation_id = $1 AND step = $2`,
    [operationId, step],
  );
  return { owner: row!.lease_owner, live: row!.live === true };
}

/** Stands in for a lease running out after its process died, without waiting for it. */
export async function expireLeases(db: Database, operationId: string): Promise<void> {
  await db.query(
    `UPDATE provisioning_steps SET lease_expires_at = now() - interval '1 second' WHERE operation_id = $1`,
    [operationId],
  );
}

/** Stands in for the time passing until the step is due for its next check. */
export async function makeDue(db: Database, operationId: string, step: string): Promise<void> {
  await db.query(
    `UPDATE provisioning_steps SET next_check_at = now() - interval '1 minute' WHERE operation_id = $1 AND step = $2`,
    [operationId, step],
  );
}

/** Operations made minutes apart, so that "newest first" has one answer. */
export async function createdMinutesAgo(db: Database, operationId: string, minutes: number): Promise<void> {
  await db.query(`UPDATE provisioning_operations SET created_at = now() - make_interval(mins => $2) WHERE id = $1`, [
    operationId,
    minutes,
  ]);
}

/** Brings one step, held under `lease`, to `status` the way the provisioning code does. */
export async function settle(
  ledger: Ledger,
  operationId: string,
  lease: StepLease,
  step: PlannedStep,
  status: StepStatus,
): Promise<void> {
  if (status === 'PENDING') return;
  if (status === 'FAILED') {
    await ledger.failStep(operationId, step.step, lease, failureOf(step.provider), false);
    return;
  }
  await ledger.completeStep(operationId, step.step, lease, {
    status,
    result: { id: `${step.step}-result` },
    upstreamIds: { [`${step.step}Id`]: randomUUID() },
    nextCheckAt: status === 'IN_PROGRESS' ? minutesFromNow(5) : undefined,
  });
}

/** The provider took the step and finishes the work later: the worker is to look again at `checkAt`. */
export async function finishedLater(
  ledger: Ledger,
  operationId: string,
  lease: StepLease,
  step: string,
  checkAt: Date,
): Promise<void> {
  await ledger.completeStep(operationId, step, lease, {
    status: 'IN_PROGRESS',
    result: {},
    upstreamIds: {},
    nextCheckAt: checkAt,
  });
}

export const keyOf = (step: Pick<StepRecord, 'operationId' | 'step'>) => `${step.operationId}/${step.step}`;
