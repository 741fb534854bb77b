import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionEverywhereInput } from '../support/fixtures.js';
import { graphql, signToken, startTestStack, type TestStack } from '../support/stack.js';
import { eventually } from '../support/eventually.js';

/**
 * Issue 10: a page of customers with every provider field costs the same upstream calls whatever its size, one
 * CloudCockpit list, since each provider's part comes from the ledger. (A Webex customer still provisioning is read
 * live, one call each, by design: the customers here are settled by the worker first.)
 */

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) { customer { id } failures { provider code } }
}`;

// Every list field the ledger answers; `experiencePlatform.requestStatus` is read live by its definition.
const CUSTOMERS_WITH_EVERY_PROVIDER = `query Customers($first: Int) {
  customers(first: $first) {
    source totalCount
    nodes {
      id companyName source
      providerInstances { providerInstanceId status }
      experiencePlatform { pollRequired entitlement { name } }
      net3 { customer { customerId localId } }
      wholesale { id status orgId packageDetails { name status } }
      entitlements { provider name }
      provisionings { id status steps { name provider status attempts } }
    }
  }
}`;

interface Page {
  customers: {
    nodes: { wholesale: { status: string } | null; provisionings: { status: string }[] }[];
  };
}

const CUSTOMERS = 50;

describe('upstream calls of a list of customers', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack({ worker: { intervalMs: 50 } });
    token = await signToken({ tenant: `lists-${randomUUID().slice(0, 8)}.example` });
    for (let i = 0; i < CUSTOMERS; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const response = await graphql<{ provisionCustomer: { failures: unknown[] } }>(
            stack.server.url,
            PROVISION,
            { input: provisionEverywhereInput() },
            { token },
          );
          expect(response.errors).toBeUndefined();
          expect(response.data!.provisionCustomer.failures).toEqual([]);
        }),
      );
    }
    // The worker finishes Webex's and Adobe's work in the background: wait until every provisioning is settled.
    const settled = await eventually(
      () => graphql<Page>(stack.server.url, CUSTOMERS_WITH_EVERY_PROVIDER, { first: CUSTOMERS }, { token }),
      (page) => page.data!.customers.nodes.every((node) => node.provisionings.every((p) => p.status === 'SUCCEEDED')),
      30_000,
    );
    expect(settled.data!.customers.nodes.flatMap((node) => node.provisionings.map((p) => p.status))).toEqual(
      Array(CUSTOMERS).fill('SUCCEEDED'),
    );
  }, 90_000);

  afterAll(() => stack.close());

  const readPage = async (first: number) => {
    for (const emulator of Object.values(stack.emulators)) emulator.calls.length = 0;
    const response = await graphql<Page>(stack.server.url, CUSTOMERS_WITH_EVERY_PROVIDER, { first }, { token });
    expect(response.errors).toBeUndefined();
    return {
      nodes: response.data!.customers.nodes,
      calls: Object.fromEntries(
        Object.entries(stack.emulators).map(([name, emulator]) => [name, emulator.calls.length]),
      ),
    };
  };

  it('is one CloudCockpit list for 5 customers and for 50, every provider field included', async () => {
    const few = await readPage(5);
    const many = await readPage(50);

    expect(few.nodes).toHaveLength(5);
    expect(many.nodes).toHaveLength(50);
    expect(many.nodes.every((node) => node.wholesale?.status === 'PROVISIONED')).toBe(true);
    expect(few.calls).toEqual({ cloudCockpit: 1, experiencePlatform: 0, net3: 0, webex: 0 });
    expect(many.calls).toEqual(few.calls);
  });
});
