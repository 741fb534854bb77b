import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, type PlannedStep, type StepCompletion } from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import { testBackends, type TestDatabase } from '../support/databases.js';
import { newOperation, WHOLESALE_ONLY } from './fixtures.js';

const NET3_ONLY: PlannedStep[] = [{ step: 'net3', provider: 'NET3', position: 1001, input: {} }];

describe.each(testBackends)('the upstream ids the ledger recorded, on $name', (backend) => {
  let shared: TestDatabase;
  let ledger: Ledger;

  beforeAll(async () => {
    shared = await backend.create();
    await migrate(shared.database);
    ledger = new Ledger(shared.database, { owner: 'replica-a' });
  });
  afterAll(() => shared?.drop());

  /** An operation of `tenant` whose one step recorded `upstreamIds`; its id. */
  async function recorded(
    tenant: string,
    plan: PlannedStep[],
    completion: Partial<StepCompletion> & Pick<StepCompletion, 'upstreamIds'>,
  ) {
    const operation = newOperation({ tenant });
    const lease = await ledger.beginOperation(operation, plan);
    await ledger.completeStep(operation.id, plan[0]!.step, lease, { status: 'SUCCEEDED', result: {}, ...completion });
    return operation.id;
  }

  it('answers an id it found recorded once without asking the database again, and an unknown one each time', async () => {
    const tenant = `tenant-${randomUUID()}.example`;
    const [mine, later] = [randomUUID(), randomUUID()];
    const operationId = await recorded(tenant, WHOLESALE_ONLY, { upstreamIds: { id: mine } });
    expect(await ledger.recordedUpstreamIds(tenant, 'WEBEX_WHOLESALE', 'id', [mine, later])).toEqual(new Set([mine]));

    // Rows are never deleted in service; deleting one here shows the second answer did not come from the database.
    await shared.database.query('DELETE FROM provisioning_operations WHERE id = $1', [operationId]);
    await recorded(tenant, WHOLESALE_ONLY, { upstreamIds: { id: later } });

    expect(await ledger.recordedUpstreamIds(tenant, 'WEBEX_WHOLESALE', 'id', [mine, later])).toEqual(
      new Set([mine, later]),
    );
    // Known for this tenant only.
    expect(await ledger.recordedUpstreamIds(`other-${tenant}`, 'WEBEX_WHOLESALE', 'id', [mine])).toEqual(new Set());
  });

  it("tells which of several upstream ids the tenant's own provisionings recorded", async () => {
    const tenant = `tenant-${randomUUID()}.example`;
    const [ours, alsoOurs, theirs, net3s, unknown] = [
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ];
    await recorded(tenant, WHOLESALE_ONLY, { upstreamIds: { id: ours, orgId: randomUUID() } });
    await recorded(tenant, WHOLESALE_ONLY, {
      status: 'IN_PROGRESS',
      upstreamIds: { id: alsoOurs },
      nextCheckAt: new Date(),
    });
    await recorded(`tenant-${randomUUID()}.example`, WHOLESALE_ONLY, { upstreamIds: { id: theirs } });
    // The same id under another provider, or under another name, is not a Webex customer id.
    await recorded(tenant, NET3_ONLY, { upstreamIds: { id: net3s } });
    const orgOnly = randomUUID();
    await recorded(tenant, WHOLESALE_ONLY, { upstreamIds: { orgId: orgOnly } });

    const found = await ledger.recordedUpstreamIds(tenant, 'WEBEX_WHOLESALE', 'id', [
      ours,
      alsoOurs,
      theirs,
      net3s,
      orgOnly,
      unknown,
    ]);

    expect(found).toEqual(new Set([ours, alsoOurs]));
    expect(await ledger.recordedUpstreamIds(tenant, 'WEBEX_WHOLESALE', 'id', [])).toEqual(new Set());
  });

  it('finds every step, of any tenant, that recorded an upstream id, and whose it is', async () => {
    const [tenant, other] = [`tenant-${randomUUID()}.example`, `tenant-${randomUUID()}.example`];
    const id = randomUUID();
    const first = await recorded(tenant, WHOLESALE_ONLY, { upstreamIds: { id } });
    const second = await recorded(other, WHOLESALE_ONLY, {
      status: 'IN_PROGRESS',
      upstreamIds: { id },
      nextCheckAt: new Date(),
    });
    await recorded(tenant, NET3_ONLY, { upstreamIds: { id } });
    await recorded(tenant, WHOLESALE_ONLY, { upstreamIds: { orgId: id } });

    const steps = await ledger.stepsRecordingUpstreamId('WEBEX_WHOLESALE', 'id', id);

    expect(steps.sort((a, b) => a.tenant.localeCompare(b.tenant))).toEqual(
      [
        { operationId: first, tenant, step: 'wholesale', status: 'SUCCEEDED' },
        { operationId: second, tenant: other, step: 'wholesale', status: 'IN_PROGRESS' },
      ].sort((a, b) => a.tenant.localeCompare(b.tenant)),
    );
    expect(await ledger.stepsRecordingUpstreamId('WEBEX_WHOLESALE', 'id', randomUUID())).toEqual([]);
  });
});
