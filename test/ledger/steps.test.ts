import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Ledger, type OperationRecord, type OperationStatus, type StepStatus } from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import { testBackends, type TestDatabase } from '../support/databases.js';
import { leaseStepAsTheWorker } from '../support/leases.js';
import {
  expireLeases,
  failureOf,
  leaseOf,
  minutesFromNow,
  newOperation,
  PLAN,
  settle,
  WHOLESALE_ONLY,
} from './fixtures.js';

const settled = { status: 'SUCCEEDED' as const, result: {}, upstreamIds: {} };

describe.each(testBackends)('the step store and its leases, on $name', (backend) => {
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

    it('keeps each step input exactly, whatever characters it holds, and starts the steps it is told to', async () => {
      const operation = newOperation();
      const awkward = { name: 'a "quoted", {braced} \\ back\\slash, NULL, çé 😀', nested: [null, 1.5, { '': '' }] };
      const plan = [
        { ...PLAN[0]!, input: awkward },
        { ...PLAN[1]!, input: 'NULL' },
        { ...PLAN[2]!, input: null },
      ];
      const { lease, claims } = await ledger.beginOperationStarting(operation, plan, ['customer']);

      expect(claims.get('customer')).toEqual({ lease: expect.any(String), outcomeUnknown: false });
      expect(claims.get('customer')!.lease).not.toBe(lease);
      expect(await ledger.stepsOf([operation.id])).toMatchObject([
        { step: 'customer', input: awkward, status: 'PENDING', attempts: 1, outcomeUnknown: true },
        { step: 'net3', input: 'NULL', status: 'PENDING', attempts: 0, outcomeUnknown: false },
        { step: 'wholesale', input: null, status: 'PENDING', attempts: 0 },
      ]);
      expect(await ledger.startStep(operation.id, 'customer', randomUUID(), lease)).toBeNull();
      expect(await ledger.startStep(operation.id, 'net3', randomUUID(), lease)).not.toBeNull();
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
      expect(customer).toMatchObject({
        step: 'customer',
        status: 'PENDING',
        attempts: 2,
        correlationId,
        startedAt: expect.any(Date),
      });
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

      await vi.waitFor(
        async () => expect(await replica.startStep(operation.id, 'wholesale', randomUUID())).not.toBeNull(),
        {
          timeout: 5_000,
          interval: 10,
        },
      );

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
      expect(failed).toMatchObject({
        status: 'FAILED',
        failure,
        finishedAt: expect.any(Date),
        nextCheckAt: null,
        attempts: 1,
      });
      expect(await leaseOf(shared.database, operation.id, 'net3')).toEqual({ owner: null, live: false });

      // retryProvisioning may run on any replica: a failed step is nobody's.
      expect(await replica.startStep(operation.id, 'net3', randomUUID())).not.toBeNull();
      const [, retried] = await ledger.stepsOf([operation.id]);
      expect(retried).toMatchObject({ status: 'PENDING', failure: null, attempts: 2 });
    });

    it("keeps whether a step's outcome is unknown until an attempt settles it, whatever the failures in between", async () => {
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
      await ledger.completeStep(operation.id, 'net3', found.lease, {
        status: 'SUCCEEDED',
        result: null,
        upstreamIds: { customerId: 'c-1' },
      });
      expect(await stepOf()).toMatchObject({ status: 'SUCCEEDED', outcomeUnknown: false });
    });

    it('hands the worker an abandoned attempt as one whose outcome is unknown', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      await ledger.startStep(operation.id, 'wholesale', randomUUID(), begun);
      await expireLeases(shared.database, operation.id);

      const leased = (await replica.leaseDueSteps(10)).filter((s) => s.operationId === operation.id);
      // The steps whose write-ahead was never started sent nothing; the one under way may have.
      expect(Object.fromEntries(leased.map((s) => [s.step, s.outcomeUnknown]))).toMatchObject({
        customer: false,
        wholesale: true,
      });
    });

    it('records the customer and starts the steps that need it in one transaction, each under a lease of its own', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      const { lease } = (await ledger.startStep(operation.id, 'customer', operation.correlationId, begun))!;

      const { completed, claims } = await ledger.completeStepAndStart(
        operation.id,
        'customer',
        lease,
        { status: 'SUCCEEDED', result: { id: operation.customerId }, upstreamIds: {} },
        { steps: ['net3', 'wholesale'], correlationId: operation.correlationId, held: begun },
      );

      expect(completed).toBe(true);
      const net3 = claims.get('net3')!;
      const wholesale = claims.get('wholesale')!;
      expect(net3).toEqual({ lease: expect.any(String), outcomeUnknown: false });
      expect(wholesale.lease).not.toBe(net3.lease);
      // Each call is sent only now, its outcome unknown until it is recorded.
      expect(await ledger.stepsOf([operation.id])).toMatchObject([
        { step: 'customer', status: 'SUCCEEDED', attempts: 1 },
        { step: 'net3', status: 'PENDING', attempts: 1, outcomeUnknown: true },
        { step: 'wholesale', status: 'PENDING', attempts: 1, outcomeUnknown: true },
      ]);
      expect((await ledger.operationById(operation.id))?.status).toBe('RUNNING');
      expect(await ledger.startStep(operation.id, 'net3', randomUUID(), begun)).toBeNull();
      expect(await ledger.completeStep(operation.id, 'net3', net3.lease, settled)).toBe(true);
    });

    it('starts together only the steps that are claimable, leaving the others to whoever holds them', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      await ledger.startStep(operation.id, 'net3', randomUUID(), begun);

      const claims = await replica.startSteps(operation.id, ['net3', 'wholesale'], randomUUID(), begun);

      expect(claims.get('net3')).toBeNull();
      expect(claims.get('wholesale')).toEqual({ lease: expect.any(String), outcomeUnknown: false });
    });

    it('gives a claimable step to exactly one of several requests of one process starting it at once', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      await settle(ledger, operation.id, begun, PLAN[1]!, 'FAILED');
      // retryProvisioning on a failed step, and the worker on an abandoned one: each read the step as claimable.
      await expireLeases(shared.database, operation.id);
      const startedAtOnce = (step: string) =>
        Promise.all([1, 2, 3, 4, 5].map(() => ledger.startStep(operation.id, step, randomUUID())));

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
      const found = {
        status: 'SUCCEEDED' as const,
        result: { found: true },
        upstreamIds: { customerId: 'net3-customer' },
      };
      expect(await replica.completeStep(operation.id, 'net3', current, found)).toBe(true);

      // Then the first call's answer arrives, or its failure, or its request to look again later.
      for (const lease of [superseded, begun]) {
        expect(await ledger.failStep(operation.id, 'net3', lease, failureOf('NET3', 504), true)).toBe(false);
        expect(
          await ledger.completeStep(operation.id, 'net3', lease, {
            status: 'IN_PROGRESS',
            result: { late: true },
            upstreamIds: { localId: '7' },
          }),
        ).toBe(false);
        expect(await ledger.postponeStep(operation.id, 'net3', lease, minutesFromNow(1), failureOf('NET3'))).toBe(
          false,
        );
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
      ...((
        [
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
        ] as [StepStatus[], OperationStatus][]
      ).flatMap(([pair, status]) =>
        pair[0] === pair[1]
          ? [[pair, status]]
          : [
              [pair, status],
              [[...pair].reverse(), status],
            ],
      ) as [StepStatus[], OperationStatus][]),
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

    it('is true when many steps finish at once on several connections: the last to commit sees every other', async () => {
      const plan = Array.from({ length: 8 }, (_, index) => ({ ...PLAN[1]!, step: `net3:${index}`, position: index }));
      for (const round of [1, 2, 3]) {
        const operation = newOperation();
        const begun = await ledger.beginOperation(operation, plan);
        const claims = await ledger.startSteps(
          operation.id,
          plan.map((step) => step.step),
          randomUUID(),
          begun,
        );
        await Promise.all(
          plan.map(({ step }, index) => {
            const { lease } = claims.get(step)!;
            const finishing = index % 2 === 0 ? ledger : replica;
            return round === 3 && index === 0
              ? finishing.failStep(operation.id, step, lease, failureOf('NET3'), false)
              : finishing.completeStep(operation.id, step, lease, settled);
          }),
        );
        expect((await ledger.operationById(operation.id))?.status).toBe(round === 3 ? 'PARTIALLY_FAILED' : 'SUCCEEDED');
      }
    });

    it('answers each of several changes recorded together with its own outcome', async () => {
      const operation = newOperation();
      const begun = await ledger.beginOperation(operation, PLAN);
      const claims = await ledger.startSteps(operation.id, ['customer', 'net3', 'wholesale'], randomUUID(), begun);
      const lease = (step: string) => claims.get(step)!.lease;

      // Issued at once, the second and third wait for the first's transaction and are recorded in one together.
      const outcomes = await Promise.all([
        ledger.completeStep(operation.id, 'customer', lease('customer'), settled),
        ledger.completeStep(operation.id, 'net3', begun, settled),
        ledger.failStep(operation.id, 'wholesale', lease('wholesale'), failureOf('WEBEX_WHOLESALE'), true),
      ]);

      // The write-ahead's lease was superseded by net3's start: that answer changes nothing.
      expect(outcomes).toEqual([true, false, true]);
      expect(await ledger.stepsOf([operation.id])).toMatchObject([
        { step: 'customer', status: 'SUCCEEDED' },
        { step: 'net3', status: 'PENDING' },
        { step: 'wholesale', status: 'FAILED', outcomeUnknown: true },
      ]);
      expect((await ledger.operationById(operation.id))?.status).toBe('RUNNING');
      expect(await ledger.completeStep(operation.id, 'net3', lease('net3'), settled)).toBe(true);
      expect((await ledger.operationById(operation.id))?.status).toBe('PARTIALLY_FAILED');
    });

    it('records two changes of one step issued at once one after the other: the first under the lease wins', async () => {
      const operation = newOperation();
      const { claims } = await ledger.beginOperationStarting(operation, PLAN, ['customer']);
      const lease = claims.get('customer')!.lease;

      // Queued together, they are not one statement (which would change the row twice, in no set order).
      const outcomes = await Promise.all([
        ledger.completeStep(operation.id, 'customer', lease, settled),
        ledger.failStep(operation.id, 'customer', lease, failureOf('CLOUDCOCKPIT'), false),
      ]);

      expect(outcomes).toEqual([true, false]);
      expect(await ledger.stepsOf([operation.id])).toMatchObject([{ step: 'customer', status: 'SUCCEEDED' }, {}, {}]);
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
});
