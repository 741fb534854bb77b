import type { Resolvers } from '../generated/graphql.js';

export const experiencePlatformResolvers: Resolvers = {};
