import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/** The billing subgraph's SDL, which `npm run supergraph:check` composes with Provisioning Graph's. */
export const BILLING_SDL = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export interface BillingAccount {
  id: string;
  plan: string;
  balanceCents: number;
  /** The Provisioning Graph customer billed. */
  customerId: string;
}

export interface RunningBillingSubgraph {
  url: string;
  close(): Promise<void>;
}

/** A billing subgraph over `accounts`, kept in memory: an example of a subgraph that extends `Customer`. */
export async function startBillingSubgraph(
  accounts: readonly BillingAccount[],
  { port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {},
): Promise<RunningBillingSubgraph> {
  const accountOf = (customerId: string) => accounts.find((account) => account.customerId === customerId) ?? null;
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: parse(BILLING_SDL),
      resolvers: {
        Query: { billingAccounts: () => accounts },
        // Only the key: Provisioning Graph resolves the rest of the customer through `_entities`.
        BillingAccount: { customer: (account: BillingAccount) => ({ __typename: 'Customer', id: account.customerId }) },
        Customer: {
          __resolveReference: (customer: { id: string }) => customer,
          billingAccount: (customer: { id: string }) => accountOf(customer.id),
        },
      },
    }),
    // Inline traces are for a gateway reporting to GraphOS, which this example does not.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port, host } });
  return { url, close: () => server.stop() };
}
