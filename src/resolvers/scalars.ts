import { GraphQLError, Kind, type GraphQLScalarType, type GraphQLScalarTypeConfig, type ValueNode } from 'graphql';
import {
  CountryCodeResolver,
  DateTimeResolver,
  EmailAddressResolver,
  JSONResolver,
  UUIDResolver,
} from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.js';
import { quantityOf, quantityProblemOf } from '../providers/experience-platform/mapping.js';

/**
 * Adobe's metrics, strings of decimal digits both ways (the SDL describes the format). A parse error carries no code
 * of its own: Apollo gives a variable's `BAD_USER_INPUT`, prefixed with the input field's path, as for every scalar.
 * Not a GraphQLScalarType: graphql-tools copies each of its properties onto the schema's type, its empty
 * `description` over the SDL's, which is the one Sandbox should show.
 */
const experiencePlatformQuantity: Pick<
  GraphQLScalarTypeConfig<string, string>,
  'serialize' | 'parseValue' | 'parseLiteral'
> = {
  serialize(value) {
    const quantity = typeof value === 'string' ? quantityOf(value) : null;
    // Resolvers answer null for what Adobe stored that is not digits: anything else here is a bug of ours.
    if (quantity === null) throw new GraphQLError(`ExperiencePlatformQuantity cannot represent ${String(value)}`);
    return quantity;
  },
  parseValue: parseQuantity,
  parseLiteral(ast: ValueNode) {
    // An Int literal is read as a JSON number is, so a query and its variables accept the same values.
    return parseQuantity(ast.kind === Kind.INT ? Number(ast.value) : ast.kind === Kind.STRING ? ast.value : null);
  },
};

/** Not a GraphQLError: graphql-js then prefixes the type and, for a literal, the value and its location. */
function parseQuantity(value: unknown): string {
  const problem = quantityProblemOf(value);
  if (problem) throw new TypeError(problem);
  return String(value);
}

export const scalarResolvers: Resolvers = {
  UUID: UUIDResolver,
  EmailAddress: EmailAddressResolver,
  CountryCode: CountryCodeResolver,
  DateTime: DateTimeResolver,
  JSON: JSONResolver,
  ExperiencePlatformQuantity: experiencePlatformQuantity as GraphQLScalarType,
};
