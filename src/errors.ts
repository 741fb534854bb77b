import { GraphQLError } from 'graphql';

/**
 * The stable `extensions.code` values of this API. Clients branch on these, so they never change
 * meaning; new failure kinds get new codes.
 */
export const ErrorCode = {
  /** The input is invalid; `extensions.fieldErrors` names each offending input field. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** A malformed HTTP request, such as a non-UUID `X-Correlation-Id`. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The request body is over the size limit (HTTP 413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /**
   * The operation could make more provider calls than one request may (HTTP 400); nothing was called.
   * `extensions.cost` is its price (null when too large to price) and `extensions.maxCost` the limit.
   */
  QUERY_COST_EXCEEDED: 'QUERY_COST_EXCEEDED',
  /** No valid JWT was sent. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The caller (or this service, upstream) may not do this. */
  FORBIDDEN: 'FORBIDDEN',
  /** The thing asked for does not exist for this caller. */
  NOT_FOUND: 'NOT_FOUND',
  /** The provider already has this (e.g. Webex's 409 on a duplicate externalId). */
  CONFLICT: 'CONFLICT',
  /** The provider asked us to wait (423 Locked, 429 Too Many Requests); `extensions.retryAfterSeconds` says how long. */
  UPSTREAM_BUSY: 'UPSTREAM_BUSY',
  /** A provider failed, answered 5xx or could not be reached. */
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  /**
   * Calls to the provider are paused after repeated failures (its circuit is open); nothing was sent.
   * `extensions.retryAfterSeconds` says when it will be tried again.
   */
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  /** A step was not started because one it depends on failed (the CloudCockpit customer). */
  NOT_STARTED: 'NOT_STARTED',
  /** The provisioning is being worked on by another request or process right now. */
  IN_PROGRESS: 'IN_PROGRESS',
  /**
   * Under PERSISTED_QUERIES=enforce, the operation is not in the server's persisted-query manifest (HTTP 400); nothing
   * ran, nor was it registered.
   */
  PERSISTED_QUERY_NOT_ALLOWED: 'PERSISTED_QUERY_NOT_ALLOWED',
  /** An `Idempotency-Key` was used before for a different request (HTTP 422). */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** The request first sent with this `Idempotency-Key` is still running (HTTP 409). */
  IDEMPOTENCY_KEY_IN_USE: 'IDEMPOTENCY_KEY_IN_USE',
  /** The request first sent with this `Idempotency-Key` ran, but its stored answer cannot be decrypted (HTTP 500). */
  IDEMPOTENCY_KEY_ANSWER_UNREADABLE: 'IDEMPOTENCY_KEY_ANSWER_UNREADABLE',
  /** A fault of this API's own; its details are in the log, never in the response. */
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The upstream providers, as `extensions.provider` names them. */
export type ProviderName = 'CLOUDCOCKPIT' | 'EXPERIENCE_PLATFORM' | 'NET3' | 'WEBEX_WHOLESALE';

export const PROVIDER_LABEL: Record<ProviderName, string> = {
  CLOUDCOCKPIT: 'CloudCockpit',
  EXPERIENCE_PLATFORM: 'Adobe Experience Platform',
  NET3: 'Net3',
  WEBEX_WHOLESALE: 'Webex Wholesale',
};

/** A path into the GraphQL arguments, such as `['input', 'providerCustomers', 0, 'margin', 'value']`. */
export type InputPath = (string | number)[];

export interface FieldError {
  path: InputPath;
  messages: string[];
}

export function badUserInput(message: string, fieldErrors: FieldError[] = []): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, fieldErrors } });
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_FOUND } });
}

/** What a provider's error response says, once its body is read in that provider's own format. */
export interface UpstreamFailure {
  provider: ProviderName;
  /** null when no HTTP response came back (refused, reset, timed out). */
  httpStatus: number | null;
  correlationId: string;
  /** Safe to show to a caller: made here, never the provider's raw body. */
  message: string;
  /** Field-level validation errors, named as the provider names the properties. */
  invalidProperties: { property: string; messages: string[] }[];
  /** The provider's `Retry-After`, in seconds, when it sent one; or ours, for a call we did not send. */
  retryAfterSeconds?: number | null;
  /** Why no HTTP answer came, when none did. */
  unanswered?: Unanswered;
}

/**
 * A call with no answer: never sent (the connection `refused`, the provider's `circuit-open`, our `concurrency-cap`
 * full), or sent and `timed-out` or `lost` (reset, closed), so the provider may have acted.
 */
export type Unanswered = 'refused' | 'circuit-open' | 'concurrency-cap' | 'timed-out' | 'lost';

const UNANSWERED: Record<Unanswered, { code: ErrorCode; message: (label: string) => string }> = {
  refused: { code: ErrorCode.UPSTREAM_ERROR, message: (label) => `${label} could not be reached` },
  lost: { code: ErrorCode.UPSTREAM_ERROR, message: (label) => `${label} could not be reached` },
  'timed-out': { code: ErrorCode.UPSTREAM_ERROR, message: (label) => `${label} could not be reached in time` },
  'circuit-open': {
    code: ErrorCode.UPSTREAM_UNAVAILABLE,
    message: (label) => `${label} is unavailable: calls to it are paused after repeated failures`,
  },
  'concurrency-cap': {
    code: ErrorCode.UPSTREAM_BUSY,
    message: (label) => `Too many calls to ${label} are waiting already`,
  },
};

/** A call that got no HTTP answer, as {@link Unanswered} tells why. */
export function unansweredError(
  provider: ProviderName,
  correlationId: string,
  why: Unanswered,
  retryAfterSeconds?: number,
): UpstreamError {
  return new UpstreamError({
    provider,
    httpStatus: null,
    correlationId,
    message: UNANSWERED[why].message(PROVIDER_LABEL[provider]),
    invalidProperties: [],
    unanswered: why,
    retryAfterSeconds,
  });
}

/** How an upstream failure reads to our callers. */
export function errorCodeFor({
  httpStatus,
  unanswered,
}: Pick<UpstreamFailure, 'httpStatus' | 'unanswered'>): ErrorCode {
  if (unanswered) return UNANSWERED[unanswered].code;
  if (httpStatus === 400 || httpStatus === 422) return ErrorCode.BAD_USER_INPUT;
  if (httpStatus === 401 || httpStatus === 403) return ErrorCode.FORBIDDEN;
  if (httpStatus === 404) return ErrorCode.NOT_FOUND;
  if (httpStatus === 409) return ErrorCode.CONFLICT;
  if (httpStatus === 423 || httpStatus === 429) return ErrorCode.UPSTREAM_BUSY;
  return ErrorCode.UPSTREAM_ERROR;
}

/**
 * A provider's failure as a GraphQL error: `extensions` carry `code`, `provider`, `httpStatus` and
 * `correlationId`, and for validation failures `fieldErrors` once mapped onto the GraphQL input.
 */
export class UpstreamError extends GraphQLError {
  constructor(
    readonly failure: UpstreamFailure,
    fieldErrors?: FieldError[],
  ) {
    super(failure.message, {
      extensions: {
        code: errorCodeFor(failure),
        provider: failure.provider,
        httpStatus: failure.httpStatus,
        correlationId: failure.correlationId,
        ...(failure.retryAfterSeconds != null ? { retryAfterSeconds: failure.retryAfterSeconds } : {}),
        ...(fieldErrors ? { fieldErrors } : {}),
      },
    });
    this.name = 'UpstreamError';
  }

  get httpStatus(): number | null {
    return this.failure.httpStatus;
  }

  /** The same failure with the provider's property names mapped onto the GraphQL input they came from. */
  atInput(root: InputPath, pathOf: (property: string) => InputPath): UpstreamError {
    const fieldErrors = this.failure.invalidProperties.map(({ property, messages }) => ({
      path: [...root, ...pathOf(property)],
      messages,
    }));
    return new UpstreamError(this.failure, fieldErrors);
  }
}

/** For `.catch()`: rethrows a provider's validation failure with its properties mapped onto the GraphQL input. */
export function rethrowAtInput(root: InputPath, pathOf: (property: string) => InputPath): (error: unknown) => never {
  return (error) => {
    throw error instanceof UpstreamError ? error.atInput(root, pathOf) : error;
  };
}
