import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError, unansweredError } from '../../src/errors.js';
import { mayRetry } from '../../src/providers/policies/retry.js';
import type { CallLimits } from '../../src/providers/policies/timeout.js';
import { DEFAULT_UPSTREAM_POLICY, UpstreamPolicy } from '../../src/providers/policies/upstream-policy.js';
import { wholesaleCustomerInput } from '../support/fixtures.js';
import { graphql, signToken, startTestStack, type TestStack } from '../support/stack.js';

const PROVISION = `mutation Provision($input: WholesaleCustomerInput!) {
  provisionWholesaleCustomer(input: $input) { id externalId status }
}`;
const LIST = 'query { wholesaleCustomers(first: 5) { nodes { id } } }';
const CUSTOMERS = '/v1/wholesale/customers';

const busy = (status: 423 | 429, retryAfterSeconds: number | null = null) =>
  new UpstreamError({
    provider: 'WEBEX_WHOLESALE',
    httpStatus: status,
    correlationId: 'c',
    message: 'busy',
    invalidProperties: [],
    retryAfterSeconds,
  });
const failed = (status: number) =>
  new UpstreamError({ provider: 'NET3', httpStatus: status, correlationId: 'c', message: 'x', invalidProperties: [] });

describe('which failed calls are sent again', () => {
  it('repeats what the provider did not process, reads and writes alike', () => {
    for (const read of [true, false]) {
      expect(mayRetry(busy(429), read, 5)).toBe(true);
      expect(mayRetry(busy(423, 5), read, 5)).toBe(true);
      expect(mayRetry(unansweredError('NET3', 'c', 'refused'), read, 5)).toBe(true);
    }
  });

  it('repeats a 5xx, a timeout or a lost answer only for a read', () => {
    for (const error of [
      failed(500),
      failed(503),
      unansweredError('NET3', 'c', 'timed-out'),
      unansweredError('NET3', 'c', 'lost'),
    ]) {
      expect(mayRetry(error, true, 5)).toBe(true);
      expect(mayRetry(error, false, 5)).toBe(false);
    }
  });

  it('leaves a Retry-After over the cap, a refusal of the request, an open circuit and a full cap to the caller', () => {
    expect(mayRetry(busy(429, 6), true, 5)).toBe(false);
    for (const error of [
      failed(400),
      failed(404),
      failed(409),
      unansweredError('NET3', 'c', 'circuit-open', 3),
      unansweredError('NET3', 'c', 'concurrency-cap', 1),
      new Error('a bug of ours'),
    ]) {
      expect(mayRetry(error, true, 5)).toBe(false);
    }
  });
});

describe('the upstream policy, around calls of its own', () => {
  const options = { ...DEFAULT_UPSTREAM_POLICY, baseDelayMs: 10, maxDelayMs: 20 };

  it('retries at most maxAttempts times', async () => {
    const policy = new UpstreamPolicy('NET3', { ...options, maxAttempts: 3 });
    let calls = 0;
    const call = () =>
      policy.execute(
        async () => {
          calls++;
          throw failed(503);
        },
        { read: true, correlationId: 'c' },
      );
    await expect(call()).rejects.toMatchObject({ httpStatus: 503 });
    expect(calls).toBe(4);
  });

  it('starts no retry past its budget', async () => {
    const policy = new UpstreamPolicy('NET3', {
      ...options,
      maxAttempts: 100,
      budgetMs: 300,
      baseDelayMs: 50,
      maxDelayMs: 100,
      breakerThreshold: 1_000,
    });
    const starts: number[] = [];
    await expect(
      policy.execute(
        async () => {
          starts.push(Date.now());
          throw failed(502);
        },
        { read: true, correlationId: 'c' },
      ),
    ).rejects.toMatchObject({ httpStatus: 502 });
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(starts.length).toBeLessThan(100);
    // Every retry started inside the budget (a few ms of timer slack aside).
    expect(starts.at(-1)! - starts[0]!).toBeLessThanOrEqual(300 + 25);
  });

  it('waits as long as Retry-After asks, and not at all when it would end past the budget', async () => {
    const policy = new UpstreamPolicy('WEBEX_WHOLESALE', { ...options, budgetMs: 2_000 });
    let calls = 0;
    const started = Date.now();
    const answer = await policy.execute(
      async () => {
        if (++calls === 1) throw busy(429, 1);
        return 'done';
      },
      { read: false, correlationId: 'c' },
    );
    expect(answer).toBe('done');
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);

    calls = 0;
    await expect(
      policy.execute(
        async () => {
          calls++;
          throw busy(429, 3);
        },
        { read: false, correlationId: 'c' },
      ),
    ).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_BUSY', retryAfterSeconds: 3 } });
    expect(calls).toBe(1);
  });

  it("ends a call at its time limit, and hands it the time left and the caller's signal", async () => {
    const policy = new UpstreamPolicy('NET3', { ...options, timeoutMs: 100, maxAttempts: 0 });
    const given: CallLimits[] = [];
    await expect(
      policy.execute((limits) => (given.push(limits), new Promise<never>(() => {})), {
        read: true,
        correlationId: 'c',
      }),
    ).rejects.toMatchObject({
      message: 'Net3 could not be reached in time',
      extensions: { code: 'UPSTREAM_ERROR', httpStatus: null },
    });
    expect(given[0]!.timeoutMs).toBeGreaterThan(50);
    expect(given[0]!.timeoutMs).toBeLessThanOrEqual(100);

    const caller = new AbortController();
    const pending = policy.execute(
      ({ signal }) =>
        new Promise<never>((_, reject) => signal!.addEventListener('abort', () => reject(signal!.reason))),
      { read: true, correlationId: 'c', signal: caller.signal },
    );
    caller.abort(new Error('the client went away'));
    await expect(pending).rejects.toThrow('the client went away');
  });

  it('opens its circuit after repeated outages, fails fast without calling, and closes after a good probe', async () => {
    const policy = new UpstreamPolicy('NET3', {
      ...options,
      maxAttempts: 0,
      breakerThreshold: 3,
      breakerHalfOpenAfterMs: 300,
    });
    let calls = 0;
    let up = false;
    const call = () =>
      policy.execute(
        async () => {
          calls++;
          if (!up) throw failed(503);
          return 'ok';
        },
        { read: true, correlationId: 'c' },
      );
    for (let i = 0; i < 3; i++) await expect(call()).rejects.toMatchObject({ httpStatus: 503 });
    const open = call();
    await expect(open).rejects.toMatchObject({
      extensions: { code: 'UPSTREAM_UNAVAILABLE', provider: 'NET3', httpStatus: null, retryAfterSeconds: 1 },
    });
    expect(calls).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 350));
    up = true;
    await expect(call()).resolves.toBe('ok');
    await expect(call()).resolves.toBe('ok');
    expect(calls).toBe(5);
  });

  it('counts neither a refusal of the request nor a 429 as an outage', async () => {
    const policy = new UpstreamPolicy('NET3', { ...options, maxAttempts: 0, breakerThreshold: 2 });
    for (const error of [failed(400), busy(429, 60), failed(404), busy(423, 60)]) {
      await expect(policy.execute(async () => Promise.reject(error), { read: true, correlationId: 'c' })).rejects.toBe(
        error,
      );
    }
    await expect(policy.execute(async () => 'ok', { read: true, correlationId: 'c' })).resolves.toBe('ok');
  });

  it('caps calls in flight, refusing those over the queue unsent', async () => {
    const policy = new UpstreamPolicy('WEBEX_WHOLESALE', {
      ...options,
      maxConcurrent: 2,
      maxQueued: 1,
      maxAttempts: 0,
    });
    let started = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const call = () =>
      policy.execute(
        async () => {
          started++;
          await gate;
          return 'ok';
        },
        { read: false, correlationId: 'c' },
      );
    const calls = [call(), call(), call()];
    await expect(call()).rejects.toMatchObject({
      extensions: { code: 'UPSTREAM_BUSY', httpStatus: null, retryAfterSeconds: 1 },
    });
    expect(started).toBe(2);
    release();
    await expect(Promise.all(calls)).resolves.toEqual(['ok', 'ok', 'ok']);
    expect(started).toBe(3);
  });

  it('never sends a call that waited for a slot past its time limit', async () => {
    const policy = new UpstreamPolicy('NET3', {
      ...options,
      maxConcurrent: 1,
      maxQueued: 5,
      timeoutMs: 100,
      maxAttempts: 0,
    });
    let started = 0;
    const slow = policy.execute(
      async () => {
        started++;
        await new Promise((resolve) => setTimeout(resolve, 250));
        return 'slow';
      },
      { read: false, correlationId: 'c' },
    );
    const queued = policy.execute(
      async () => {
        started++;
        return 'queued';
      },
      { read: false, correlationId: 'c' },
    );
    const [slowly, queuedly] = await Promise.allSettled([slow, queued]);
    expect(slowly).toMatchObject({ status: 'rejected', reason: { message: 'Net3 could not be reached in time' } });
    expect(queuedly).toMatchObject({ status: 'rejected', reason: { extensions: { code: 'UPSTREAM_BUSY' } } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(started).toBe(1);
  });
});

describe('the upstream policy in front of Webex', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack();
    token = await signToken();
  });
  afterAll(() => stack.close());

  const posts = () => stack.emulators.webex.calls.filter((c) => c.method === 'POST' && c.path === CUSTOMERS);

  it('waits out a 429 with Retry-After: 1 and provisions inside the request, once', async () => {
    stack.emulators.webex.faults.script({
      method: 'POST',
      path: CUSTOMERS,
      fault: { kind: 'refuse', status: 429, retryAfterSeconds: 1 },
    });
    const before = posts().length;
    const input = wholesaleCustomerInput();
    const started = Date.now();
    const response = await graphql<{ provisionWholesaleCustomer: { externalId: string } }>(
      stack.server.url,
      PROVISION,
      { input },
      { token },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.provisionWholesaleCustomer.externalId).toBe(input.externalId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(posts().length - before).toBe(2);
    expect(stack.emulators.webex.created.get(String(input.externalId))).toBe(1);
  });

  it('answers UPSTREAM_BUSY with retryAfterSeconds for a Retry-After over the cap, having called once', async () => {
    stack.emulators.webex.faults.script({
      method: 'POST',
      path: CUSTOMERS,
      fault: { kind: 'refuse', status: 429, retryAfterSeconds: 30 },
    });
    const before = posts().length;
    const response = await graphql(stack.server.url, PROVISION, { input: wholesaleCustomerInput() }, { token });
    expect(response.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_BUSY',
      provider: 'WEBEX_WHOLESALE',
      httpStatus: 429,
      retryAfterSeconds: 30,
    });
    expect(posts().length - before).toBe(1);
  });

  it('sends a read again after a 503, but never a write', async () => {
    stack.emulators.webex.faults.script({ method: 'GET', path: CUSTOMERS, fault: { kind: 'refuse', status: 503 } });
    expect((await graphql(stack.server.url, LIST, {}, { token })).errors).toBeUndefined();

    stack.emulators.webex.faults.script({ method: 'POST', path: CUSTOMERS, fault: { kind: 'refuse', status: 503 } });
    const before = posts().length;
    const response = await graphql(stack.server.url, PROVISION, { input: wholesaleCustomerInput() }, { token });
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', httpStatus: 503 });
    expect(posts().length - before).toBe(1);
  });

  it('does not repeat a write whose answer was lost', async () => {
    stack.emulators.webex.faults.script({ method: 'POST', path: CUSTOMERS, fault: { kind: 'lose', as: 'drop' } });
    const before = posts().length;
    const input = wholesaleCustomerInput();
    const response = await graphql(stack.server.url, PROVISION, { input }, { token });
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', httpStatus: null });
    expect(posts().length - before).toBe(1);
    expect(stack.emulators.webex.created.get(String(input.externalId))).toBe(1);
  });
});

describe('a provider that is down', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    // A port that refuses connections: CloudCockpit is down.
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    stack = await startTestStack({
      urls: { cloudCockpit: url },
      policy: { breakerThreshold: 3, breakerHalfOpenAfterMs: 5_000, baseDelayMs: 10, maxDelayMs: 20 },
    });
    token = await signToken();
  });
  afterAll(() => stack.close());

  const CUSTOMERS_READ = 'query { customers(first: 1) { totalCount } }';

  it('opens its circuit and fails fast, while the other providers still answer', async () => {
    // A refused connection is tried three times (two retries): three outages in a row open the circuit.
    const first = await graphql(stack.server.url, CUSTOMERS_READ, {}, { token });
    expect(first.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      provider: 'CLOUDCOCKPIT',
      httpStatus: null,
    });
    const open = await graphql(stack.server.url, CUSTOMERS_READ, {}, { token });
    expect(open.errors![0]!.message).toBe(
      'CloudCockpit is unavailable: calls to it are paused after repeated failures',
    );
    expect(open.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      provider: 'CLOUDCOCKPIT',
      httpStatus: null,
      retryAfterSeconds: 5,
    });
    expect(open.errors![0]!.path).toEqual(['customers']);
    expect((await graphql(stack.server.url, LIST, {}, { token })).errors).toBeUndefined();
  });

  it('records a provisioning step whose call never left as FAILED with no attempt and nothing to look up', async () => {
    const down = await startTestStack({ urls: { webex: 'http://127.0.0.1:9' }, policy: { maxAttempts: 0 } });
    try {
      const tenantToken = await signToken({ tenant: `refused-${Date.now()}.example` });
      const refused = await graphql(
        down.server.url,
        PROVISION,
        { input: wholesaleCustomerInput() },
        { token: tenantToken },
      );
      expect(refused.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', httpStatus: null });
      const listed = await graphql<{
        provisionings: {
          nodes: { steps: { name: string; status: string; attempts: number; outcomeUnknown: boolean }[] }[];
        };
      }>(
        down.server.url,
        'query { provisionings(first: 1) { nodes { steps { name status attempts outcomeUnknown } } } }',
        {},
        { token: tenantToken },
      );
      expect(listed.data!.provisionings.nodes[0]!.steps).toEqual([
        { name: 'provisionWholesaleCustomer', status: 'FAILED', attempts: 0, outcomeUnknown: false },
      ]);
    } finally {
      await down.close();
    }
  });
});
