import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
// The type Apollo's documentation imports for a subgraph's resolvers; @apollo/subgraph has no export map.
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { parse, type GraphQLSchema } from 'graphql';
import { requireCaller } from './auth.js';
import type { RequestContext } from './context.js';
import type { Resolvers } from './generated/graphql.js';
import { customerResolvers } from './resolvers/customers.js';
import { experiencePlatformResolvers } from './resolvers/experience-platform.js';
import { net3Resolvers } from './resolvers/net3.js';
import { provisioningResolvers } from './resolvers/provisioning.js';
import { provisioningLedgerResolvers } from './resolvers/provisionings.js';
import { scalarResolvers } from './resolvers/scalars.js';
import { wholesaleResolvers } from './resolvers/webex.js';

/** `schema/`, found from this module whether it runs from `src/` (tsx) or from `dist/src/` (built). */
function schemaDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'schema')) || !existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('schema/ not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return join(dir, 'schema');
}

/** The SDL files of `schema/`, the source of truth of the API. */
export function loadTypeDefs(): string[] {
  const dir = schemaDirectory();
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

/**
 * The API as an Apollo Federation v2 subgraph (schema/federation.graphql links the spec): the same SDL and resolvers
 * as a plain schema, plus `_entities` and `_service` for a gateway. On its own it answers every query as before.
 */
export function createSchema(): GraphQLSchema {
  const schema = buildSubgraphSchema({
    typeDefs: loadTypeDefs().map((sdl) => parse(sdl)),
    resolvers: mergedResolvers([
      scalarResolvers,
      customerResolvers,
      experiencePlatformResolvers,
      net3Resolvers,
      wholesaleResolvers,
      provisioningResolvers,
      provisioningLedgerResolvers,
    ]),
  });
  requireCallerForSubgraphSdl(schema);
  return schema;
}

/** buildSubgraphSchema takes one resolver map; each of ours resolves fields of its own, so they merge without clash. */
function mergedResolvers(maps: Resolvers[]): GraphQLResolverMap<unknown> {
  const merged: Record<string, object> = {};
  for (const map of maps) {
    for (const [typeName, resolvers] of Object.entries(map as Record<string, object>)) {
      // A scalar's resolver is a GraphQLScalarType, which a copy would strip of its prototype.
      merged[typeName] = typeName in merged ? { ...merged[typeName], ...resolvers } : resolvers;
    }
  }
  return merged as GraphQLResolverMap<unknown>;
}

/** `_service` spells out the whole schema: like every other field, it answers only an authenticated caller. */
function requireCallerForSubgraphSdl(schema: GraphQLSchema): void {
  const service = schema.getQueryType()?.getFields()['_service'];
  const serve = service?.resolve;
  if (!service || !serve) throw new Error('buildSubgraphSchema serves `_service`');
  service.resolve = (source, args, context: RequestContext, info) => {
    requireCaller(context.caller);
    return serve(source, args, context, info);
  };
}
