import {
  RESTDataSource,
  type AugmentedRequest,
  type DataSourceConfig,
  type DataSourceFetchResult,
  type DataSourceRequest,
} from '@apollo/datasource-rest';
import type { GraphQLError } from 'graphql';
import { PROVIDER_LABEL, unansweredError, UpstreamError, type ProviderName, type UpstreamFailure } from '../errors.js';
import type { Logger } from '../logger.js';
import { injectTraceContext } from '../telemetry/tracing.js';
import type { UpstreamPolicy } from './policies/upstream-policy.js';
import { upstreamFetch, type Fetcher } from './upstream-fetch.js';

type FetcherResponse = Awaited<ReturnType<Fetcher>>;

/**
 * Provider state is read live: nothing is kept across requests, and within a request the loaders dedupe and cache.
 * RESTDataSource's default HTTP cache would allocate an LRU for every client of every request, to hold nothing.
 */
const NOTHING_CACHED: NonNullable<DataSourceConfig['cache']> = {
  get: async () => undefined,
  set: async () => {},
  delete: async () => {},
};

/** Where a provider lives and how to reach it; shared by every request. */
export interface ProviderEndpoint {
  baseURL: string;
  /** Timeout, retries, circuit and concurrency cap of every call to it. */
  policy: UpstreamPolicy;
}

/** What a provider client knows of the GraphQL request it serves. */
export interface ProviderRequestScope {
  /** Sent upstream so that the provider's audit logs line up with ours. */
  correlationId: string;
  logger: Logger;
}

/** A provider's error response, read in that provider's own format. */
export type ProviderErrorDescription = Pick<UpstreamFailure, 'message' | 'invalidProperties'> & {
  correlationId?: string | null;
};

/**
 * The base of every provider client: a RESTDataSource (one instance per GraphQL request) whose failures,
 * HTTP or network, all become {@link UpstreamError}s naming the provider, status and correlation id.
 * A provider supplies its name and how to read its error bodies.
 */
export abstract class ProviderDataSource extends RESTDataSource {
  protected abstract readonly provider: ProviderName;

  private readonly policy: UpstreamPolicy;

  constructor(
    endpoint: ProviderEndpoint,
    protected readonly scope: ProviderRequestScope,
  ) {
    // RESTDataSource would log only a failed cache write, which NOTHING_CACHED never has: the request's logger, made on
    // first use, is not asked for here.
    super({ fetch: upstreamFetch, cache: NOTHING_CACHED });
    // RESTDataSource resolves paths against the base URL; a missing trailing slash would drop its last segment.
    this.baseURL = endpoint.baseURL.endsWith('/') ? endpoint.baseURL : `${endpoint.baseURL}/`;
    this.policy = endpoint.policy;
  }

  /** Reads the provider's error body; never copies it whole into what callers see. */
  protected abstract describeError(httpStatus: number, body: unknown): ProviderErrorDescription;

  protected abstract setHeaders(request: AugmentedRequest): void;

  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    this.setHeaders(request);
    injectTraceContext(request.headers);
    // Nothing is ever cached (NOTHING_CACHED): no look-up, not even an empty one, before each call.
    request.skipCache = true;
  }

  /**
   * Answers are only ever read (mappings build new objects, and sort copies), so the GETs RESTDataSource dedupes may
   * share one answer: the default deep copy of every answer cost a read some 30 µs of CPU, a twentieth of it.
   */
  protected override cloneParsedBody<TResult>(parsedBody: TResult): TResult {
    return parsedBody;
  }

  /**
   * Error responses may come with an empty or non-JSON body (ASP.NET's 401, a proxy's 502): read those
   * as text rather than failing as if the provider had not answered.
   */
  protected override async parseBody(response: FetcherResponse): Promise<object | string> {
    const text = await response.text();
    const json = /^application\/(.+\+)?json/i.test(response.headers.get('content-type') ?? '');
    if (!json || text === '') return text;
    try {
      return JSON.parse(text) as object;
    } catch {
      if (!response.ok) return text;
      throw new UpstreamError({
        provider: this.provider,
        httpStatus: response.status,
        correlationId: this.scope.correlationId,
        message: `${PROVIDER_LABEL[this.provider]} answered with a malformed body`,
        invalidProperties: [],
      });
    }
  }

  protected override async errorFromResponse({
    response,
    parsedBody,
  }: {
    response: FetcherResponse;
    parsedBody: unknown;
  }): Promise<GraphQLError> {
    const description = this.describeError(response.status, parsedBody);
    return new UpstreamError({
      provider: this.provider,
      httpStatus: response.status,
      correlationId: description.correlationId ?? this.scope.correlationId,
      message: description.message,
      invalidProperties: description.invalidProperties,
      retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')),
    });
  }

  /** Each call under the provider's {@link UpstreamPolicy}; each attempt a call of RESTDataSource's own. */
  override fetch<TResult>(path: string, request: DataSourceRequest = {}): Promise<DataSourceFetchResult<TResult>> {
    const method = request.method ?? 'GET';
    // node-fetch's own `timeout`: the request is abandoned on the wire by the attempt's deadline (policies/timeout.ts).
    return this.policy.execute(
      ({ timeoutMs, signal }) =>
        this.attempt<TResult>(path, Object.assign({}, request, { timeout: timeoutMs, signal })),
      {
        read: method === 'GET' || method === 'HEAD',
        method,
        path,
        statusOf: (result) => result.response.status,
        correlationId: this.scope.correlationId,
        signal: request.signal ?? undefined,
      },
    );
  }

  private async attempt<TResult>(path: string, request: DataSourceRequest): Promise<DataSourceFetchResult<TResult>> {
    try {
      return await super.fetch<TResult>(path, request);
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      // The caller's abort is theirs to make sense of.
      if (request.signal?.aborted) throw request.signal.reason;
      this.scope.logger.warn({ provider: this.provider, path, err: error }, 'upstream call failed without a response');
      // Refused: nothing was sent. Anything else (reset, closed, aborted) may have reached the provider.
      const refused = (error as { code?: unknown } | null)?.code === 'ECONNREFUSED';
      throw unansweredError(this.provider, this.scope.correlationId, refused ? 'refused' : 'lost');
    }
  }
}

/** `Retry-After` as seconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Text a provider wrote, fit to pass on in an error message: one line without control characters, at most 500
 * characters, so that a provider's multi-line dump or an injected log line never reaches callers or our logs.
 */
export function providerText(value: unknown): string {
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex
  const line = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
