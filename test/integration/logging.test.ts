import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { provisionEverywhereInput } from '../support/fixtures.js';
import { graphql, signToken, startTestStack, TEST_CREDENTIALS, type TestStack } from '../support/stack.js';

const PROVISION = `mutation ProvisionLogged($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id }
    experiencePlatform { ... on ExperiencePlatformProvisioning { connectionString } }
    failures { provider code }
  }
}`;

type LogLine = Record<string, unknown>;

describe('logs', () => {
  let stack: TestStack;
  let logs = '';
  const linesOf = (correlationId: string): LogLine[] =>
    logs
      .split('\n')
      .filter((line) => line.includes(correlationId))
      .map((line) => JSON.parse(line) as LogLine);

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    // Net3 unreachable as well, so that failure paths log too.
    stack = await startTestStack({ logs: sink, urls: { net3: 'http://127.0.0.1:9' } });
  });
  afterAll(() => stack.close());

  it("log each operation's outcome once, with its correlation id, name and error codes", async () => {
    const correlationId = randomUUID();
    await graphql(
      stack.server.url,
      'query FirstCustomers { customers(first: 1) { totalCount } }',
      {},
      {
        token: await signToken(),
        headers: { 'x-correlation-id': correlationId },
      },
    );
    const lines = logs
      .split('\n')
      .filter((line) => line.includes(correlationId))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const outcomes = lines.filter((line) => line.msg === 'graphql operation');
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({
      correlationId,
      tenant: 'contoso.example',
      operationName: 'FirstCustomers',
      errorCodes: [],
      level: 30,
    });
    expect(outcomes[0]!.durationMs).toEqual(expect.any(Number));
  });

  it("put the tenant and the operation's name on every line of a request, the failures' included", async () => {
    const correlationId = randomUUID();
    await graphql(
      stack.server.url,
      PROVISION,
      { input: provisionEverywhereInput() },
      { token: await signToken(), headers: { 'x-correlation-id': correlationId } },
    );
    const lines = linesOf(correlationId);
    const messages = lines.map((line) => line.msg);
    expect(messages).toContain('upstream call failed without a response');
    expect(messages).toContain('provisioning step failed');
    expect(messages).toContain('graphql operation');
    for (const line of lines) {
      expect(line).toMatchObject({ correlationId, tenant: 'contoso.example', operationName: 'ProvisionLogged' });
    }
  });

  it('never carry a credential, a connection string or a stored answer, even at trace level', async () => {
    const token = await signToken();
    const correlationId = randomUUID();
    const request = {
      token,
      headers: { 'x-correlation-id': correlationId, 'idempotency-key': `logging-${randomUUID()}` },
    };
    const input = provisionEverywhereInput();
    const first = await graphql<{ provisionCustomer: { experiencePlatform: { connectionString: string } } }>(
      stack.server.url,
      PROVISION,
      { input },
      request,
    );
    // The repeat is answered from the stored (encrypted) answer, which holds the connection string too.
    const replay = await graphql(stack.server.url, PROVISION, { input }, request);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const connectionString = first.data!.provisionCustomer.experiencePlatform.connectionString;
    expect(connectionString).toBeTruthy();
    expect(replay.data).toEqual(first.data);
    // Lines were written for these requests, the failure's too: their absence would prove nothing.
    expect(linesOf(correlationId).map((line) => line.msg)).toEqual(
      expect.arrayContaining(['provisioning step failed', 'graphql operation']),
    );

    const secrets = [
      token,
      connectionString,
      TEST_CREDENTIALS.cloudCockpit.token,
      TEST_CREDENTIALS.experiencePlatform.token,
      TEST_CREDENTIALS.experiencePlatform.imsAuthorization,
      TEST_CREDENTIALS.net3.apiKey,
      TEST_CREDENTIALS.webex.token,
    ];
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});

describe('the logger', () => {
  it('redacts credentials under the names they go by, wherever a log call puts them', () => {
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = createLogger('trace', sink);
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl';
    logger.child({ correlationId: 'c' }).warn(
      {
        headers: { authorization: `Bearer ${jwt}`, 'x-gw-ims-authorization': 'Bearer ims-secret', cookie: 'sid=1' },
        request: { headers: { Authorization: `Bearer ${jwt}` } },
        credentials: { apiKey: 'net3-api-key', password: 'net3-password' },
        experiencePlatform: { connectionString: 'Endpoint=sb://secret' },
        token: 'webex-token',
      },
      'a line a future call might write',
    );
    const line = JSON.parse(written) as Record<string, Record<string, Record<string, string>>>;
    expect(line.headers).toEqual({
      authorization: '[redacted]',
      'x-gw-ims-authorization': '[redacted]',
      cookie: '[redacted]',
    });
    expect(line.request!.headers).toEqual({ Authorization: '[redacted]' });
    expect(line.credentials).toEqual({ apiKey: '[redacted]', password: '[redacted]' });
    expect(line.experiencePlatform).toEqual({ connectionString: '[redacted]' });
    expect(line.token).toBe('[redacted]');
    for (const secret of [jwt, 'ims-secret', 'net3-api-key', 'net3-password', 'sb://secret', 'webex-token']) {
      expect(written).not.toContain(secret);
    }
  });
});
