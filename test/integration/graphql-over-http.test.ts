import { serverAudits, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, signToken, startTestStack, type TestStack } from '../support/stack.js';

describe('the GraphQL over HTTP spec (graphql-http audit)', () => {
  let stack: TestStack;
  let results: AuditResult[];

  beforeAll(async () => {
    stack = await startTestStack();
    results = [];
    for (const audit of serverAudits({ url: stack.server.url })) results.push(await audit.fn());
  });
  afterAll(() => stack.close());

  const failing = (status: AuditResult['status']) =>
    results.filter((result) => result.status === status).map(({ id, name }) => `${id} ${name}`);

  it('passes every MUST', () => {
    expect(results.length).toBeGreaterThan(0);
    expect(failing('error')).toEqual([]);
  });

  it('passes every SHOULD', () => {
    expect(failing('warn')).toEqual([]);
  });

  it('keeps 400 for a request error when the client accepts application/graphql-response+json', async () => {
    const token = await signToken();
    const response = await graphql(
      stack.server.url,
      '{ customers(first: 1) { nope } }',
      {},
      {
        token,
        headers: { accept: 'application/graphql-response+json' },
      },
    );
    expect(response.status).toBe(400);
    expect(response.errors![0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
