import type { Database } from './database.js';

/** Applied in order at start-up and never edited once released: a change is a new migration. */
const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'provisioning ledger',
    sql: `
      CREATE TABLE provisioning_operations (
        id uuid PRIMARY KEY,
        tenant text NOT NULL,
        -- The caller (sub, roles, resellerId): background work acts for them.
        caller jsonb NOT NULL,
        kind text NOT NULL,
        customer_id uuid,
        -- The GraphQL input; it holds no credentials.
        request jsonb NOT NULL,
        status text NOT NULL,
        correlation_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX provisioning_operations_by_tenant ON provisioning_operations (tenant, created_at DESC, id DESC);
      CREATE INDEX provisioning_operations_by_customer ON provisioning_operations (tenant, customer_id);

      CREATE TABLE provisioning_steps (
        operation_id uuid NOT NULL REFERENCES provisioning_operations (id) ON DELETE CASCADE,
        step text NOT NULL,
        provider text NOT NULL,
        position int NOT NULL,
        status text NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        input jsonb NOT NULL,
        upstream_ids jsonb NOT NULL DEFAULT '{}',
        -- The provider's answer, secrets left out.
        result jsonb,
        failure jsonb,
        correlation_id text,
        started_at timestamptz,
        finished_at timestamptz,
        -- When the worker looks at the step next (abandoned calls, work a provider finishes later).
        next_check_at timestamptz,
        lease_owner text,
        lease_expires_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (operation_id, step)
      );
      CREATE INDEX provisioning_steps_due ON provisioning_steps (next_check_at) WHERE status IN ('PENDING', 'IN_PROGRESS');

      CREATE TABLE idempotency_keys (
        tenant text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL,
        http_status int,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant, key)
      );
    `,
  },
  {
    version: 2,
    name: 'idempotency key claims',
    sql: `
      -- Who holds an IN_PROGRESS key: claim_id is made per claim, so that only its holder completes or releases it;
      -- correlation_id finds the ledger operations the holder began, should it die before answering.
      ALTER TABLE idempotency_keys ADD COLUMN correlation_id text;
      ALTER TABLE idempotency_keys ADD COLUMN claim_id uuid;
      -- Expired keys are deleted now and then; this keeps that from reading the whole table.
      CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
    `,
  },
  {
    version: 3,
    name: 'step lease ids',
    sql: `
      -- Who holds a step: made afresh for each claim (the write-ahead, each attempt, each take-over by the worker),
      -- so that only the holder of the current claim finishes the step. lease_owner names the process for readers;
      -- it cannot tell two requests of one process apart.
      ALTER TABLE provisioning_steps ADD COLUMN lease_id uuid;
    `,
  },
  {
    version: 4,
    name: 'step outcome unknown',
    sql: `
      -- A call of the step may have reached the provider without a conclusive answer: it is looked up before it is
      -- sent again. Kept as a fact of the step, since the last failure may be a failed look-up (a 429) that says
      -- nothing about the call before it.
      ALTER TABLE provisioning_steps ADD COLUMN outcome_unknown boolean NOT NULL DEFAULT false;
      -- Earlier versions derived it from the last failure, which a failed look-up or a refused blind repeat (the
      -- CONFLICT this migration comes to end) could overwrite: every failure but a refusal of the input is looked
      -- up once more, which at worst costs a read.
      UPDATE provisioning_steps SET outcome_unknown = true
      WHERE (status = 'PENDING' AND attempts > 0)
         OR (status = 'FAILED' AND attempts > 0
             AND coalesce(failure->>'code', '') NOT IN ('BAD_USER_INPUT', 'FORBIDDEN', 'NOT_FOUND', 'NOT_STARTED'));
    `,
  },
];

/** An arbitrary constant: replicas starting together take turns to migrate. */
const MIGRATION_LOCK = 74_201_001;

export async function migrate(db: Database): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version int PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    );
    const pending = MIGRATIONS.filter((m) => !applied.has(m.version));
    for (const migration of pending) {
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
    }
    return pending.map((m) => m.version);
  });
}
