import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLError } from 'graphql';
import { BILLING_SDL } from '../examples/billing/server.js';
import { createSchema } from '../src/schema.js';

/** Where the gateway finds each subgraph; the defaults are `npm start` and `npm run example:billing`. */
export interface SubgraphUrls {
  /** @default 'http://localhost:4000/graphql' */
  facade?: string;
  /** @default 'http://localhost:4001/' */
  billing?: string;
}

export type Composition =
  { supergraphSdl: string; errors?: undefined } | { supergraphSdl?: undefined; errors: GraphQLError[] };

/**
 * Provisioning Graph's subgraph SDL, printed from the schema the server runs (not read from `schema/`: so what is
 * composed is what `_service` serves), composed with the example billing subgraph by Apollo's own composition.
 */
export function composeSupergraph(urls: SubgraphUrls = {}): Composition {
  const result = composeServices([
    {
      name: 'provisioning',
      url: urls.facade ?? 'http://localhost:4000/graphql',
      typeDefs: parse(printSubgraphSchema(createSchema())),
    },
    { name: 'billing', url: urls.billing ?? 'http://localhost:4001/', typeDefs: parse(BILLING_SDL) },
  ]);
  return result.errors ? { errors: result.errors } : { supergraphSdl: result.supergraphSdl };
}
