import type { Resolvers } from '../generated/graphql.js';

export const net3Resolvers: Resolvers = {};
