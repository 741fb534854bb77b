import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { IncomingHttpHeaders } from 'node:http';
import type { Authenticator, Caller } from './auth.js';
import { requireCaller } from './auth.js';
import { ErrorCode } from './errors.js';
import type { Ledger } from './ledger/ledger.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Logger } from './logger.js';
import { CloudCockpitClient, type CloudCockpitEndpoint } from './providers/cloudcockpit/client.js';
import { ExperiencePlatformClient, type ExperiencePlatformEndpoint } from './providers/experience-platform/client.js';
import { Net3Client, type Net3Endpoint } from './providers/net3/client.js';
import type { ProviderRequestScope } from './providers/provider-data-source.js';
import { WebexClient, type WebexEndpoint } from './providers/webex/client.js';
import { isUuid } from './uuid.js';

/** The provider clients of one request, acting for its caller. */
export interface Providers {
  cloudCockpit: CloudCockpitClient;
  experiencePlatform: ExperiencePlatformClient;
  net3: Net3Client;
  webex: WebexClient;
}

export interface RequestContext {
  /** The caller's `X-Correlation-Id`, or a new UUID; sent to every provider and returned in `extensions`. */
  correlationId: string;
  logger: Logger;
  caller: Caller | null;
  /** The caller's IP address as this server saw it (Net3 records it as `requesterIP`). */
  clientIp: string | null;
  /** null while no caller is authenticated: nothing goes upstream for an anonymous request. */
  providers: Providers | null;
  ledger: Ledger;
  /** This request's batching, caching reads of the ledger and of live upstream state. */
  loaders: Loaders;
  /** Puts the operation's name on this request's log lines, once Apollo has resolved which operation runs. */
  nameOperation(name: string | null): void;
}

/** Where the providers are; fixed for the process. */
export interface ProviderEndpoints {
  cloudCockpit: CloudCockpitEndpoint;
  experiencePlatform: ExperiencePlatformEndpoint;
  net3: Net3Endpoint;
  webex: WebexEndpoint;
}

/** What every context is made from, fixed for the process. */
export interface ContextServices {
  logger: Logger;
  endpoints: ProviderEndpoints;
  ledger: Ledger;
}

export interface ContextDependencies extends ContextServices {
  authenticator: Authenticator;
}

export function createContextFactory({ authenticator, ...services }: ContextDependencies) {
  return async function createContext(headers: IncomingHttpHeaders, clientIp: string | null): Promise<RequestContext> {
    const correlationId = correlationIdOf(headers['x-correlation-id']);
    const caller = await authenticator.authenticate(headers.authorization);
    return contextFor(services, { caller, correlationId, clientIp });
  };
}

export interface ContextOf {
  caller: Caller | null;
  correlationId: string;
  clientIp: string | null;
  /** A subscription's: it lives for many events, each read afresh (nothing cached between them). */
  live?: boolean;
}

/** A context acting for `caller`: a request's, or the worker's when it resumes a caller's provisioning. */
export function contextFor(
  { logger, endpoints, ledger }: ContextServices,
  { caller, correlationId, clientIp, live = false }: ContextOf,
): RequestContext {
  const scope = new RequestScope(logger, correlationId, caller?.tenant ?? null);
  const providers = caller ? providersFor(endpoints, caller, scope) : null;
  const loaders = createLoaders(ledger, caller, providers, { cache: !live });
  return new ContextOfRequest(scope, caller, clientIp, providers, ledger, loaders);
}

/**
 * A class, so that `logger` is a getter on its prototype: Apollo copies each request's context with `Object.assign`,
 * which would call an own getter and make the child logger that RequestScope makes only on first use.
 */
class ContextOfRequest implements RequestContext {
  readonly correlationId: string;

  constructor(
    private readonly scope: RequestScope,
    readonly caller: Caller | null,
    readonly clientIp: string | null,
    readonly providers: Providers | null,
    readonly ledger: Ledger,
    readonly loaders: Loaders,
  ) {
    this.correlationId = scope.correlationId;
  }

  get logger(): Logger {
    return this.scope.logger;
  }

  nameOperation(name: string | null): void {
    this.scope.nameOperation(name);
  }
}

/**
 * A request's correlation id, and its logger made on first use: a read that goes well logs only its outcome, which
 * the server writes with the correlation id as a field, so most requests never pay for a child logger.
 */
class RequestScope implements ProviderRequestScope {
  private child?: Logger;
  private operationName: string | null = null;

  constructor(
    private readonly base: Logger,
    readonly correlationId: string,
    private readonly tenant: string | null,
  ) {}

  nameOperation(name: string | null): void {
    this.operationName = name;
    this.child?.setBindings({ operationName: name });
  }

  get logger(): Logger {
    const { correlationId, tenant, operationName } = this;
    return (this.child ??= this.base.child({ correlationId, tenant, operationName }));
  }
}

/** The provider clients acting for `caller`, under one correlation id: a request's, or a step's the worker resumes. */
export function providersFor(endpoints: ProviderEndpoints, caller: Caller, scope: ProviderRequestScope): Providers {
  return new ProvidersOnFirstUse(endpoints, caller, scope);
}

/**
 * Each client made on first use: most requests reach one provider, and a client is not free to make. A class, since
 * getters on its prototype cost a request nothing until called; an object literal's are defined anew on every request.
 */
class ProvidersOnFirstUse implements Providers {
  private cloudCockpitClient?: CloudCockpitClient;
  private experiencePlatformClient?: ExperiencePlatformClient;
  private net3Client?: Net3Client;
  private webexClient?: WebexClient;

  constructor(
    private readonly endpoints: ProviderEndpoints,
    private readonly caller: Caller,
    private readonly scope: ProviderRequestScope,
  ) {}

  get cloudCockpit(): CloudCockpitClient {
    return (this.cloudCockpitClient ??= new CloudCockpitClient(
      this.endpoints.cloudCockpit,
      this.scope,
      this.caller.tenant,
    ));
  }

  get experiencePlatform(): ExperiencePlatformClient {
    return (this.experiencePlatformClient ??= new ExperiencePlatformClient(
      this.endpoints.experiencePlatform,
      this.scope,
    ));
  }

  get net3(): Net3Client {
    return (this.net3Client ??= new Net3Client(this.endpoints.net3, this.scope));
  }

  get webex(): WebexClient {
    return (this.webexClient ??= new WebexClient(this.endpoints.webex, this.scope));
  }
}

/** CloudCockpit documents `X-Correlation-Id` as a UUID; anything else is refused here rather than upstream. */
function correlationIdOf(header: string | string[] | undefined): string {
  if (header === undefined) return randomUUID();
  const value = Array.isArray(header) ? header[0] : header;
  if (value && isUuid(value)) return value.toLowerCase();
  throw new GraphQLError('X-Correlation-Id must be a UUID', {
    extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
  });
}

export function authorized(context: RequestContext): { caller: Caller; providers: Providers } {
  const caller = requireCaller(context.caller);
  if (!context.providers) throw new Error('providers are made for every authenticated caller');
  return { caller, providers: context.providers };
}
