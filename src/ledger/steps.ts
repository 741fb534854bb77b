import { randomUUID } from 'node:crypto';
import type { ProviderName } from '../errors.js';
import type { Database, Queryable } from './database.js';
import type { OperationRecord, StepFailure } from './records.js';

/**
 * One claim on a step, made afresh each time the step is taken (its write-ahead, each attempt, each take-over by
 * the worker). Only the holder of the current lease starts, finishes or postpones the step; a request whose claim
 * was superseded changes nothing. `lease_owner` alone would not do: it cannot tell two requests of one process apart.
 */
export type StepLease = string;

/** A step taken for an attempt: the lease it is held under, and whether an earlier call's outcome is unknown. */
export interface StepClaim {
  lease: StepLease;
  outcomeUnknown: boolean;
}

export interface LeaseTerms {
  owner: string;
  /** See `LedgerOptions.leaseMs`. */
  leaseMs: number;
}

/** A step to record before anything is called. */
export interface PlannedStep {
  step: string;
  provider: ProviderName;
  position: number;
  input: unknown;
}

/** What a provider's answer makes of a step. */
export interface StepCompletion {
  status: 'SUCCEEDED' | 'IN_PROGRESS';
  result: unknown;
  upstreamIds: Record<string, string>;
  /** For IN_PROGRESS: when to ask the provider again. */
  nextCheckAt?: Date;
}

/** JSON for a jsonb parameter: both drivers take text and let PostgreSQL parse it. */
const json = (value: unknown) => JSON.stringify(value ?? null);

/**
 * Steps are written before their call and finished after it, each change made only under the step's current
 * {@link StepLease}, and the operation's status derived from its steps in the same transaction.
 */
export class StepStore {
  constructor(
    private readonly db: Database,
    private readonly terms: LeaseTerms,
  ) {}

  /** Write-ahead: every step PENDING and leased to this request, which starts them (or fails them) under that lease. */
  async beginOperation(
    operation: Pick<OperationRecord, 'id' | 'tenant' | 'caller' | 'kind' | 'customerId' | 'request' | 'correlationId'>,
    steps: PlannedStep[],
  ): Promise<StepLease> {
    const lease = randomUUID();
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO provisioning_operations (id, tenant, caller, kind, customer_id, request, status, correlation_id)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb, 'RUNNING', $7)`,
        [
          operation.id,
          operation.tenant,
          json(operation.caller),
          operation.kind,
          operation.customerId,
          json(operation.request),
          operation.correlationId,
        ],
      );
      for (const step of steps) {
        await tx.query(
          `INSERT INTO provisioning_steps (operation_id, step, provider, position, status, input, lease_id, lease_owner, lease_expires_at)
           VALUES ($1, $2, $3, $4, 'PENDING', $5::jsonb, $6, $7, now() + make_interval(secs => $8))`,
          [
            operation.id,
            step.step,
            step.provider,
            step.position,
            json(step.input),
            lease,
            this.terms.owner,
            this.terms.leaseMs / 1000,
          ],
        );
      }
    });
    return lease;
  }

  /**
   * One more attempt, under a new lease. Only a claimable step is taken: a FAILED one (nobody's), or a PENDING one
   * held under `held` (its write-ahead's or the worker's lease) or abandoned; null otherwise, and the caller must
   * leave the step alone. The row is locked first, so of concurrent starts exactly one wins and reads the outcome
   * flag the last attempt left. Until the attempt is recorded the outcome is unknown: a crash mid-call leaves the
   * step to be looked up, not repeated blindly.
   */
  async startStep(
    operationId: string,
    step: string,
    correlationId: string,
    held: StepLease | null = null,
  ): Promise<StepClaim | null> {
    const lease = randomUUID();
    return this.db.transaction(async (tx) => {
      const [current] = await tx.query<{ outcome_unknown: boolean }>(
        `SELECT outcome_unknown FROM provisioning_steps
         WHERE operation_id = $1 AND step = $2
           AND (status = 'FAILED'
                OR (status = 'PENDING' AND (lease_id = $3 OR lease_expires_at IS NULL OR lease_expires_at < now())))
         FOR UPDATE`,
        [operationId, step, held],
      );
      if (!current) return null;
      await tx.query(
        `UPDATE provisioning_steps
           SET status = 'PENDING', attempts = attempts + 1, correlation_id = $3, started_at = now(), failure = NULL,
               outcome_unknown = true, lease_id = $4, lease_owner = $5, lease_expires_at = now() + make_interval(secs => $6),
               updated_at = now()
         WHERE operation_id = $1 AND step = $2`,
        [operationId, step, correlationId, lease, this.terms.owner, this.terms.leaseMs / 1000],
      );
      await refreshOperationStatus(tx, operationId);
      return { lease, outcomeUnknown: current.outcome_unknown };
    });
  }

  /** False, changing nothing, when `lease` no longer holds the step: whoever holds it now records its own outcome. */
  async completeStep(
    operationId: string,
    step: string,
    lease: StepLease,
    completion: StepCompletion,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const updated = await tx.query(
        `UPDATE provisioning_steps
           SET status = $3, result = $4::jsonb, upstream_ids = upstream_ids || $5::jsonb, failure = NULL, outcome_unknown = false,
               finished_at = CASE WHEN $3 = 'SUCCEEDED' THEN now() END, next_check_at = $6,
               lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
         WHERE operation_id = $1 AND step = $2 AND lease_id = $7
         RETURNING step`,
        [
          operationId,
          step,
          completion.status,
          json(completion.result),
          json(completion.upstreamIds),
          completion.status === 'IN_PROGRESS' ? (completion.nextCheckAt ?? new Date()) : null,
          lease,
        ],
      );
      if (updated.length === 0) return false;
      await refreshOperationStatus(tx, operationId);
      return true;
    });
  }

  /** False, changing nothing, when `lease` no longer holds the step. `outcomeUnknown`: the provider may have acted. */
  async failStep(
    operationId: string,
    step: string,
    lease: StepLease,
    failure: StepFailure,
    outcomeUnknown: boolean,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const updated = await tx.query(
        `UPDATE provisioning_steps
           SET status = 'FAILED', failure = $3::jsonb, outcome_unknown = $5, finished_at = now(), next_check_at = NULL,
               lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
         WHERE operation_id = $1 AND step = $2 AND lease_id = $4
         RETURNING step`,
        [operationId, step, json(failure), lease, outcomeUnknown],
      );
      if (updated.length === 0) return false;
      await refreshOperationStatus(tx, operationId);
      return true;
    });
  }

  /**
   * The worker could not settle the step this time: it is due again at `at`, `failure` saying why (null: nothing
   * failed). A PENDING step stays under `lease` until then, since one whose lease ran out is due at once; an
   * IN_PROGRESS one is released. False when `lease` no longer holds the step.
   */
  async postponeStep(
    operationId: string,
    step: string,
    lease: StepLease,
    at: Date,
    failure: StepFailure | null,
  ): Promise<boolean> {
    const updated = await this.db.query(
      `UPDATE provisioning_steps
         SET failure = $3::jsonb, next_check_at = $4::timestamptz,
             lease_id = CASE WHEN status = 'PENDING' THEN lease_id END,
             lease_owner = CASE WHEN status = 'PENDING' THEN lease_owner END,
             lease_expires_at = CASE WHEN status = 'PENDING' THEN $4::timestamptz END,
             updated_at = now()
       WHERE operation_id = $1 AND step = $2 AND status IN ('PENDING', 'IN_PROGRESS') AND lease_id = $5
       RETURNING step`,
      [operationId, step, failure === null ? null : json(failure), at, lease],
    );
    return updated.length === 1;
  }
}

/**
 * Call it inside the transaction that changed a step: the row lock makes concurrent step changes take turns, and
 * the UPDATE, a statement of its own, sees every step the others committed (READ COMMITTED), so the last one to
 * finish writes the true status.
 */
async function refreshOperationStatus(tx: Queryable, operationId: string): Promise<void> {
  await tx.query('SELECT 1 FROM provisioning_operations WHERE id = $1 FOR UPDATE', [operationId]);
  await tx.query(
    `UPDATE provisioning_operations o SET updated_at = now(), status = (
       SELECT CASE
         WHEN bool_or(s.status = 'PENDING') THEN 'RUNNING'
         WHEN bool_and(s.status = 'FAILED') THEN 'FAILED'
         WHEN bool_or(s.status = 'FAILED') THEN 'PARTIALLY_FAILED'
         WHEN bool_or(s.status = 'IN_PROGRESS') THEN 'WAITING'
         ELSE 'SUCCEEDED'
       END
       FROM provisioning_steps s WHERE s.operation_id = o.id)
     WHERE o.id = $1`,
    [operationId],
  );
}
