import {
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  parse,
  validate,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../src/context.js';
import { DEFAULT_QUERY_LIMITS, queryLimitRules } from '../src/query-limits.js';
import { createSchema } from '../src/schema.js';
import { UPSTREAM_COSTS, upstreamCallsOf } from '../src/upstream-cost.js';
import { customerInput, providerInstanceInput, provisionEverywhereInput } from './support/fixtures.js';

const schema = createSchema();
const csp = { caller: { subject: 'u', tenant: 't', roles: ['csp'], resellerId: null } } as unknown as RequestContext;
const reseller = {
  caller: { subject: 'u', tenant: 't', roles: ['reseller'], resellerId: 'r' },
} as unknown as RequestContext;

const price = (query: string, variables: Record<string, unknown> = {}, context = csp) => {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  return upstreamCallsOf(schema, { operation, document, variables }, context);
};

const isList = (type: GraphQLOutputType): boolean =>
  isListType(type) || (isNonNullType(type) && isListType(type.ofType));

/** The object types a field's named type can be: itself, or a union's members. */
const objectsOf = (type: GraphQLNamedType) => (isUnionType(type) ? type.getTypes() : isObjectType(type) ? [type] : []);

describe('the price of an operation in upstream calls', () => {
  it('names a field of the schema in every entry of the table', () => {
    for (const coordinate of Object.keys(UPSTREAM_COSTS)) {
      const [typeName, fieldName] = coordinate.split('.') as [string, string];
      const type = schema.getType(typeName);
      expect(isObjectType(type) && type.getFields()[fieldName], coordinate).toBeTruthy();
    }
  });

  it('leaves no costed field under a list that is not priced per item (its items would go uncounted)', () => {
    const costs = new Map<string, boolean>();
    // Whether a type's selection can reach a costed field; the schema has no cycles, which the depth test relies on.
    const reachesCost = (type: GraphQLNamedType): boolean => {
      if (costs.has(type.name)) return costs.get(type.name)!;
      const reaches = objectsOf(type).some((object) =>
        Object.values(object.getFields()).some(
          (field) => `${object.name}.${field.name}` in UPSTREAM_COSTS || reachesCost(getNamedType(field.type)),
        ),
      );
      costs.set(type.name, reaches);
      return reaches;
    };
    const unpriced: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const cost = UPSTREAM_COSTS[coordinate];
        if (!isList(field.type) || cost?.pageSize || cost?.items) continue;
        if (reachesCost(getNamedType(field.type))) unpriced.push(coordinate);
      }
    }
    // A connection is priced at its list field (`customers`), which multiplies the whole selection under it.
    expect(unpriced.filter((c) => !/Connection\.(nodes|edges)$/.test(c))).toEqual([]);
  });

  it('is one CloudCockpit call for a page of customers whatever its size, and one per alias', () => {
    expect(price('{ customers(first: 2000) { totalCount nodes { id providerInstances { status } } } }')).toBe(1);
    expect(price('{ customers(first: 100, search: "s0") { totalCount } }')).toBe(1);
    const thousand = Array.from(
      { length: 1000 },
      (_, i) => `a${i}: customers(first: 100, search: "s${i}") { totalCount }`,
    );
    expect(price(`{ ${thousand.join(' ')} }`)).toBe(1000);
  });

  it('counts a per-customer provider field once per customer the page can hold, `first` read from the variables', () => {
    const page =
      'query P($first: Int) { customers(first: $first) { nodes { wholesale { id } entitlements { name } } } }';
    expect(price(page, { first: 100 })).toBe(1 + 100 * 2);
    expect(price(page, { first: 5 })).toBe(1 + 5 * 2);
    // The schema's default, 20.
    expect(price(page)).toBe(1 + 20 * 2);
    // Refused by the resolver before any call.
    expect(price(page, { first: 2001 })).toBe(0);
    const polled = '{ customers(first: 10) { edges { node { experiencePlatform { requestStatus { done } } } } } }';
    expect(price(polled)).toBe(1 + 10);
  });

  it("adds the page CloudCockpit may need after a cursor, and a reseller's count of the tenant", () => {
    expect(price('{ customers(after: "x") { totalCount } }')).toBe(2);
    expect(price('{ customers { totalCount } }', {}, reseller)).toBe(2);
  });

  it("prices a provisioning by its steps' calls, each provider instance of its input one more step", () => {
    const provision =
      'mutation P($input: ProvisionCustomerInput!) { provisionCustomer(input: $input) { customer { id } } }';
    const customer = customerInput();
    expect(price(provision, { input: { customer } })).toBe(4);
    const everywhere = provisionEverywhereInput({
      providerInstances: [providerInstanceInput(), providerInstanceInput()],
    });
    expect(price(provision, { input: everywhere })).toBe(4 + 2 * 4 + 2 + 2 + 2);
    // Reading an instance just added, and Adobe's status, each cost a call more; a union is priced at its dearest member.
    const outcomes = `mutation P($input: ProvisionCustomerInput!) { provisionCustomer(input: $input) {
      providerInstances { ... on ProviderInstance { status } }
      experiencePlatform { ... on ExperiencePlatformProvisioning { requestStatus { done } } ... on ProviderFailure { code } }
    } }`;
    expect(price(outcomes, { input: { customer } })).toBe(4 + 1 + 1);
  });

  it("prices a gateway's `_entities` by its references: each one's read, and its selection once per reference", () => {
    const query = `query($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Customer { wholesale { id } } ... on Provisioning { id } }
    }`;
    const references = (...typenames: string[]) => ({
      representations: typenames.map((__typename) => ({ __typename, id: '7f9c0b3e-4e0a-4c4e-9d56-0c6f4f1f6a10' })),
    });
    // CloudCockpit's customer per Customer, none for a Provisioning (the ledger), and the costliest selection, Webex's
    // `wholesale`, once per reference whatever its type: a bound.
    expect(price(query, references('Customer', 'Customer', 'Customer', 'Provisioning', 'Provisioning'))).toBe(3 + 5);
    // Priced per request: the same document with other references costs what they do.
    expect(price(query, references('Provisioning'))).toBe(1);
    expect(price(query, references(...Array<string>(200).fill('Customer')))).toBe(400);
  });

  it('is unknown (null) when the variables do not coerce: execution refuses them before any call', () => {
    expect(price('query P($first: Int) { customers(first: $first) { totalCount } }', { first: 'many' })).toBeNull();
  });

  it('refuses to price a document of fragments spread over and over', () => {
    const levels = Array.from(
      { length: 20 },
      (_, i) =>
        `fragment F${i} on Query { ${i === 19 ? 'customer(id: "x") { id }' : `...F${i + 1} a${i}: customer(id: "y") { id }`} }`,
    );
    const bomb = `{ ...F0 ...F0 } ${levels.map((l) => l.replace(/\.\.\.F(\d+)/, '...F$1 ...F$1')).join(' ')}`;
    expect(() => price(bomb)).toThrow(/maximum allowed number of nodes/);
  });
});

describe("graphql-armor's limits", () => {
  const refusals = (query: string, limits = DEFAULT_QUERY_LIMITS) =>
    validate(schema, parse(query), queryLimitRules(limits)).map((error) => error.message);

  it('admit every operation this schema allows at the default depth (it has no cycle; its deepest is 8 fields)', () => {
    const deepest = `{ customers { edges { node { experiencePlatform { requestStatus { actions { name } } } } } } }`;
    expect(refusals(deepest)).toEqual([]);
    expect(refusals(deepest, { ...DEFAULT_QUERY_LIMITS, maxDepth: 6 })).toEqual([
      'Query depth limit of 6 exceeded, found 7.',
    ]);
  });

  it('count fields, not fragments, towards the depth, and leave introspection alone', () => {
    const limits = { ...DEFAULT_QUERY_LIMITS, maxDepth: 2 };
    expect(refusals('{ ... on Query { customers { ... on CustomerConnection { totalCount } } } }', limits)).toEqual([]);
    expect(refusals('{ __schema { types { fields { type { name } } } } }', limits)).toEqual([]);
  });
});
