import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  coerceInputValue,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLNamedInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchema } from '../../src/schema.js';
import {
  customerInput,
  experiencePlatformInput,
  net3ProvisioningInput,
  provisionEverywhereInput,
  providerInstanceInput,
  wholesaleCustomerInput,
} from '../support/fixtures.js';
import { graphql, signToken, startTestStack, type TestStack } from '../support/stack.js';

/*
 * Issue 11: malformed inputs to every mutation, sent as GraphQL variables over HTTP. Each run takes a valid input and
 * corrupts it exactly once, in a way that makes it invalid by construction: against the schema (a wrong type, a
 * missing required field, null where non-null, a bad enum or scalar, an unknown field, deep junk), or against a rule
 * of the API's own (a package or provider instance listed twice, both or neither kind of instance data, an Adobe
 * organization id that is not one, an end before its start, a Net3 localId that is not a number). Whatever it is, the
 * answer is a stable refusal: never an HTTP 500 nor INTERNAL_SERVER_ERROR, never a call to a provider, never a ledger
 * row.
 */

/** Runs per mutation; `FC_RUNS` and `FC_SEED` replay or widen a run (a failure prints its seed and path). */
const NUM_RUNS = Number(process.env.FC_RUNS ?? 60);
const SEED = process.env.FC_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FC_SEED);

const REFUSALS = ['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'NOT_FOUND'];

const schema = createSchema();
const mutationFields = schema.getMutationType()!.getFields();

type Variables = Record<string, unknown>;
type Path = (string | number)[];

/** A valid set of variables for each mutation: what a corruption starts from. Never sent as it is. */
const VALID: Record<string, () => Variables> = {
  createCustomer: () => ({ input: customerInput({ id: randomUUID(), providerCustomers: [providerInstanceInput()] }) }),
  addProviderInstance: () => ({ customerId: randomUUID(), input: providerInstanceInput(), resellerId: randomUUID() }),
  provisionExperiencePlatform: () => ({ input: experiencePlatformInput(), reprovision: false }),
  retryProvisioning: () => ({ id: randomUUID() }),
  provisionNet3Customer: () => ({ input: net3ProvisioningInput({ customerId: randomUUID(), localId: '42' }) }),
  provisionCustomer: () => ({ input: provisionEverywhereInput() }),
  provisionWholesaleCustomer: () => ({ input: wholesaleCustomerInput() }),
};

/** Corruptions that the schema admits and the API refuses by a rule of its own, per mutation. */
const RULE_BREAKS: Record<string, ((valid: Variables) => Variables)[]> = {
  createCustomer: [
    (v) => withAt(v, ['input', 'providerCustomers'], [providerInstanceInput(), providerInstanceInput()]),
    (v) => withAt(v, ['input', 'providerCustomers', 0, 'providerCustomerData'], { Domain: 'contoso' }),
    (v) => withAt(v, ['input', 'providerCustomers', 0, 'microsoftCustomerData'], null),
    (v) => withAt(v, ['input', 'providerCustomers', 0, 'offerTypeMargins'], [offerTypeMargin(), offerTypeMargin()]),
  ],
  addProviderInstance: [
    (v) => withAt(v, ['input', 'providerCustomerData'], { Domain: 'contoso' }),
    (v) => withAt(v, ['input', 'microsoftCustomerData'], null),
    (v) => withAt(v, ['input', 'offerTypeMargins'], [offerTypeMargin(), offerTypeMargin()]),
    (v) => withAt(v, ['customerId'], 'not-a-customer-id'),
  ],
  provisionExperiencePlatform: [
    (v) => withAt(v, ['input', 'customer', 'imsOrgId'], 'not an organization'),
    (v) => withAt(v, ['input', 'reports', 'endDate'], '2024-01-01T00:00:00Z'),
  ],
  retryProvisioning: [(v) => withAt(v, ['id'], 'not-a-provisioning-id')],
  provisionNet3Customer: [(v) => withAt(v, ['input', 'customer', 'localId'], 'forty-two')],
  // A section refused by such a rule is that section's failure in the payload, after the customer is created and the
  // other sections provisioned (provision-customer.test.ts): only the customer's own refusals fail the mutation.
  provisionCustomer: [
    (v) => withAt(v, ['input', 'providerInstances'], [providerInstanceInput(), providerInstanceInput()]),
    (v) => withAt(v, ['input', 'customer', 'providerCustomers'], [providerInstanceInput(), providerInstanceInput()]),
    (v) =>
      withAt(v, ['input', 'customer', 'providerCustomers'], [providerInstanceInput({ microsoftCustomerData: null })]),
  ],
  provisionWholesaleCustomer: [(v) => withAt(v, ['input', 'packages'], ['WEBEX_MEETINGS', 'WEBEX_MEETINGS'])],
};

const offerTypeMargin = () => ({ offerType: 'license', margin: { marginRule: { name: 'markup' }, value: 10 } });

/** A copy of `value` with `path` set to `replacement`, or removed when it is `REMOVE`. */
const REMOVE = Symbol('remove');
function withAt<T>(value: T, path: Path, replacement: unknown): T {
  if (path.length === 0) return replacement as T;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy: unknown[] = [...(value as unknown[])];
    const inner = withAt(copy[head as number], rest, replacement);
    if (inner === REMOVE) copy.splice(head as number, 1);
    else copy[head as number] = inner;
    return copy as T;
  }
  const copy: Record<string | number, unknown> = { ...(value as object) };
  const inner = withAt(copy[head!], rest, replacement);
  if (inner === REMOVE) delete copy[head!];
  else copy[head!] = inner;
  return copy as T;
}

/** Every place of a valid value, with the GraphQL input type that place has. */
interface Site {
  path: Path;
  type: GraphQLInputType;
  /** Set for an input object's field or an argument: whether leaving it out is an error. */
  required: boolean;
}

function sitesOf(args: readonly GraphQLArgument[], variables: Variables): Site[] {
  const sites: Site[] = [];
  const visit = (path: Path, type: GraphQLInputType, value: unknown, required: boolean) => {
    sites.push({ path, type, required });
    const nullable = getNullableType(type);
    if (value == null) return;
    if (isListType(nullable) && Array.isArray(value)) {
      value.forEach((item, index) => visit([...path, index], nullable.ofType, item, false));
    } else if (isInputObjectType(nullable)) {
      for (const field of Object.values(nullable.getFields())) {
        const fieldValue = (value as Record<string, unknown>)[field.name];
        if (fieldValue !== undefined) {
          visit([...path, field.name], field.type, fieldValue, isNonNullType(field.type) && !field.defaultValue);
        }
      }
    }
  };
  for (const arg of args) {
    if (variables[arg.name] !== undefined) {
      visit([arg.name], arg.type, variables[arg.name], isNonNullType(arg.type) && arg.defaultValue === undefined);
    }
  }
  return sites;
}

const notAnObject = fc.oneof(fc.integer(), fc.boolean(), fc.string(), fc.array(fc.integer(), { minLength: 1 }));
const deepJunk = fc
  .jsonValue({ depthSize: 'large', maxDepth: 8 })
  .map((junk) => ({ '~not a field~': junk, nested: [[{ deeper: [junk] }]] }));
const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.double({ noNaN: true }), deepJunk);
const nonIntegerNumber = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n));
const outOfInt32 = fc.oneof(
  fc.integer({ min: 2 ** 31, max: 2 ** 52 }),
  fc.integer({ min: -(2 ** 52), max: -(2 ** 31) - 1 }),
);
const overlong = fc.integer({ min: 300, max: 5000 }).map((n) => 'x'.repeat(n));

/** Values that a leaf of this type never accepts; null where no value can be wrong (JSON). */
function wrongValueFor(type: GraphQLNamedInputType): fc.Arbitrary<unknown> | null {
  if (isInputObjectType(type)) return fc.oneof(notAnObject, deepJunk);
  if (isEnumType(type)) {
    const names = new Set(type.getValues().map((v) => v.name));
    return fc.oneof(
      fc.string({ minLength: 1 }).filter((s) => !names.has(s)),
      fc.constantFrom('not_an_enum_value', ''),
      notAString,
    );
  }
  switch (type.name) {
    case 'String':
      return notAString;
    case 'ID':
      return fc.oneof(fc.boolean(), nonIntegerNumber, deepJunk);
    case 'Int':
      return fc.oneof(outOfInt32, nonIntegerNumber, fc.string(), fc.boolean(), deepJunk);
    case 'Float':
      return fc.oneof(fc.string(), fc.boolean(), deepJunk);
    case 'Boolean':
      return fc.oneof(fc.integer(), fc.string(), deepJunk);
    case 'UUID':
      return fc.oneof(
        fc
          .string()
          .filter((s) => !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s.trim())),
        fc.uuid().map((u) => `${u}0`),
        overlong,
        fc.integer(),
        deepJunk,
      );
    case 'EmailAddress':
      return fc.oneof(
        fc.string().filter((s) => !s.includes('@')),
        fc.constantFrom('a@', '@b.example', 'a b@c'),
      );
    case 'CountryCode':
      return fc.oneof(fc.constantFrom('XX', 'ZZ', 'PRT', 'p', '', '12'), fc.integer(), deepJunk);
    case 'DateTime':
      return fc.oneof(
        fc.constantFrom('not a date', '2025-13-45T00:00:00Z', '2025-02-30T25:61:00Z', '', '31/12/2025'),
        fc.boolean(),
        deepJunk,
      );
    case 'ExperiencePlatformQuantity':
      return fc.oneof(
        fc.integer({ max: -1 }),
        nonIntegerNumber,
        fc.constantFrom('-1', '1e6', 'a lot', '', ' 1'),
        fc.boolean(),
      );
    case 'JSON':
      return null;
    default:
      throw new Error(`no malformed values for the scalar ${type.name}: add them here`);
  }
}

/** The corruptions of a site that leave the variables invalid against the schema; none for a nullable JSON. */
function corruptionsOf(site: Site): fc.Arbitrary<unknown>[] {
  const named = getNamedType(site.type);
  const nullable = getNullableType(site.type);
  const options: fc.Arbitrary<unknown>[] = [];
  if (isNonNullType(site.type)) options.push(fc.constant(null));
  if (site.required) options.push(fc.constant(REMOVE));
  const wrong = isScalarType(named) || isEnumType(named) || isInputObjectType(named) ? wrongValueFor(named) : null;
  if (wrong) {
    options.push(wrong);
    // A list coerces a single value to a list of one: a wrong item is wrong either way.
    if (isListType(nullable)) options.push(wrong.map((item) => [item]));
  }
  if (isInputObjectType(nullable)) {
    options.push(fc.string({ minLength: 1 }).map((name) => ({ [`~${name}`]: 'an unknown field' })));
  }
  return options;
}

/** The mutation's document: every argument a variable, and nothing selected that could call anyone. */
function documentOf(name: string): string {
  const args = mutationFields[name]!.args;
  const declared = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `mutation Malformed(${declared}) { ${name}(${passed}) { __typename } }`;
}

/** graphql-js's own coercion of the variables, as Apollo runs it: the problems it finds. */
function coercionProblems(name: string, variables: Variables): string[] {
  const problems: string[] = [];
  for (const arg of mutationFields[name]!.args) {
    const value = variables[arg.name];
    if (value === undefined) {
      if (isNonNullType(arg.type)) problems.push(`${arg.name} is missing`);
      continue;
    }
    coerceInputValue(value, arg.type, (path, _invalid, error) => problems.push(`${path.join('.')}: ${error.message}`));
  }
  return problems;
}

let stack: TestStack;
let token: string;

beforeAll(async () => {
  stack = await startTestStack();
  token = await signToken();
});
afterAll(() => stack?.close());

async function ledgerRows(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['provisioning_operations', 'provisioning_steps', 'idempotency_keys']) {
    const [row] = await stack.ledger.database.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`);
    counts[table] = row!.count;
  }
  return counts;
}

const upstreamCalls = () =>
  Object.fromEntries(Object.entries(stack.emulators).map(([name, emulator]) => [name, emulator.calls.length]));

/**
 * Sends the variables and checks the refusal. `idempotencyKey`: sent with one, which variables refused before the
 * mutation ran must leave unclaimed (a mutation that ran keeps its answer under the key, refusals included: README).
 */
async function expectRefused(name: string, variables: Variables, { idempotencyKey = false } = {}): Promise<void> {
  const callsBefore = upstreamCalls();
  const rowsBefore = await ledgerRows();
  const response = await graphql(stack.server.url, documentOf(name), variables, {
    token,
    headers: idempotencyKey ? { 'idempotency-key': randomUUID() } : {},
  });
  const codes = (response.errors ?? []).map((e) => e.extensions.code);
  const said = `HTTP ${response.status} ${JSON.stringify(response.errors?.map((e) => [e.extensions.code, e.message]))}`;
  expect(response.status, said).not.toBe(500);
  expect(codes.length, said).toBeGreaterThan(0);
  for (const code of codes) expect(REFUSALS, said).toContain(code);
  expect(response.data?.[name] ?? null, said).toBeNull();
  expect(upstreamCalls(), said).toEqual(callsBefore);
  expect(await ledgerRows(), said).toEqual(rowsBefore);
}

describe('malformed inputs to every mutation', () => {
  it('covers every mutation of the schema, from a valid input', () => {
    expect(Object.keys(VALID).sort()).toEqual(Object.keys(mutationFields).sort());
    expect(Object.keys(RULE_BREAKS).sort()).toEqual(Object.keys(mutationFields).sort());
    for (const [name, valid] of Object.entries(VALID)) expect(coercionProblems(name, valid()), name).toEqual([]);
  });

  describe.each(Object.keys(mutationFields))('%s', (name) => {
    it('refuses an input the schema does not admit, before anything is called or recorded', async () => {
      const valid = VALID[name]!();
      const sites = sitesOf(mutationFields[name]!.args, valid).filter((site) => corruptionsOf(site).length > 0);
      const corrupted = fc
        .constantFrom(...sites)
        .chain((site) => fc.oneof(...corruptionsOf(site)).map((value) => ({ site, value })))
        // As JSON carries them (Infinity and NaN become null), and only those still invalid then.
        .map(({ site, value }) => ({
          path: site.path,
          variables: JSON.parse(JSON.stringify(withAt(valid, site.path, value))) as Variables,
        }))
        .filter(({ variables }) => coercionProblems(name, variables).length > 0);
      await fc.assert(
        fc.asyncProperty(corrupted, async ({ variables }) => {
          // Invalid by construction; this only guards the generators.
          expect(coercionProblems(name, variables)).not.toEqual([]);
          await expectRefused(name, variables, { idempotencyKey: true });
        }),
        { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true },
      );
    });

    it.each(RULE_BREAKS[name]!.map((breakRule, index) => [index, breakRule] as const))(
      'refuses input against a rule of its own (%i) before anything is called or recorded',
      async (_index, breakRule) => {
        const variables = breakRule(VALID[name]!());
        expect(coercionProblems(name, variables)).toEqual([]);
        await expectRefused(name, variables);
      },
    );
  });
});
