import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  ApolloServer,
  HeaderMap,
  type ApolloServerPlugin,
  type GraphQLRequestContextWillSendResponse,
} from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import fastifyCors from '@fastify/cors';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { GraphQLFormattedError } from 'graphql';
import Negotiator from 'negotiator';
import type { Authenticator } from './auth.js';
import type { AnswerEncryption } from './ledger/answer-encryption.js';
import { ErrorCode } from './errors.js';
import { createContextFactory, type ProviderEndpoints, type RequestContext } from './context.js';
import { REPLAYED_HEADER, idempotencyPlugin, type IdempotencyOptions } from './idempotency.js';
import type { Ledger } from './ledger/ledger.js';
import type { Logger } from './logger.js';
import { refuseUnlisted, type PersistedQueryManifest } from './persisted-queries.js';
import { DEFAULT_QUERY_LIMITS, queryLimitRules, type QueryLimits } from './query-limits.js';
import { noSubgraphSdlRule } from './federation.js';
import { Readiness } from './readiness.js';
import { createSchema } from './schema.js';
import { Metrics, type OperationOutcome } from './telemetry/metrics.js';
import { describeOperation, inOperationSpan } from './telemetry/tracing.js';
import { serveSubscriptions } from './subscriptions.js';
import { refuseOverBudget } from './upstream-cost.js';

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** @default '0.0.0.0' */
  host?: string;
  production: boolean;
  logger: Logger;
  authenticator: Authenticator;
  endpoints: ProviderEndpoints;
  ledger: Ledger;
  /** Seals the stored answers of `Idempotency-Key`s (a key may hold a `connectionString` for a day). */
  answerEncryption: AnswerEncryption;
  /** Safe retries with `Idempotency-Key`: how long keys are kept and when a claim counts as abandoned. */
  idempotency?: IdempotencyOptions;
  /** How large one operation may be: depth, aliases, directives, tokens and provider calls. @default DEFAULT_QUERY_LIMITS */
  queryLimits?: QueryLimits;
  /**
   * What `GET /metrics` exposes; the provider policies given in `endpoints` count their calls into the same one.
   * @default metrics of this server's own
   */
  metrics?: Metrics;
  /** When set, `GET /metrics` asks for `Authorization: Bearer <metricsToken>` (METRICS_TOKEN). @default open */
  metricsToken?: string;
  /**
   * PERSISTED_QUERIES=enforce: only this manifest's operations run, by hash or by text, and no client registers
   * another. @default null: any operation, and automatic persisted queries as Apollo keeps them
   */
  persistedQueries?: PersistedQueryManifest | null;
  /** What `/readyz` answers; main.ts drains it on SIGTERM. @default over the ledger's database and `endpoints` */
  readiness?: Readiness;
  /** How long `close` lets requests in flight finish before it cuts their connections. @default 10000 */
  shutdownGraceMs?: number;
}

export interface RunningServer {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql */
  url: string;
  close(): Promise<void>;
}

const BODY_LIMIT_BYTES = 1024 * 1024;

const SANDBOX_DOCUMENT = `# A first look: the customers of your tenant.
query Customers {
  customers(first: 10) {
    totalCount
    nodes { id companyName country providerInstances { providerInstanceId status } }
  }
}
`;

type OutgoingResponse = GraphQLRequestContextWillSendResponse<RequestContext>;

/** Returns the request's correlation id in `extensions`, so a caller can quote it to support. */
function addCorrelationId({ response, contextValue }: OutgoingResponse): void {
  if (response.body.kind !== 'single') return;
  const result = response.body.singleResult;
  result.extensions = result.extensions
    ? { ...result.extensions, correlationId: contextValue.correlationId }
    : { correlationId: contextValue.correlationId };
}

/** Every answer is the caller's own, read live: no proxy or browser may keep it, a GET's included. */
function forbidCaching({ response }: OutgoingResponse): void {
  if (!response.http.headers.has('cache-control')) response.http.headers.set('cache-control', 'no-store');
}

/**
 * Request errors: the document could not be parsed or validated (Apollo's, graphql-armor's limits among them), the
 * variables could not be coerced, or the operation is over the budget of provider calls; nothing was executed.
 */
const REQUEST_ERROR_CODES = new Set<string>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  ErrorCode.QUERY_COST_EXCEEDED,
  ErrorCode.PERSISTED_QUERY_NOT_ALLOWED,
]);
const JSON_MEDIA_TYPES = ['application/json', 'application/graphql-response+json'];

/**
 * The GraphQL over HTTP spec: a client that accepts only `application/json` SHOULD get 200 for a request error, since
 * it cannot tell a GraphQL answer from a proxy's 400 otherwise; `application/graphql-response+json` keeps Apollo's 400.
 */
function statusForRequestErrors({ request, response, errors }: OutgoingResponse): void {
  if (response.http.status !== 400 || response.body.kind !== 'single') return;
  if (response.body.singleResult.data !== undefined || !errors?.length) return;
  if (!errors.every((error) => REQUEST_ERROR_CODES.has(String(error.extensions.code)))) return;
  const accept = request.http?.headers.get('accept');
  const preferred = accept ? new Negotiator({ headers: { accept } }).mediaType(JSON_MEDIA_TYPES) : undefined;
  if (accept && preferred !== 'application/json') return;
  response.http.status = 200;
}

/**
 * In production, no "Did you mean …?": it would spell out the schema that introspection keeps to itself. Apollo's
 * `hideSchemaDetailsFromClientErrors` does this for validation only, not for a variable's enum value.
 */
function withoutSuggestions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  return { ...formatted, message: formatted.message.replace(/ ?Did you mean .+?\?$/, '') };
}

/**
 * Logs each operation's outcome: name, duration, error codes; never variables or headers. With the server's logger and
 * the correlation id as a field, as the request's logger would write it, without making one per request.
 */
function logOperation(
  logger: Logger,
  { operationName, errors, contextValue }: OutgoingResponse,
  startedAt: number,
): void {
  logger.info(
    {
      correlationId: contextValue.correlationId,
      tenant: contextValue.caller?.tenant ?? null,
      operationName: operationName ?? null,
      durationMs: Math.round(performance.now() - startedAt),
      errorCodes: errors?.map((e) => e.extensions.code) ?? [],
    },
    'graphql operation',
  );
}

function outcomeOf({ response, errors }: OutgoingResponse): OperationOutcome {
  if (!errors?.length) return 'success';
  return response.body.kind === 'single' && response.body.singleResult.data != null ? 'partial' : 'error';
}

/** Counts the operation in the metrics and describes its span (when traced), under one bounded name. */
function measureOperation(metrics: Metrics, outgoing: OutgoingResponse, startedAt: number): void {
  const name = metrics.operationLabel(outgoing.operationName);
  const type = outgoing.operation?.operation ?? 'unknown';
  const outcome = outcomeOf(outgoing);
  metrics.observeOperation(name, type, outcome, (performance.now() - startedAt) / 1000);
  describeOperation(
    name,
    type,
    outgoing.errors?.map((error) => error.extensions.code),
    outcome === 'error',
  );
}

/**
 * What every operation is checked for before it runs and what every answer gets on its way out, in one plugin: each
 * hook a plugin adds costs every request a promise, and a read's profile showed Apollo's hook calls at twice the
 * minimal facade's.
 */
function requestPlugin(
  logger: Logger,
  maxCost: number,
  manifest: PersistedQueryManifest | null,
  metrics: Metrics,
): ApolloServerPlugin<RequestContext> {
  // The outcome line holds only the fields logOperation names, none of them a credential: it skips the redaction every
  // other line gets, which cost a read some 8 µs of CPU, more than writing the line.
  const outcomeLogger = logger.child({}, { redact: [] });
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        async didResolveOperation(resolved) {
          resolved.contextValue.nameOperation(resolved.operationName ?? null);
          // Before Apollo registers a new persisted query, which it does only once this hook has passed.
          if (manifest) refuseUnlisted(manifest, resolved.queryHash);
          refuseOverBudget(maxCost, resolved);
        },
        async willSendResponse(outgoing) {
          addCorrelationId(outgoing);
          forbidCaching(outgoing);
          statusForRequestErrors(outgoing);
          logOperation(outcomeLogger, outgoing, startedAt);
          measureOperation(metrics, outgoing, startedAt);
        },
      };
    },
  };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger, authenticator, production } = options;
  const metrics = options.metrics ?? new Metrics();
  metrics.watchWorkBacklog(() => options.ledger.workBacklog());
  const database = options.ledger.database;
  metrics.watchLedgerPool(database.kind, () => database.poolStats());
  metrics.watchSubscriptions(() => options.ledger.changes.followers);
  // Fastify rather than Express: the profile of a read put Express's router and response at an eighth of its CPU.
  const app = Fastify({
    // Behind a load balancer on the same host, request.ip is the client's address from X-Forwarded-For.
    trustProxy: 'loopback',
    bodyLimit: BODY_LIMIT_BYTES,
  });
  // Fastify refuses a body it cannot read (malformed JSON, over the limit, an unknown media type) before Apollo sees
  // it: those are answered as GraphQL errors too, with the status Fastify chose.
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) logger.error({ err: error }, 'request failed outside GraphQL');
    const [code, message] =
      status === 413
        ? [ErrorCode.PAYLOAD_TOO_LARGE, `The request body is over the limit of ${BODY_LIMIT_BYTES} bytes`]
        : status < 500
          ? [ErrorCode.BAD_REQUEST, error.message]
          : [ErrorCode.INTERNAL, 'Internal server error'];
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send({ errors: [{ message, extensions: { code } }] });
  });

  const landingPage = production
    ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
    : ApolloServerPluginLandingPageLocalDefault({
        footer: false,
        document: SANDBOX_DOCUMENT,
        // Sandbox opens ready to run: the development token is already in its headers.
        headers: authenticator.developmentToken ? { Authorization: `Bearer ${authenticator.developmentToken}` } : {},
      });

  const limits = options.queryLimits ?? DEFAULT_QUERY_LIMITS;
  const schema = createSchema();
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    ...(production ? { formatError: withoutSuggestions } : {}),
    // graphql-js stops reading past the limit, before the document is whole.
    parseOptions: { maxTokens: limits.maxTokens },
    // Apollo runs these once per document and keeps it validated in its document store, keyed by the query's hash.
    validationRules: [...queryLimitRules(limits), ...(production ? [noSubgraphSdlRule] : [])],
    // Automatic persisted queries (Apollo's default, said here): a query registered by its SHA-256 is kept in
    // Apollo's in-memory LRU cache, bounded at about 30 MiB; a hash it no longer holds is PERSISTED_QUERY_NOT_FOUND.
    // Under enforcement, the manifest is that cache, and nothing is added to it.
    persistedQueries: options.persistedQueries ? { cache: options.persistedQueries.apolloCache(), ttl: null } : {},
    // main.ts owns shutdown: it closes the server, then the emulators, then exits.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: app.server, stopGracePeriodMillis: options.shutdownGraceMs }),
      // The schema sets no cache hints: the default plugin would wrap every field's resolver only to conclude
      // `no-store`, which requestPlugin says outright.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo adds it to a subgraph by default: a gateway's header would then buy any caller per-field timings and
      // errors of its operation. Nothing here reports to GraphOS.
      ApolloServerPluginInlineTraceDisabled(),
      landingPage,
      requestPlugin(logger, limits.maxCost, options.persistedQueries ?? null, metrics),
      idempotencyPlugin(options.ledger, options.answerEncryption, options.idempotency, metrics),
    ],
    logger,
  });
  await apollo.start();

  const createContext = createContextFactory({
    authenticator,
    logger,
    endpoints: options.endpoints,
    ledger: options.ledger,
  });

  // Liveness only: a process that answers is alive, whatever its database does (a restart would not bring that back).
  app.get('/healthz', async () => ({ status: 'ok' }));
  const readiness = options.readiness ?? new Readiness(options.ledger.database, options.endpoints, logger);
  app.get('/readyz', async (_request, reply) => {
    const report = await readiness.report();
    return reply
      .code(report.status === 'ready' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(report);
  });
  app.get('/metrics', async (request, reply) => {
    if (options.metricsToken && !bearerMatches(request.headers.authorization, options.metricsToken)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send();
    }
    return reply.type(metrics.contentType).send(await metrics.exposition());
  });
  app.get('/', async (_request, reply) => reply.redirect('/graphql'));
  await app.register(fastifyCors, { exposedHeaders: ['X-Correlation-Id', REPLAYED_HEADER] });
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    handler: (request, reply) =>
      inOperationSpan(request.headers, () =>
        serveGraphQL(apollo, request, reply, async () => {
          const context = await createContext(request.headers, request.ip ?? null);
          void reply.header('X-Correlation-Id', context.correlationId);
          return context;
        }),
      ),
  });

  const subscriptions = serveSubscriptions({
    httpServer: app.server,
    schema,
    authenticator,
    limits,
    production,
    maxMessageBytes: BODY_LIMIT_BYTES,
    persistedQueries: options.persistedQueries ?? null,
    logger,
    endpoints: options.endpoints,
    ledger: options.ledger,
  });

  await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/graphql`,
    async close() {
      // Subscribers are told the server is going away (1001) before the HTTP server drains: their sockets would
      // keep it open.
      await subscriptions.close();
      await apollo.stop();
    },
  };
}

/** Compared as digests, in constant time: the token's length and contents stay unknown to a guesser. */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(authorization ?? ''), digest(`Bearer ${token}`));
}

/**
 * Apollo's integration contract, as `@as-integrations/fastify` implements it but for the headers: those pass as
 * sent, an empty one included, so that an empty `Idempotency-Key` is refused rather than taken for none.
 */
async function serveGraphQL(
  apollo: ApolloServer<RequestContext>,
  request: FastifyRequest,
  reply: FastifyReply,
  context: () => Promise<RequestContext>,
): Promise<string | FastifyReply> {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const query = request.url.indexOf('?');
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: request.method,
      headers,
      search: query === -1 ? '' : request.url.slice(query),
      body: request.body,
    },
    context,
  });
  for (const [name, value] of response.headers) void reply.header(name, value);
  void reply.code(response.status ?? 200);
  if (response.body.kind === 'complete') return response.body.string;
  return reply.send(Readable.from(response.body.asyncIterator));
}
