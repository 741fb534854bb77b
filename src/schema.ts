import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
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

export function createSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [
      scalarResolvers,
      customerResolvers,
      experiencePlatformResolvers,
      net3Resolvers,
      wholesaleResolvers,
      provisioningResolvers,
      provisioningLedgerResolvers,
    ],
  });
}
