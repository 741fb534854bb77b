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

/** An operation as its write-ahead records it. */
export type NewOperation = Pick<
  OperationRecord,
  'id' | 'tenant' | 'caller' | 'kind' | 'customerId' | 'request' | 'correlationId'
>;

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

/**
 * A step's answer or failure as `record_step_changes` (migration 5) takes it: made only under `lease`. Completions
 * leave `failure` unset and `outcome_unknown` false; failures keep the step's result.
 */
interface StepChange {
  step: string;
  lease: StepLease;
  status: 'SUCCEEDED' | 'IN_PROGRESS' | 'FAILED';
  result?: unknown;
  upstream_ids?: Record<string, string>;
  failure?: StepFailure;
  outcome_unknown: boolean;
  /** 1 for a step that was started but never called: `attempts` counts calls. */
  attempts_taken_back: 0 | 1;
  next_check_at?: string;
}

/** A change waiting, with its caller, for its operation's next transaction. */
interface QueuedStepChange {
  change: StepChange;
  resolve: (changed: boolean) => void;
  reject: (error: unknown) => void;
}

/** JSON for a jsonb parameter: both drivers take text and let PostgreSQL parse it. */
const json = (value: unknown) => JSON.stringify(value ?? null);

/**
 * Steps are written before their call and finished after it, each change made only under the step's current
 * {@link StepLease}, and the operation's status derived from its steps in the same transaction.
 */
export class StepStore {
  /** Step changes waiting, per operation, for its transaction in flight to end (see finishStep). */
  private readonly finishing = new Map<string, QueuedStepChange[]>();

  constructor(
    private readonly db: Database,
    private readonly terms: LeaseTerms,
  ) {}

  /** Write-ahead: every step PENDING and leased to this request, which starts them (or fails them) under that lease. */
  async beginOperation(operation: NewOperation, steps: PlannedStep[]): Promise<StepLease> {
    return (await this.beginOperationStarting(operation, steps, [])).lease;
  }

  /**
   * The write-ahead, with the first attempt of each step in `start` (see {@link startStep}) made as it is written: one
   * statement, so the first call goes out after one commit and one round trip. A step just written has no earlier
   * attempt, so its claim's outcome is known.
   */
  async beginOperationStarting(
    operation: NewOperation,
    steps: PlannedStep[],
    start: readonly string[],
  ): Promise<{ lease: StepLease; claims: Map<string, StepClaim | null> }> {
    const lease = randomUUID();
    const claims = new Map<string, StepClaim | null>(
      start.map((step) => [step, { lease: randomUUID(), outcomeUnknown: false }]),
    );
    const attemptLease = (step: string) => claims.get(step)?.lease ?? null;
    await this.db.query(
      `WITH operation AS (
         INSERT INTO provisioning_operations (id, tenant, caller, kind, customer_id, request, status, correlation_id)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb, 'RUNNING', $7)
         RETURNING id
       )
       INSERT INTO provisioning_steps (operation_id, step, provider, position, status, input, attempts, outcome_unknown,
                                       correlation_id, started_at, lease_id, lease_owner, lease_expires_at)
       SELECT operation.id, s.step, s.provider, s.position, 'PENDING', s.input::jsonb,
              CASE WHEN s.attempt IS NULL THEN 0 ELSE 1 END, s.attempt IS NOT NULL,
              CASE WHEN s.attempt IS NULL THEN NULL ELSE $7 END, CASE WHEN s.attempt IS NULL THEN NULL ELSE now() END,
              coalesce(s.attempt, $13), $14, now() + make_interval(secs => $15)
       FROM operation, unnest($8::text[], $9::text[], $10::int[], $11::text[], $12::uuid[])
         AS s(step, provider, position, input, attempt)`,
      [
        operation.id,
        operation.tenant,
        json(operation.caller),
        operation.kind,
        operation.customerId,
        json(operation.request),
        operation.correlationId,
        steps.map((step) => step.step),
        steps.map((step) => step.provider),
        steps.map((step) => step.position),
        steps.map((step) => json(step.input)),
        steps.map((step) => attemptLease(step.step)),
        lease,
        this.terms.owner,
        this.terms.leaseMs / 1000,
      ],
    );
    return { lease, claims };
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
    const claims = await this.startSteps(operationId, [step], correlationId, held);
    return claims.get(step) ?? null;
  }

  /** {@link startStep} for several steps of one operation in one transaction, as the fan-out starts them. */
  async startSteps(
    operationId: string,
    steps: readonly string[],
    correlationId: string,
    held: StepLease | null = null,
  ): Promise<Map<string, StepClaim | null>> {
    return this.db.transaction(async (tx) => {
      const claims = await this.claimSteps(tx, operationId, steps, correlationId, held);
      if ([...claims.values()].some((claim) => claim !== null)) await markRunning(tx, operationId);
      return claims;
    });
  }

  /**
   * Records a step's answer and starts `next` in one transaction: the fan-out's steps start as soon as the customer
   * they need is recorded, with no transaction of their own in between. `completed` as {@link completeStep} answers.
   */
  async completeStepAndStart(
    operationId: string,
    step: string,
    lease: StepLease,
    completion: StepCompletion,
    next: { steps: readonly string[]; correlationId: string; held: StepLease | null },
  ): Promise<{ completed: boolean; claims: Map<string, StepClaim | null> }> {
    if (next.steps.length === 0) {
      return { completed: await this.completeStep(operationId, step, lease, completion), claims: new Map() };
    }
    return this.db.transaction(async (tx) => {
      const [completed] = await changeSteps(tx, 'apply_step_changes', operationId, [
        completionChange(step, lease, completion),
      ]);
      const claims = await this.claimSteps(tx, operationId, next.steps, next.correlationId, next.held);
      if ([...claims.values()].some((claim) => claim !== null)) {
        await markRunning(tx, operationId);
      } else if (completed) {
        await tx.query('SELECT refresh_operation_status($1)', [operationId]);
      }
      return { completed: completed!, claims };
    });
  }

  /**
   * Rows are locked in one order (by step), so that two requests claiming overlapping steps cannot deadlock. Until
   * the attempt is recorded the outcome is unknown (see startStep); each step gets a lease of its own.
   */
  private async claimSteps(
    tx: Queryable,
    operationId: string,
    steps: readonly string[],
    correlationId: string,
    held: StepLease | null,
  ): Promise<Map<string, StepClaim | null>> {
    const claims = new Map<string, StepClaim | null>(steps.map((step) => [step, null]));
    if (steps.length === 0) return claims;
    const leases = steps.map(() => randomUUID());
    // One statement: the claimable rows locked in order, then given their attempt; RETURNING the flag as it was.
    const claimed = await tx.query<{ step: string; outcome_unknown: boolean }>(
      `WITH claimable AS (
         SELECT step, outcome_unknown FROM provisioning_steps
         WHERE operation_id = $1 AND step = ANY($2::text[])
           AND (status = 'FAILED'
                OR (status = 'PENDING' AND (lease_id = $4 OR lease_expires_at IS NULL OR lease_expires_at < now())))
         ORDER BY step
         FOR UPDATE
       )
       UPDATE provisioning_steps s
         SET status = 'PENDING', attempts = attempts + 1, correlation_id = $5, started_at = now(), failure = NULL,
             outcome_unknown = true, lease_id = c.lease, lease_owner = $6,
             lease_expires_at = now() + make_interval(secs => $7), updated_at = now()
       FROM claimable JOIN unnest($2::text[], $3::uuid[]) AS c(step, lease) ON c.step = claimable.step
       WHERE s.operation_id = $1 AND s.step = claimable.step
       RETURNING s.step, claimable.outcome_unknown`,
      [operationId, [...steps], leases, held, correlationId, this.terms.owner, this.terms.leaseMs / 1000],
    );
    for (const row of claimed) {
      claims.set(row.step, { lease: leases[steps.indexOf(row.step)]!, outcomeUnknown: row.outcome_unknown });
    }
    return claims;
  }

  /** False, changing nothing, when `lease` no longer holds the step: whoever holds it now records its own outcome. */
  async completeStep(
    operationId: string,
    step: string,
    lease: StepLease,
    completion: StepCompletion,
  ): Promise<boolean> {
    return this.finishStep(operationId, completionChange(step, lease, completion));
  }

  /**
   * False, changing nothing, when `lease` no longer holds the step. `outcomeUnknown`: the provider may have acted.
   * `called`: whether this attempt sent the step's call; when not, the attempt is taken back (`attempts` counts calls).
   */
  async failStep(
    operationId: string,
    step: string,
    lease: StepLease,
    failure: StepFailure,
    outcomeUnknown: boolean,
    called = true,
  ): Promise<boolean> {
    return this.finishStep(operationId, {
      step,
      lease,
      status: 'FAILED',
      failure,
      outcome_unknown: outcomeUnknown,
      attempts_taken_back: called ? 0 : 1,
    });
  }

  /**
   * A step started with the write-ahead but never called, since the customer it needs failed: failed with its outcome
   * known, and its attempt taken back, `attempts` counting calls.
   */
  async failUncalledStep(operationId: string, step: string, lease: StepLease, failure: StepFailure): Promise<boolean> {
    return this.finishStep(operationId, {
      step,
      lease,
      status: 'FAILED',
      failure,
      outcome_unknown: false,
      attempts_taken_back: 1,
    });
  }

  /**
   * Group commit: the fan-out's steps answer together, and each answer waits for the operation's status anyway. While
   * one transaction of an operation's step changes runs, this process's next changes to it queue, and the next
   * transaction records them all and refreshes the status once. Each caller still returns only once its change is
   * committed. A batch that fails is retried one change per transaction, so one bad change fails only its caller.
   */
  private finishStep(operationId: string, change: StepChange): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const queued = this.finishing.get(operationId);
      if (queued) {
        queued.push({ change, resolve, reject });
        return;
      }
      this.finishing.set(operationId, [{ change, resolve, reject }]);
      // Answers that arrive together are read in the same turn of the event loop: starting at its end lets them join
      // this transaction. PGlite, whose transaction holds the thread until it ends, would record them one by one.
      setImmediate(() => void this.recordFinished(operationId));
    });
  }

  private async recordFinished(operationId: string): Promise<void> {
    const queued = this.finishing.get(operationId) ?? [];
    if (queued.length === 0) {
      this.finishing.delete(operationId);
      return;
    }
    // A statement changes a row at most once: a second change of one step waits for the next transaction.
    const changes = queued.filter(
      ({ change }, index) => queued.findIndex((q) => q.change.step === change.step) === index,
    );
    this.finishing.set(
      operationId,
      queued.filter((change) => !changes.includes(change)),
    );
    try {
      const changed = await this.recordInOneTransaction(operationId, changes);
      changes.forEach((change, index) => change.resolve(changed[index]!));
    } catch (error) {
      if (changes.length === 1) changes[0]!.reject(error);
      for (const change of changes.length > 1 ? changes : []) {
        await this.recordInOneTransaction(operationId, [change]).then(
          ([changed]) => change.resolve(changed!),
          change.reject,
        );
      }
    }
    await this.recordFinished(operationId);
  }

  /** One statement, a transaction of its own. */
  private recordInOneTransaction(operationId: string, changes: QueuedStepChange[]): Promise<boolean[]> {
    return changeSteps(
      this.db,
      'record_step_changes',
      operationId,
      changes.map((queued) => queued.change),
    );
  }

  /**
   * The worker could not settle the step this time: it is due again at `at`, `failure` saying why (null: nothing
   * failed). A PENDING step stays under `lease` until then, since one whose lease ran out is due at once; an
   * IN_PROGRESS one is released. `outcomeUnknown`, when given, is what the attempt just made leaves known of the step.
   * False when `lease` no longer holds the step.
   */
  async postponeStep(
    operationId: string,
    step: string,
    lease: StepLease,
    at: Date,
    failure: StepFailure | null,
    outcomeUnknown?: boolean,
  ): Promise<boolean> {
    const updated = await this.db.query(
      `UPDATE provisioning_steps
         SET failure = $3::jsonb, next_check_at = $4::timestamptz, outcome_unknown = coalesce($6, outcome_unknown),
             lease_id = CASE WHEN status = 'PENDING' THEN lease_id END,
             lease_owner = CASE WHEN status = 'PENDING' THEN lease_owner END,
             lease_expires_at = CASE WHEN status = 'PENDING' THEN $4::timestamptz END,
             updated_at = now()
       WHERE operation_id = $1 AND step = $2 AND status IN ('PENDING', 'IN_PROGRESS') AND lease_id = $5
       RETURNING step`,
      [operationId, step, failure === null ? null : json(failure), at, lease, outcomeUnknown ?? null],
    );
    return updated.length === 1;
  }
}

function completionChange(step: string, lease: StepLease, completion: StepCompletion): StepChange {
  return {
    step,
    lease,
    status: completion.status,
    result: completion.result ?? null,
    upstream_ids: completion.upstreamIds,
    outcome_unknown: false,
    attempts_taken_back: 0,
    ...(completion.status === 'IN_PROGRESS'
      ? { next_check_at: (completion.nextCheckAt ?? new Date()).toISOString() }
      : {}),
  };
}

/**
 * Step changes of one operation (distinct steps: a statement changes a row once) in one statement, by a function of
 * migration 5: `apply_step_changes` alone, or `record_step_changes`, which then refreshes the operation's status.
 * Whether each change was made.
 */
async function changeSteps(
  db: Queryable,
  by: 'apply_step_changes' | 'record_step_changes',
  operationId: string,
  changes: StepChange[],
): Promise<boolean[]> {
  const [row] = await db.query<{ changed: string[] }>(`SELECT ${by}($1, $2::jsonb) AS changed`, [
    operationId,
    json(changes),
  ]);
  return changes.map((change) => row!.changed.includes(change.step));
}

/**
 * After a step was made PENDING the operation is RUNNING, whatever its other steps: one statement, which takes the
 * operation's row lock itself. A concurrent refresh either commits first (and this overwrites it) or waits for
 * this commit and then sees the PENDING step.
 */
async function markRunning(tx: Queryable, operationId: string): Promise<void> {
  await tx.query(`UPDATE provisioning_operations SET status = 'RUNNING', updated_at = now() WHERE id = $1`, [
    operationId,
  ]);
}
