import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import { openLedger } from '../../src/ledger/open.js';
import { testBackends, type TestDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { provisionEverywhereInput } from '../support/fixtures.js';
import { scrape, sumOf, valueOf, type MetricFamily } from '../support/prometheus-text.js';
import { graphql, recordWebexCustomers, signToken, startTestStack, type TestStack } from '../support/stack.js';

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id }
    wholesale { __typename ... on WholesaleCustomer { id status } }
    failures { provider code }
  }
}`;

const WHOLESALE = `query Wholesale($id: ID!) { wholesaleCustomer(id: $id) { id status } }`;

const OPERATIONS = 'provisioning_graph_graphql_operation_duration_seconds';
const UPSTREAM = 'provisioning_graph_upstream_request_duration_seconds';
const PROVIDERS = ['CLOUDCOCKPIT', 'EXPERIENCE_PLATFORM', 'NET3', 'WEBEX_WHOLESALE'];

describe('/metrics after a provisionCustomer', () => {
  let stack: TestStack;
  let csp: string;
  let wholesaleId: string;
  let metrics: Map<string, MetricFamily>;
  let replayed: string | null;

  beforeAll(async () => {
    // Webex stays `provisioning` for the whole test, so that its step is still in the worker's backlog.
    stack = await startTestStack({ webexProvisioningDelayMs: 600_000 });
    csp = await signToken();
    const headers = { 'Idempotency-Key': randomUUID() };
    const input = provisionEverywhereInput();
    const first = await graphql<{ provisionCustomer: { wholesale: { id: string }; failures: unknown[] } }>(
      stack.server.url,
      PROVISION,
      { input },
      { token: csp, headers },
    );
    expect(first.errors).toBeUndefined();
    expect(first.data!.provisionCustomer.failures).toEqual([]);
    wholesaleId = first.data!.provisionCustomer.wholesale.id;
    const again = await graphql(stack.server.url, PROVISION, { input }, { token: csp, headers });
    replayed = again.headers.get('idempotent-replayed');
    metrics = await scrape(stack.server.url);
  });
  afterAll(() => stack.close());

  it('counts the calls to every provider, by status and outcome, with their latency', () => {
    for (const provider of PROVIDERS) {
      const calls = sumOf(metrics, `${UPSTREAM}_count`, { provider, outcome: 'success' });
      expect(calls, provider).toBeGreaterThanOrEqual(1);
      // Every answer was a 2xx: no call of this provider is counted under another status or outcome.
      expect(sumOf(metrics, `${UPSTREAM}_count`, { provider }), provider).toBe(calls);
      const statuses = new Set(
        metrics
          .get(UPSTREAM)!
          .samples.filter((s) => s.name === `${UPSTREAM}_count` && s.labels['provider'] === provider)
          .map((s) => s.labels['status']),
      );
      expect(
        [...statuses].every((status) => /^2\d\d$/.test(status!)),
        [...statuses].join(),
      ).toBe(true);
      expect(sumOf(metrics, `${UPSTREAM}_sum`, { provider })).toBeGreaterThan(0);
    }
    expect(metrics.get(UPSTREAM)!.type).toBe('histogram');
    // The first call only: the repeat was answered from the stored response.
    expect(sumOf(metrics, `${UPSTREAM}_count`, { provider: 'NET3' })).toBe(1);
  });

  it('counts the operation by name, type and outcome; the repeat under the same Idempotency-Key as a replay', () => {
    expect(replayed).toBe('true');
    expect(
      valueOf(metrics, `${OPERATIONS}_count`, { operation: 'Provision', type: 'mutation', outcome: 'success' }),
    ).toBe(2);
    expect(valueOf(metrics, 'provisioning_graph_idempotent_replays_total')).toBe(1);
    const fastest = valueOf(metrics, `${OPERATIONS}_bucket`, {
      operation: 'Provision',
      type: 'mutation',
      outcome: 'success',
      le: '+Inf',
    });
    expect(fastest).toBe(2);
  });

  it("shows each provider's circuit closed", () => {
    for (const provider of PROVIDERS) {
      expect(valueOf(metrics, 'provisioning_graph_upstream_circuit_state', { provider }), provider).toBe(0);
    }
  });

  it("shows the worker's backlog: the Webex step still provisioning, and how old it is", () => {
    expect(valueOf(metrics, 'provisioning_graph_worker_backlog_steps')).toBeGreaterThanOrEqual(1);
    expect(valueOf(metrics, 'provisioning_graph_worker_due_steps')).toBeGreaterThanOrEqual(0);
    const age = valueOf(metrics, 'provisioning_graph_worker_oldest_step_age_seconds');
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThan(600);
  });

  it("shows the ledger's pool (PGlite: one connection) and the process", () => {
    expect(valueOf(metrics, 'provisioning_graph_ledger_pool_connections', { database: 'pglite', state: 'total' })).toBe(
      1,
    );
    expect(valueOf(metrics, 'provisioning_graph_ledger_pool_max_connections', { database: 'pglite' })).toBe(1);
    expect(valueOf(metrics, 'provisioning_graph_process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const family of metrics.values()) expect(family.help, family.name).not.toBe('');
  });

  it('counts a retry of a read after a fault, and the 503 that caused it', async () => {
    stack.emulators.webex.faults.script({ method: 'GET', fault: { kind: 'refuse', status: 503 } });
    const read = await graphql(stack.server.url, WHOLESALE, { id: wholesaleId }, { token: csp });
    expect(read.errors).toBeUndefined();
    const after = await scrape(stack.server.url);
    expect(valueOf(after, 'provisioning_graph_upstream_retries_total', { provider: 'WEBEX_WHOLESALE' })).toBe(1);
    expect(
      valueOf(after, `${UPSTREAM}_count`, { provider: 'WEBEX_WHOLESALE', status: '503', outcome: 'http_error' }),
    ).toBe(1);
    expect(valueOf(after, `${OPERATIONS}_count`, { operation: 'Wholesale', type: 'query', outcome: 'success' })).toBe(
      1,
    );
  });

  it('counts unnamed operations and requests that do not parse as `other`', async () => {
    await graphql(stack.server.url, `{ wholesaleCustomer(id: "${wholesaleId}") { id } }`, {}, { token: csp });
    await graphql(stack.server.url, `query Broken {`, {}, { token: csp });
    const after = await scrape(stack.server.url);
    expect(valueOf(after, `${OPERATIONS}_count`, { operation: 'other', type: 'query', outcome: 'success' })).toBe(1);
    expect(valueOf(after, `${OPERATIONS}_count`, { operation: 'other', type: 'unknown', outcome: 'error' })).toBe(1);
  });
});

describe('/metrics during an outage', () => {
  let stack: TestStack;
  let csp: string;
  const id = 'Y2lzY29zcGFyazovL3VzL1dIT0xFU0FMRV9DVVNUT01FUi9vdXRhZ2U';

  beforeAll(async () => {
    stack = await startTestStack({
      policy: { breakerThreshold: 2, maxAttempts: 0, breakerHalfOpenAfterMs: 60_000 },
    });
    csp = await signToken();
    await recordWebexCustomers(stack.ledger, [id]);
  });
  afterAll(() => stack.close());

  it("shows the provider's circuit open, and the calls it refused unsent", async () => {
    stack.emulators.webex.faults.script({ fault: { kind: 'refuse', status: 503 }, times: 2 });
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const read = await graphql(stack.server.url, WHOLESALE, { id }, { token: csp });
      codes.push(read.errors?.[0]?.extensions['code']);
    }
    expect(codes).toEqual(['UPSTREAM_ERROR', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE']);
    const metrics = await scrape(stack.server.url);
    expect(valueOf(metrics, 'provisioning_graph_upstream_circuit_state', { provider: 'WEBEX_WHOLESALE' })).toBe(1);
    for (const provider of ['CLOUDCOCKPIT', 'EXPERIENCE_PLATFORM', 'NET3']) {
      expect(valueOf(metrics, 'provisioning_graph_upstream_circuit_state', { provider }), provider).toBe(0);
    }
    expect(
      valueOf(metrics, `${UPSTREAM}_count`, { provider: 'WEBEX_WHOLESALE', status: '503', outcome: 'http_error' }),
    ).toBe(2);
    expect(
      valueOf(metrics, `${UPSTREAM}_count`, { provider: 'WEBEX_WHOLESALE', status: 'none', outcome: 'circuit_open' }),
    ).toBe(1);
    // The field failed, not the request: `data` came, with `wholesaleCustomer: null`.
    expect(valueOf(metrics, `${OPERATIONS}_count`, { operation: 'Wholesale', type: 'query', outcome: 'partial' })).toBe(
      3,
    );
  });
});

describe('/metrics while a probe goes through a half-open circuit', () => {
  let stack: TestStack;
  let csp: string;
  const id = 'Y2lzY29zcGFyazovL3VzL1dIT0xFU0FMRV9DVVNUT01FUi9wcm9iZQ';
  const circuitOf = async () =>
    valueOf(await scrape(stack.server.url), 'provisioning_graph_upstream_circuit_state', {
      provider: 'WEBEX_WHOLESALE',
    });

  beforeAll(async () => {
    stack = await startTestStack({ policy: { breakerThreshold: 1, maxAttempts: 0, breakerHalfOpenAfterMs: 200 } });
    csp = await signToken();
    await recordWebexCustomers(stack.ledger, [id]);
  });
  afterAll(() => stack.close());

  it('shows it open, half-open while the probe waits for its answer, then closed', async () => {
    stack.emulators.webex.faults.script(
      { fault: { kind: 'refuse', status: 503 } },
      // The probe: answered, but only after a while, so that a scrape sees the circuit half-open meanwhile.
      { fault: { kind: 'latency', ms: 3_000 } },
    );
    await graphql(stack.server.url, WHOLESALE, { id }, { token: csp });
    expect(await circuitOf()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const probe = graphql(stack.server.url, WHOLESALE, { id }, { token: csp });
    expect(await eventually(circuitOf, (state) => state === 2, 2_800)).toBe(2);
    await probe;
    expect(await circuitOf()).toBe(0);
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  let stack: TestStack;
  const token = 'a-metrics-token-of-some-length';

  beforeAll(async () => {
    stack = await startTestStack({ metricsToken: token });
  });
  afterAll(() => stack.close());

  it('asks for the token, and answers with it', async () => {
    const url = new URL('/metrics', stack.server.url);
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    const metrics = await scrape(stack.server.url, { authorization: `Bearer ${token}` });
    expect(metrics.has('provisioning_graph_graphql_operation_duration_seconds')).toBe(true);
  });
});

describe.each(testBackends)("/metrics of the ledger's pool and backlog, on $name", (backend) => {
  let testDatabase: TestDatabase;
  let stack: TestStack;

  beforeAll(async () => {
    testDatabase = await backend.create();
    await migrate(testDatabase.database);
    const ledger = new Ledger(testDatabase.database, { owner: `metrics-test-${randomUUID().slice(0, 8)}` });
    stack = await startTestStack({ ledger, webexProvisioningDelayMs: 600_000 });
  });
  afterAll(async () => {
    await stack?.close();
    await testDatabase?.drop();
  });

  it('shows the connections as the database has them, and the step left to follow', async () => {
    const token = await signToken();
    const provisioned = await graphql(stack.server.url, PROVISION, { input: provisionEverywhereInput() }, { token });
    expect(provisioned.errors).toBeUndefined();
    const metrics = await scrape(stack.server.url);
    const pool = (state: string) =>
      valueOf(metrics, 'provisioning_graph_ledger_pool_connections', { database: backend.name, state });
    if (backend.name === 'postgres') {
      expect(valueOf(metrics, 'provisioning_graph_ledger_pool_max_connections', { database: 'postgres' })).toBe(20);
      expect(pool('total')).toBeGreaterThanOrEqual(1);
      expect(pool('idle')).toBeLessThanOrEqual(pool('total')!);
      // The backlog's own query may be waiting for a connection while the pool is read, in the same scrape.
      expect(pool('waiting')).toBeGreaterThanOrEqual(0);
    } else {
      expect(pool('total')).toBe(1);
      expect(pool('idle')).toBeUndefined();
    }
    // Webex is still provisioning (and Adobe may be): their steps wait for the worker to follow them, not yet due.
    const correlationId = String(provisioned.extensions!['correlationId']);
    const [operation] = await stack.ledger.operationsByCorrelationId('contoso.example', correlationId, new Date(0));
    const unsettled = (await stack.ledger.stepsOf([operation!.id])).filter((step) => step.status === 'IN_PROGRESS');
    expect(unsettled.map((step) => step.step)).toContain('wholesale');
    expect(valueOf(metrics, 'provisioning_graph_worker_backlog_steps')).toBe(unsettled.length);
    expect(valueOf(metrics, 'provisioning_graph_worker_due_steps')).toBe(0);
    expect(valueOf(metrics, 'provisioning_graph_worker_oldest_step_age_seconds')).toBeGreaterThan(0);
  });
});

describe('/metrics while the ledger cannot answer', () => {
  it('still answers, the backlog unknown (NaN)', async () => {
    const { ledger, database } = await openLedger({ dataDir: 'memory://' });
    const stack = await startTestStack({ ledger });
    try {
      expect(valueOf(await scrape(stack.server.url), 'provisioning_graph_worker_backlog_steps')).toBe(0);
      await database.close();
      const metrics = await scrape(stack.server.url);
      expect(valueOf(metrics, 'provisioning_graph_worker_backlog_steps')).toBeNaN();
      expect(valueOf(metrics, 'provisioning_graph_worker_oldest_step_age_seconds')).toBeNaN();
      expect(valueOf(metrics, 'provisioning_graph_upstream_circuit_state', { provider: 'NET3' })).toBe(0);
    } finally {
      await stack.close();
    }
  });
});
