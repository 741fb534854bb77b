/**
 * Net3's provisioning endpoint in memory, answering as ServiceStack does (request binding, authentication providers,
 * FluentValidation, the `responseStatus` error body), so that a client working here meets no new 400s in production.
 * Source: `shared/provider-apis/net3-provision-customer.txt`, a metadata page where every property is "Required: No";
 * what OnBoarding really requires, and its limits, are the emulator's model, named where each rule is declared.
 */
import { randomUUID } from 'node:crypto';
import type { Express, RequestHandler, Response } from 'express';
import type { Net3Credentials } from '../../src/config.js';
import { bearerTokenOf } from '../toolkit/credentials.js';
import { displayName, FLUENT_MESSAGES, isEmailAddress, propertyLeaf } from '../toolkit/fluent-validation.js';
import { Partitions } from '../toolkit/partitions.js';
import {
  emulatorApp,
  mediaTypeOf,
  requestState,
  startEmulator,
  uncaughtErrorHandler,
  type CreationCounts,
  type EmulatorInstruments,
  type ListenOptions,
  type RunningEmulator,
} from '../toolkit/server.js';
import { isJsonObject, type JsonObject } from '../toolkit/validation.js';
import {
  CONTACT_ROLE_VALUES,
  serviceStackJson,
  type ErrorResponse,
  type ProvisionCustomerModel,
  type ProvisionCustomerModelResponse,
  type ResponseError,
  type TypeContactRole,
  type TypeCreatedBy,
  type TypeCustomerAddress,
  type TypeCustomerInfo,
  type TypeProvisionDemoContactModel,
  type WcfDate,
  type WireGuid,
} from '../../src/providers/net3/wire.js';

// ───────────────────────────── Public API ─────────────────────────────

export interface Net3EmulatorOptions {
  /** The API key (Bearer) or user and password (Basic) the emulator accepts; when undefined any is accepted. @default undefined */
  credentials?: Net3Credentials;
  /**
   * Customer ids (compared case-insensitively) whose provisioning fails inside Net3 with an unhandled error,
   * answered 500 as ServiceStack answers one: a way to exercise that path. @default []
   */
  failingCustomerIds?: string[];
  /** Whether error bodies carry a `stackTrace`, as ServiceStack's do with DebugMode on. @default true */
  debugMode?: boolean;
}

/** Counts creations as `<customerId>`, as the request gave it. */
export function createNet3Emulator(options: Net3EmulatorOptions & EmulatorInstruments = {}): Express {
  const ctx: HandlerContext = {
    store: new CredentialStore(),
    created: options.created,
    failingCustomerIds: new Set((options.failingCustomerIds ?? []).map((id) => id.toLowerCase())),
    debugMode: options.debugMode ?? true,
  };
  const app = emulatorApp(options);

  // ServiceStack's pipeline order: the body is bound to the request DTO first, then request filters run
  // ([Authenticate] before the ValidationFeature's filter), then the service.
  app.post('/provisioning/customer', bindRequest(ctx), authenticate(options.credentials, ctx), provisionCustomer(ctx));
  app.use(routeNotFound);
  app.use(handleUncaughtError(ctx));
  return app;
}

export function startNet3Emulator(options: Net3EmulatorOptions & ListenOptions = {}): Promise<RunningEmulator> {
  return startEmulator(createNet3Emulator, options);
}

// ───────────────────────────── Request state and error bodies ─────────────────────────────

interface HandlerContext {
  store: CredentialStore;
  created: CreationCounts | undefined;
  failingCustomerIds: ReadonlySet<string>;
  debugMode: boolean;
}

interface RequestState {
  /** The request body as text, for DebugMode stack traces (which dump the request, as ServiceStack's do). */
  rawBody: string;
  model: ProvisionCustomerModel;
  /** Whose data this request sees: the API key or user name it authenticated with. */
  credentialKey: string;
}

const stateOf = requestState<RequestState>();

/** The .NET exception a response stands for, and the frames of its DebugMode stack trace. */
interface Exception {
  type: string;
  frames: string[];
}

const EXCEPTIONS = {
  binding: {
    type: 'System.Runtime.Serialization.SerializationException',
    frames: ['ServiceStack.Host.RestHandler.CreateRequestAsync(IRequest httpReq, IRestPath restPath)'],
  },
  unauthenticated: {
    type: 'ServiceStack.HttpError',
    frames: ['ServiceStack.AuthenticateAttribute.ExecuteAsync(IRequest req, IResponse res, Object requestDto)'],
  },
  validation: {
    type: 'ServiceStack.FluentValidation.ValidationException',
    frames: [
      'ServiceStack.Validation.ValidationFilters.RequestFilterAsync(IRequest req, IResponse res, Object requestDto)',
      'ServiceStack.ServiceStackHost.ApplyRequestFiltersSingleAsync(IRequest req, IResponse res, Object requestDto)',
    ],
  },
  conflict: {
    type: 'ServiceStack.HttpError',
    frames: ['Net3.ServiceInterface.ProvisioningService.Post(ProvisionCustomerModel request)'],
  },
  database: {
    type: 'Microsoft.Data.SqlClient.SqlException',
    frames: [
      'Microsoft.Data.SqlClient.SqlConnection.OnError(SqlException exception, Boolean breakConnection, Action`1 wrapCloseInAction)',
      'Net3.ServiceInterface.OnBoardingRepository.InsertCustomer(TypeCustomerInfo customer)',
      'Net3.ServiceInterface.ProvisioningService.Post(ProvisionCustomerModel request)',
    ],
  },
  unexpected: {
    type: 'System.Exception',
    frames: [
      'ServiceStack.Host.Handlers.HttpAsyncTaskHandler.ProcessRequestAsync(IRequest req, IResponse res, String operationName)',
    ],
  },
} satisfies Record<string, Exception>;

/** ServiceStack's DebugMode `stackTrace`: the request DTO, then the exception and its frames. */
function stackTraceOf(res: Response, exception: Exception, message: string): string {
  return [
    `[ProvisionCustomerModel: ${new Date().toISOString()}]:`,
    `[REQUEST: ${stateOf(res).rawBody ?? ''}]`,
    `${exception.type}: ${message}`,
    ...exception.frames.map((frame) => `   at ${frame}`),
  ].join('\n');
}

function sendError(
  res: Response,
  ctx: HandlerContext,
  httpStatus: number,
  {
    errorCode,
    message,
    errors = [],
    exception,
  }: { errorCode: string; message: string; errors?: ResponseError[]; exception: Exception },
): void {
  const body: ErrorResponse = {
    responseStatus: {
      errorCode,
      message,
      // ServiceStack leaves nulls out of its JSON: no stackTrace at all outside DebugMode.
      ...(ctx.debugMode ? { stackTrace: stackTraceOf(res, exception, message) } : {}),
      errors,
    },
  };
  sendJson(res, httpStatus, body);
}

function sendJson(res: Response, httpStatus: number, body: unknown): void {
  res.status(httpStatus).type('application/json; charset=utf-8').send(serviceStackJson(body));
}

/** ServiceStack's own 404 for a path or method no service is routed to: plain text, not a DTO. */
const routeNotFound: RequestHandler = (req, res) => {
  res
    .status(404)
    .type('text/plain; charset=utf-8')
    .send(
      `Handler for Request not found (404):\n\n  Request.HttpMethod: ${req.method}\n  Request.PathInfo: ${req.path}\n`,
    );
};

function handleUncaughtError(ctx: HandlerContext) {
  return uncaughtErrorHandler((res, status, publicMessage) =>
    status >= 500
      ? sendError(res, ctx, 500, {
          errorCode: 'Exception',
          message: 'An unexpected error occurred.',
          exception: EXCEPTIONS.unexpected,
        })
      : sendError(res, ctx, status, {
          errorCode: 'HttpError',
          message: publicMessage ?? 'Bad Request',
          exception: EXCEPTIONS.unexpected,
        }),
  );
}

// ───────────────────────────── Request binding ─────────────────────────────

/**
 * One property that could not be bound. ASSUMPTION: Net3 runs ServiceStack.Text with `ThrowOnError` on, so a
 * value of the wrong type is refused (by default ServiceStack silently binds it to the property's default).
 * ServiceStack names only the leaf property; the emulator names its whole path (`Contacts[0].Roles[1]`), as
 * FluentValidation does, so that such errors can be placed too.
 */
interface BindingError {
  fieldName: string;
  value: unknown;
}

function isJsonMediaType(contentType: string | undefined): boolean {
  const mediaType = mediaTypeOf(contentType);
  return mediaType === 'application/json' || mediaType === 'text/json';
}

function bindRequest(ctx: HandlerContext): RequestHandler {
  return (req, res, next) => {
    const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    stateOf(res).rawBody = text;
    // ServiceStack would also bind XML, CSV, JSV and forms; the emulator speaks JSON only and says so with a 415,
    // so that nothing comes to rely on a format it does not check.
    if (text.trim() !== '' && !isJsonMediaType(req.header('content-type'))) {
      const given = req.header('content-type') ?? '';
      sendError(res, ctx, 415, {
        errorCode: 'NotSupportedException',
        message: `The emulated Net3 only reads application/json, not '${given}'.`,
        exception: EXCEPTIONS.binding,
      });
      return;
    }
    const bindingFailed = (errors: BindingError[]) =>
      sendError(res, ctx, 400, {
        errorCode: 'SerializationException',
        message: "Unable to bind to request 'ProvisionCustomerModel'",
        errors: errors.map(({ fieldName, value }) => ({
          errorCode: 'SerializationException',
          fieldName,
          message: `'${describeValue(value)}' is an Invalid value for '${propertyLeaf(fieldName)}'`,
        })),
        exception: EXCEPTIONS.binding,
      });
    let json: unknown = {};
    // An empty body binds an empty request DTO, which validation then refuses.
    if (text.trim() !== '') {
      try {
        json = JSON.parse(text) as unknown;
      } catch {
        bindingFailed([]);
        return;
      }
    }
    if (!isJsonObject(json)) {
      bindingFailed([]);
      return;
    }
    const errors: BindingError[] = [];
    const model = bindProvisionCustomerModel(json, errors);
    if (errors.length > 0) {
      bindingFailed(errors);
      return;
    }
    stateOf(res).model = model;
    next();
  };
}

function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/** ServiceStack.Text matches JSON property names to C# properties case-insensitively (`customerName`, `CustomerName`). */
function property(object: JsonObject, name: string): unknown {
  const wanted = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : object[key];
}

const INT32_MAX = 2147483647;
/** The formats of .NET's `Guid.Parse`: 32 digits, dashed, dashed in braces or in parentheses. */
const DASHED_GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const GUID = new RegExp(`^(?:[0-9a-f]{32}|${DASHED_GUID}|\\{${DASHED_GUID}\\}|\\(${DASHED_GUID}\\))$`, 'i');
/** .NET's `DateTime` range, in Unix milliseconds. */
const MIN_DATE_MS = -62135596800000;
const MAX_DATE_MS = 253402300799999;
const WCF_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function parseServiceStackDate(text: string): number | null {
  const wcf = WCF_DATE.exec(text.trim());
  const ms = wcf?.[1] !== undefined ? Number(wcf[1]) : ISO_DATE.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  return Number.isSafeInteger(ms) && ms >= MIN_DATE_MS && ms <= MAX_DATE_MS ? ms : null;
}

/** Binds one JSON object of the request to its DTO's properties, collecting what cannot be bound. */
class Binder {
  constructor(
    private readonly json: JsonObject,
    /** The C# path of `json` in the request DTO, e.g. `Customer.` or `Contacts[0].`. */
    private readonly prefix: string,
    private readonly errors: BindingError[],
  ) {}

  private value(name: string): unknown {
    return property(this.json, name);
  }

  private fail(name: string, value: unknown): undefined {
    this.errors.push({ fieldName: `${this.prefix}${name}`, value });
    return undefined;
  }

  /** A JSON string, or the text of a number or boolean (ServiceStack.Text reads either into a string). */
  string(name: string): string | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return this.fail(name, value);
  }

  /** An integer in range, as a JSON number or numeric string; null binds the default. */
  integer(name: string, min: number, max: number): number | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max)
      return this.fail(name, value);
    return number;
  }

  boolean(name: string): boolean | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
    return this.fail(name, value);
  }

  /** Kept as ServiceStack writes a Guid. */
  guid(name: string): WireGuid | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' && GUID.test(value.trim())) return value.replace(/[^0-9a-f]/gi, '').toLowerCase();
    return this.fail(name, value);
  }

  /**
   * A `DateTime`: ServiceStack reads its own `/Date(ms)/`, with or without an offset (`/Date(ms-0000)/`), and
   * ISO 8601. Stored as ServiceStack writes dates back.
   */
  date(name: string): WcfDate | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    const ms = typeof value === 'string' ? parseServiceStackDate(value) : null;
    if (ms === null) return this.fail(name, value);
    return `/Date(${ms}-0000)/`;
  }

  /** Enum values by name (case-insensitively) or by their documented number. */
  roles(name: string): TypeContactRole[] | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) return this.fail(name, value);
    const roles: TypeContactRole[] = [];
    value.forEach((item: unknown, index) => {
      const role = contactRoleOf(item);
      if (role) roles.push(role);
      else this.fail(`${name}[${index}]`, item);
    });
    return roles;
  }

  object<T>(name: string, bind: (binder: Binder) => T): T | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    if (!isJsonObject(value)) return this.fail(name, value);
    return bind(new Binder(value, `${this.prefix}${name}.`, this.errors));
  }

  list<T>(name: string, bind: (binder: Binder) => T): T[] | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) return this.fail(name, value);
    return value.flatMap((item: unknown, index) => {
      if (!isJsonObject(item)) return this.fail(`${name}[${index}]`, item) ?? [];
      return [bind(new Binder(item, `${this.prefix}${name}[${index}].`, this.errors))];
    });
  }
}

function contactRoleOf(value: unknown): TypeContactRole | undefined {
  const entries = Object.entries(CONTACT_ROLE_VALUES) as [TypeContactRole, number][];
  if (typeof value === 'number') return entries.find(([, number]) => number === value)?.[0];
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return entries.find(([, number]) => number === Number(text))?.[0];
  return entries.find(([name]) => name.toLowerCase() === text.toLowerCase())?.[0];
}

function bindProvisionCustomerModel(json: JsonObject, errors: BindingError[]): ProvisionCustomerModel {
  const root = new Binder(json, '', errors);
  return {
    customer: root.object('Customer', (b): TypeCustomerInfo => ({
      customerId: b.string('CustomerId'),
      customerName: b.string('CustomerName'),
      streetAddress: b.string('StreetAddress'),
      cityStateZip: b.string('CityStateZip'),
      phone: b.string('Phone'),
      extension: b.string('Extension'),
      email: b.string('Email'),
      localId: b.integer('LocalId', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      serviceLevelId: b.integer('ServiceLevelId', -INT32_MAX - 1, INT32_MAX),
      isReseller: b.boolean('isReseller'),
      parentCompanyId: b.string('ParentCompanyId'),
      n3TLogins_CompanyId: b.guid('N3TLogins_CompanyId'),
      lastUpdateDate: b.date('LastUpdateDate'),
      typeCustomerStatusId: b.integer('TypeCustomerStatusId', -INT32_MAX - 1, INT32_MAX),
      typePricingTierId: b.integer('TypePricingTierId', -INT32_MAX - 1, INT32_MAX),
    })),
    addresses: root.list('Addresses', (b): TypeCustomerAddress => ({
      street: b.string('Street'),
      city: b.string('City'),
      state: b.string('State'),
      postalCode: b.string('PostalCode'),
      telephone: b.string('Telephone'),
      extension: b.string('Extension'),
      email: b.string('Email'),
      notes: b.string('Notes'),
      primary: b.boolean('Primary'),
    })),
    contacts: root.list('Contacts', (b): TypeProvisionDemoContactModel => ({
      firstName: b.string('FirstName'),
      lastName: b.string('LastName'),
      email: b.string('Email'),
      telephone: b.string('Telephone'),
      roles: b.roles('Roles'),
    })),
    createdBy: root.object('CreatedBy', (b): TypeCreatedBy => ({
      email: b.string('Email'),
      firstName: b.string('FirstName'),
      lastName: b.string('LastName'),
      username: b.string('Username'),
      userId: b.guid('UserId'),
      companyId: b.guid('CompanyId'),
    })),
    salesContact: root.string('SalesContact'),
    requesterIP: root.string('RequesterIP'),
    requestCreated: root.date('RequestCreated'),
  };
}

// ───────────────────────────── Authentication ─────────────────────────────

/**
 * ServiceStack's `[Authenticate]`: its API key provider reads `Authorization: Bearer <key>`, its Basic provider
 * `Authorization: Basic <user:password>`; only the provider matching the configured credentials is registered.
 * With no credentials configured, any non-empty key or user name is accepted. A refusal is a 401 with
 * `WWW-Authenticate` naming the provider's realm, and the usual error body.
 */
function authenticate(expected: Net3Credentials | undefined, ctx: HandlerContext): RequestHandler {
  const acceptsApiKey = expected === undefined || 'apiKey' in expected;
  const acceptsBasic = expected === undefined || 'username' in expected;
  const challenge = acceptsApiKey ? 'Bearer realm="/auth/apikey"' : 'Basic realm="/auth/basic"';
  return (req, res, next) => {
    const refuse = (message: string) => {
      res.setHeader('WWW-Authenticate', challenge);
      sendError(res, ctx, 401, { errorCode: 'Unauthorized', message, exception: EXCEPTIONS.unauthenticated });
    };
    const authorization = req.header('authorization') ?? '';
    const bearer = bearerTokenOf(authorization);
    const basic = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(authorization)?.[1];
    if (bearer !== undefined && acceptsApiKey) {
      if (expected && 'apiKey' in expected && bearer !== expected.apiKey) {
        refuse('Invalid API Key');
        return;
      }
      stateOf(res).credentialKey = `apikey:${bearer}`;
      next();
      return;
    }
    if (basic !== undefined && acceptsBasic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const username = colon < 0 ? decoded : decoded.slice(0, colon);
      const password = colon < 0 ? '' : decoded.slice(colon + 1);
      const wrong =
        username === '' ||
        (expected && 'username' in expected && (username !== expected.username || password !== expected.password));
      if (wrong) {
        refuse('Invalid UserName or Password');
        return;
      }
      // User names are case-insensitive in ServiceStack's auth repositories.
      stateOf(res).credentialKey = `user:${username.toLowerCase()}`;
      next();
      return;
    }
    refuse('Not Authenticated');
  };
}

// ───────────────────────────── Validation ─────────────────────────────

/** Collects every failure (FluentValidation does not stop at the first), in rule order, as ServiceStack reports them. */
class Failures {
  readonly errors: ResponseError[] = [];

  add(fieldName: string, errorCode: string, message: string, meta: Record<string, string> = {}): void {
    // ServiceStack copies FluentValidation's message placeholders into `meta`.
    this.errors.push({ errorCode, fieldName, message, meta: { PropertyName: displayName(fieldName), ...meta } });
  }

  notEmpty(fieldName: string, value: string | undefined | null): boolean {
    if (value !== undefined && value !== null && value.trim() !== '') return true;
    this.add(fieldName, 'NotEmpty', FLUENT_MESSAGES.notEmpty(fieldName));
    return false;
  }

  maxLength(fieldName: string, value: string | undefined | null, max: number): void {
    if (value === undefined || value === null || value.length <= max) return;
    this.add(fieldName, 'MaximumLength', FLUENT_MESSAGES.maxLength(fieldName, max, value.length), {
      MaxLength: String(max),
      TotalLength: String(value.length),
    });
  }

  /** FluentValidation's e-mail check, which an empty value passes. */
  email(fieldName: string, value: string | undefined | null): void {
    if (value === undefined || value === null || value === '' || isEmailAddress(value)) return;
    this.add(fieldName, 'Email', FLUENT_MESSAGES.email(fieldName));
  }

  notNegative(fieldName: string, value: number | undefined): void {
    if (value === undefined || value >= 0) return;
    this.add(fieldName, 'GreaterThanOrEqual', `'${displayName(fieldName)}' must be greater than or equal to '0'.`, {
      ComparisonValue: '0',
    });
  }
}

/**
 * ASSUMPTION: the rules of Net3's OnBoarding validator. The document marks every property optional; what a
 * provisioning cannot do without is a customer (id and name) and a primary contact to give a login to. The
 * lengths are those of typical OnBoarding columns (names 50–100, phones 25, e-mails 100, IP addresses 45).
 */
function validate(model: ProvisionCustomerModel): ResponseError[] {
  const f = new Failures();
  const customer = model.customer;
  if (!customer) {
    f.add('Customer', 'NotNull', `'Customer' must not be empty.`);
  } else {
    if (f.notEmpty('Customer.CustomerId', customer.customerId))
      f.maxLength('Customer.CustomerId', customer.customerId, 50);
    if (f.notEmpty('Customer.CustomerName', customer.customerName))
      f.maxLength('Customer.CustomerName', customer.customerName, 100);
    f.maxLength('Customer.StreetAddress', customer.streetAddress, 200);
    f.maxLength('Customer.CityStateZip', customer.cityStateZip, 100);
    f.maxLength('Customer.Phone', customer.phone, 25);
    f.maxLength('Customer.Extension', customer.extension, 10);
    f.email('Customer.Email', customer.email);
    f.maxLength('Customer.Email', customer.email, 100);
    f.notNegative('Customer.LocalId', customer.localId);
    f.notNegative('Customer.ServiceLevelId', customer.serviceLevelId);
    f.maxLength('Customer.ParentCompanyId', customer.parentCompanyId, 50);
    f.notNegative('Customer.TypeCustomerStatusId', customer.typeCustomerStatusId);
    f.notNegative('Customer.TypePricingTierId', customer.typePricingTierId);
  }

  const addresses = model.addresses ?? [];
  addresses.forEach((address, i) => {
    const at = `Addresses[${i}].`;
    f.maxLength(`${at}Street`, address.street, 200);
    f.maxLength(`${at}City`, address.city, 100);
    f.maxLength(`${at}State`, address.state, 50);
    f.maxLength(`${at}PostalCode`, address.postalCode, 20);
    f.maxLength(`${at}Telephone`, address.telephone, 25);
    f.maxLength(`${at}Extension`, address.extension, 10);
    f.email(`${at}Email`, address.email);
    f.maxLength(`${at}Email`, address.email, 100);
    f.maxLength(`${at}Notes`, address.notes, 500);
  });
  if (addresses.filter((a) => a.primary === true).length > 1) {
    f.add('Addresses', 'Predicate', 'Only one address can be the primary address.');
  }

  const contacts = model.contacts ?? [];
  if (contacts.length === 0) f.add('Contacts', 'NotEmpty', `'Contacts' must not be empty.`);
  // Every contact gets a login named by their e-mail, so two contacts cannot share one.
  const seenEmails = new Set<string>();
  contacts.forEach((contact, i) => {
    const at = `Contacts[${i}].`;
    if (f.notEmpty(`${at}FirstName`, contact.firstName)) f.maxLength(`${at}FirstName`, contact.firstName, 50);
    if (f.notEmpty(`${at}LastName`, contact.lastName)) f.maxLength(`${at}LastName`, contact.lastName, 50);
    if (f.notEmpty(`${at}Email`, contact.email)) {
      f.email(`${at}Email`, contact.email);
      f.maxLength(`${at}Email`, contact.email, 100);
      const key = (contact.email ?? '').trim().toLowerCase();
      if (seenEmails.has(key)) f.add(`${at}Email`, 'Predicate', 'Another contact already has this email address.');
      seenEmails.add(key);
    }
    f.maxLength(`${at}Telephone`, contact.telephone, 25);
    if ((contact.roles ?? []).length === 0) f.add(`${at}Roles`, 'NotEmpty', `'Roles' must not be empty.`);
  });
  if (contacts.length > 0 && contacts.filter((c) => (c.roles ?? []).includes('Primary')).length !== 1) {
    f.add('Contacts', 'Predicate', 'Exactly one contact must have the Primary role.');
  }

  if (model.createdBy) {
    f.email('CreatedBy.Email', model.createdBy.email);
    f.maxLength('CreatedBy.Email', model.createdBy.email, 100);
  }
  f.maxLength('SalesContact', model.salesContact, 100);
  f.maxLength('RequesterIP', model.requesterIP, 45);
  return f.errors;
}

// ───────────────────────────── Store ─────────────────────────────

interface StoredCustomer {
  customer: TypeCustomerInfo;
  addresses: TypeCustomerAddress[];
  contacts: TypeProvisionDemoContactModel[];
  requestCreated: WcfDate | null;
  created: WcfDate;
}

interface CredentialData {
  /** Keyed by lower-cased customer id: OnBoarding compares ids as SQL Server's default collation does. */
  customers: Map<string, StoredCustomer>;
}

/** Net3 gives each partner its own credentials and keeps each partner's customers apart. */
class CredentialStore extends Partitions<CredentialData> {
  /** OnBoarding's identity column, shared by every partner. */
  private lastLocalId = 1000;

  constructor() {
    super(() => ({ customers: new Map() }));
  }

  nextLocalId(): number {
    this.lastLocalId += 1;
    return this.lastLocalId;
  }
}

// ───────────────────────────── Service ─────────────────────────────

function provisionCustomer(ctx: HandlerContext): RequestHandler {
  return (_req, res) => {
    const { model, credentialKey } = stateOf(res);
    if (!model || credentialKey === undefined) throw new Error('bindRequest and authenticate must run first');

    const errors = validate(model);
    const [first] = errors;
    if (first) {
      // ServiceStack's ValidationException reports its first failure as the response's own code and message.
      sendError(res, ctx, 400, {
        errorCode: first.errorCode,
        message: first.message,
        errors,
        exception: EXCEPTIONS.validation,
      });
      return;
    }

    const data = ctx.store.get(credentialKey);
    const customer = model.customer as TypeCustomerInfo;
    const customerId = customer.customerId as string;
    const key = customerId.toLowerCase();
    if (data.customers.has(key)) {
      sendError(res, ctx, 409, {
        errorCode: 'Conflict',
        message: `A customer with CustomerId '${customerId}' already exists.`,
        exception: EXCEPTIONS.conflict,
      });
      return;
    }
    if (ctx.failingCustomerIds.has(key)) {
      sendError(res, ctx, 500, {
        errorCode: 'SqlException',
        message:
          'Transaction (Process ID 64) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.',
        exception: EXCEPTIONS.database,
      });
      return;
    }

    const now: WcfDate = `/Date(${Date.now()}-0000)/`;
    const givenCompany = customer.n3TLogins_CompanyId;
    const stored: StoredCustomer = {
      customer: {
        ...customer,
        localId: customer.localId && customer.localId > 0 ? customer.localId : ctx.store.nextLocalId(),
        // An existing Logins company is attached; otherwise Logins creates one.
        n3TLogins_CompanyId: givenCompany && !/^0+$/.test(givenCompany) ? givenCompany : randomUUID().replace(/-/g, ''),
        isReseller: customer.isReseller ?? false,
        lastUpdateDate: now,
      },
      addresses: (model.addresses ?? []).map((a) => ({ ...a, primary: a.primary ?? false })),
      contacts: model.contacts ?? [],
      requestCreated: model.requestCreated ?? null,
      created: now,
    };
    data.customers.set(key, stored);
    ctx.created?.count(customerId);
    const response: ProvisionCustomerModelResponse = structuredClone(stored);
    sendJson(res, 200, response);
  };
}
