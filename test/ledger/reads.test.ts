import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, type StepStatus } from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import { testBackends, type TestDatabase } from '../support/databases.js';
import { createdMinutesAgo, failureOf, newOperation, PLAN, settle, WHOLESALE_ONLY } from './fixtures.js';

describe.each(testBackends)("the ledger's reads on $name", (backend) => {
  // Each test reads only its own operations (its own ids and tenants): they share one database.
  let shared: TestDatabase;
  let ledger: Ledger;

  beforeAll(async () => {
    shared = await backend.create();
    await migrate(shared.database);
    ledger = new Ledger(shared.database, { owner: 'replica-a' });
  });
  afterAll(() => shared?.drop());

  it("finds an operation only within its own tenant, except for the worker's lookup by id", async () => {
    const operation = newOperation({ tenant: `tenant-${randomUUID()}.example` });
    await ledger.beginOperation(operation, PLAN);

    expect(await ledger.operation(operation.tenant, operation.id)).toMatchObject({
      id: operation.id,
      tenant: operation.tenant,
    });
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

    const pages = await Promise.all([0, 2, 4, 6].map((offset) => ledger.operations(tenant, { offset, limit: 2 })));

    expect(pages.map((page) => page.totalCount)).toEqual([5, 5, 5, 5]);
    expect(pages.map((page) => page.items.map((o) => o.id))).toEqual([
      newestFirst.slice(0, 2),
      newestFirst.slice(2, 4),
      newestFirst.slice(4),
      [],
    ]);
    expect(await ledger.operations(`tenant-${randomUUID()}.example`, { offset: 0, limit: 10 })).toEqual({
      items: [],
      totalCount: 0,
    });
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
    expect(order.indexOf(two.id) > order.lastIndexOf(one.id) || order.lastIndexOf(two.id) < order.indexOf(one.id)).toBe(
      true,
    );
    expect(await ledger.stepsOf([])).toEqual([]);
  });
});

describe.each(testBackends)(
  'the customers the ledger provisioned, listed while CloudCockpit is down, on $name',
  (backend) => {
    let shared: TestDatabase;
    let ledger: Ledger;

    beforeAll(async () => {
      shared = await backend.create();
      await migrate(shared.database);
      ledger = new Ledger(shared.database, { owner: 'replica-a' });
    });
    afterAll(() => shared?.drop());

    /** The customer step of an operation for `customer`, SUCCEEDED with `result` (CloudCockpit's answer) unless said otherwise. */
    async function provisioned(
      tenant: string,
      customerId: string,
      result: unknown,
      { minutesAgo = 0, failed = false } = {},
    ) {
      const operation = newOperation({ tenant, customerId });
      const lease = await ledger.beginOperation(operation, [PLAN[0]!]);
      if (failed) await ledger.failStep(operation.id, 'customer', lease, failureOf('CLOUDCOCKPIT'), false);
      else
        await ledger.completeStep(operation.id, 'customer', lease, {
          status: 'SUCCEEDED',
          result,
          upstreamIds: { customerId },
        });
      await createdMinutesAgo(shared.database, operation.id, minutesAgo);
    }

    it('lists the customers a tenant provisioned, as CloudCockpit last returned each, in the order they were provisioned', async () => {
      const tenant = `tenant-${randomUUID()}.example`;
      const resellerId = randomUUID();
      const [pizza, bikes, cafe, failed, unanswered] = [
        randomUUID(),
        randomUUID(),
        randomUUID(),
        randomUUID(),
        randomUUID(),
      ];
      await provisioned(
        tenant,
        pizza,
        { id: pizza, companyName: 'Contoso Pizza (old name)', resellerId: null },
        { minutesAgo: 50 },
      );
      await provisioned(
        tenant,
        bikes,
        { id: bikes, companyName: 'Fabrikam Bikes', email: 'joe@fabrikam.example', resellerId },
        { minutesAgo: 40 },
      );
      await provisioned(
        tenant,
        cafe,
        { id: cafe, companyName: 'Café', lastName: 'Silva', customerAssociations: [{ resellerId }] },
        { minutesAgo: 30 },
      );
      await provisioned(
        tenant,
        pizza,
        { id: pizza, companyName: 'Contoso Pizza', city: 'Fabrikam', resellerId: null },
        { minutesAgo: 20 },
      );
      // Neither a customer step that failed nor one without CloudCockpit's record is a customer to list.
      await provisioned(tenant, failed, null, { minutesAgo: 10, failed: true });
      await provisioned(tenant, unanswered, null, { minutesAgo: 5 });
      await provisioned(`tenant-${randomUUID()}.example`, randomUUID(), { companyName: 'Elsewhere', resellerId });
      const all = { resellerId: null, search: null, offset: 0, limit: 10 };
      const namesOf = (page: { items: unknown[] }) => page.items.map((c) => (c as { companyName: string }).companyName);

      const everything = await ledger.provisionedCustomers(tenant, all);
      expect(namesOf(everything)).toEqual(['Fabrikam Bikes', 'Café', 'Contoso Pizza']);
      expect(everything.totalCount).toBe(3);
      expect(everything.items[2]).toEqual({
        id: pizza,
        companyName: 'Contoso Pizza',
        city: 'Fabrikam',
        resellerId: null,
      });

      const paged = await ledger.provisionedCustomers(tenant, { ...all, offset: 1, limit: 1 });
      expect(paged).toEqual({ items: [expect.objectContaining({ companyName: 'Café' })], totalCount: 3 });
      // Created under the reseller, or associated with it.
      expect(namesOf(await ledger.provisionedCustomers(tenant, { ...all, resellerId }))).toEqual([
        'Fabrikam Bikes',
        'Café',
      ]);
      expect(await ledger.provisionedCustomers(tenant, { ...all, resellerId: randomUUID() })).toEqual({
        items: [],
        totalCount: 0,
      });
      // Within the fields CloudCockpit searches, whatever the case; a city is not one of them.
      expect(namesOf(await ledger.provisionedCustomers(tenant, { ...all, search: 'FABRIKAM' }))).toEqual([
        'Fabrikam Bikes',
      ]);
      expect(namesOf(await ledger.provisionedCustomers(tenant, { ...all, search: 'silva' }))).toEqual(['Café']);
      expect(namesOf(await ledger.provisionedCustomers(tenant, { ...all, search: 'pizza', resellerId }))).toEqual([]);
    });
  },
);
