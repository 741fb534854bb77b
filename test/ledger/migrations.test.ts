import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/auth.js';
import type { Database } from '../../src/ledger/database.js';
import { migrate } from '../../src/ledger/migrations.js';
import { openLedger } from '../../src/ledger/open.js';
import { postgresBackend, testBackends, type TestDatabase } from '../support/databases.js';

const LEDGER_TABLES = ['idempotency_keys', 'provisioning_operations', 'provisioning_steps', 'schema_migrations'];

/** A one-step provisioning as the write-ahead records it; each test gives it an id of its own. */
const OPERATION = {
  tenant: 'contoso.example',
  caller: { subject: 'user-1', tenant: 'contoso.example', roles: ['csp'], resellerId: null } satisfies Caller,
  kind: 'provisionWholesaleCustomer',
  customerId: null,
  request: {},
  correlationId: randomUUID(),
};

async function tablesOf(db: Database): Promise<string[]> {
  const rows = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

async function recordedMigrations(db: Database) {
  return db.query<{ version: number; name: string; applied_at: Date }>(
    'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
  );
}

describe.each(testBackends)('ledger migrations on $name', (backend) => {
  const created: TestDatabase[] = [];
  const fresh = async () => {
    const db = await backend.create();
    created.push(db);
    return db;
  };
  afterEach(async () => {
    await Promise.all(created.splice(0).map((db) => db.drop()));
  });

  it('brings an empty database to the current schema, recording every version it applied', async () => {
    const { database } = await fresh();
    expect(await tablesOf(database)).toEqual([]);

    const applied = await migrate(database);

    expect(applied[0]).toBe(1);
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
    expect(await tablesOf(database)).toEqual(expect.arrayContaining(LEDGER_TABLES));
    const recorded = await recordedMigrations(database);
    expect(recorded.map((m) => m.version)).toEqual(applied);
    for (const migration of recorded) {
      expect(migration.name).not.toBe('');
      expect(migration.applied_at).toBeInstanceOf(Date);
    }
  });

  it('applies nothing the second time and leaves the recorded versions as they were', async () => {
    const { database } = await fresh();
    await migrate(database);
    const before = await recordedMigrations(database);

    expect(await migrate(database)).toEqual([]);
    expect(await recordedMigrations(database)).toEqual(before);
  });

  it('applies each migration once when replicas start together', async () => {
    // On PostgreSQL each replica has its own connections, so only the advisory lock keeps two migrations
    // from racing to create the same tables; PGlite, one connection, queues the transactions instead.
    const target = await fresh();
    const replicas = [target.database, ...(await Promise.all([1, 2, 3].map(() => target.connect())))];

    const results = await Promise.all(replicas.map((db) => migrate(db)));

    const recorded = (await recordedMigrations(target.database)).map((m) => m.version);
    expect(results.flat().sort((a, b) => a - b)).toEqual(recorded);
    expect(results.filter((versions) => versions.length > 0)).toHaveLength(1);
  });
});

describe('the embedded ledger in a data directory', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('is created on first start and keeps its operations across a restart', async () => {
    root = await mkdtemp(join(tmpdir(), 'ledger-'));
    // A directory that does not exist yet, as DATA_DIR on a first start.
    const dataDir = join(root, 'data');
    const operationId = randomUUID();
    const first = await openLedger({ dataDir });
    await first.ledger.beginOperation(
      {
        id: operationId,
        tenant: 'contoso.example',
        caller: { subject: 'user-1', tenant: 'contoso.example', roles: ['csp'], resellerId: null },
        kind: 'provisionCustomer',
        customerId: randomUUID(),
        request: { customer: { companyName: 'Contoso Pizza' } },
        correlationId: randomUUID(),
      },
      [{ step: 'customer', provider: 'CLOUDCOCKPIT', position: 0, input: { companyName: 'Contoso Pizza' } }],
    );
    await first.database.close();

    const second = await openLedger({ dataDir });
    try {
      expect(await migrate(second.database)).toEqual([]);
      expect(await second.ledger.operation('contoso.example', operationId)).toMatchObject({
        id: operationId,
        status: 'RUNNING',
      });
    } finally {
      await second.database.close();
    }
  });

  it('hands the steps its last process held to the worker at once on a restart, keeping their back-offs', async () => {
    root = await mkdtemp(join(tmpdir(), 'ledger-'));
    const dataDir = join(root, 'data');
    const first = await openLedger({ dataDir });
    const [running, backingOff] = [randomUUID(), randomUUID()];
    for (const id of [running, backingOff]) {
      const lease = await first.ledger.beginOperation({ ...OPERATION, id, correlationId: randomUUID() }, [
        { step: 'wholesale', provider: 'WEBEX_WHOLESALE', position: 0, input: {} },
      ]);
      // The worker was told to wait a minute before trying this one again.
      if (id === backingOff)
        await first.ledger.postponeStep(id, 'wholesale', lease, new Date(Date.now() + 60_000), null);
    }
    // The process dies with two minutes left on its leases.
    await first.database.close();

    const second = await openLedger({ dataDir });
    try {
      expect((await second.ledger.leaseDueSteps(10)).map((s) => s.operationId)).toEqual([running]);
    } finally {
      await second.database.close();
    }
  });
});

describe.skipIf(!postgresBackend)('the ledger on a PostgreSQL server', () => {
  let target: TestDatabase | undefined;
  afterEach(() => target?.drop());

  it('leaves the steps of other replicas alone when a replica starts: they may still be running them', async () => {
    target = await postgresBackend!.create();
    const running = await openLedger({ databaseUrl: target.url, dataDir: '' });
    const id = randomUUID();
    try {
      await running.ledger.beginOperation({ ...OPERATION, id }, [
        { step: 'wholesale', provider: 'WEBEX_WHOLESALE', position: 0, input: {} },
      ]);
      const starting = await openLedger({ databaseUrl: target.url, dataDir: '' });
      try {
        expect(await starting.ledger.leaseDueSteps(10)).toEqual([]);
      } finally {
        await starting.database.close();
      }
    } finally {
      await running.database.close();
    }
  });
});
