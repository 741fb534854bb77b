import type { GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import {
  BREAK,
  GraphQLError,
  getVariableValues,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { isReseller } from './auth.js';
import { CALLS_PER_STEP_CLAIM } from './config.js';
import type { RequestContext } from './context.js';
import { ErrorCode } from './errors.js';
import { MAX_PAGE_SIZE as CLOUDCOCKPIT_PAGE_SIZE } from './providers/cloudcockpit/mapping.js';
import { MAX_PAGE_SIZE as WEBEX_PAGE_SIZE } from './providers/webex/mapping.js';
import { MAX_PAGE_SIZE as PROVISIONINGS_PAGE_SIZE } from './resolvers/provisionings.js';

/**
 * What one field may cost upstream: `calls`, the provider calls its resolver makes at most (not counting the policy's
 * retries of one call), and for a paged list, `pageSize`, the most items it answers, each costing what is selected
 * under it.
 */
interface FieldCost {
  calls: number | ((args: Record<string, unknown>, context: RequestContext | undefined) => number);
  pageSize?: { max: number; default: number };
  /** For a list as long as its arguments say (`_entities`): how many items it answers, each costing its selection. */
  items?: (args: Record<string, unknown>) => number;
}

const CLOUDCOCKPIT_STEP = CALLS_PER_STEP_CLAIM.CLOUDCOCKPIT;
const ADOBE_STEP = CALLS_PER_STEP_CLAIM.ADOBE_AEP;
const NET3_STEP = CALLS_PER_STEP_CLAIM.NET3;
const WEBEX_STEP = CALLS_PER_STEP_CLAIM.WEBEX;

/** A `provisionCustomer` with every section and one provider instance: what `retryProvisioning` is priced at. */
const FULL_PROVISIONING = 2 * CLOUDCOCKPIT_STEP + ADOBE_STEP + NET3_STEP + WEBEX_STEP;

/**
 * What a gateway's reference to each entity may read upstream: CloudCockpit's customer (none when the ledger answers
 * it: a bound, not a count), Webex's customer, and the ledger alone for a provisioning.
 */
const ENTITY_READS: Readonly<Record<string, number>> = { Customer: 1, WholesaleCustomer: 1, Provisioning: 0 };

const representationsOf = ({ representations }: Record<string, unknown>): { __typename?: unknown }[] =>
  Array.isArray(representations) ? (representations as { __typename?: unknown }[]) : [];

/**
 * The upstream calls of every field that makes any, by schema coordinate; every other field costs none (it reads
 * the ledger or what its parent already holds). A table in code rather than a `@cost` directive in the SDL: costs
 * depend on the arguments (a reseller's extra count, the provider instances of an input) and on the caller, which
 * a directive cannot say, and the SDL's readers in Sandbox never see applied directives (introspection does not
 * show them). test/upstream-cost.test.ts checks every coordinate names a field, and that no unpaged list can reach a
 * costed field (its items would go uncounted). The README lists the same table.
 */
export const UPSTREAM_COSTS: Readonly<Record<string, FieldCost>> = {
  // CloudCockpit `GET /v1/Customers/{id}`.
  'Query.customer': { calls: 1 },
  // One page of `GET /v1/Customers` whatever its size; two when `after` falls inside a page (pagesCovering), and
  // one more for a reseller, the tenant's count (listCustomers).
  'Query.customers': {
    calls: ({ after }, context) =>
      1 + (after == null ? 0 : 1) + (context?.caller && isReseller(context.caller) ? 1 : 0),
    pageSize: { max: CLOUDCOCKPIT_PAGE_SIZE, default: 20 },
  },
  // Webex `GET /v1/wholesale/customers/{id}`, and one page of the list.
  'Query.wholesaleCustomer': { calls: 1 },
  'Query.wholesaleCustomers': { calls: 1, pageSize: { max: WEBEX_PAGE_SIZE, default: 20 } },
  // Adobe `GET /provisioning/status`.
  'Query.experiencePlatformRequestStatus': { calls: 1 },
  // A federation gateway's references: each one's own read, and what is selected under it once per reference, so
  // that a gateway cannot ask for more than a client could.
  'Query._entities': {
    calls: (args) =>
      representationsOf(args).reduce((sum, { __typename }) => sum + (ENTITY_READS[String(__typename)] ?? 0), 0),
    items: (args) => representationsOf(args).length,
  },
  // The ledger only; paged so that anything priced under a provisioning one day is counted per item.
  'Query.provisionings': { calls: 0, pageSize: { max: PROVISIONINGS_PAGE_SIZE, default: 20 } },

  // Webex is read live while the customer is provisioning there (wholesaleOf; `entitlements` shares the loader, but
  // each is priced on its own: a bound, not a count).
  'Customer.wholesale': { calls: 1 },
  'Customer.entitlements': { calls: 1 },
  // Adobe `GET /provisioning/status`, while the provisioning asked to be polled.
  'ExperiencePlatformProvisioning.requestStatus': { calls: 1 },

  // A step's calls under one claim: a look-up after a lost answer, the call, a read-back or a reseller check.
  'Mutation.createCustomer': { calls: CLOUDCOCKPIT_STEP },
  // An instance just added is read from its customer when its status is selected: once per request (heldProviderInstance).
  'Mutation.addProviderInstance': { calls: CLOUDCOCKPIT_STEP + 1 },
  'ProvisionCustomerPayload.providerInstances': { calls: 1 },
  'Mutation.provisionExperiencePlatform': { calls: ADOBE_STEP },
  'Mutation.provisionNet3Customer': { calls: NET3_STEP },
  'Mutation.provisionWholesaleCustomer': { calls: WEBEX_STEP },
  'Mutation.provisionCustomer': { calls: ({ input }) => provisionCustomerCalls(input) },
  // Runs again the failed steps of a provisioning, which was itself within the budget when it was asked for.
  'Mutation.retryProvisioning': { calls: FULL_PROVISIONING },
};

function provisionCustomerCalls(input: unknown): number {
  const sections = (input ?? {}) as {
    providerInstances?: unknown[] | null;
    experiencePlatform?: unknown;
    net3?: unknown;
    wholesale?: unknown;
  };
  return (
    CLOUDCOCKPIT_STEP +
    CLOUDCOCKPIT_STEP * (sections.providerInstances?.length ?? 0) +
    (sections.experiencePlatform ? ADOBE_STEP : 0) +
    (sections.net3 ? NET3_STEP : 0) +
    (sections.wholesale ? WEBEX_STEP : 0)
  );
}

/**
 * A field's own calls, plus its selection's once per item it can answer. A `first` out of range is refused by the
 * resolver before any call (requestedWindow), so it costs nothing here and the caller gets that clearer error.
 */
export const upstreamCallsEstimator: ComplexityEstimator = ({ type, field, args, childComplexity, context }) => {
  const cost = UPSTREAM_COSTS[`${type.name}.${field.name}`];
  if (!cost) return childComplexity;
  const calls = typeof cost.calls === 'function' ? cost.calls(args, context as RequestContext | undefined) : cost.calls;
  if (cost.items) return calls + cost.items(args) * childComplexity;
  if (!cost.pageSize) return calls + childComplexity;
  const first = typeof args['first'] === 'number' ? args['first'] : cost.pageSize.default;
  if (first < 1 || first > cost.pageSize.max) return 0;
  return calls + first * childComplexity;
};

/** Whether a field's price depends on the request: its arguments (so the variables) or its caller. */
function pricedByRequest(type: string, field: string): boolean {
  const cost = UPSTREAM_COSTS[`${type}.${field}`];
  return (
    cost !== undefined && (cost.pageSize !== undefined || cost.items !== undefined || typeof cost.calls === 'function')
  );
}

/** `@include` and `@skip` can take a variable, which makes whatever they hold priced by the request. */
function hasConditionalFields(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value !== 'include' && node.name.value !== 'skip') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

/**
 * The prices that depend on neither the variables nor the caller, by document and operation name. Apollo's document
 * store hands back the same parsed document for a query string it has seen, so such an operation (a `customer(id:)`
 * read) is priced once, not on every request: pricing costs some 20 µs for a small read, 75 µs for a page of customers
 * with every provider field.
 */
const fixedPrices = new WeakMap<DocumentNode, Map<string | undefined, number>>();

/**
 * The most provider calls the operation can make, or null when its variables do not coerce (execution then refuses
 * them before any resolver runs). Throws past graphql-query-complexity's 10,000 field nodes, which only a document of
 * fragments spread over and over reaches.
 */
export function upstreamCallsOf(
  schema: GraphQLSchema,
  request: { operation: OperationDefinitionNode; document: DocumentNode; variables?: Record<string, unknown> },
  context: RequestContext | undefined,
): number | null {
  const { operation, document, variables } = request;
  const operationName = operation.name?.value;
  const fixed = fixedPrices.get(document)?.get(operationName);
  if (fixed !== undefined) return fixed;
  if (getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}).errors) return null;
  let byRequest = false;
  const price = getComplexity({
    schema,
    query: document,
    variables,
    operationName,
    estimators: [
      (field) => {
        byRequest ||= pricedByRequest(field.type.name, field.field.name);
        return upstreamCallsEstimator(field);
      },
    ],
    context,
  });
  if (!byRequest && !hasConditionalFields(document))
    fixedPrices.set(document, (fixedPrices.get(document) ?? new Map()).set(operationName, price));
  return price;
}

function costExceeded(maxCost: number, cost: number | null): GraphQLError {
  const message =
    cost === null
      ? `The operation is too large to price: it could make more than ${maxCost} calls to the providers`
      : `The operation could make ${cost} calls to the providers, over the limit of ${maxCost} per request`;
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.QUERY_COST_EXCEEDED, cost, maxCost, http: { status: 400 } },
  });
}

/**
 * Refuses, before anything runs, an operation that could make more than `maxCost` provider calls. Priced per request,
 * once the operation is resolved, rather than as a validation rule: Apollo validates a document once and keeps it (its
 * document store), while the price depends on the variables (`first`, the input's provider instances) and the caller.
 */
export function refuseOverBudget(
  maxCost: number,
  { schema, document, operation, request, contextValue }: GraphQLRequestContextDidResolveOperation<RequestContext>,
): void {
  // No operation to run: execution answers that, calling nothing.
  if (operation)
    refuseOperationOverBudget(maxCost, schema, { operation, document, variables: request.variables }, contextValue);
}

/** refuseOverBudget's check, for an operation that did not come through Apollo (a subscription over WebSocket). */
export function refuseOperationOverBudget(
  maxCost: number,
  schema: GraphQLSchema,
  request: Parameters<typeof upstreamCallsOf>[1],
  context: RequestContext,
): void {
  let cost: number | null;
  try {
    cost = upstreamCallsOf(schema, request, context);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    throw costExceeded(maxCost, null);
  }
  if (cost !== null && cost > maxCost) throw costExceeded(maxCost, cost);
}
