/**
 * CloudCockpit's customer endpoints in memory, deliberately strict: what the real service (ASP.NET Core +
 * FluentValidation) rejects, this rejects with the same status and error shape, so that a client working here meets
 * no new 400s in production. Sources: `shared/provider-apis/cloudcockpit-*.txt` and src/providers/cloudcockpit/wire.ts;
 * where they are silent, the comments say what is modelled and why.
 */
import { randomUUID } from 'node:crypto';
import type { Express, Request, RequestHandler, Response } from 'express';
import { acceptedBearerToken } from '../toolkit/credentials.js';
import { displayName, FLUENT_MESSAGES, isEmailAddress } from '../toolkit/fluent-validation.js';
import { nonNegativeNumber } from '../toolkit/options.js';
import { Partitions } from '../toolkit/partitions.js';
import {
  emulatorApp,
  isJsonMediaType,
  jsonBodyParser,
  mediaTypeOf,
  methodNotAllowed,
  requestState,
  startEmulator,
  uncaughtErrorHandler,
  type CreationCounts,
  type EmulatorInstruments,
  type ListenOptions,
  type RunningEmulator,
} from '../toolkit/server.js';
import {
  isCountryCode,
  isJsonObject,
  Problems,
  propertyReaders,
  queryValue,
  type JsonObject,
  type StringRule,
} from '../toolkit/validation.js';
import type {
  AddProviderInstanceRequest,
  CustomerAssociation,
  CustomerCreationError,
  CustomerPage,
  CustomerViewModel,
  ErrorResponse,
  Margin,
  MicrosoftCustomerData,
  OfferTypeMargins,
  ProviderCustomer,
  ProviderCustomerStatus,
} from '../../src/providers/cloudcockpit/wire.js';

// ───────────────────────────── Public API ─────────────────────────────

export interface CloudCockpitEmulatorOptions {
  /** Bearer token the emulator accepts; when undefined any non-empty Bearer token is accepted. @default undefined */
  token?: string;
  /** Provider instances that exist in every tenant. @default [{ id: MICROSOFT_PROVIDER_INSTANCE_ID, kind: 'microsoft' }] */
  providerInstances?: { id: string; kind: 'microsoft' | 'generic' }[];
  /** How long a provider customer stays `Processing` before it turns `Success`. @default 0 */
  processingDelayMs?: number;
}

/** The provider instance id of the documents' examples. */
export const MICROSOFT_PROVIDER_INSTANCE_ID = 'cb3cd15b-1d6e-45be-b493-c71549cbfd87';

/**
 * Counts creations as `customer:<customer id>` and `providerInstance:<customer id>:<providerInstanceId>`, lower-cased,
 * for a provider instance added on its own or with its customer.
 */
export function createCloudCockpitEmulator(options: CloudCockpitEmulatorOptions & EmulatorInstruments = {}): Express {
  const instances = providerInstanceKinds(options.providerInstances);
  const processingDelayMs = nonNegativeNumber('processingDelayMs', options.processingDelayMs ?? 0);
  const store = newTenantStore();

  const app = emulatorApp(options, assignCorrelationId);

  const guard: RequestHandler[] = [requireBearer(options.token), requireTenant, requireValidCorrelationId];
  const ctx: HandlerContext = { store, instances, processingDelayMs, created: options.created };

  app.get('/v1/Customers', ...guard, listCustomers(ctx));
  app.post('/v1/Customers', ...guard, parseJsonBody, createCustomer(ctx));
  app.all('/v1/Customers', notAllowed('GET', 'POST'));
  app.get('/v1/Customers/:customerId', ...guard, getCustomer(ctx));
  app.all('/v1/Customers/:customerId', notAllowed('GET'));
  app.post('/v1/Customers/:customerId/provider-instances', ...guard, parseJsonBody, addProviderInstance(ctx));
  app.all('/v1/Customers/:customerId/provider-instances', notAllowed('POST'));

  app.use((_req, res) => sendError(res, 404, 'The requested resource does not exist.'));
  app.use(handleUncaughtError);
  return app;
}

export function startCloudCockpitEmulator(
  options: CloudCockpitEmulatorOptions & ListenOptions = {},
): Promise<RunningEmulator> {
  return startEmulator(createCloudCockpitEmulator, options);
}

// ───────────────────────────── Cross-cutting checks ─────────────────────────────

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** Dot-separated DNS labels (letters, digits, inner hyphens), at most 253 characters. */
const DOMAIN_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * System.Text.Json reads a Guid only in the hyphenated "D" format, and .NET writes Guids in lower case; so
 * ids are compared and echoed lower-cased, whatever case the client sent.
 */
function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

interface RequestState {
  correlationId: string;
  tenant: string;
}

const stateOf = requestState<RequestState>();

function correlationIdOf(res: Response): string {
  return stateOf(res).correlationId ?? randomUUID();
}

function tenantOf(res: Response): string {
  const { tenant } = stateOf(res);
  if (tenant === undefined) throw new Error('requireTenant must run before the handler');
  return tenant;
}

/** Chooses the correlation id of every response; a malformed header is rejected later, after authentication. */
const assignCorrelationId: RequestHandler = (req, res, next) => {
  const given = req.header('x-correlation-id');
  const correlationId = isUuid(given) ? given : randomUUID();
  stateOf(res).correlationId = correlationId;
  res.setHeader('X-Correlation-Id', correlationId);
  next();
};

/**
 * ASP.NET's JwtBearer handler: anything but `Bearer <non-empty token>` (scheme case-insensitive) is
 * unauthenticated, and the challenge is a 401 with an empty body and `WWW-Authenticate: Bearer`.
 * The emulator does not verify JWTs; with `options.token` set it compares the token verbatim.
 */
function requireBearer(expectedToken: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (acceptedBearerToken(req.header('authorization'), expectedToken) === undefined) {
      res.status(401).setHeader('WWW-Authenticate', 'Bearer');
      res.end();
      return;
    }
    next();
  };
}

/**
 * The documents only say X-Tenant is "an existent domain for the specified tenant". The emulator cannot know
 * which tenants exist, so every well-formed domain name is its own (initially empty) tenant — which also lets
 * tests isolate themselves by tenant. Domains are case-insensitive, so is the tenant key.
 */
const requireTenant: RequestHandler = (req, res, next) => {
  const tenant = req.header('x-tenant');
  if (tenant === undefined || tenant.trim() === '') {
    sendValidationErrors(res, [{ propertyName: 'X-Tenant', description: ['The X-Tenant header is required.'] }]);
    return;
  }
  if (!DOMAIN_NAME.test(tenant)) {
    sendValidationErrors(res, [
      { propertyName: 'X-Tenant', description: [`The X-Tenant header must be a domain name; '${tenant}' is not.`] },
    ]);
    return;
  }
  stateOf(res).tenant = tenant.toLowerCase();
  next();
};

const requireValidCorrelationId: RequestHandler = (req, res, next) => {
  const given = req.header('x-correlation-id');
  if (given !== undefined && !isUuid(given)) {
    sendValidationErrors(res, [
      { propertyName: 'X-Correlation-Id', description: ['The X-Correlation-Id header must be a GUID.'] },
    ]);
    return;
  }
  next();
};

/** ASP.NET Core's JSON input formatter also reads `text/json`. */
function readsAsJson(contentType: string | undefined): boolean {
  return isJsonMediaType(contentType) || mediaTypeOf(contentType) === 'text/json';
}

const parseJsonBody = jsonBodyParser(readsAsJson, (res, problem) => {
  if (problem.kind === 'unsupported-media-type') {
    sendError(res, 415, `The content type '${problem.contentType}' is not supported; use application/json.`);
  } else if (problem.kind === 'empty') {
    // ASP.NET's wording, and its empty model-state key, for a missing [FromBody].
    sendValidationErrors(res, [{ propertyName: '', description: ['A non-empty request body is required.'] }]);
  } else {
    sendValidationErrors(res, [
      { propertyName: '$', description: [`The request body is not valid JSON. ${problem.detail}`] },
    ]);
  }
});

/** ASP.NET endpoint routing answers a known path with an unsupported method with 405, before authentication. */
function notAllowed(...allowed: string[]): RequestHandler {
  return methodNotAllowed(allowed, (res) => sendError(res, 405, 'The HTTP method is not allowed for this resource.'));
}

const handleUncaughtError = uncaughtErrorHandler((res, status, publicMessage) =>
  sendError(
    res,
    status,
    status >= 500 ? 'An unexpected error occurred.' : (publicMessage ?? 'The request is malformed.'),
  ),
);

// ───────────────────────────── Error bodies ─────────────────────────────

type PropertyErrors = NonNullable<ErrorResponse['errors']>;

const ERROR_TYPES: Record<number, string> = {
  400: 'ValidationError',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  500: 'InternalServerError',
};

function sendError(res: Response, statusCode: number, description: string, errors: PropertyErrors = []): void {
  const body: ErrorResponse = {
    statusCode,
    type: ERROR_TYPES[statusCode] ?? (statusCode < 500 ? 'BadRequest' : 'InternalServerError'),
    description,
    correlationId: correlationIdOf(res),
    errors,
  };
  res.status(statusCode).json(body);
}

function sendValidationErrors(res: Response, errors: PropertyErrors): void {
  sendError(res, 400, 'One or more validation errors occurred.', errors);
}

/** Collects every failure (FluentValidation does not stop at the first), answered grouped by property in rule order. */
class PropertyProblems extends Problems<{ propertyName: string; message: string }> {
  constructor() {
    super((propertyName, message) => ({ propertyName, message }));
  }

  toErrors(): PropertyErrors {
    const byProperty = new Map<string, string[]>();
    for (const { propertyName, message } of this.entries)
      byProperty.set(propertyName, [...(byProperty.get(propertyName) ?? []), message]);
    return [...byProperty].map(([propertyName, description]) => ({ propertyName, description }));
  }
}

/** FluentValidation's default messages, and those the emulator words like them for what System.Text.Json refuses. */
const message = {
  ...FLUENT_MESSAGES,
  guid: (p: string) => `'${displayName(p)}' must be a valid GUID.`,
  string: (p: string) => `'${displayName(p)}' must be a string.`,
  number: (p: string) => `'${displayName(p)}' must be a number.`,
  boolean: (p: string) => `'${displayName(p)}' must be a boolean.`,
  array: (p: string) => `'${displayName(p)}' must be an array.`,
  object: (p: string) => `'${displayName(p)}' must be a JSON object.`,
};

// ───────────────────────────── Validation ─────────────────────────────

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

const pascal = (field: string) => field.charAt(0).toUpperCase() + field.slice(1);

type CustomerStringField = Exclude<
  keyof CustomerViewModel,
  'id' | 'resellerId' | 'providerCustomers' | 'customerAssociations'
>;

/** The create document's string properties, in its order, with its "Required" and "up to N characters". */
const CUSTOMER_STRING_FIELDS: (StringRule & { field: CustomerStringField })[] = [
  { field: 'companyName', required: true, maxLength: 255 },
  { field: 'taxId', required: false, maxLength: 255 },
  {
    field: 'country',
    required: true,
    check: (value) =>
      isCountryCode(value) ? null : `'Country' must be an ISO 3166-1 alpha-2 country code; '${value}' is not.`,
  },
  { field: 'addressLine1', required: true, maxLength: 255 },
  { field: 'addressLine2', required: false, maxLength: 255 },
  { field: 'city', required: true, maxLength: 255 },
  { field: 'state', required: true, maxLength: 255 },
  { field: 'zip', required: true, maxLength: 30 },
  { field: 'firstName', required: true, maxLength: 255 },
  { field: 'middleName', required: false, maxLength: 255 },
  { field: 'lastName', required: true, maxLength: 255 },
  {
    field: 'email',
    required: true,
    maxLength: 255,
    check: (value) => (isEmailAddress(value) ? null : message.email('Email')),
  },
  { field: 'phone', required: true, maxLength: 30 },
  { field: 'internalIdentifier', required: false, maxLength: 255 },
];

const read = propertyReaders({
  missing: message.notEmpty,
  // System.Text.Json refuses to bind a number or object to a string property.
  notAString: message.string,
  blank: message.notEmpty,
  tooLong: message.maxLength,
  notAnObject: message.object,
});

/** Validates one string property; returns the value to store (null when absent and optional). */
function validateStringField(
  body: JsonObject,
  { field, ...rule }: (typeof CUSTOMER_STRING_FIELDS)[number],
  problems: PropertyProblems,
): string | null {
  return read.string(body, field, pascal(field), problems, rule) ?? null;
}

/** Validates an optional nullable GUID; returns it lower-cased, or null. */
function validateOptionalUuid(value: unknown, propertyName: string, problems: PropertyProblems): string | null {
  if (value === undefined || value === null) return null;
  if (!isUuid(value)) {
    problems.add(propertyName, message.guid(propertyName));
    return null;
  }
  return value.toLowerCase();
}

type InstanceKind = 'microsoft' | 'generic';

/** A provider customer that passed validation, before the emulator assigns its status. */
interface AcceptedProviderCustomer {
  providerInstanceId: string;
  providerCustomerData: string;
  margin: Margin;
  offerTypeMargins: OfferTypeMargins | null;
  /** The Microsoft `Domain`, when the instance is a Microsoft one. */
  microsoftDomain: string | null;
}

type PropertyCheck = { test: (value: unknown) => boolean; message: (propertyName: string) => string };
const aString: PropertyCheck = { test: (v) => typeof v === 'string', message: message.string };
const aBoolean: PropertyCheck = { test: (v) => typeof v === 'boolean', message: message.boolean };

/**
 * Every property the add-provider-instance document lists for a Microsoft instance. Typed against
 * {@link MicrosoftCustomerData} so that the wire type and this list cannot drift apart. Property names are
 * matched exactly as documented (PascalCase); whether CloudCockpit would also accept other casings is not
 * documented, and a strict emulator keeps the client on the documented spelling.
 */
const MICROSOFT_PROPERTIES: Record<keyof MicrosoftCustomerData, PropertyCheck> = {
  Domain: { test: (v) => typeof v === 'string' && v.trim() !== '', message: message.notEmpty },
  CredentialsEmail: aString,
  AcceptedMCA: aBoolean,
  AgreementDate: {
    // CloudCockpit reads it as a DateTime.
    test: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
    message: (p) => `'${displayName(p)}' must be a date, e.g. 2022-12-28T00:00:00Z.`,
  },
  KeepPrimaryInformation: aBoolean,
  FirstName: aString,
  LastName: aString,
  Email: aString,
  Phone: aString,
  DefaultCulture: aString,
  Language: aString,
  // The document's example is 6234552 while the wire type says string; accept either, and null.
  AssociatedPartnerId: {
    test: (v) => v === null || typeof v === 'string' || typeof v === 'number',
    message: (p) => `'${displayName(p)}' must be a string or null.`,
  },
  Qualifications: { test: Array.isArray, message: message.array },
  EnableGDAP: aBoolean,
};

/** Checks Microsoft customer data; returns its Domain when it is usable. */
function validateMicrosoftData(data: string, path: string, problems: PropertyProblems): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    parsed = undefined;
  }
  if (!isJsonObject(parsed)) {
    problems.add(path, `'${displayName(path)}' must be a JSON object with the Microsoft customer properties.`);
    return null;
  }
  for (const [name, check] of Object.entries(MICROSOFT_PROPERTIES)) {
    const propertyName = `${path}.${name}`;
    if (!(name in parsed)) problems.add(propertyName, message.notEmpty(propertyName));
    else if (!check.test(parsed[name])) problems.add(propertyName, check.message(propertyName));
  }
  const domain = parsed['Domain'];
  return typeof domain === 'string' && domain.trim() !== '' ? domain : null;
}

function validateMargin(value: unknown, path: string, problems: PropertyProblems): Margin | null {
  if (value === undefined || value === null) {
    problems.add(path, message.notEmpty(path));
    return null;
  }
  if (!isJsonObject(value)) {
    problems.add(path, message.object(path));
    return null;
  }
  const rule = value['marginRule'];
  const name = isJsonObject(rule) ? rule['name'] : undefined;
  const margin = value['value'];
  let valid = true;
  if (typeof name !== 'string' || name.trim() === '') {
    problems.add(`${path}.MarginRule.Name`, message.notEmpty(`${path}.MarginRule.Name`));
    valid = false;
  }
  if (typeof margin !== 'number' || !Number.isFinite(margin)) {
    problems.add(`${path}.Value`, message.number(`${path}.Value`));
    valid = false;
  }
  return valid ? { marginRule: { name: name as string }, value: margin as number } : null;
}

function isOfferTypeMargin(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  const rule = value['MarginRule'];
  const margin = value['Value'];
  return (
    isJsonObject(rule) &&
    typeof rule['Name'] === 'string' &&
    rule['Name'].trim() !== '' &&
    typeof margin === 'number' &&
    Number.isFinite(margin)
  );
}

/** The documented shape is `{"Value": {"<offerType>": {"MarginRule": {"Name": …}, "Value": …}}}`. */
function validateOfferTypeMargins(value: unknown, path: string, problems: PropertyProblems): OfferTypeMargins | null {
  if (value === undefined || value === null) return null;
  const byOfferType = isJsonObject(value) ? value['Value'] : undefined;
  if (!isJsonObject(byOfferType) || !Object.entries(byOfferType).every(([k, v]) => k !== '' && isOfferTypeMargin(v))) {
    problems.add(
      path,
      `'${displayName(path)}' must be null or ` +
        '{"Value": {"<offerType>": {"MarginRule": {"Name": "<rule>"}, "Value": <number>}}}.',
    );
    return null;
  }
  return { Value: byOfferType as OfferTypeMargins['Value'] };
}

/**
 * The parts of a provider customer both endpoints share: its data, margin and offer-type margins. `prefix` is
 * `''` for add-provider-instance and `ProviderCustomers[<id>].` for entries of a created customer.
 */
function validateProviderCustomerBody(
  body: JsonObject,
  prefix: string,
  providerInstanceId: string | null,
  kind: InstanceKind | undefined,
  problems: PropertyProblems,
): AcceptedProviderCustomer | null {
  const dataPath = `${prefix}ProviderCustomerData`;
  const data = body['providerCustomerData'];
  let microsoftDomain: string | null = null;
  if (isBlank(data)) {
    problems.add(dataPath, message.notEmpty(dataPath));
  } else if (typeof data !== 'string') {
    // It is a JSON document *in a string*; an inline object does not bind to CloudCockpit's string property.
    problems.add(dataPath, `'${displayName(dataPath)}' must be a string containing JSON.`);
  } else if (kind === 'microsoft') {
    microsoftDomain = validateMicrosoftData(data, dataPath, problems);
  }
  // Generic instances: the documents do not describe their data, so it is stored as given.
  const margin = validateMargin(body['margin'], `${prefix}Margin`, problems);
  const offerTypeMargins = validateOfferTypeMargins(body['offerTypeMargins'], `${prefix}OfferTypeMargins`, problems);
  if (providerInstanceId === null || kind === undefined || typeof data !== 'string' || margin === null) return null;
  return { providerInstanceId, providerCustomerData: data, margin, offerTypeMargins, microsoftDomain };
}

/** Resolves a provider instance id against the tenant's instances, reporting it under `propertyName`. */
function validateProviderInstanceId(
  value: unknown,
  propertyName: string,
  instances: ReadonlyMap<string, InstanceKind>,
  problems: PropertyProblems,
): { id: string; kind: InstanceKind } | null {
  if (isBlank(value)) {
    problems.add(propertyName, message.notEmpty(propertyName));
    return null;
  }
  if (!isUuid(value)) {
    problems.add(propertyName, message.guid(propertyName));
    return null;
  }
  const id = value.toLowerCase();
  const kind = instances.get(id);
  if (kind === undefined) {
    problems.add(propertyName, `The provider instance '${id}' does not exist in this tenant.`);
    return null;
  }
  return { id, kind };
}

interface NewCustomer {
  /** Null when the client did not choose one. */
  id: string | null;
  fields: Record<CustomerStringField, string | null>;
  resellerId: string | null;
  providerCustomers: AcceptedProviderCustomer[];
  customerAssociations: CustomerAssociation[];
}

function validateNewCustomer(
  body: JsonObject,
  instances: ReadonlyMap<string, InstanceKind>,
  tenant: TenantData,
  problems: PropertyProblems,
): NewCustomer {
  // `id` is `string(uuid)`, not nullable, in the document. An all-zero Guid is what .NET sees when the
  // property is omitted, so it is treated as "not chosen" (assumption: the service then generates one).
  let id: string | null = null;
  if (body['id'] !== undefined) {
    if (!isUuid(body['id'])) problems.add('Id', message.guid('Id'));
    else if (body['id'] !== NIL_UUID) id = body['id'].toLowerCase();
  }
  if (id !== null && tenant.customers.has(id)) problems.add('Id', 'A customer with this id already exists.');

  const fields = {} as Record<CustomerStringField, string | null>;
  for (const spec of CUSTOMER_STRING_FIELDS) fields[spec.field] = validateStringField(body, spec, problems);

  const resellerId = validateOptionalUuid(body['resellerId'], 'ResellerId', problems);
  const providerCustomers = validateProviderCustomersMap(body['providerCustomers'], instances, problems);
  const customerAssociations = validateAssociations(body['customerAssociations'], problems);
  return { id, fields, resellerId, providerCustomers, customerAssociations };
}

/** `providerCustomers` is required (`{}` is fine: the rule is NotNull, not NotEmpty) and keyed by instance id. */
function validateProviderCustomersMap(
  value: unknown,
  instances: ReadonlyMap<string, InstanceKind>,
  problems: PropertyProblems,
): AcceptedProviderCustomer[] {
  if (value === undefined || value === null) {
    problems.add('ProviderCustomers', message.notEmpty('ProviderCustomers'));
    return [];
  }
  if (!isJsonObject(value)) {
    problems.add('ProviderCustomers', `'Provider Customers' must be a JSON object keyed by provider instance id.`);
    return [];
  }
  const accepted: AcceptedProviderCustomer[] = [];
  const seen = new Set<string>();
  for (const [key, entry] of Object.entries(value)) {
    const prefix = `ProviderCustomers[${key}].`;
    const instance = validateProviderInstanceId(key, `ProviderCustomers[${key}]`, instances, problems);
    if (instance && seen.has(instance.id)) {
      // "ABC…" and "abc…" are the same Guid, hence the same dictionary key in .NET.
      problems.add(`ProviderCustomers[${key}]`, `The provider instance '${instance.id}' is listed more than once.`);
    }
    if (instance) seen.add(instance.id);
    if (!isJsonObject(entry)) {
      problems.add(`ProviderCustomers[${key}]`, message.object(`ProviderCustomers[${key}]`));
      continue;
    }
    // Assumption: the entry's own providerInstanceId may be omitted, but must not contradict its key.
    const innerId = entry['providerInstanceId'];
    const contradicts = !(isUuid(innerId) && isUuid(key) && innerId.toLowerCase() === key.toLowerCase());
    if (innerId !== undefined && innerId !== null && contradicts) {
      problems.add(`${prefix}ProviderInstanceId`, `'Provider Instance Id' must equal the entry's key '${key}'.`);
    }
    const result = validateProviderCustomerBody(entry, prefix, instance?.id ?? null, instance?.kind, problems);
    if (result) accepted.push(result);
  }
  return accepted;
}

function validateAssociations(value: unknown, problems: PropertyProblems): CustomerAssociation[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.add('CustomerAssociations', message.array('CustomerAssociations'));
    return [];
  }
  return value.map((entry: unknown, index) => {
    const path = `CustomerAssociations[${index}]`;
    if (!isJsonObject(entry)) {
      problems.add(path, message.object(path));
      return { resellerId: null, name: null };
    }
    const resellerId = validateOptionalUuid(entry['resellerId'], `${path}.ResellerId`, problems);
    const name = entry['name'];
    if (name !== undefined && name !== null && typeof name !== 'string') {
      problems.add(`${path}.Name`, message.string(`${path}.Name`));
    }
    return { resellerId, name: typeof name === 'string' ? name : null };
  });
}

// ───────────────────────────── Store ─────────────────────────────

interface StoredProviderCustomer {
  providerInstanceId: string;
  providerCustomerId: string | null;
  providerCustomerData: string;
  margin: Margin;
  offerTypeMargins: OfferTypeMargins | null;
  status: ProviderCustomerStatus;
  customerCreationError: CustomerCreationError;
  /** When processing started (epoch ms); Processing turns Success `processingDelayMs` later, on read. */
  acceptedAt: number;
  /** Lower-cased Microsoft Domain, for DomainExists. */
  microsoftDomain: string | null;
}

type StoredCustomer = Omit<CustomerViewModel, 'providerCustomers' | 'customerAssociations'> & {
  providerCustomers: Map<string, StoredProviderCustomer>;
  customerAssociations: CustomerAssociation[];
};

interface TenantData {
  /** Insertion-ordered, which is the creation order lists are returned in. */
  customers: Map<string, StoredCustomer>;
}

type TenantStore = Partitions<TenantData>;

function newTenantStore(): TenantStore {
  return new Partitions(() => ({ customers: new Map() }));
}

/**
 * CloudCockpit creates the customer at the provider asynchronously and reports the outcome on the entity.
 * A Microsoft domain is taken when another customer of the tenant holds it in a provider customer that has
 * not failed. (In reality Microsoft domains are global; within one emulated tenant is the part we can model.)
 */
function admitProviderCustomer(
  accepted: AcceptedProviderCustomer,
  customerId: string,
  tenant: TenantData,
  now: number,
): StoredProviderCustomer {
  const domain = accepted.microsoftDomain?.toLowerCase() ?? null;
  const taken =
    domain !== null &&
    [...tenant.customers.values()].some(
      (other) =>
        other.id !== customerId &&
        [...other.providerCustomers.values()].some((pc) => pc.microsoftDomain === domain && pc.status !== 'Failed'),
    );
  return {
    providerInstanceId: accepted.providerInstanceId,
    providerCustomerId: null,
    providerCustomerData: accepted.providerCustomerData,
    margin: accepted.margin,
    offerTypeMargins: accepted.offerTypeMargins,
    status: taken ? 'Failed' : 'Processing',
    customerCreationError: taken ? 'DomainExists' : 'None',
    acceptedAt: now,
    microsoftDomain: domain,
  };
}

/** Lazily completes processing that has had its time, so no timers outlive the emulator. */
function settle(customer: StoredCustomer, processingDelayMs: number, now: number): void {
  for (const pc of customer.providerCustomers.values()) {
    if (pc.status === 'Processing' && now - pc.acceptedAt >= processingDelayMs) {
      pc.status = 'Success';
      pc.providerCustomerId = randomUUID();
    }
  }
}

function toView(customer: StoredCustomer): CustomerViewModel {
  const providerCustomers: Record<string, ProviderCustomer> = {};
  for (const [id, pc] of customer.providerCustomers) {
    providerCustomers[id] = {
      providerInstanceId: pc.providerInstanceId,
      providerCustomerId: pc.providerCustomerId,
      providerCustomerData: pc.providerCustomerData,
      margin: pc.margin,
      offerTypeMargins: pc.offerTypeMargins,
      status: pc.status,
      customerCreationError: pc.customerCreationError,
    };
  }
  return structuredClone({ ...customer, providerCustomers, customerAssociations: customer.customerAssociations });
}

function providerInstanceKinds(
  configured: CloudCockpitEmulatorOptions['providerInstances'],
): Map<string, InstanceKind> {
  const list = configured ?? [{ id: MICROSOFT_PROVIDER_INSTANCE_ID, kind: 'microsoft' }];
  const kinds = new Map<string, InstanceKind>();
  for (const { id, kind } of list) {
    if (!isUuid(id)) throw new Error(`Provider instance id '${id}' is not a GUID`);
    kinds.set(id.toLowerCase(), kind);
  }
  return kinds;
}

// ───────────────────────────── Routes ─────────────────────────────

interface HandlerContext {
  store: TenantStore;
  instances: ReadonlyMap<string, InstanceKind>;
  processingDelayMs: number;
  created: CreationCounts | undefined;
}

/** One key for a provider instance, whether it was added on its own or with its customer. */
function countProviderInstance(
  created: CreationCounts | undefined,
  customerId: string,
  providerInstanceId: string,
): void {
  created?.count(`providerInstance:${customerId}:${providerInstanceId}`);
}

type CustomerRequest = Request<{ customerId: string }>;

function createCustomer({ store, instances, created }: HandlerContext): RequestHandler {
  return (req, res) => {
    const body: unknown = req.body;
    if (!isJsonObject(body)) {
      sendValidationErrors(res, [{ propertyName: '$', description: ['The request body must be a JSON object.'] }]);
      return;
    }
    const tenant = store.get(tenantOf(res));
    const problems = new PropertyProblems();
    const input = validateNewCustomer(body, instances, tenant, problems);
    if (problems.any) {
      sendValidationErrors(res, problems.toErrors());
      return;
    }
    const id = input.id ?? randomUUID();
    const now = Date.now();
    const { fields } = input;
    const customer: StoredCustomer = {
      id,
      companyName: fields.companyName as string,
      taxId: fields.taxId,
      country: fields.country as string,
      addressLine1: fields.addressLine1 as string,
      addressLine2: fields.addressLine2,
      city: fields.city as string,
      state: fields.state as string,
      zip: fields.zip as string,
      firstName: fields.firstName as string,
      middleName: fields.middleName,
      lastName: fields.lastName as string,
      email: fields.email as string,
      phone: fields.phone as string,
      internalIdentifier: fields.internalIdentifier,
      resellerId: input.resellerId,
      providerCustomers: new Map(),
      // The document says setting resellerId creates a relation to the reseller, but the emulator has no
      // resellers (nor their names) to build one from; it returns the associations it was given.
      customerAssociations: input.customerAssociations,
    };
    for (const accepted of input.providerCustomers) {
      customer.providerCustomers.set(accepted.providerInstanceId, admitProviderCustomer(accepted, id, tenant, now));
    }
    tenant.customers.set(id, customer);
    created?.count(`customer:${id}`);
    for (const providerInstanceId of customer.providerCustomers.keys())
      countProviderInstance(created, id, providerInstanceId);
    res.status(201).json(id);
  };
}

/** Reads the path's customer id; answers 400 / 404 itself and returns undefined when there is no such customer. */
function findCustomer(req: CustomerRequest, res: Response, store: TenantStore): StoredCustomer | undefined {
  const { customerId } = req.params;
  if (!isUuid(customerId)) {
    sendValidationErrors(res, [{ propertyName: 'CustomerId', description: [message.guid('CustomerId')] }]);
    return undefined;
  }
  const customer = store.get(tenantOf(res)).customers.get(customerId.toLowerCase());
  if (!customer) sendError(res, 404, `The customer '${customerId.toLowerCase()}' was not found.`);
  return customer;
}

function getCustomer({ store, processingDelayMs }: HandlerContext): RequestHandler<{ customerId: string }> {
  return (req, res) => {
    const customer = findCustomer(req, res, store);
    if (!customer) return;
    settle(customer, processingDelayMs, Date.now());
    res.json(toView(customer));
  };
}

const SEARCH_FIELDS = ['companyName', 'email', 'taxId', 'internalIdentifier', 'firstName', 'lastName'] as const;
type SearchField = (typeof SEARCH_FIELDS)[number];

function parseIntegerQuery(
  raw: string | undefined,
  fallback: number,
  name: string,
  problems: PropertyProblems,
): number | null {
  if (raw === undefined || raw === '') return fallback;
  if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) {
    // ASP.NET model binding's wording.
    problems.add(name, `The value '${raw}' is not valid for ${name}.`);
    return null;
  }
  return Number(raw);
}

/**
 * `GET /v1/Customers`. Not in the documents; modelled on CloudCockpit's list endpoint as wire.ts describes it
 * (1-based `pageNumber`, `pageSize` 1–2000, `items` + `totalCount`).
 */
function listCustomers({ store, processingDelayMs }: HandlerContext): RequestHandler {
  return (req, res) => {
    const problems = new PropertyProblems();
    const pageNumber = parseIntegerQuery(queryValue(req.query['pageNumber']), 1, 'PageNumber', problems);
    const pageSize = parseIntegerQuery(queryValue(req.query['pageSize']), 25, 'PageSize', problems);
    if (pageNumber !== null && pageNumber < 1) {
      problems.add('PageNumber', `'Page Number' must be greater than or equal to '1'.`);
    }
    if (pageSize !== null && (pageSize < 1 || pageSize > 2000)) {
      problems.add('PageSize', `'Page Size' must be between 1 and 2000. You entered ${pageSize}.`);
    }
    const search = queryValue(req.query['search']) ?? '';
    const searchFieldRaw = queryValue(req.query['searchField']);
    let searchField: SearchField | undefined;
    if (searchFieldRaw !== undefined && searchFieldRaw !== '') {
      searchField = SEARCH_FIELDS.find((f) => f.toLowerCase() === searchFieldRaw.toLowerCase());
      if (!searchField) {
        const allowed = SEARCH_FIELDS.join(', ');
        problems.add('SearchField', `'Search Field' must be one of: ${allowed}. You entered '${searchFieldRaw}'.`);
      }
    }
    const resellerId = validateOptionalUuid(queryValue(req.query['resellerId']) || undefined, 'ResellerId', problems);
    if (problems.any || pageNumber === null || pageSize === null) {
      sendValidationErrors(res, problems.toErrors());
      return;
    }

    const needle = search.toLowerCase();
    const fields: readonly SearchField[] = searchField ? [searchField] : SEARCH_FIELDS;
    const matches = [...store.get(tenantOf(res)).customers.values()].filter(
      (c) =>
        // Assumption: CloudCockpit scopes a CSP's read to one reseller this way — the reseller the customer was
        // created under, or one it has an association with.
        (resellerId === null ||
          c.resellerId === resellerId ||
          c.customerAssociations.some((a) => a.resellerId === resellerId)) &&
        (needle === '' || fields.some((f) => (c[f] ?? '').toLowerCase().includes(needle))),
    );
    const now = Date.now();
    const items = matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((c) => {
      settle(c, processingDelayMs, now);
      return toView(c);
    });
    const page: CustomerPage = { items, pageNumber, pageSize, totalCount: matches.length };
    res.json(page);
  };
}

function addProviderInstance({ store, instances, created }: HandlerContext): RequestHandler<{ customerId: string }> {
  return (req, res) => {
    const body: unknown = req.body;
    if (!isJsonObject(body)) {
      sendValidationErrors(res, [{ propertyName: '$', description: ['The request body must be a JSON object.'] }]);
      return;
    }
    // Static validation first (ASP.NET validates the model before the action looks the customer up).
    const problems = new PropertyProblems();
    // The document's resellerId only relates the instance to a reseller; the emulator checks its format only.
    validateOptionalUuid(queryValue(req.query['resellerId']), 'ResellerId', problems);
    const request = body as Partial<Record<keyof AddProviderInstanceRequest, unknown>>;
    const instance = validateProviderInstanceId(request.providerInstanceId, 'ProviderInstanceId', instances, problems);
    const accepted = validateProviderCustomerBody(body, '', instance?.id ?? null, instance?.kind, problems);
    if (!isUuid(req.params.customerId)) {
      problems.add('CustomerId', message.guid('CustomerId'));
    }
    if (problems.any || !accepted) {
      sendValidationErrors(res, problems.toErrors());
      return;
    }

    const customer = findCustomer(req, res, store);
    if (!customer) return;
    if (customer.providerCustomers.has(accepted.providerInstanceId)) {
      sendValidationErrors(res, [
        {
          propertyName: 'ProviderInstanceId',
          description: [`The customer already has the provider instance '${accepted.providerInstanceId}'.`],
        },
      ]);
      return;
    }
    const tenant = store.get(tenantOf(res));
    customer.providerCustomers.set(
      accepted.providerInstanceId,
      admitProviderCustomer(accepted, customer.id, tenant, Date.now()),
    );
    countProviderInstance(created, customer.id, accepted.providerInstanceId);
    res.status(201).json(accepted.providerInstanceId);
  };
}
