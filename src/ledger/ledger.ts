import { randomUUID } from 'node:crypto';
import type { Caller } from '../auth.js';
import type { ProviderName } from '../errors.js';
import type { Database, Queryable } from './database.js';

/**
 * A step's life: PENDING from before its call (write-ahead) until the provider answers; then SUCCEEDED, FAILED,
 * or IN_PROGRESS while the provider finishes the work later (Webex, Adobe's `pollRequired`).
 */
export type StepStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';

/** Derived from the steps whenever one changes. */
export type OperationStatus = 'RUNNING' | 'WAITING' | 'SUCCEEDED' | 'PARTIALLY_FAILED' | 'FAILED';

/** Why a step failed, as `ProviderFailure` shows it. */
export interface StepFailure {
  provider: ProviderName;
  httpStatus: number | null;
  code: string;
  message: string;
  correlationId: string;
  retryAfterSeconds: number | null;
  fieldErrors: { path: string[]; messages: string[] }[];
}

export interface OperationRecord {
  id: string;
  tenant: string;
  caller: Caller;
  kind: string;
  customerId: string | null;
  request: unknown;
  status: OperationStatus;
  correlationId: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface StepRecord {
  operationId: string;
  step: string;
  provider: ProviderName;
  position: number;
  status: StepStatus;
  attempts: number;
  input: unknown;
  upstreamIds: Record<string, string>;
  result: unknown;
  failure: StepFailure | null;
  /**
   * A call may have reached the provider without a conclusive answer: until a look-up finds the record, or finds
   * it definitely absent, the step is looked up before it is ever sent again.
   */
  outcomeUnknown: boolean;
  correlationId: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  nextCheckAt: Date | null;
  updatedAt: Date;
}

/**
 * One claim on a step, made afresh each time the step is taken: by its write-ahead, by each attempt, by each
 * take-over by the worker. Only the holder of a step's current lease starts it again, finishes it or postpones
 * it; a request whose claim was superseded (another request, of this process or another, claimed the step, or
 * its lease ran out and the worker took the step over) changes nothing. The process alone (`lease_owner`)
 * cannot tell two requests of one process apart.
 */
export type StepLease = string;

/** A step taken for an attempt: the lease it is held under, and whether an earlier call's outcome is unknown. */
export interface StepClaim {
  lease: StepLease;
  outcomeUnknown: boolean;
}

/** A step the worker took, with the lease it holds it under. */
export interface LeasedStep extends StepRecord {
  lease: StepLease;
}

/** A step that recorded a given upstream id, and whose it is. */
export interface UpstreamIdRecord {
  operationId: string;
  tenant: string;
  step: string;
  status: StepStatus;
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

export interface LedgerOptions {
  /** Names this process in leases. */
  owner: string;
  /**
   * How long a claim on a step lasts once taken, before another process may assume it abandoned (a crash) and
   * take the step over. Longer than the provider calls a step makes under one claim (`loadConfig` checks it
   * against the timeouts). @default 120000
   */
  leaseMs?: number;
}

interface OperationRow {
  id: string;
  tenant: string;
  caller: Caller;
  kind: string;
  customer_id: string | null;
  request: unknown;
  status: OperationStatus;
  correlation_id: string;
  created_at: Date;
  updated_at: Date;
}

interface StepRow {
  operation_id: string;
  step: string;
  provider: ProviderName;
  position: number;
  status: StepStatus;
  attempts: number;
  input: unknown;
  upstream_ids: Record<string, string>;
  result: unknown;
  failure: StepFailure | null;
  outcome_unknown: boolean;
  correlation_id: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  next_check_at: Date | null;
  lease_id: string | null;
  updated_at: Date;
}

const operationOf = (row: OperationRow): OperationRecord => ({
  id: row.id,
  tenant: row.tenant,
  caller: row.caller,
  kind: row.kind,
  customerId: row.customer_id,
  request: row.request,
  status: row.status,
  correlationId: row.correlation_id,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

const dateOrNull = (value: Date | null) => (value === null ? null : new Date(value));

const stepOf = (row: StepRow): StepRecord => ({
  operationId: row.operation_id,
  step: row.step,
  provider: row.provider,
  position: row.position,
  status: row.status,
  attempts: row.attempts,
  input: row.input,
  upstreamIds: row.upstream_ids,
  result: row.result,
  failure: row.failure,
  outcomeUnknown: row.outcome_unknown,
  correlationId: row.correlation_id,
  startedAt: dateOrNull(row.started_at),
  finishedAt: dateOrNull(row.finished_at),
  nextCheckAt: dateOrNull(row.next_check_at),
  updatedAt: new Date(row.updated_at),
});

/** JSON for a jsonb parameter: both drivers take text and let PostgreSQL parse it. */
const json = (value: unknown) => JSON.stringify(value ?? null);

/**
 * SQL: operation `o` concerns reseller `$2`: asked for by it, or for a customer created under it or associated
 * with it.
 */
const CONCERNS_RESELLER = `(o.caller->>'resellerId' = $2::text
  OR o.request->'customer'->>'resellerId' = $2::text
  OR o.request->'customer'->'customerAssociations' @> jsonb_build_array(jsonb_build_object('resellerId', $2::text)))`;

/**
 * The durable record of every provisioning: operations, their steps with upstream ids, statuses, correlation
 * ids and errors. Steps are written before their call and finished after it, so that a crash leaves a trail
 * that {@link leaseDueSteps} hands to whichever process takes the work over.
 */
export class Ledger {
  readonly owner: string;
  private readonly leaseMs: number;

  constructor(
    private readonly db: Database,
    options: LedgerOptions,
  ) {
    this.owner = options.owner;
    this.leaseMs = options.leaseMs ?? 120_000;
  }

  /**
   * Write-ahead: the operation and every step it will take, PENDING and leased to this request, at once. Returns
   * the lease of its steps, under which the request starts them (or records that they were not started).
   */
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
          [operation.id, step.step, step.provider, step.position, json(step.input), lease, this.owner, this.leaseMs / 1000],
        );
      }
    });
    return lease;
  }

  /**
   * A step is about to call its provider: one more attempt, under a new lease. Only a claimable step is taken: a
   * FAILED one (nobody's), or a PENDING one held under `held` (the lease of its write-ahead, or of the worker's
   * take-over) or abandoned (its lease ran out). Null otherwise: another request, of this process or another,
   * holds the step, and the caller must leave it alone. The row is locked first, so of several concurrent starts
   * exactly one wins, and the winner reads the outcome flag the last attempt left. From here until the attempt
   * is recorded the outcome is unknown: a crash mid-call leaves the step to be looked up, not repeated blindly.
   */
  async startStep(operationId: string, step: string, correlationId: string, held: StepLease | null = null): Promise<StepClaim | null> {
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
        [operationId, step, correlationId, lease, this.owner, this.leaseMs / 1000],
      );
      await this.refreshOperationStatus(tx, operationId);
      return { lease, outcomeUnknown: current.outcome_unknown };
    });
  }

  /**
   * Records the provider's answer and releases the step. False, changing nothing, when `lease` no longer holds
   * the step: the answer came too late, and whoever holds it now records its own outcome.
   */
  async completeStep(operationId: string, step: string, lease: StepLease, completion: StepCompletion): Promise<boolean> {
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
      await this.refreshOperationStatus(tx, operationId);
      return true;
    });
  }

  /**
   * Records why the step failed and releases it; false, changing nothing, when `lease` no longer holds it.
   * `outcomeUnknown`: whether the provider may have acted on a call of this step all the same.
   */
  async failStep(operationId: string, step: string, lease: StepLease, failure: StepFailure, outcomeUnknown: boolean): Promise<boolean> {
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
      await this.refreshOperationStatus(tx, operationId);
      return true;
    });
  }

  /**
   * Takes up to `limit` steps that need the worker: IN_PROGRESS ones due for a check, and PENDING ones whose
   * lease expired (the process running them died). `FOR UPDATE SKIP LOCKED` lets replicas share the work,
   * each step going to exactly one of them, under a lease of its own.
   */
  async leaseDueSteps(limit: number): Promise<LeasedStep[]> {
    const rows = await this.db.query<StepRow>(
      `UPDATE provisioning_steps s
         SET lease_id = gen_random_uuid(), lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2), updated_at = now()
       FROM (
         SELECT operation_id, step FROM provisioning_steps
         WHERE status IN ('PENDING', 'IN_PROGRESS')
           AND (lease_expires_at IS NULL OR lease_expires_at < now())
           AND (status = 'PENDING' OR next_check_at <= now())
         ORDER BY next_check_at NULLS FIRST
         LIMIT $3
         FOR UPDATE SKIP LOCKED
       ) due
       WHERE s.operation_id = due.operation_id AND s.step = due.step
       RETURNING s.*`,
      [this.owner, this.leaseMs / 1000, limit],
    );
    return rows.map((row) => ({ ...stepOf(row), lease: row.lease_id! }));
  }

  /**
   * Releases every step still leased to another process, for a process starting on a ledger that no other
   * process can be using (PGlite, embedded in one process's data directory): whoever held those leases is gone,
   * so the worker's first pass recovers their steps at once instead of after `LEDGER_LEASE_MS`. A lease that is
   * the worker's back-off on a PENDING step (see postponeStep: it runs out when the step is due again) is kept.
   * Returns how many it released.
   */
  async releaseLeasesOfEarlierProcesses(): Promise<number> {
    const released = await this.db.query(
      `UPDATE provisioning_steps
         SET lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
       WHERE lease_expires_at > now() AND lease_owner IS DISTINCT FROM $1
         AND next_check_at IS DISTINCT FROM lease_expires_at
       RETURNING step`,
      [this.owner],
    );
    return released.length;
  }

  async operation(tenant: string, id: string): Promise<OperationRecord | null> {
    const [row] = await this.db.query<OperationRow>('SELECT * FROM provisioning_operations WHERE tenant = $1 AND id = $2', [
      tenant,
      id,
    ]);
    return row ? operationOf(row) : null;
  }

  /** Any tenant's operation: for the worker, which acts for the operation's own caller. */
  async operationById(id: string): Promise<OperationRecord | null> {
    const [row] = await this.db.query<OperationRow>('SELECT * FROM provisioning_operations WHERE id = $1', [id]);
    return row ? operationOf(row) : null;
  }

  /** The steps of these operations, in each operation's order. */
  async stepsOf(operationIds: readonly string[]): Promise<StepRecord[]> {
    if (operationIds.length === 0) return [];
    const rows = await this.db.query<StepRow>(
      'SELECT * FROM provisioning_steps WHERE operation_id = ANY($1::uuid[]) ORDER BY operation_id, position, step',
      [operationIds],
    );
    return rows.map(stepOf);
  }

  /** A page of the tenant's operations, newest first. */
  async operations(
    tenant: string,
    { offset, limit, status }: { offset: number; limit: number; status?: OperationStatus | null },
  ): Promise<{ items: OperationRecord[]; totalCount: number }> {
    const filter = status ? 'AND status = $2' : '';
    const params: unknown[] = status ? [tenant, status] : [tenant];
    const [count] = await this.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM provisioning_operations WHERE tenant = $1 ${filter}`,
      params,
    );
    const rows = await this.db.query<OperationRow>(
      `SELECT * FROM provisioning_operations WHERE tenant = $1 ${filter}
       ORDER BY created_at DESC, id DESC OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
      [...params, offset, limit],
    );
    return { items: rows.map(operationOf), totalCount: count?.count ?? 0 };
  }

  /** The tenant's operations for these customers, newest first. */
  async operationsOfCustomers(tenant: string, customerIds: readonly string[]): Promise<OperationRecord[]> {
    if (customerIds.length === 0) return [];
    const rows = await this.db.query<OperationRow>(
      `SELECT * FROM provisioning_operations WHERE tenant = $1 AND customer_id = ANY($2::uuid[])
       ORDER BY created_at DESC, id DESC`,
      [tenant, customerIds],
    );
    return rows.map(operationOf);
  }

  /**
   * The tenant's operations begun under a request's correlation id since `since`, oldest first: what a request
   * left behind when its process died before answering (the idempotency keys look for it).
   */
  async operationsByCorrelationId(tenant: string, correlationId: string, since: Date): Promise<OperationRecord[]> {
    const rows = await this.db.query<OperationRow>(
      `SELECT * FROM provisioning_operations WHERE tenant = $1 AND correlation_id = $2 AND created_at >= $3
       ORDER BY created_at, id`,
      [tenant, correlationId, since],
    );
    return rows.map(operationOf);
  }

  /** The database the ledger keeps its tables in, for the stores beside it (idempotency keys) that share its migrations. */
  get database(): Database {
    return this.db;
  }

  /** How long a process holds work before another may take it over as abandoned (`LEDGER_LEASE_MS`). */
  get leaseDurationMs(): number {
    return this.leaseMs;
  }

  /** These operations of the tenant, by id; ids of other tenants' operations, or of none, are left out. */
  async operationsByIds(tenant: string, ids: readonly string[]): Promise<OperationRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<OperationRow>(
      'SELECT * FROM provisioning_operations WHERE tenant = $1 AND id = ANY($2::uuid[])',
      [tenant, ids],
    );
    return rows.map(operationOf);
  }

  /**
   * What each of these customers has at each provider: per customer and step name, the step of its newest
   * operation that succeeded or that the provider is still working on. One query for a whole page of customers.
   */
  async currentStepsOfCustomers(tenant: string, customerIds: readonly string[]): Promise<{ customerId: string; step: StepRecord }[]> {
    if (customerIds.length === 0) return [];
    const rows = await this.db.query<StepRow & { customer_id: string }>(
      `SELECT DISTINCT ON (o.customer_id, s.step) o.customer_id, s.*
       FROM provisioning_steps s JOIN provisioning_operations o ON o.id = s.operation_id
       WHERE o.tenant = $1 AND o.customer_id = ANY($2::uuid[]) AND s.status IN ('SUCCEEDED', 'IN_PROGRESS')
       ORDER BY o.customer_id, s.step, o.created_at DESC, o.id DESC`,
      [tenant, customerIds],
    );
    return rows.map((row) => ({ customerId: row.customer_id, step: stepOf(row) }));
  }

  /**
   * A page of the tenant's operations that concern one reseller, newest first: those it asked for, and those
   * for a customer created under it or associated with it (as `canSee` decides for a customer).
   */
  async operationsOfReseller(
    tenant: string,
    resellerId: string,
    { offset, limit, status }: { offset: number; limit: number; status?: OperationStatus | null },
  ): Promise<{ items: OperationRecord[]; totalCount: number }> {
    const filter = `${CONCERNS_RESELLER} ${status ? 'AND o.status = $3' : ''}`;
    const params: unknown[] = status ? [tenant, resellerId, status] : [tenant, resellerId];
    const [count] = await this.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM provisioning_operations o WHERE o.tenant = $1 AND ${filter}`,
      params,
    );
    const rows = await this.db.query<OperationRow>(
      `SELECT o.* FROM provisioning_operations o WHERE o.tenant = $1 AND ${filter}
       ORDER BY o.created_at DESC, o.id DESC OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
      [...params, offset, limit],
    );
    return { items: rows.map(operationOf), totalCount: count?.count ?? 0 };
  }

  /**
   * The customers the tenant provisioned, as CloudCockpit returned each when its `customer` step succeeded (the
   * newest such record per customer), in the order they were provisioned: the customer list while CloudCockpit
   * cannot be reached. `resellerId` keeps those created under or associated with that reseller; `search` matches
   * case-insensitively within the fields CloudCockpit's own search looks at.
   */
  async provisionedCustomers(
    tenant: string,
    { resellerId, search, offset, limit }: { resellerId: string | null; search: string | null; offset: number; limit: number },
  ): Promise<{ items: unknown[]; totalCount: number }> {
    const [page] = await this.db.query<{ items: unknown[]; total_count: number }>(
      `WITH provisioned AS (
         SELECT DISTINCT ON (o.customer_id) s.result AS customer, o.created_at, o.id
         FROM provisioning_operations o JOIN provisioning_steps s ON s.operation_id = o.id AND s.step = 'customer'
         WHERE o.tenant = $1 AND s.status = 'SUCCEEDED' AND jsonb_typeof(s.result) = 'object'
         ORDER BY o.customer_id, o.created_at DESC, o.id DESC
       ), matching AS (
         SELECT * FROM provisioned
         WHERE ($2::text IS NULL
                OR customer->>'resellerId' = $2::text
                OR customer->'customerAssociations' @> jsonb_build_array(jsonb_build_object('resellerId', $2::text)))
           AND ($3::text IS NULL OR EXISTS (
                SELECT 1 FROM unnest(ARRAY['companyName', 'email', 'taxId', 'internalIdentifier', 'firstName', 'lastName']) AS field
                WHERE strpos(lower(coalesce(customer->>field, '')), lower($3::text)) > 0))
       )
       SELECT (SELECT count(*)::int FROM matching) AS total_count,
              coalesce((SELECT jsonb_agg(customer ORDER BY created_at, id)
                        FROM (SELECT * FROM matching ORDER BY created_at, id OFFSET $4 LIMIT $5) page), '[]'::jsonb) AS items`,
      [tenant, resellerId, search, offset, limit],
    );
    return { items: page?.items ?? [], totalCount: page?.total_count ?? 0 };
  }

  /**
   * The worker could not settle a step this time (its provider was unreachable or busy, or it waits on the
   * customer step): the step stays as it is, `failure` says why (null: nothing failed) and it is due again at
   * `at`. A PENDING step stays under `lease` until then, since a PENDING step whose lease ran out is due at once;
   * an IN_PROGRESS one is released, due again at its next check. False when `lease` no longer holds the step.
   */
  async postponeStep(operationId: string, step: string, lease: StepLease, at: Date, failure: StepFailure | null): Promise<boolean> {
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

  /**
   * Which of these upstream ids (say Webex customer ids, `name` 'id') the tenant's provisionings recorded: a
   * provider whose credentials are the partner's, not the tenant's, is read only for what the tenant made.
   */
  async recordedUpstreamIds(tenant: string, provider: ProviderName, name: string, values: readonly string[]): Promise<Set<string>> {
    if (values.length === 0) return new Set();
    const rows = await this.db.query<{ value: string }>(
      `SELECT DISTINCT s.upstream_ids->>$3 AS value
       FROM provisioning_steps s JOIN provisioning_operations o ON o.id = s.operation_id
       WHERE o.tenant = $1 AND s.provider = $2 AND s.upstream_ids->>$3 = ANY($4::text[])`,
      [tenant, provider, name, values],
    );
    return new Set(rows.map((row) => row.value));
  }

  /**
   * Every step, of any tenant, that recorded this upstream id (say Webex's `id`): whether a record found at a
   * provider whose credentials are the partner's belongs to one of our provisionings, and to which. Read-only;
   * used when recovering a lost answer, which is rare, so a scan of the provider's steps is acceptable.
   */
  async stepsRecordingUpstreamId(provider: ProviderName, name: string, value: string): Promise<UpstreamIdRecord[]> {
    const rows = await this.db.query<{ operation_id: string; tenant: string; step: string; status: StepStatus }>(
      `SELECT s.operation_id, o.tenant, s.step, s.status
       FROM provisioning_steps s JOIN provisioning_operations o ON o.id = s.operation_id
       WHERE s.provider = $1 AND s.upstream_ids->>$2 = $3`,
      [provider, name, value],
    );
    return rows.map((row) => ({ operationId: row.operation_id, tenant: row.tenant, step: row.step, status: row.status }));
  }

  /**
   * Derives the operation's status from its steps. Call it inside the transaction that changed a step: the row
   * lock makes concurrent step changes take turns, and the UPDATE, a statement of its own, then sees every
   * step as committed by the others (READ COMMITTED), so the last one to finish writes the true status.
   */
  private async refreshOperationStatus(tx: Queryable, operationId: string): Promise<void> {
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
}
