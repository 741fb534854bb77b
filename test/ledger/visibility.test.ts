import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/auth.js';
import { Ledger, type OperationRecord, type ResellerScope } from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import { scopeOf } from '../../src/ledger/visibility.js';
import { testBackends, type TestDatabase } from '../support/databases.js';
import { createdMinutesAgo, CSP, newOperation, settle, WHOLESALE_ONLY } from './fixtures.js';

const resellerCaller = (tenant: string, resellerId: string | null): Caller => ({
  subject: 'reseller-user',
  tenant,
  roles: ['reseller'],
  resellerId,
});

describe('what a caller may read of its tenant’s provisionings', () => {
  it('is all of them for a CSP, and for a reseller those that concern it', () => {
    const resellerId = randomUUID();
    expect(scopeOf(CSP)).toEqual({ resellerId: null });
    expect(scopeOf(resellerCaller(CSP.tenant, resellerId))).toEqual({ resellerId });
    // A CSP that is also a reseller is a CSP.
    expect(scopeOf({ ...resellerCaller(CSP.tenant, resellerId), roles: ['csp', 'reseller'] })).toEqual({
      resellerId: null,
    });
    // A reseller's token without its id (auth.ts refuses one) would be concerned by nothing, never by everything.
    expect(scopeOf(resellerCaller(CSP.tenant, null))).toEqual({ resellerId: '' });
  });
});

describe.each(testBackends)('the provisionings a reseller may see, on $name', (backend) => {
  let shared: TestDatabase;
  let ledger: Ledger;

  beforeAll(async () => {
    shared = await backend.create();
    await migrate(shared.database);
    ledger = new Ledger(shared.database, { owner: 'replica-a' });
  });
  afterAll(() => shared?.drop());

  /** Operations of one tenant, each made a minute before the next, that concern reseller `resellerId` or not. */
  async function resellerFixture() {
    const tenant = `tenant-${randomUUID()}.example`;
    const [resellerId, otherReseller] = [randomUUID(), randomUUID()];
    const customer = { companyName: 'Contoso Pizza', country: 'PT' };
    const made = {
      direct: newOperation({ tenant }),
      askedForByIt: newOperation({ tenant, caller: resellerCaller(tenant, resellerId) }),
      createdUnderIt: newOperation({ tenant, request: { customer: { ...customer, resellerId } } }),
      associatedWithIt: newOperation({
        tenant,
        request: { customer: { ...customer, customerAssociations: [{ resellerId: otherReseller }, { resellerId }] } },
      }),
      ofAnotherReseller: newOperation({ tenant, caller: resellerCaller(tenant, otherReseller) }),
      inAnotherTenant: newOperation({
        tenant: `tenant-${randomUUID()}.example`,
        request: { customer: { ...customer, resellerId } },
      }),
    };
    const operations = Object.values(made);
    for (const [index, operation] of operations.entries()) {
      const lease = await ledger.beginOperation(operation, WHOLESALE_ONLY);
      if (operation === made.associatedWithIt) await settle(ledger, operation.id, lease, WHOLESALE_ONLY[0]!, 'FAILED');
      await createdMinutesAgo(shared.database, operation.id, operations.length - index);
    }
    return { tenant, resellerId, made };
  }

  it('pages through the operations that concern a reseller, newest first: asked for by it, or for a customer created under or associated with it', async () => {
    const { tenant, resellerId, made } = await resellerFixture();
    const newestFirst = [made.associatedWithIt.id, made.createdUnderIt.id, made.askedForByIt.id];

    const first = await ledger.operations(tenant, { offset: 0, limit: 2, resellerId });
    const rest = await ledger.operations(tenant, { offset: 2, limit: 2, resellerId });

    expect(first.items.map((o) => o.id)).toEqual(newestFirst.slice(0, 2));
    expect(rest.items.map((o) => o.id)).toEqual(newestFirst.slice(2));
    expect([first.totalCount, rest.totalCount]).toEqual([3, 3]);
    const failed = await ledger.operations(tenant, { offset: 0, limit: 10, status: 'FAILED', resellerId });
    expect(failed).toMatchObject({ items: [{ id: made.associatedWithIt.id }], totalCount: 1 });
    // A reseller the tenant never dealt with, or none at all, is concerned by nothing.
    for (const nobody of [randomUUID(), '']) {
      expect(await ledger.operations(tenant, { offset: 0, limit: 10, resellerId: nobody })).toEqual({
        items: [],
        totalCount: 0,
      });
    }
  });

  const idsOf = (operations: OperationRecord[]) => operations.map((o) => o.id).sort();

  it('are the same whichever read asks: a page, by id, or by customer', async () => {
    const { tenant, resellerId, made } = await resellerFixture();
    const all = Object.values(made);
    const ofTenant = all.filter((o) => o.tenant === tenant);
    const concerning = [made.askedForByIt, made.createdUnderIt, made.associatedWithIt].map((o) => o.id).sort();
    const reads = async (scope: ResellerScope) => [
      idsOf((await ledger.operations(tenant, { offset: 0, limit: 100, ...scope })).items),
      idsOf(
        await ledger.operationsByIds(
          tenant,
          all.map((o) => o.id),
          scope,
        ),
      ),
      idsOf(
        await ledger.operationsOfCustomers(
          tenant,
          all.map((o) => o.customerId!),
          scope,
        ),
      ),
    ];

    expect(await reads(scopeOf(resellerCaller(tenant, resellerId)))).toEqual([concerning, concerning, concerning]);
    const everything = ofTenant.map((o) => o.id).sort();
    expect(await reads(scopeOf({ ...CSP, tenant }))).toEqual([everything, everything, everything]);
    expect(await reads(scopeOf(resellerCaller(tenant, null)))).toEqual([[], [], []]);
  });

  it('match a reseller id whatever the case either side spells it in', async () => {
    const tenant = `tenant-${randomUUID()}.example`;
    const resellerId = randomUUID();
    const customer = { companyName: 'Contoso Pizza', country: 'PT' };
    const spelled = [resellerId.toUpperCase(), resellerId];
    const operations = spelled.flatMap((id) => [
      newOperation({ tenant, caller: resellerCaller(tenant, id) }),
      newOperation({ tenant, request: { customer: { ...customer, resellerId: id } } }),
      newOperation({ tenant, request: { customer: { ...customer, customerAssociations: [{ resellerId: id }] } } }),
    ]);
    for (const operation of operations) await ledger.beginOperation(operation, WHOLESALE_ONLY);

    for (const id of spelled) {
      const page = await ledger.operations(tenant, { offset: 0, limit: 100, resellerId: id });
      expect(idsOf(page.items)).toEqual(operations.map((o) => o.id).sort());
      expect(
        idsOf(
          await ledger.operationsByIds(
            tenant,
            operations.map((o) => o.id),
            { resellerId: id },
          ),
        ),
      ).toEqual(idsOf(page.items));
    }
  });
});
