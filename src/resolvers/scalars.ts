import {
  CountryCodeResolver,
  DateTimeResolver,
  EmailAddressResolver,
  JSONResolver,
  UUIDResolver,
} from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.js';

export const scalarResolvers: Resolvers = {
  UUID: UUIDResolver,
  EmailAddress: EmailAddressResolver,
  CountryCode: CountryCodeResolver,
  DateTime: DateTimeResolver,
  JSON: JSONResolver,
};
