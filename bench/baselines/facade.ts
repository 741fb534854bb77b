import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { RESTDataSource, type AugmentedRequest } from '@apollo/datasource-rest';
import { answerQuestions } from '../ipc.js';
import { BENCH_CREDENTIALS, type UpstreamUrls } from '../setup.js';

/**
 * Baseline 2: the facade a team could write in an afternoon. Apollo Server 5's standalone server, one
 * `RESTDataSource` per provider with its defaults, and the same reads as the project making the same upstream GET
 * with the same headers; no authentication, no ledger, no logging, no error mapping.
 */

const upstreams = JSON.parse(process.env.BENCH_UPSTREAMS ?? '{}') as UpstreamUrls;
const tenant = process.env.BENCH_TENANT ?? '';

class WebexAPI extends RESTDataSource {
  override baseURL = `${upstreams.webex}/`;
  private readonly trackingId = randomUUID();

  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers['authorization'] = `Bearer ${BENCH_CREDENTIALS.webex.token}`;
    request.headers['trackingid'] = this.trackingId;
  }

  getCustomer(id: string): Promise<unknown> {
    return this.get(`v1/wholesale/customers/${encodeURIComponent(id)}`);
  }
}

class CloudCockpitAPI extends RESTDataSource {
  override baseURL = `${upstreams.cloudCockpit}/`;
  private readonly correlationId = randomUUID();

  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers['authorization'] = `Bearer ${BENCH_CREDENTIALS.cloudCockpit.token}`;
    request.headers['x-tenant'] = tenant;
    request.headers['x-correlation-id'] = this.correlationId;
    request.headers['accept'] = 'application/json';
  }

  getCustomer(id: string): Promise<unknown> {
    return this.get(`v1/Customers/${encodeURIComponent(id)}`);
  }
}

interface Context {
  webex: WebexAPI;
  cloudCockpit: CloudCockpitAPI;
}

// The fields the bench selects, with the project's names; the wire's values pass through as they come.
const typeDefs = `#graphql
  type WholesaleAddress { addressLine1: String! city: String! country: String! }
  type WholesaleCustomer { id: ID! orgId: String externalId: String! status: String! packages: [String!]! address: WholesaleAddress! }
  type Customer { id: ID! companyName: String! country: String! city: String! email: String! phone: String! }
  type Query {
    wholesaleCustomer(id: ID!): WholesaleCustomer
    customer(id: ID!): Customer
  }
`;

const server = new ApolloServer<Context>({
  typeDefs,
  resolvers: {
    Query: {
      wholesaleCustomer: (_: unknown, { id }: { id: string }, { webex }: Context) => webex.getCustomer(id),
      customer: (_: unknown, { id }: { id: string }, { cloudCockpit }: Context) => cloudCockpit.getCustomer(id),
    },
  },
});

const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async () => ({ webex: new WebexAPI(), cloudCockpit: new CloudCockpitAPI() }),
});
answerQuestions({}, { url });
