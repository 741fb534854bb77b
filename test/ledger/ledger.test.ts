import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Caller } from '../../src/auth.js';
import type { Database } from '../../src/ledger/database.js';
import {
  Ledger,
  type OperationRecord,
  type OperationStatus,
  type PlannedStep,
  type StepFailure,
  type StepLease,
  type StepRecord,
  type StepStatus,
} from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import { testBackends, type TestDatabase } from '../support/databases.js';
import { leaseStepAsTheWorker } from '../support/leases.js';

type NewOperation = Parameters<Ledger['beginOperation']>[0];

const CSP: Caller = { subject: 'user-1', tenant: 'contoso.example', roles: ['csp'], resellerId: null };

/** A provisionCustomer as the mutation writes it ahead, for a tenant of the test's own. */
function newOperation(overrides: Partial<NewOperation> = {}): NewOperation {
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

const PLAN: PlannedStep[] = [
  { step: 'customer', provider: 'CLOUDCOCKPIT', position: 0, input: { companyName: 'Contoso Pizza', country: 'PT' } },
  { step: 'net3', provider: 'NET3', position: 1001, input: { serviceLevelId: 2, primaryContactRoles: ['PRIMARY'] } },
  { step: 'wholesale', provider: 'WEBEX_WHOLESALE', position: 1002, input: { packages: ['WEBEX_MEETINGS'] } },
];

/** One step of its own: a Webex customer, the kind the worker follows until Webex finishes it. */
const WHOLESALE_ONLY: PlannedStep[] = [{ step: 'wholesale', provider: 'WEBEX_WHOLESALE', position: 1002, input: {} }];

function failureOf(provider: StepFailure['provider'], httpStatus: number | null = 503): StepFailure {
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

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);

/** The step's lease, which StepRecord does not show. */
async function leaseOf(db: Database, operationId: string, step: string): Promise<{ owner: string | null; live: boolean }> {
  const [row] = await db.query<{ lease_owner: string | null; live: boolean | null }>(
    `SELECT lease_owner, lease_expires_at > now() AS live FROM provisioning_steps WHERE operation_id = $1 AND step = $2`,
    [operationId, step],
  );
  return { owner: row!.lease_owner, live: row!.live === true };
}

/** Stands in for a lease running out after its process died, without waiting for it. */
async function expireLeases(db: Database, operationId: string): Promise<void> {
  await db.query(`UPDATE provisioning_steps SET lease_expires_at = now() - interval '1 second' WHERE operation_id = $1`, [
    operationId,
  ]);
}

/** Stands in for the time passing until the step is due for its next check. */
async function makeDue(db: Database, operationId: string, step: string): Promise<void> {
  await db.query(`UPDATE provisioning_steps SET next_check_at = now() - interval '1 minute' WHERE operation_id = $1 AND step = $2`, [
    operationId,
    step,
  ]);
}

/** Operations made minutes apart, so that "newest first" has one answer. */
async function createdMinutesAgo(db: Database, operationId: string, minutes: number): Promise<void> {
  await db.query(`UPDATE provisioning_operations SET created_at = now() - make_interval(mins => $2) WHERE id = $1`, [
    operationId,
    minutes,
  ]);
}

/** Brings one step, held under `lease`, to `status` the way the provisioning code does. */
async function settle(ledger: Ledger, operationId: string, lease: StepLease, step: PlannedStep, status: StepStatus): Promise<void> {
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
async function finishedLater(ledger: Ledger, operationId: string, lease: StepLease, step: string, checkAt: Date): Promise<void> {
  await ledger.completeStep(operationId, step, lease, { status: 'IN_PROGRESS', result: {}, upstreamIds: {}, nextCheckAt: checkAt });
}

const keyOf = (step: Pick<StepRecord, 'operationId' | 'step'>) => `${step.operationId}/${step.step}`;

describe.each(testBackends)('the provisioning ledger on $name', (backend) => {
  // Tests that only read their own operations (their own ids and tenants) share one database.
  let shared: TestDatabase;
  let ledger: Ledger;
  // Another server process on the same database.
  let replica: Ledger;

  beforeAll(async () => {
    shared = await backend.create();
    await migrate(shared.database);
    ledger = new Ledger(shared.database, { owner: 'replica-a' });
    replica = new Ledger(await shared.connect(), { owner: 'replica-b' });
  });
  afterAll(() => shared?.drop());

  describe('write-ahead', () => {
    it('records the operation and every step PENDING, leased to this process, before any provider is called', async () => {
      const operation = newOperation();
      await ledger.beginOperation(operation, PLAN);

      expect(await ledger.operationById(operation.id)).toEqual({
        ...operation,
        status: 'RUNNING',
        createdAt: expect.any(Date),
        updatedAt: expect.any(Date),
      } satisfies OperationRecord);
      const steps = await ledger.stepsOf([operation.id]);
      expect(steps).toEqual(
        PLAN.map((planned) => ({
          operationId: operation.id,
          step: planned.step,
          provider: planned.provider,
          position: planned.position,
          status: 'PENDING',
          attempts: 0,
          input: planned.input,
          upstreamIds: {},
          result: null,
          failure: null,
          outcomeUnknown: false,
          correlationId: null,
          startedAt: null,
          finishedAt: null,
          nextCheckAt: null,
          updatedAt: expect.any(Date),
        })),
      );
      for (const planned of PLAN) {
        expect(await leaseOf(shared.database, operation.id, planned.step)).toEqual({ owner: 'replica-a', live: true });
      }
    });

    it('records nothing when one of the steps cannot be recorded', async () => {
      const operation = newOperation();
      const twice = [...PLAN, { ...PLAN[1]!, position: 2000 }];

      await expect(ledger.beginOperation(operation, twice)).rejects.toThrow();

      expect(await ledger.operationById(operation.id)).toBeNull();
      expect(await ledger.stepsOf([operation.id])).toEqual([]);
    });
  });

  describe("a step's life", () => {
    it('starts a step under this process: one more attempt, with the correlation id sent upstream', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      const correlationId = randomUUID();

      const first = await ledger.startStep(operation.id, 'customer', correlationId, begun);
      expect(first).not.toBeNull();
      // Only under the step's current lease may it start again: another attempt, under a lease of its own. The
      // same process is no claim: without that lease (another request of this process) it is refused.
      expect(await ledger.startStep(operation.id, 'customer', correlationId)).toBeNull();
      expect(await ledger.startStep(operation.id, 'customer', correlationId, begun)).toBeNull();
      const second = await ledger.startStep(operation.id, 'customer', correlationId, first!.lease);
      expect(second).not.toBeNull();
      expect(second!.lease).not.toBe(first!.lease);

      const [customer] = await ledger.stepsOf([operation.id]);
      expect(customer).toMatchObject({ step: 'customer', status: 'PENDING', attempts: 2, correlationId, startedAt: expect.any(Date) });
      expect(await leaseOf(shared.database, operation.id, 'customer')).toEqual({ owner: 'replica-a', live: true });
    });

    it('refuses a step to another process while its owner lives, and hands it over once the lease has run out', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);

      expect(await replica.startStep(operation.id, 'net3', randomUUID())).toBeNull();
      const [, untouched] = await ledger.stepsOf([operation.id]);
      expect(untouched).toMatchObject({ step: 'net3', attempts: 0, correlationId: null, startedAt: null });

      await expireLeases(shared.database, operation.id);
      const takeover = randomUUID();
      expect(await replica.startStep(operation.id, 'net3', takeover)).not.toBeNull();
      expect(await leaseOf(shared.database, operation.id, 'net3')).toEqual({ owner: 'replica-b', live: true });
      // The first owner, back from a pause, must now leave the step alone.
      expect(await ledger.startStep(operation.id, 'net3', randomUUID(), begun)).toBeNull();
      const [, taken] = await ledger.stepsOf([operation.id]);
      expect(taken).toMatchObject({ attempts: 1, correlationId: takeover });
    });

    it('holds a step for as long as the lease this process was given', async () => {
      const shortLived = new Ledger(shared.database, { owner: 'replica-short', leaseMs: 1 });
      const operation = newOperation();
      await shortLived.beginOperation(operation, WHOLESALE_ONLY);

      await vi.waitFor(async () => expect(await replica.startStep(operation.id, 'wholesale', randomUUID())).not.toBeNull(), {
        timeout: 5_000,
        interval: 10,
      });

      const longLived = new Ledger(shared.database, { owner: 'replica-long', leaseMs: 60_000 });
      const other = newOperation();
      await longLived.beginOperation(other, WHOLESALE_ONLY);
      expect(await replica.startStep(other.id, 'wholesale', randomUUID())).toBeNull();
    });

    it('never starts a step again once it succeeded or the provider is finishing it', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      await settle(ledger, operation.id, begun, PLAN[0]!, 'SUCCEEDED');
      await settle(ledger, operation.id, begun, PLAN[2]!, 'IN_PROGRESS');
      await expireLeases(shared.database, operation.id);

      for (const who of [ledger, replica]) {
        expect(await who.startStep(operation.id, 'customer', randomUUID(), begun)).toBeNull();
        expect(await who.startStep(operation.id, 'wholesale', randomUUID(), begun)).toBeNull();
      }
      const steps = await ledger.stepsOf([operation.id]);
      expect(steps.map((s) => [s.step, s.status, s.attempts])).toEqual([
        ['customer', 'SUCCEEDED', 0],
        ['net3', 'PENDING', 0],
        ['wholesale', 'IN_PROGRESS', 0],
      ]);
    });

    it('completes a step with the provider answer and its upstream ids, releasing the lease', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      const { lease } = (await ledger.startStep(operation.id, 'customer', operation.correlationId, begun))!;

      await ledger.completeStep(operation.id, 'customer', lease, {
        status: 'SUCCEEDED',
        result: { id: operation.customerId, companyName: 'Contoso Pizza' },
        upstreamIds: { customerId: operation.customerId! },
      });

      const [customer] = await ledger.stepsOf([operation.id]);
      expect(customer).toMatchObject({
        status: 'SUCCEEDED',
        result: { id: operation.customerId, companyName: 'Contoso Pizza' },
        upstreamIds: { customerId: operation.customerId },
        failure: null,
        finishedAt: expect.any(Date),
        nextCheckAt: null,
      });
      expect(await leaseOf(shared.database, operation.id, 'customer')).toEqual({ owner: null, live: false });
    });

    it('keeps the upstream ids of work a provider finishes later, adding those of its final answer', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, WHOLESALE_ONLY);
      const checkAt = minutesFromNow(3);

      await ledger.completeStep(operation.id, 'wholesale', begun, {
        status: 'IN_PROGRESS',
        result: { status: 'provisioning' },
        upstreamIds: { wholesaleCustomerId: 'Y2lzY29zcGFyazovL3VzL1dIT0xFU0FMRV9DVVNUT01FUi8x' },
        nextCheckAt: checkAt,
      });
      const [waiting] = await ledger.stepsOf([operation.id]);
      expect(waiting).toMatchObject({ status: 'IN_PROGRESS', finishedAt: null, nextCheckAt: checkAt });

      const followed = await leaseStepAsTheWorker(shared.database, operation.id, 'wholesale');
      await ledger.completeStep(operation.id, 'wholesale', followed, {
        status: 'SUCCEEDED',
        result: { status: 'provisioned' },
        upstreamIds: { orgId: 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8x' },
      });
      const [done] = await ledger.stepsOf([operation.id]);
      expect(done).toMatchObject({
        status: 'SUCCEEDED',
        result: { status: 'provisioned' },
        upstreamIds: {
          wholesaleCustomerId: 'Y2lzY29zcGFyazovL3VzL1dIT0xFU0FMRV9DVVNUT01FUi8x',
          orgId: 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8x',
        },
        finishedAt: expect.any(Date),
        nextCheckAt: null,
      });
    });

    it('records why a step failed, and lets any process retry it from there', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      const { lease } = (await ledger.startStep(operation.id, 'net3', operation.correlationId, begun))!;
      const failure = failureOf('NET3', 502);

      await ledger.failStep(operation.id, 'net3', lease, failure, true);

      const [, failed] = await ledger.stepsOf([operation.id]);
      expect(failed).toMatchObject({ status: 'FAILED', failure, finishedAt: expect.any(Date), nextCheckAt: null, attempts: 1 });
      expect(await leaseOf(shared.database, operation.id, 'net3')).toEqual({ owner: null, live: false });

      // retryProvisioning may run on any replica: a failed step is nobody's.
      expect(await replica.startStep(operation.id, 'net3', randomUUID())).not.toBeNull();
      const [, retried] = await ledger.stepsOf([operation.id]);
      expect(retried).toMatchObject({ status: 'PENDING', failure: null, attempts: 2 });
    });

    it('keeps whether a step\'s outcome is unknown until an attempt settles it, whatever the failures in between', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      const stepOf = async () => (await ledger.stepsOf([operation.id])).find((s) => s.step === 'net3')!;
      expect(await stepOf()).toMatchObject({ outcomeUnknown: false });

      // The first call: the write-ahead sent nothing before it.
      const first = (await ledger.startStep(operation.id, 'net3', randomUUID(), begun))!;
      expect(first.outcomeUnknown).toBe(false);
      // While the call is out, a crash would leave it unknown.
      expect(await stepOf()).toMatchObject({ status: 'PENDING', outcomeUnknown: true });
      await ledger.failStep(operation.id, 'net3', first.lease, failureOf('NET3', 502), true);

      // The retry's look-up is rate-limited: its 429 replaces the failure, not what is known of the first call.
      const lookUp = (await replica.startStep(operation.id, 'net3', randomUUID()))!;
      expect(lookUp.outcomeUnknown).toBe(true);
      await replica.failStep(operation.id, 'net3', lookUp.lease, failureOf('NET3', 429), true);
      expect(await stepOf()).toMatchObject({ status: 'FAILED', failure: { httpStatus: 429 }, outcomeUnknown: true });

      // The next retry still knows to look first; its look-up finds the record, and the step is known again.
      const found = (await ledger.startStep(operation.id, 'net3', randomUUID()))!;
      expect(found.outcomeUnknown).toBe(true);
      await ledger.completeStep(operation.id, 'net3', found.lease, { status: 'SUCCEEDED', result: null, upstreamIds: { customerId: 'c-1' } });
      expect(await stepOf()).toMatchObject({ status: 'SUCCEEDED', outcomeUnknown: false });
    });

    it('hands the worker an abandoned attempt as one whose outcome is unknown', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      await ledger.startStep(operation.id, 'wholesale', randomUUID(), begun);
      await expireLeases(shared.database, operation.id);

      const leased = (await replica.leaseDueSteps(10)).filter((s) => s.operationId === operation.id);
      // The steps whose write-ahead was never started sent nothing; the one under way may have.
      expect(Object.fromEntries(leased.map((s) => [s.step, s.outcomeUnknown]))).toMatchObject({ customer: false, wholesale: true });
    });

    it('gives a claimable step to exactly one of several requests of one process starting it at once', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      await settle(ledger, operation.id, begun, PLAN[1]!, 'FAILED');
      // retryProvisioning on a failed step, and the worker on an abandoned one: each read the step as claimable.
      await expireLeases(shared.database, operation.id);
      const startedAtOnce = (step: string) => Promise.all([1, 2, 3, 4, 5].map(() => ledger.startStep(operation.id, step, randomUUID())));

      const [failed, abandoned] = await Promise.all([startedAtOnce('net3'), startedAtOnce('wholesale')]);

      expect(failed.filter((lease) => lease !== null)).toHaveLength(1);
      expect(abandoned.filter((lease) => lease !== null)).toHaveLength(1);
      const [, net3, wholesale] = await ledger.stepsOf([operation.id]);
      expect(net3).toMatchObject({ status: 'PENDING', attempts: 1 });
      expect(wholesale).toMatchObject({ status: 'PENDING', attempts: 1 });
    });

    it('lets only the holder of the current lease finish a step: a late answer under a superseded one changes nothing', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      const { lease: superseded } = (await ledger.startStep(operation.id, 'net3', randomUUID(), begun))!;
      // The call outlived its lease; the step was taken over, and the provider's answer found and recorded.
      await expireLeases(shared.database, operation.id);
      const { lease: current } = (await replica.startStep(operation.id, 'net3', randomUUID()))!;
      const found = { status: 'SUCCEEDED' as const, result: { found: true }, upstreamIds: { customerId: 'net3-customer' } };
      expect(await replica.completeStep(operation.id, 'net3', current, found)).toBe(true);

      // Then the first call's answer arrives, or its failure, or its request to look again later.
      for (const lease of [superseded, begun]) {
        expect(await ledger.failStep(operation.id, 'net3', lease, failureOf('NET3', 504), true)).toBe(false);
        expect(await ledger.completeStep(operation.id, 'net3', lease, { status: 'IN_PROGRESS', result: { late: true }, upstreamIds: { localId: '7' } })).toBe(false);
        expect(await ledger.postponeStep(operation.id, 'net3', lease, minutesFromNow(1), failureOf('NET3'))).toBe(false);
      }
      // And the finishing write of the current lease came first, so it too is spent.
      expect(await replica.failStep(operation.id, 'net3', current, failureOf('NET3'), true)).toBe(false);

      const [, net3] = await ledger.stepsOf([operation.id]);
      expect(net3).toMatchObject({
        status: 'SUCCEEDED',
        result: { found: true },
        upstreamIds: { customerId: 'net3-customer' },
        failure: null,
        nextCheckAt: null,
        attempts: 2,
      });
      expect(await leaseOf(shared.database, operation.id, 'net3')).toEqual({ owner: null, live: false });
    });

    it('schedules the next look at a step and gives up the lease on it', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, WHOLESALE_ONLY);
      await settle(ledger, operation.id, begun, WHOLESALE_ONLY[0]!, 'IN_PROGRESS');
      const followed = await leaseStepAsTheWorker(shared.database, operation.id, 'wholesale');
      const at = minutesFromNow(7);

      expect(await ledger.postponeStep(operation.id, 'wholesale', followed, at, null)).toBe(true);

      const [step] = await ledger.stepsOf([operation.id]);
      expect(step).toMatchObject({ status: 'IN_PROGRESS', nextCheckAt: at });
      expect(await leaseOf(shared.database, operation.id, 'wholesale')).toEqual({ owner: null, live: false });
    });
  });

  describe('operation status, derived from its steps', () => {
    const P = 'PENDING';
    const W = 'IN_PROGRESS';
    const S = 'SUCCEEDED';
    const F = 'FAILED';
    const cases: [StepStatus[], OperationStatus][] = [
      [[P], 'RUNNING'],
      [[W], 'WAITING'],
      [[S], 'SUCCEEDED'],
      [[F], 'FAILED'],
      // Every pair, in both orders: the order of the steps must not matter.
      ...([
        [[P, P], 'RUNNING'],
        [[P, W], 'RUNNING'],
        [[P, S], 'RUNNING'],
        [[P, F], 'RUNNING'],
        [[W, W], 'WAITING'],
        [[W, S], 'WAITING'],
        [[W, F], 'PARTIALLY_FAILED'],
        [[S, S], 'SUCCEEDED'],
        [[S, F], 'PARTIALLY_FAILED'],
        [[F, F], 'FAILED'],
      ] as [StepStatus[], OperationStatus][]).flatMap(([pair, status]) =>
        pair[0] === pair[1] ? [[pair, status]] : [[pair, status], [[...pair].reverse(), status]],
      ) as [StepStatus[], OperationStatus][],
      // A step still running outweighs failures; one failure among successes is partial; all three failing is not.
      [[F, F, P], 'RUNNING'],
      [[S, W, F], 'PARTIALLY_FAILED'],
      [[S, S, W], 'WAITING'],
      [[S, S, S], 'SUCCEEDED'],
      [[F, F, F], 'FAILED'],
      [[F, S, S], 'PARTIALLY_FAILED'],
    ];

    it.each(cases)('steps %j make the operation %s', async (statuses, expected) => {
      const operation = newOperation();
      const plan = statuses.map((_, index) => PLAN[index]!);
      const begun = await ledger.beginOperation(operation, plan);
      for (const [index, status] of statuses.entries()) await settle(ledger, operation.id, begun, plan[index]!, status);

      expect((await ledger.operationById(operation.id))?.status).toBe(expected);
    });

    it('goes back to RUNNING when a failed step is started again', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      await settle(ledger, operation.id, begun, PLAN[0]!, 'SUCCEEDED');
      await settle(ledger, operation.id, begun, PLAN[1]!, 'FAILED');
      await settle(ledger, operation.id, begun, PLAN[2]!, 'SUCCEEDED');
      expect((await ledger.operationById(operation.id))?.status).toBe('PARTIALLY_FAILED');

      await ledger.startStep(operation.id, 'net3', randomUUID());

      expect((await ledger.operationById(operation.id))?.status).toBe('RUNNING');
    });
  });

  describe('leasing due steps to the worker', () => {
    // leaseDueSteps sees every step in the database: these tests get a database of their own, emptied before
    // each (cheaper than a new one, which takes PGlite a second or two).
    let leasing: TestDatabase;
    beforeAll(async () => {
      leasing = await backend.create();
      await migrate(leasing.database);
    });
    afterAll(() => leasing?.drop());
    beforeEach(async () => {
      await leasing.database.exec('TRUNCATE provisioning_steps, provisioning_operations CASCADE');
    });

    it('leases IN_PROGRESS steps that are due and PENDING steps whose lease ran out, and nothing else', async () => {
      const { database } = leasing;
      const a = new Ledger(database, { owner: 'replica-a' });
      const worker = new Ledger(database, { owner: 'worker' });

      const settled = newOperation();
      const begun = await a.beginOperation(settled, [...PLAN, { step: 'experiencePlatform', provider: 'EXPERIENCE_PLATFORM', position: 1000, input: {} }]);
      await settle(a, settled.id, begun, PLAN[0]!, 'SUCCEEDED');
      await settle(a, settled.id, begun, PLAN[1]!, 'FAILED');
      await finishedLater(a, settled.id, begun, 'wholesale', minutesFromNow(-1));
      await finishedLater(a, settled.id, begun, 'experiencePlatform', minutesFromNow(10));
      const crashed = newOperation();
      await a.beginOperation(crashed, WHOLESALE_ONLY);
      await expireLeases(database, crashed.id);
      const running = newOperation();
      await a.beginOperation(running, WHOLESALE_ONLY);
      // Finished steps, and steps not due yet, are no work even with no live lease on them.
      await expireLeases(database, settled.id);

      const leased = await worker.leaseDueSteps(10);

      expect(leased.map(keyOf).sort()).toEqual([`${settled.id}/wholesale`, `${crashed.id}/wholesale`].sort());
      expect(leased.find((s) => s.operationId === crashed.id)).toMatchObject({ status: 'PENDING', provider: 'WEBEX_WHOLESALE', attempts: 0 });
      expect(await leaseOf(database, crashed.id, 'wholesale')).toEqual({ owner: 'worker', live: true });
      expect(await leaseOf(database, settled.id, 'wholesale')).toEqual({ owner: 'worker', live: true });
      // Leased once: neither the worker again nor another process gets them while the lease lives.
      expect(await worker.leaseDueSteps(10)).toEqual([]);
      expect(await a.leaseDueSteps(10)).toEqual([]);
    });

    it('takes over a crashed process step: the worker may start it, the old owner may not', async () => {
      const { database } = leasing;
      const crashedProcess = new Ledger(database, { owner: 'replica-a' });
      const worker = new Ledger(database, { owner: 'worker' });
      const operation = newOperation();
      const begun = await crashedProcess.beginOperation(operation, WHOLESALE_ONLY);
      await expireLeases(database, operation.id);

      const leased = await worker.leaseDueSteps(10);
      expect(leased.map(keyOf)).toEqual([`${operation.id}/wholesale`]);

      expect(await crashedProcess.startStep(operation.id, 'wholesale', randomUUID(), begun)).toBeNull();
      expect(await worker.startStep(operation.id, 'wholesale', randomUUID(), leased[0]!.lease)).not.toBeNull();
    });

    it('leases at most the limit, the longest overdue first', async () => {
      const { database } = leasing;
      const a = new Ledger(database, { owner: 'replica-a' });
      const operations = [];
      for (const minutesAgo of [1, 5, 3, 4, 2]) {
        const operation = newOperation();
        const begun = await a.beginOperation(operation, WHOLESALE_ONLY);
        await finishedLater(a, operation.id, begun, 'wholesale', minutesFromNow(-minutesAgo));
        operations.push({ id: operation.id, minutesAgo });
      }
      const byOverdue = [...operations].sort((x, y) => y.minutesAgo - x.minutesAgo).map((o) => o.id);

      const first = await a.leaseDueSteps(2);
      const rest = await a.leaseDueSteps(10);

      expect(first.map((s) => s.operationId)).toEqual(byOverdue.slice(0, 2));
      expect(rest.map((s) => s.operationId).sort()).toEqual(byOverdue.slice(2).sort());
    });

    it('hands a followed step back with postponeStep: leased again only once it is due', async () => {
      const { database } = leasing;
      const worker = new Ledger(database, { owner: 'worker' });
      const otherWorker = new Ledger(database, { owner: 'other-worker' });
      const operation = newOperation();
      const begun = await worker.beginOperation(operation, WHOLESALE_ONLY);
      await finishedLater(worker, operation.id, begun, 'wholesale', minutesFromNow(-1));
      const leased = await worker.leaseDueSteps(10);
      expect(leased).toHaveLength(1);
      expect(await otherWorker.leaseDueSteps(10)).toEqual([]);

      // Webex said "still provisioning, ask later".
      await worker.postponeStep(operation.id, 'wholesale', leased[0]!.lease, minutesFromNow(5), null);
      expect(await otherWorker.leaseDueSteps(10)).toEqual([]);

      await makeDue(database, operation.id, 'wholesale');
      expect((await otherWorker.leaseDueSteps(10)).map(keyOf)).toEqual([`${operation.id}/wholesale`]);
    });

    it('gives each due step to exactly one of several replicas leasing at once', async () => {
      const target = leasing;
      const a = new Ledger(target.database, { owner: 'replica-a' });
      const due = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const operation = newOperation();
        const begun = await a.beginOperation(operation, WHOLESALE_ONLY);
        await finishedLater(a, operation.id, begun, 'wholesale', minutesFromNow(-1));
        due.add(`${operation.id}/wholesale`);
      }
      // Replicas of their own connections on PostgreSQL, as separate server processes would be.
      const replicas = await Promise.all(
        [1, 2, 3, 4, 5].map(async (n) => new Ledger(await target.connect(), { owner: `replica-${n}` })),
      );

      const leasedBy = await Promise.all(
        replicas.map(async (replicaLedger) => {
          const mine: StepRecord[] = [];
          for (let batch = await replicaLedger.leaseDueSteps(3); batch.length > 0; batch = await replicaLedger.leaseDueSteps(3)) {
            mine.push(...batch);
          }
          return { owner: replicaLedger.owner, steps: mine };
        }),
      );

      const all = leasedBy.flatMap(({ steps }) => steps.map(keyOf));
      expect(all).toHaveLength(due.size);
      expect(new Set(all)).toEqual(due);
      for (const { owner, steps } of leasedBy) {
        for (const step of steps) expect((await leaseOf(target.database, step.operationId, step.step)).owner).toBe(owner);
      }
    });

    // PGlite is one connection: a transaction holding a row lock would hold the whole database.
    it.runIf(backend.name === 'postgres')('skips a step another replica is leasing at that moment, without waiting for it', async () => {
      const target = leasing;
      const a = new Ledger(target.database, { owner: 'replica-a' });
      const worker = new Ledger(await target.connect(), { owner: 'worker' });
      const [busy, free] = [newOperation(), newOperation()];
      for (const operation of [busy, free]) {
        const begun = await a.beginOperation(operation, WHOLESALE_ONLY);
        await finishedLater(a, operation.id, begun, 'wholesale', minutesFromNow(-1));
      }

      const whileLocked = await target.database.transaction(async (tx) => {
        await tx.query(`SELECT 1 FROM provisioning_steps WHERE operation_id = $1 FOR UPDATE`, [busy.id]);
        return worker.leaseDueSteps(10);
      });

      expect(whileLocked.map(keyOf)).toEqual([`${free.id}/wholesale`]);
      expect((await worker.leaseDueSteps(10)).map(keyOf)).toEqual([`${busy.id}/wholesale`]);
    });
  });

  describe('reads', () => {
    it("finds an operation only within its own tenant, except for the worker's lookup by id", async () => {
      const operation = newOperation({ tenant: `tenant-${randomUUID()}.example` });
      await ledger.beginOperation(operation, PLAN);

      expect(await ledger.operation(operation.tenant, operation.id)).toMatchObject({ id: operation.id, tenant: operation.tenant });
      expect(await ledger.operation('fabrikam.example', operation.id)).toBeNull();
      expect(await ledger.operation(operation.tenant, randomUUID())).toBeNull();
      expect(await ledger.operationById(operation.id)).toMatchObject({ id: operation.id, caller: operation.caller });
    });

    it("pages through a tenant's operations newest first, counting only that tenant's", async () => {
      const tenant = `tenant-${randomUUID()}.example`;
      const newestFirst: string[] = [];
      for (const minutesAgo of [1, 2, 3, 4, 5]) {
        const operation = newOperation({ tenant });
        await ledger.beginOperation(operation, WHOLESALE_ONLY);
        await createdMinutesAgo(shared.database, operation.id, minutesAgo);
        newestFirst.push(operation.id);
      }
      const elsewhere = newOperation({ tenant: `tenant-${randomUUID()}.example` });
      await ledger.beginOperation(elsewhere, WHOLESALE_ONLY);

      const pages = await Promise.all(
        [0, 2, 4, 6].map((offset) => ledger.operations(tenant, { offset, limit: 2 })),
      );

      expect(pages.map((page) => page.totalCount)).toEqual([5, 5, 5, 5]);
      expect(pages.map((page) => page.items.map((o) => o.id))).toEqual([
        newestFirst.slice(0, 2),
        newestFirst.slice(2, 4),
        newestFirst.slice(4),
        [],
      ]);
      expect(await ledger.operations(`tenant-${randomUUID()}.example`, { offset: 0, limit: 10 })).toEqual({ items: [], totalCount: 0 });
    });

    it("filters a tenant's operations by status", async () => {
      const tenant = `tenant-${randomUUID()}.example`;
      const byStatus: Record<string, string[]> = { SUCCEEDED: [], FAILED: [], RUNNING: [] };
      const outcomes: StepStatus[] = ['SUCCEEDED', 'FAILED', 'PENDING', 'SUCCEEDED', 'PENDING'];
      for (const [index, outcome] of outcomes.entries()) {
        const operation = newOperation({ tenant });
        const begun = await ledger.beginOperation(operation, WHOLESALE_ONLY);
        await settle(ledger, operation.id, begun, WHOLESALE_ONLY[0]!, outcome);
        await createdMinutesAgo(shared.database, operation.id, index + 1);
        byStatus[outcome === 'PENDING' ? 'RUNNING' : outcome]!.push(operation.id);
      }

      for (const status of ['SUCCEEDED', 'FAILED', 'RUNNING'] as const) {
        const page = await ledger.operations(tenant, { offset: 0, limit: 10, status });
        expect(page.totalCount).toBe(byStatus[status]!.length);
        expect(page.items.map((o) => o.id)).toEqual(byStatus[status]);
        expect(page.items.every((o) => o.status === status)).toBe(true);
      }
      const waiting = await ledger.operations(tenant, { offset: 0, limit: 10, status: 'WAITING' });
      expect(waiting).toEqual({ items: [], totalCount: 0 });
      expect((await ledger.operations(tenant, { offset: 0, limit: 1, status: null })).totalCount).toBe(outcomes.length);
    });

    it("lists the operations of the tenant's customers asked for, newest first", async () => {
      const tenant = `tenant-${randomUUID()}.example`;
      const [first, second, unrelated] = [randomUUID(), randomUUID(), randomUUID()];
      const earlier = newOperation({ tenant, customerId: first });
      const later = newOperation({ tenant, customerId: first });
      const ofSecond = newOperation({ tenant, customerId: second });
      const ofUnrelated = newOperation({ tenant, customerId: unrelated });
      // The same customer id under another tenant is another tenant's business.
      const otherTenant = newOperation({ tenant: `tenant-${randomUUID()}.example`, customerId: first });
      for (const [operation, minutesAgo] of [
        [earlier, 30],
        [later, 10],
        [ofSecond, 20],
        [ofUnrelated, 5],
        [otherTenant, 1],
      ] as const) {
        await ledger.beginOperation(operation, WHOLESALE_ONLY);
        await createdMinutesAgo(shared.database, operation.id, minutesAgo);
      }

      const found = await ledger.operationsOfCustomers(tenant, [first, second]);

      expect(found.map((o) => o.id)).toEqual([later.id, ofSecond.id, earlier.id]);
      expect(await ledger.operationsOfCustomers(tenant, [])).toEqual([]);
    });

    it('reads the steps of several operations at once, each in its planned order', async () => {
      const [one, two] = [newOperation(), newOperation()];
      // Planned out of order: the position, not the insertion, orders the steps.
      await ledger.beginOperation(one, [...PLAN].reverse());
      await ledger.beginOperation(two, WHOLESALE_ONLY);

      const steps = await ledger.stepsOf([one.id, two.id]);

      const ofOne = steps.filter((s) => s.operationId === one.id).map((s) => s.step);
      const ofTwo = steps.filter((s) => s.operationId === two.id).map((s) => s.step);
      expect(ofOne).toEqual(['customer', 'net3', 'wholesale']);
      expect(ofTwo).toEqual(['wholesale']);
      expect(steps).toHaveLength(4);
      // Grouped by operation, as a DataLoader splits them.
      const order = steps.map((s) => s.operationId);
      expect(order.indexOf(two.id) > order.lastIndexOf(one.id) || order.lastIndexOf(two.id) < order.indexOf(one.id)).toBe(true);
      expect(await ledger.stepsOf([])).toEqual([]);
    });
  });
});
