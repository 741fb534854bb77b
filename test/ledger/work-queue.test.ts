import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, type StepRecord } from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import { testBackends, type TestDatabase } from '../support/databases.js';
import {
  expireLeases,
  finishedLater,
  keyOf,
  leaseOf,
  makeDue,
  minutesFromNow,
  newOperation,
  PLAN,
  settle,
  WHOLESALE_ONLY,
} from './fixtures.js';

describe.each(testBackends)('the work queue: leasing due steps to the worker, on $name', (backend) => {
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
    const begun = await a.beginOperation(settled, [
      ...PLAN,
      { step: 'experiencePlatform', provider: 'EXPERIENCE_PLATFORM', position: 1000, input: {} },
    ]);
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
    expect(leased.find((s) => s.operationId === crashed.id)).toMatchObject({
      status: 'PENDING',
      provider: 'WEBEX_WHOLESALE',
      attempts: 0,
    });
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
        for (
          let batch = await replicaLedger.leaseDueSteps(3);
          batch.length > 0;
          batch = await replicaLedger.leaseDueSteps(3)
        ) {
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
  it.runIf(backend.name === 'postgres')(
    'skips a step another replica is leasing at that moment, without waiting for it',
    async () => {
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
    },
  );
});
