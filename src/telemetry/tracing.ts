import type { IncomingHttpHeaders } from 'node:http';
import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
} from '@opentelemetry/semantic-conventions';

/**
 * OpenTelemetry traces, opt-in by the standard `OTEL_*` environment (README, "Traces"): a span per GraphQL operation
 * and a child span per provider call, the W3C `traceparent` sent to the providers. The spans are made through
 * `@opentelemetry/api` alone; without a started SDK its tracer and propagator are no-ops, and this costs next to nothing.
 */

/** What a started SDK gives back: main.ts ends it last, so that the spans of the shutdown go out too. */
export interface Tracing {
  shutdown(): Promise<void>;
}

export const DEFAULT_SERVICE_NAME = 'provisioning-graph';

/**
 * Whether the environment asks for traces: an exporter or an OTLP endpoint named (`OTEL_TRACES_EXPORTER` other than
 * `none`, `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and `OTEL_SDK_DISABLED` not `true`.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return false;
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (exporters.length > 0) return !exporters.every((name) => name === 'none');
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim());
}

/**
 * Starts the SDK when {@link tracingRequested}; null otherwise, and nothing of the SDK is loaded. The SDK reads the
 * rest of `OTEL_*` itself (exporter, protocol, endpoint, headers, sampler, propagators, batching). Traces only: the
 * metrics are Prometheus's (`/metrics`) and the logs pino's, so its default OTLP metrics and logs are turned off.
 */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | null> {
  if (!tracingRequested(env)) return null;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: env['OTEL_SERVICE_NAME']?.trim() || DEFAULT_SERVICE_NAME,
    metricReaders: [],
    logRecordProcessors: [],
    // Manual spans only (below): no auto-instrumentation patches a module.
    instrumentations: [],
  });
  sdk.start();
  started = true;
  return {
    shutdown: async () => {
      started = false;
      await sdk.shutdown();
    },
  };
}

/**
 * Whether an SDK was started here. Without one the API is a no-op already, but the wrapping around each operation and
 * provider call (promise hops, the route's template) is not free: it is skipped too (bench/telemetry-overhead.ts).
 */
let started = false;
const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

const tracer = trace.getTracer('provisioning-graph');

// Incubating in the semantic conventions: spelled here, as their package advises, rather than imported.
const ATTR_GRAPHQL_OPERATION_NAME = 'graphql.operation.name';
const ATTR_GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';
const ATTR_URL_TEMPLATE = 'url.template';
/** The `extensions.code` of the operation's errors. */
const ATTR_GRAPHQL_ERROR_CODES = 'graphql.error.codes';
/** Which provider a call went to (errors.ts's ProviderName). */
export const ATTR_PROVIDER = 'provisioning_graph.provider';

/**
 * Runs a GraphQL request in its operation's span, a child of the caller's `traceparent` if it sent one. The span is
 * named once the operation is known ({@link describeOperation}).
 */
export function inOperationSpan<T>(headers: IncomingHttpHeaders, serve: () => Promise<T>): Promise<T> {
  if (!started) return serve();
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan('graphql.operation', { kind: SpanKind.SERVER }, parent);
  return context.with(trace.setSpan(parent, span), serve).finally(() => span.end());
}

/** Names the current operation's span and records how it ended; called as its answer goes out. */
export function describeOperation(
  operation: string,
  type: string,
  errorCodes: readonly unknown[] | undefined,
  failed: boolean,
): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.updateName(`graphql.operation ${operation}`);
  span.setAttribute(ATTR_GRAPHQL_OPERATION_NAME, operation);
  span.setAttribute(ATTR_GRAPHQL_OPERATION_TYPE, type);
  if (errorCodes?.length) {
    span.setAttribute(ATTR_GRAPHQL_ERROR_CODES, errorCodes.map(String));
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/** What an upstream span is named and described by: never the raw URL, whose path holds ids. */
export interface UpstreamRoute {
  provider: string;
  method: string;
  /** The path called, ids and all: the span is named by its {@link routeTemplate}. */
  path: string;
}

/** Runs one provider call, its retries included, in a client span of its own (the current operation's child). */
export function inUpstreamSpan<T>(
  { provider, method, path }: UpstreamRoute,
  call: (span: Span) => Promise<T>,
): Promise<T> {
  if (!started) return call(NOT_RECORDING);
  const route = routeTemplate(path);
  return tracer.startActiveSpan(
    `${method} ${route}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { [ATTR_PROVIDER]: provider, [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_TEMPLATE]: route },
    },
    (span) => call(span).finally(() => span.end()),
  );
}

/** How the call ended: its last answer's status (null: none came), the retries it took, and its error if it failed. */
export function describeUpstreamCall(span: Span, status: number | null, retries: number, errorType?: string): void {
  if (!span.isRecording()) return;
  if (status !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (retries > 0) span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, retries);
  if (errorType) {
    span.setAttribute(ATTR_ERROR_TYPE, errorType);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/** Adds the current span's `traceparent` (and `tracestate`) to a provider request's headers. */
export function injectTraceContext(headers: Record<string, string>): void {
  // Tracing off: nothing to propagate, and a provider call is spared the no-op's few µs.
  if (!started) return;
  propagation.inject(context.active(), headers);
}

/**
 * A provider path as a route template: a segment that is not a short word (`v1`, `Customers`, `provider-instances`)
 * is an id, and becomes `{id}`; the query string is left out. The providers' ids (GUIDs, Webex's base64 ids, numbers)
 * all carry digits or are long.
 */
export function routeTemplate(path: string): string {
  const end = path.search(/[?#]/);
  const segments = (end === -1 ? path : path.slice(0, end)).split('/');
  return segments
    .map((segment) => (/^(?:|v\d{1,2}|[A-Za-z][A-Za-z_-]{0,31})$/.test(segment) ? segment : '{id}'))
    .join('/');
}
