import { Writable } from 'node:stream';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerInput, providerInstanceInput } from '../support/fixtures.js';
import { graphql, signToken, startTestStack, TEST_CREDENTIALS, type TestStack } from '../support/stack.js';

const PROVISION = `mutation($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id }
    experiencePlatform { ... on ExperiencePlatformProvisioning { connectionString } }
    failures { provider code }
  }
}`;

describe('logs', () => {
  let stack: TestStack;
  let logs = '';

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
    expect(outcomes[0]).toMatchObject({ correlationId, operationName: 'FirstCustomers', errorCodes: [], level: 30 });
    expect(outcomes[0]!.durationMs).toEqual(expect.any(Number));
  });

  it('never carry a credential or a connection string, even at trace level', async () => {
    const token = await signToken();
    const response = await graphql<{ provisionCustomer: { experiencePlatform: { connectionString: string } } }>(
      stack.server.url,
      PROVISION,
      {
        input: {
          customer: customerInput(),
          providerInstances: [providerInstanceInput()],
          experiencePlatform: {
            imsOrgId: `${randomBytes(12).toString('hex').toUpperCase()}@AdobeOrg`,
            tenantId: 'contosopizza',
            region: 'NLD2',
            entitlement: { valuePropId: 'rtcdp-prime', valuePropSKUID: '65304520CA01A12' },
          },
          net3: {},
        },
      },
      { token },
    );
    const connectionString = response.data!.provisionCustomer.experiencePlatform.connectionString;
    expect(connectionString).toBeTruthy();
    expect(logs).toContain('provisioning step failed');

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
