import type { Database } from './database.js';
import { stepOf, type StepRecord, type StepRow } from './records.js';
import type { LeaseTerms, StepLease } from './steps.js';

/** What the worker still has to settle, in the whole ledger (every replica's). */
export interface WorkBacklog {
  /** Steps not settled yet: PENDING or IN_PROGRESS. */
  steps: number;
  /** Of those, the ones a worker may take now: not leased, and due ({@link WorkQueue.leaseDueSteps}'s condition). */
  due: number;
  /** Since the oldest of them began (or last changed, if it never began); 0 when there is none. */
  oldestAgeSeconds: number;
}

/** A step the worker took, with the lease it holds it under. */
export interface LeasedStep extends StepRecord {
  lease: StepLease;
}

/**
 * The work that outlives a request. A crash leaves a trail (the write-ahead, the unknown outcome) that this queue
 * hands to whichever process takes the work over, under a lease of its own (steps.ts says what a lease allows).
 */
export class WorkQueue {
  constructor(
    private readonly db: Database,
    private readonly terms: LeaseTerms,
  ) {}

  /**
   * IN_PROGRESS steps due for a check, and PENDING ones whose lease ran out (their process died). `FOR UPDATE SKIP
   * LOCKED` lets replicas share the work, each step going to exactly one of them.
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
      [this.terms.owner, this.terms.leaseMs / 1000, limit],
    );
    return rows.map((row) => ({ ...stepOf(row), lease: row.lease_id! }));
  }

  /**
   * Hands back steps this process took but will not settle (it is shutting down): free at once for any replica,
   * instead of after `LEDGER_LEASE_MS`. Only under the lease they were taken with, so a step settled or taken over
   * meanwhile is left alone; `next_check_at` stays, and an IN_PROGRESS step is checked when it was due.
   */
  async releaseSteps(steps: readonly LeasedStep[]): Promise<number> {
    if (steps.length === 0) return 0;
    const released = await this.db.query(
      `UPDATE provisioning_steps s
         SET lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS r(operation_id, step, lease)
       WHERE s.operation_id = r.operation_id AND s.step = r.step AND s.lease_id = r.lease
       RETURNING s.step`,
      [steps.map((s) => s.operationId), steps.map((s) => s.step), steps.map((s) => s.lease)],
    );
    return released.length;
  }

  /**
   * Only for a ledger no other process can be using (PGlite, in one process's data directory): whoever held those
   * leases is dead, so the worker's first pass recovers their steps at once instead of after `LEDGER_LEASE_MS`. A
   * lease that is the worker's back-off on a PENDING step (postponeStep) is kept.
   */
  async releaseLeasesOfEarlierProcesses(): Promise<number> {
    const released = await this.db.query(
      `UPDATE provisioning_steps
         SET lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
       WHERE lease_expires_at > now() AND lease_owner IS DISTINCT FROM $1
         AND next_check_at IS DISTINCT FROM lease_expires_at
       RETURNING step`,
      [this.terms.owner],
    );
    return released.length;
  }

  /** For the metrics, at each scrape: one statement over the unsettled steps only (the partial index provisioning_steps_due). */
  async backlog(): Promise<WorkBacklog> {
    const [row] = await this.db.query<{ steps: number; due: number; oldest_age_seconds: number | null }>(
      `SELECT count(*)::int AS steps,
              count(*) FILTER (
                WHERE (lease_expires_at IS NULL OR lease_expires_at < now())
                  AND (status = 'PENDING' OR next_check_at <= now())
              )::int AS due,
              extract(epoch FROM now() - min(coalesce(started_at, updated_at)))::float8 AS oldest_age_seconds
         FROM provisioning_steps
        WHERE status IN ('PENDING', 'IN_PROGRESS')`,
    );
    return { steps: row?.steps ?? 0, due: row?.due ?? 0, oldestAgeSeconds: Math.max(0, row?.oldest_age_seconds ?? 0) };
  }
}
