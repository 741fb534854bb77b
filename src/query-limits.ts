import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';

/** How large one operation may be (README, "Configuration"); each is set by its `MAX_QUERY_*` variable. */
export interface QueryLimits {
  /** Nested fields, fragments flattened, introspection's `__schema` not counted. @default 10 */
  maxDepth: number;
  /** Aliased fields in the operation, its fragments included. @default 15 */
  maxAliases: number;
  /** Directives in the operation, its fragments included. @default 50 */
  maxDirectives: number;
  /** Lexical tokens in the document, counted by graphql-js's parser as it reads. @default 1000 */
  maxTokens: number;
  /** Provider calls the operation can make at most, as upstream-cost.ts prices it. @default 250 */
  maxCost: number;
}

/**
 * The schema has no cycle and its deepest operation is 8 fields (`customers { edges { node { experiencePlatform {
 * requestStatus { actions { name } } } } } }`); 15 aliases fit a dashboard of lists, not a thousand copies of one;
 * Sandbox's introspection query is under 200 tokens; 250 calls allow a page of 100 customers with both of Webex's live
 * fields (201).
 */
export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 50,
  maxTokens: 1000,
  maxCost: 250,
};

/** graphql-armor throws by default, which would escape `validate`; reporting is how a rule fails a document. */
const reportToValidation = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      // graphql-armor words every refusal as a syntax error; the document parsed, it is over a limit.
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''))),
  ],
};

/**
 * graphql-armor's depth, alias and directive limits, as validation rules: Apollo runs them once per document, with
 * the rest of validation, and keeps the validated document in its document store (keyed by the query's hash), so a
 * repeated query pays for them only the first time it is seen. Their refusals are `GRAPHQL_VALIDATION_FAILED`.
 */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...reportToValidation }),
    maxAliasesRule({ n: limits.maxAliases, ...reportToValidation }),
    maxDirectivesRule({ n: limits.maxDirectives, ...reportToValidation }),
  ] as ValidationRule[];
}
