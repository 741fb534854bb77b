import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { IncomingHttpHeaders } from 'node:http';
import type { Authenticator, Caller } from './auth.js';
import { requireCaller } from './auth.js';
import { ErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import { CloudCockpitClient, type CloudCockpitEndpoint } from './providers/cloudcockpit/client.js';

/** The provider clients of one request, acting for its caller. */
export interface Providers {
  cloudCockpit: CloudCockpitClient;
}

/** What every resolver receives. */
export interface RequestContext {
  /** The caller's `X-Correlation-Id`, or a new UUID; sent to every provider and returned in `extensions`. */
  correlationId: string;
  logger: Logger;
  caller: Caller | null;
  /** null while no caller is authenticated: nothing goes upstream for an anonymous request. */
  providers: Providers | null;
}

/** Where the providers are; fixed for the process. */
export interface ProviderEndpoints {
  cloudCockpit: CloudCockpitEndpoint;
}

export interface ContextDependencies {
  authenticator: Authenticator;
  logger: Logger;
  endpoints: ProviderEndpoints;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createContextFactory({ authenticator, logger, endpoints }: ContextDependencies) {
  return async function createContext(headers: IncomingHttpHeaders): Promise<RequestContext> {
    const correlationId = correlationIdOf(headers['x-correlation-id']);
    const requestLogger = logger.child({ correlationId });
    const caller = await authenticator.authenticate(headers.authorization);
    const providers = caller
      ? {
          cloudCockpit: new CloudCockpitClient(endpoints.cloudCockpit, {
            correlationId,
            logger: requestLogger,
            tenant: caller.tenant,
          }),
        }
      : null;
    return { correlationId, logger: requestLogger, caller, providers };
  };
}

/** CloudCockpit documents `X-Correlation-Id` as a UUID; anything else is refused here rather than upstream. */
function correlationIdOf(header: string | string[] | undefined): string {
  if (header === undefined) return randomUUID();
  const value = Array.isArray(header) ? header[0] : header;
  if (value && uuid.test(value)) return value.toLowerCase();
  throw new GraphQLError('X-Correlation-Id must be a UUID', {
    extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
  });
}

/** The caller and their provider clients, or an UNAUTHENTICATED error. */
export function authorized(context: RequestContext): { caller: Caller; providers: Providers } {
  const caller = requireCaller(context.caller);
  if (!context.providers) throw new Error('providers are made for every authenticated caller');
  return { caller, providers: context.providers };
}

export function isUuid(value: string): boolean {
  return uuid.test(value);
}
