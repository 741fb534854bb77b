import type { Database } from '../../src/ledger/database.js';
import type { StepLease } from '../../src/ledger/ledger.js';

/**
 * Takes one step's lease as the worker's `leaseDueSteps` does once the step is due, without waiting until it is due
 * and without touching any other step: for a test that plays the worker's part for that one step.
 */
export async function leaseStepAsTheWorker(db: Database, operationId: string, step: string): Promise<StepLease> {
  const [row] = await db.query<{ lease_id: string }>(
    `UPDATE provisioning_steps
       SET lease_id = gen_random_uuid(), lease_owner = 'test-worker', lease_expires_at = now() + interval '1 minute'
     WHERE operation_id = $1 AND step = $2
     RETURNING lease_id`,
    [operationId, step],
  );
  return row!.lease_id;
}
