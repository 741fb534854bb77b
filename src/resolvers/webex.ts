import type { Resolvers } from '../generated/graphql.js';

export const wholesaleResolvers: Resolvers = {};
