import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import { WebSocketServer } from 'ws';
import type { Authenticator, Caller } from './auth.js';
import { contextFor, type ContextServices } from './context.js';
import { ErrorCode } from './errors.js';
import { persistedQueryNotAllowed, type PersistedQueryManifest } from './persisted-queries.js';
import { queryLimitRules, type QueryLimits } from './query-limits.js';
import { refuseOperationOverBudget } from './upstream-cost.js';

export interface SubscriptionServerOptions extends ContextServices {
  /** The HTTP server whose `/graphql` also takes WebSocket upgrades. */
  httpServer: HttpServer;
  schema: GraphQLSchema;
  authenticator: Authenticator;
  limits: QueryLimits;
  production: boolean;
  /** A larger message closes the socket (1009). */
  maxMessageBytes: number;
  /** PERSISTED_QUERIES=enforce: only this manifest's subscriptions run, named by hash or by text. @default null */
  persistedQueries?: PersistedQueryManifest | null;
}

/** What `connection_init` carries: the same `Authorization` value as an HTTP request's header. */
type ConnectionParams = Record<string, unknown> | undefined;

type SubscriptionContext = Context<ConnectionParams, Extra & { caller?: Caller }>;

/**
 * Subscriptions over `graphql-ws` on `/graphql`. The caller is authenticated once, from `connection_init`'s
 * `Authorization`, and the connection closes when the token expires. Only subscriptions are served here: queries and
 * mutations go over HTTP, where `Idempotency-Key` makes a mobile app's retry safe.
 */
export function serveSubscriptions(options: SubscriptionServerOptions): { close(): Promise<void> } {
  const { schema, authenticator, limits, logger } = options;
  const rules = [...specifiedRules, ...queryLimitRules(limits)];
  // A message is a subscription's document and variables: the HTTP body limit bounds it as it bounds a POST.
  const webSockets = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: options.maxMessageBytes,
  });

  const server = useServer<ConnectionParams, { caller?: Caller }>(
    {
      schema,
      async onConnect(ctx: SubscriptionContext) {
        const authorization = authorizationOf(ctx.connectionParams);
        const caller = await authenticator.authenticate(authorization).catch(() => null);
        // graphql-ws closes the socket with 4403 Forbidden: no token, or one that does not verify.
        if (!caller) return false;
        ctx.extra.caller = caller;
        closeWhenExpired(ctx, authorization!);
        return true;
      },
      onSubscribe(ctx: SubscriptionContext, _id, payload): ExecutionArgs | readonly GraphQLError[] {
        const query = options.persistedQueries
          ? options.persistedQueries.documentFor({ query: payload.query, sha256Hash: sha256HashOf(payload.extensions) })
          : payload.query;
        if (query === undefined) return [persistedQueryNotAllowed()];
        let document: DocumentNode;
        try {
          document = parse(query, { maxTokens: limits.maxTokens });
        } catch (error) {
          return [error as GraphQLError];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) return invalid;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return [
            new GraphQLError('Only subscriptions are served over WebSocket: send queries and mutations over HTTP', {
              extensions: { code: ErrorCode.BAD_REQUEST },
            }),
          ];
        }
        const contextValue = contextFor(options, {
          caller: ctx.extra.caller ?? null,
          correlationId: randomUUID(),
          clientIp: ctx.extra.request.socket.remoteAddress ?? null,
          live: true,
        });
        contextValue.nameOperation(operation.name?.value ?? null);
        const variableValues = payload.variables ?? undefined;
        try {
          refuseOperationOverBudget(
            limits.maxCost,
            schema,
            { operation, document, variables: variableValues },
            contextValue,
          );
        } catch (error) {
          return [error as GraphQLError];
        }
        return { schema, document, operationName: payload.operationName, variableValues, contextValue };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => masked(error)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => masked(error)),
    },
    webSockets,
  );

  /** An error without a code is this server's fault: logged, and answered without its message. */
  function masked(error: GraphQLError): GraphQLFormattedError {
    if (error.extensions.code) return error.toJSON();
    logger.error({ err: error.originalError ?? error, path: error.path }, 'subscription failed');
    return {
      message: options.production ? 'Internal server error' : error.message,
      ...(error.path ? { path: error.path } : {}),
      extensions: { code: ErrorCode.INTERNAL },
    };
  }

  return {
    async close() {
      await server.dispose();
    },
  };
}

/** Apollo's persisted-query extension, as Apollo Client's PersistedQueryLink puts it on a subscription too. */
function sha256HashOf(extensions: Record<string, unknown> | null | undefined): string | undefined {
  const persisted = extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** `Authorization` in the payload, as graphql-ws clients send it, or in its `headers`, as some IDEs do. */
function authorizationOf(params: ConnectionParams): string | undefined {
  const headers = params?.headers;
  const nested = typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>) : {};
  const value = params?.Authorization ?? params?.authorization ?? nested.Authorization ?? nested.authorization;
  return typeof value === 'string' ? value : undefined;
}

/** A subscription lives as long as its token: then the socket closes (4401), and the client signs in again. */
function closeWhenExpired(ctx: SubscriptionContext, authorization: string): void {
  const { exp } = decodeJwt(authorization.replace(/^Bearer\s+/i, ''));
  const left = exp === undefined ? Infinity : Math.max(0, exp * 1000 - Date.now());
  // Past a timer's range (24.8 days) the token outlives any connection worth following.
  if (left > MAX_TIMER_MS) return;
  const timer = setTimeout(() => ctx.extra.socket.close(CloseCode.Unauthorized, 'The token expired'), left);
  timer.unref();
  ctx.extra.socket.once('close', () => clearTimeout(timer));
}
