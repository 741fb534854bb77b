import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, signToken, startTestStack, TEST_JWT_SECRET, type TestStack } from '../support/stack.js';

const LIST = 'query { customers(first: 1) { totalCount } }';

describe('the HTTP surface', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack.close());

  it('answers /healthz', async () => {
    const response = await fetch(new URL('/healthz', stack.server.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('serves the Sandbox landing page to browsers', async () => {
    const response = await fetch(stack.server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('embeddable-sandbox');
  });

  it('lets anyone introspect, and shows the types of the API', async () => {
    const response = await graphql<{ __schema: { types: { name: string }[] } }>(
      stack.server.url,
      '{ __schema { types { name } } }',
    );
    const names = response.data!.__schema.types.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'Customer',
        'ProviderInstance',
        'MicrosoftCustomerData',
        'CustomerConnection',
        'UUID',
        'CountryCode',
      ]),
    );
  });

  it('requires a JWT for data, with UNAUTHENTICATED', async () => {
    const anonymous = await graphql(stack.server.url, LIST);
    expect(anonymous.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(stack.emulators.cloudCockpit.calls).toHaveLength(0);
  });

  it('refuses a token signed with another secret, expired, or without usable claims', async () => {
    for (const token of [
      await signToken({}, 'another-secret-that-is-long-enough-too!!'),
      await signToken({ roles: ['viewer'] }),
      await signToken({ roles: ['reseller'] }),
      await signToken({ tenant: 'not a domain' }),
    ]) {
      const response = await graphql(stack.server.url, LIST, {}, { token });
      expect(response.status).toBe(401);
      expect(response.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    }
    expect(TEST_JWT_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('forbids caching every answer, a GET query and an error included', async () => {
    const token = await signToken();
    const get = await fetch(`${stack.server.url}?query=${encodeURIComponent(LIST)}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(((await get.json()) as { data?: unknown }).data).toBeDefined();
    expect(get.headers.get('cache-control')).toBe('no-store');
    const anonymous = await graphql(stack.server.url, LIST);
    expect(anonymous.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
  });

  it("passes the caller's correlation id upstream and returns it, or makes one", async () => {
    const token = await signToken();
    const correlationId = randomUUID();
    const given = await graphql(stack.server.url, LIST, {}, { token, headers: { 'x-correlation-id': correlationId } });
    expect(given.extensions!.correlationId).toBe(correlationId);
    expect(given.headers.get('x-correlation-id')).toBe(correlationId);
    expect(stack.emulators.cloudCockpit.calls.at(-1)!.headers['x-correlation-id']).toBe(correlationId);

    const made = await graphql(stack.server.url, LIST, {}, { token });
    expect(made.extensions!.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.extensions!.correlationId).not.toBe(correlationId);

    const bad = await graphql(stack.server.url, LIST, {}, { token, headers: { 'x-correlation-id': 'abc' } });
    expect(bad.status).toBe(400);
    expect(bad.errors![0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('answers a body it cannot read with a GraphQL error in JSON, never an HTML page', async () => {
    const token = await signToken();
    const post = (body: string, contentType = 'application/json') =>
      fetch(stack.server.url, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
        body,
      });
    const callsBefore = stack.emulators.cloudCockpit.calls.length;
    const cases = [
      { response: await post('{"query": '), status: 400, code: 'BAD_REQUEST' },
      {
        response: await post(JSON.stringify({ query: LIST, padding: 'x'.repeat(1024 * 1024) })),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
    ];
    for (const { response, status, code } of cases) {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe(code);
      expect(body.errors[0]!.message).not.toMatch(/FST_|stack/i);
    }
    expect(stack.emulators.cloudCockpit.calls).toHaveLength(callsBefore);
  });
});
