import { randomUUID } from 'node:crypto';
import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openLedger } from '../../src/ledger/open.js';
import { openDatabase, type Database } from '../../src/ledger/database.js';
import { postgresBackend, type TestDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { scrape, valueOf } from '../support/prometheus-text.js';
import { customerInput, providerInstanceInput, provisionEverywhereInput } from '../support/fixtures.js';
import { graphql, signToken, startTestStack, type TestStack } from '../support/stack.js';

const PROGRESS_FIELDS = `id status customerId steps { name status wholesaleCustomer { status } }`;
const PROVISIONING_UPDATED = `subscription Progress($id: ID!) { provisioningUpdated(id: $id) { ${PROGRESS_FIELDS} } }`;
const CUSTOMER_UPDATED = `subscription CustomerProgress($customerId: ID!) {
  customerProvisioningUpdated(customerId: $customerId) { ${PROGRESS_FIELDS} }
}`;
const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) { customer { id } provisioning { id status } }
}`;

interface Progress {
  id: string;
  status: string;
  customerId: string;
  steps: { name: string; status: string; wholesaleCustomer: { status: string } | null }[];
}

/** What one subscription received, in order, and how it ended. */
class Subscription<TData = Record<string, Progress>> {
  readonly results: FormattedExecutionResult<TData, unknown>[] = [];
  ended: Promise<unknown>;
  private stop!: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown>) {
    this.ended = new Promise((resolve) => {
      this.stop = client.subscribe<TData>(
        { query, variables },
        {
          next: (result) => this.results.push(result),
          error: (error) => resolve({ error }),
          complete: () => resolve({ complete: true }),
        },
      );
    });
  }

  get events(): TData[keyof TData][] {
    return this.results.filter((r) => r.data).map((r) => Object.values(r.data as object)[0] as TData[keyof TData]);
  }

  close(): void {
    this.stop();
  }
}

function connect(url: string, token: string | null): Client {
  return createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    // A refused connection is what some tests expect: it ends their subscription with the close event.
    onNonLazyError: () => undefined,
  });
}

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});

function client(stack: TestStack, token: string | null): Client {
  const made = connect(stack.server.url, token);
  clients.push(made);
  return made;
}

async function provision(stack: TestStack, token: string, input: Record<string, unknown>) {
  const answer = await graphql<{ provisionCustomer: { customer: { id: string }; provisioning: { id: string } } }>(
    stack.server.url,
    PROVISION,
    { input },
    { token },
  );
  expect(answer.errors).toBeUndefined();
  return answer.data!.provisionCustomer;
}

async function addProviderInstance(stack: TestStack, token: string, customerId: string): Promise<void> {
  const answer = await graphql(
    stack.server.url,
    `
      mutation Add($customerId: ID!, $input: AddProviderInstanceInput!) {
        addProviderInstance(customerId: $customerId, input: $input) {
          providerInstanceId
        }
      }
    `,
    { customerId, input: providerInstanceInput() },
    { token },
  );
  expect(answer.errors).toBeUndefined();
}

function wholesaleStatuses(events: Progress[]): string[] {
  const statuses = events.map((event) => event.steps.find((s) => s.name === 'wholesale')?.wholesaleCustomer?.status);
  return statuses.filter((status, i) => status && status !== statuses[i - 1]) as string[];
}

describe('subscriptions on one server (PGlite, in process)', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    // Webex stays `provisioning` long enough for the worker's checks to find it unfinished first.
    stack = await startTestStack({ webexProvisioningDelayMs: 2_000, worker: { intervalMs: 50 } });
    token = await signToken();
  });
  afterAll(() => stack.close());

  it('sees a Webex provisioning go from PROVISIONING to PROVISIONED, the worker’s change included', async () => {
    const { provisioning } = await provision(stack, token, provisionEverywhereInput());
    const subscription = new Subscription(client(stack, token), PROVISIONING_UPDATED, { id: provisioning.id });

    const events = await eventually(
      async () => subscription.events,
      (events) => events.at(-1)?.status === 'SUCCEEDED',
    );
    // The current state first: the request had already answered, Webex still working.
    expect(events[0]).toMatchObject({ id: provisioning.id, status: 'WAITING' });
    expect(wholesaleStatuses(events)).toEqual(['PROVISIONING', 'PROVISIONED']);
    expect(events.at(-1)!.steps.every((step) => step.status === 'SUCCEEDED')).toBe(true);
    // Each event is a change: no state twice in a row.
    const states = events.map((event) => JSON.stringify(event));
    expect(new Set(states).size).toBe(states.length);

    // A subscriber who leaves while nothing changes stops following at once; /metrics counts the open ones.
    const open = async () => valueOf(await scrape(stack.server.url), 'provisioning_graph_subscriptions');
    expect(await open()).toBe(1);
    expect(stack.ledger.changes.followers).toBe(1);
    subscription.close();
    expect(await eventually(open, (n) => n === 0, 2_000)).toBe(0);
    expect(stack.ledger.changes.followers).toBe(0);
  });

  it('follows a customer’s provisionings, including one that starts after it subscribed', async () => {
    const first = await provision(stack, token, { customer: customerInput() });
    const customerId = first.customer.id;
    const subscription = new Subscription(client(stack, token), CUSTOMER_UPDATED, { customerId });
    await eventually(
      async () => subscription.events,
      (events) => events.length > 0,
    );
    expect(subscription.events).toEqual([
      expect.objectContaining({ id: first.provisioning.id, status: 'SUCCEEDED', customerId }),
    ]);

    // A later provisioning of the same customer (a provider instance added) is pushed as it happens.
    await addProviderInstance(stack, token, customerId);
    const events = await eventually(
      async () => subscription.events,
      (events) => events.some((event) => event.id !== first.provisioning.id && event.status === 'SUCCEEDED'),
    );
    expect(events.filter((event) => event.id !== first.provisioning.id).at(-1)).toMatchObject({
      status: 'SUCCEEDED',
      steps: [expect.objectContaining({ name: expect.stringMatching(/^providerInstance:/) })],
    });
    expect(events.every((event) => event.customerId === customerId)).toBe(true);
  });

  it('shows another tenant nothing: NOT_FOUND for a provisioning, no events for a customer', async () => {
    const { provisioning, customer } = await provision(stack, token, { customer: customerInput() });
    const stranger = await signToken({ tenant: 'fabrikam.example' });

    const byId = new Subscription(client(stack, stranger), PROVISIONING_UPDATED, { id: provisioning.id });
    await byId.ended;
    expect(byId.results.flatMap((r) => r.errors ?? []).map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);

    const byCustomer = new Subscription(client(stack, stranger), CUSTOMER_UPDATED, { customerId: customer.id });
    const own = new Subscription(client(stack, token), CUSTOMER_UPDATED, { customerId: customer.id });
    await eventually(
      async () => own.events,
      (events) => events.length === 1,
    );
    // A change of the customer's provisionings reaches the owner's subscription, and nothing of it the stranger's.
    await addProviderInstance(stack, token, customer.id);
    await eventually(
      async () => own.events,
      (events) => events.length >= 2 && events.at(-1)!.status === 'SUCCEEDED',
    );
    expect(own.events.length).toBeGreaterThanOrEqual(2);
    expect(byCustomer.results).toEqual([]);
  });

  it('refuses a connection without a valid token, and queries or mutations over the socket', async () => {
    for (const token of [null, 'not-a-jwt', await signToken({}, 'another-secret-that-is-long-enough!')]) {
      const refused = new Subscription(client(stack, token), PROVISIONING_UPDATED, { id: randomUUID() });
      expect(await refused.ended).toMatchObject({ error: { code: 4403 } });
    }
    for (const operation of ['{ provisionings { totalCount } }', 'mutation { retryProvisioning(id: "x") { id } }']) {
      const refused = new Subscription(client(stack, token), operation, {});
      const { error } = (await refused.ended) as { error?: { extensions?: { code?: string } }[] };
      expect(error?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    }
  });

  it('applies the query limits to a subscription', async () => {
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: id`).join(' ');
    const tooMany = new Subscription(
      client(stack, token),
      `subscription { provisioningUpdated(id: "${randomUUID()}") { ${aliases} } }`,
      {},
    );
    const { error } = (await tooMany.ended) as { error?: { message: string }[] };
    expect(error?.[0]?.message).toMatch(/alias/i);
  });
});

describe.skipIf(!postgresBackend)('subscriptions across two replicas on PostgreSQL', () => {
  let db: TestDatabase;
  let replicaDatabases: Database[] = [];
  let provisioner: TestStack;
  let follower: TestStack;
  let token: string;

  beforeAll(async () => {
    db = await postgresBackend!.create();
    // Two ledgers, each with its own pool and LISTEN connection, as two server processes would have.
    const [a, b] = await Promise.all([
      openLedger({ databaseUrl: db.url, dataDir: '' }),
      openLedger({ databaseUrl: db.url, dataDir: '' }),
    ]);
    replicaDatabases = [a.database, b.database];
    // The provisioner answers the mutation and runs the worker; the follower only serves the subscription.
    provisioner = await startTestStack({
      ledger: a.ledger,
      webexProvisioningDelayMs: 2_000,
      worker: { intervalMs: 50 },
    });
    follower = await startTestStack({ ledger: b.ledger });
    token = await signToken();
  }, 60_000);

  afterAll(async () => {
    await Promise.all([provisioner?.close(), follower?.close()]);
    await Promise.all(replicaDatabases.map((database) => database.close()));
    await db?.drop();
  });

  it('pushes the other replica’s changes, request path and worker, from PROVISIONING to PROVISIONED', async () => {
    const { provisioning } = await provision(provisioner, token, provisionEverywhereInput());
    const subscription = new Subscription(client(follower, token), PROVISIONING_UPDATED, { id: provisioning.id });

    const events = await eventually(
      async () => subscription.events,
      (events) => events.at(-1)?.status === 'SUCCEEDED',
    );
    expect(events[0]).toMatchObject({ status: 'WAITING' });
    expect(wholesaleStatuses(events)).toEqual(['PROVISIONING', 'PROVISIONED']);
  });

  it('pushes a provisioning that another replica starts after the subscription', async () => {
    const customerId = randomUUID();
    const subscription = new Subscription(client(follower, token), CUSTOMER_UPDATED, { customerId });
    // Subscribed (the server answers nothing until something changes): give the socket a moment to be set up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { provisioning } = await provision(provisioner, token, { customer: { ...customerInput(), id: customerId } });
    const events = await eventually(
      async () => subscription.events,
      (events) => events.at(-1)?.status === 'SUCCEEDED',
    );
    expect(events.at(-1)).toMatchObject({ id: provisioning.id, customerId });
  });

  it('makes a lost LISTEN connection again and reads what changed meanwhile', async () => {
    const customerId = randomUUID();
    const subscription = new Subscription(client(follower, token), CUSTOMER_UPDATED, { customerId });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const admin = await openDatabase({ url: db.url, dataDir: '' });
    try {
      const listeners = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
      );
      // Only the follower listens: a process starts listening when its first subscriber comes.
      expect(listeners).toHaveLength(1);
      // The follower loses it; the change is made while it is being made again (after 250 ms).
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [
        listeners.map((l) => l.pid),
      ]);
      const { provisioning } = await provision(provisioner, token, {
        customer: { ...customerInput(), id: customerId },
      });
      const events = await eventually(
        async () => subscription.events,
        (events) => events.at(-1)?.status === 'SUCCEEDED',
      );
      expect(events.at(-1)).toMatchObject({ id: provisioning.id, customerId });
    } finally {
      await admin.close();
    }
  });
});
