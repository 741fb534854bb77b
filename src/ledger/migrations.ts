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
  {
    version: 5,
    name: 'step changes in one round trip',
    sql: `
      -- An operation's status, derived from its steps. It locks the operation's row first, and then, a statement of
      -- its own in a VOLATILE function, reads the steps with a fresh snapshot (READ COMMITTED): concurrent step
      -- changes take turns on the lock, and the last to take it sees every step the others committed.
      CREATE FUNCTION refresh_operation_status(operation uuid) RETURNS void LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM 1 FROM provisioning_operations WHERE id = operation FOR UPDATE;
        UPDATE provisioning_operations o SET updated_at = now(), status = (
          SELECT CASE
            WHEN bool_or(s.status = 'PENDING') THEN 'RUNNING'
            WHEN bool_and(s.status = 'FAILED') THEN 'FAILED'
            WHEN bool_or(s.status = 'FAILED') THEN 'PARTIALLY_FAILED'
            WHEN bool_or(s.status = 'IN_PROGRESS') THEN 'WAITING'
            ELSE 'SUCCEEDED'
          END
          FROM provisioning_steps s WHERE s.operation_id = o.id)
        WHERE o.id = operation;
      END
      $fn$;

      -- Answers of an operation's steps (distinct steps), each made only under its lease: the steps changed. Their
      -- rows are locked before the operation's, as everywhere else, so that no two transactions wait on each other.
      CREATE FUNCTION apply_step_changes(operation uuid, changes jsonb) RETURNS text[] LANGUAGE sql AS $fn$
        WITH updated AS (
          UPDATE provisioning_steps s
            SET status = c.status,
                result = CASE WHEN c.status = 'FAILED' THEN s.result ELSE c.result END,
                upstream_ids = s.upstream_ids || coalesce(c.upstream_ids, '{}'),
                failure = c.failure, outcome_unknown = c.outcome_unknown,
                attempts = s.attempts - c.attempts_taken_back,
                finished_at = CASE WHEN c.status = 'IN_PROGRESS' THEN NULL ELSE now() END,
                next_check_at = c.next_check_at,
                lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
          FROM jsonb_to_recordset(changes) AS c(step text, lease uuid, status text, result jsonb, upstream_ids jsonb,
                                               failure jsonb, outcome_unknown boolean, attempts_taken_back int,
                                               next_check_at timestamptz)
          WHERE s.operation_id = operation AND s.step = c.step AND s.lease_id = c.lease
          RETURNING s.step
        )
        SELECT coalesce(array_agg(step), '{}') FROM updated;
      $fn$;

      -- The changes and then the operation's status: one statement for the client, so that recording answers costs
      -- one round trip however busy the client is. A lost answer does no harm (the step stays started with its
      -- outcome unknown, and is looked up before anything is sent again), so this commit does not wait for the disk;
      -- a step's start always does.
      CREATE FUNCTION record_step_changes(operation uuid, changes jsonb) RETURNS text[] LANGUAGE plpgsql AS $fn$
      DECLARE
        changed text[] := apply_step_changes(operation, changes);
      BEGIN
        IF cardinality(changed) > 0 THEN
          PERFORM refresh_operation_status(operation);
        END IF;
        PERFORM set_config('synchronous_commit', 'off', true);
        RETURN changed;
      END
      $fn$;
    `,
  },
  {
    version: 6,
    name: 'provisioning change announcements',
    sql: `
      -- Live progress: each committed change of a provisioning's or a step's status is announced on one channel to
      -- every server process that LISTENs (at commit, so listeners read what was committed; PGlite in process).
      -- The payload is '<operation id> <customer id>'; a transaction's identical announcements arrive once.
      CREATE FUNCTION announce_operation_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_notify('provisioning_changes', NEW.id || ' ' || coalesce(NEW.customer_id::text, ''));
        RETURN NULL;
      END
      $fn$;
      CREATE FUNCTION announce_step_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_notify('provisioning_changes', NEW.operation_id || ' ' || coalesce(
          (SELECT customer_id::text FROM provisioning_operations WHERE id = NEW.operation_id), ''));
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER operation_created AFTER INSERT ON provisioning_operations
        FOR EACH ROW EXECUTE FUNCTION announce_operation_change();
      CREATE TRIGGER operation_status_changed AFTER UPDATE OF status ON provisioning_operations
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION announce_operation_change();
      CREATE TRIGGER step_created AFTER INSERT ON provisioning_steps
        FOR EACH ROW EXECUTE FUNCTION announce_step_change();
      CREATE TRIGGER step_status_changed AFTER UPDATE OF status ON provisioning_steps
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION announce_step_change();
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
