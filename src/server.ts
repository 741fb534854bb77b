import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import cors from 'cors';
import express from 'express';
import type { Authenticator } from './auth.js';
import { createContextFactory, type ProviderEndpoints, type RequestContext } from './context.js';
import { REPLAYED_HEADER, idempotencyPlugin, type IdempotencyOptions } from './idempotency.js';
import type { Ledger } from './ledger/ledger.js';
import type { Logger } from './logger.js';
import { createSchema } from './schema.js';

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
  /** Safe retries with `Idempotency-Key`: how long keys are kept and when a claim counts as abandoned. */
  idempotency?: IdempotencyOptions;
}

export interface RunningServer {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql */
  url: string;
  close(): Promise<void>;
}

const SANDBOX_DOCUMENT = `# A first look: the customers of your tenant.
query Customers {
  customers(first: 10) {
    totalCount
    nodes { id companyName country providerInstances { providerInstanceId status } }
  }
}
`;

/** Returns the request's correlation id in `extensions`, so a caller can quote it to support. */
const correlationIdPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind === 'single') {
          response.body.singleResult.extensions = {
            ...response.body.singleResult.extensions,
            correlationId: contextValue.correlationId,
          };
        }
      },
    };
  },
};

/** Logs each operation's outcome: name, duration, error codes; never variables or headers. */
const operationLogPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart({ contextValue }) {
    const started = performance.now();
    return {
      async willSendResponse({ operationName, errors }) {
        contextValue.logger.info(
          {
            operationName: operationName ?? null,
            durationMs: Math.round(performance.now() - started),
            errorCodes: errors?.map((e) => e.extensions.code) ?? [],
          },
          'graphql operation',
        );
      },
    };
  },
};

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger, authenticator, production } = options;
  const app = express();
  // Behind a load balancer on the same host, req.ip is the client's address from X-Forwarded-For.
  app.set('trust proxy', 'loopback');
  const httpServer = http.createServer(app);

  const landingPage = production
    ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
    : ApolloServerPluginLandingPageLocalDefault({
        footer: false,
        document: SANDBOX_DOCUMENT,
        // Sandbox opens ready to run: the development token is already in its headers.
        headers: authenticator.developmentToken ? { Authorization: `Bearer ${authenticator.developmentToken}` } : {},
      });

  const apollo = new ApolloServer<RequestContext>({
    schema: createSchema(),
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    // main.ts owns shutdown: it closes the server, then the emulators, then exits.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      landingPage,
      correlationIdPlugin,
      operationLogPlugin,
      idempotencyPlugin(options.ledger, options.idempotency),
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

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/', (_req, res) => res.redirect('/graphql'));
  app.use(
    '/graphql',
    cors<cors.CorsRequest>({ exposedHeaders: ['X-Correlation-Id', REPLAYED_HEADER] }),
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const context = await createContext(req.headers, req.ip ?? null);
        res.setHeader('X-Correlation-Id', context.correlationId);
        return context;
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/graphql`,
    close: () => apollo.stop(),
  };
}
