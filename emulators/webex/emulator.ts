/**
 * Cisco Webex Wholesale's customer endpoints in memory, deliberately strict: what the real service rejects, this
 * rejects with the same status and error body, so that a client working here meets no new 400s in production.
 * Sources: `shared/provider-apis/webex-wholesale-provision-customer.txt`, then Webex's public "Wholesale Provisioning"
 * reference and "REST API Basics" (paging); where neither says, the comments say what is modelled.
 */
import { randomUUID } from 'node:crypto';
import type { Express, Request, RequestHandler, Response } from 'express';
import { acceptedBearerToken } from '../toolkit/credentials.js';
import { nonNegativeNumber, positiveInteger } from '../toolkit/options.js';
import { Partitions } from '../toolkit/partitions.js';
import {
  emulatorApp,
  isJsonMediaType,
  jsonBodyParser,
  methodNotAllowed,
  requestState,
  startEmulator,
  uncaughtErrorHandler,
  type CreationCounts,
  type EmulatorInstruments,
  type ListenOptions,
  type RunningEmulator,
} from '../toolkit/server.js';
import { isCountryCode, isJsonObject, Problems, propertyReaders, type JsonObject } from '../toolkit/validation.js';
import {
  WHOLESALE_CUSTOMER_STATUSES,
  WHOLESALE_PACKAGES,
  type ProvisionWholesaleCustomerRequest,
  type ResourceURL,
  type WebexErrorResponse,
  type WholesaleAddress,
  type WholesaleCustomer,
  type WholesaleCustomerInfo,
  type WholesaleCustomerList,
  type WholesaleCustomerStatus,
  type WholesalePackage,
  type WholesalePackageName,
  type WholesaleProvisioningParameters,
} from '../../src/providers/webex/wire.js';

// ───────────────────────────── Public API ─────────────────────────────

export interface WebexEmulatorOptions {
  /** The Bearer token the emulator accepts; when undefined any non-empty token is accepted. @default undefined */
  token?: string;
  /** How long a new customer stays `provisioning` before it turns `provisioned`. @default 3000 */
  provisioningDelayMs?: number;
  /**
   * Packages whose background provisioning fails: they end in `error` with an entry in `errors`, and the
   * customer in `provisioned_with_errors` (or `error` when every package failed). @default []
   */
  failingPackages?: WholesalePackageName[];
  /**
   * When set, every authenticated request is answered `423 Locked` with this `Retry-After` (seconds), as
   * Webex does while the partner's resources are being changed. @default undefined (never locked)
   */
  lockedRetryAfterSeconds?: number;
  /**
   * When set, a token's requests beyond `requests` within `windowMs` (@default 60000) are answered
   * `429 Too Many Requests` with `Retry-After: retryAfterSeconds` (@default 60). @default undefined (no limit)
   */
  rateLimit?: { requests: number; windowMs?: number; retryAfterSeconds?: number };
  /** The largest page the list returns; a larger `max` is clamped, as Webex's paging guide says. @default 100 */
  maxPageSize?: number;
}

/** Counts creations as `<externalId>`. */
export function createWebexEmulator(options: WebexEmulatorOptions & EmulatorInstruments = {}): Express {
  const settings = settingsOf(options);
  const store = newTokenStore();

  const app = emulatorApp(options, assignTrackingId);

  const guard: RequestHandler[] = [requireBearer(options.token), throttle(settings)];
  const ctx: HandlerContext = { store, settings, created: options.created };
  const collection = '/v1/wholesale/customers';

  app.get(collection, ...guard, listCustomers(ctx));
  app.post(collection, ...guard, parseJsonBody, provisionCustomer(ctx));
  // Update (PUT) and delete (DELETE) exist at Webex but are not emulated: this API does not call them.
  app.all(collection, notAllowed('GET', 'POST'));
  app.get(`${collection}/:customerId`, ...guard, getCustomer(ctx));
  app.all(`${collection}/:customerId`, notAllowed('GET'));

  app.use((_req, res) => sendError(res, 404, [{ description: 'The requested resource could not be found.' }]));
  app.use(handleUncaughtError);
  return app;
}

export function startWebexEmulator(options: WebexEmulatorOptions & ListenOptions = {}): Promise<RunningEmulator> {
  return startEmulator(createWebexEmulator, options);
}

// ───────────────────────────── Settings ─────────────────────────────

interface Settings {
  provisioningDelayMs: number;
  failingPackages: ReadonlySet<string>;
  lockedRetryAfterSeconds: number | undefined;
  rateLimit: { requests: number; windowMs: number; retryAfterSeconds: number } | undefined;
  maxPageSize: number;
}

function settingsOf(options: WebexEmulatorOptions): Settings {
  for (const name of options.failingPackages ?? []) {
    if (!isPackageName(name)) throw new Error(`failingPackages: '${String(name)}' is not a Webex Wholesale package`);
  }
  const { rateLimit } = options;
  return {
    provisioningDelayMs: nonNegativeNumber('provisioningDelayMs', options.provisioningDelayMs ?? 3000),
    failingPackages: new Set(options.failingPackages ?? []),
    lockedRetryAfterSeconds:
      options.lockedRetryAfterSeconds === undefined
        ? undefined
        : nonNegativeNumber('lockedRetryAfterSeconds', options.lockedRetryAfterSeconds),
    rateLimit: rateLimit && {
      requests: nonNegativeNumber('rateLimit.requests', rateLimit.requests),
      windowMs: positiveInteger('rateLimit.windowMs', rateLimit.windowMs ?? 60_000),
      retryAfterSeconds: nonNegativeNumber('rateLimit.retryAfterSeconds', rateLimit.retryAfterSeconds ?? 60),
    },
    maxPageSize: positiveInteger('maxPageSize', options.maxPageSize ?? 100),
  };
}

// ───────────────────────────── Cross-cutting checks ─────────────────────────────

interface RequestState {
  trackingId: string;
  token: string;
}

const stateOf = requestState<RequestState>();

function tokenOf(res: Response): string {
  const { token } = stateOf(res);
  if (token === undefined) throw new Error('requireBearer must run before the handler');
  return token;
}

/**
 * Webex clients send a `TrackingID` header; Webex echoes it in its `TrackingID` response header and in error
 * bodies' `trackingId`, and makes one up when none was sent. The emulator does the same.
 */
const assignTrackingId: RequestHandler = (req, res, next) => {
  const given = req.header('trackingid')?.trim();
  const trackingId = given && given.length <= 256 ? given : `ROUTER_${randomUUID().toUpperCase()}`;
  stateOf(res).trackingId = trackingId;
  res.setHeader('TrackingID', trackingId);
  next();
};

const UNAUTHORIZED = 'The request requires a valid access token set in the Authorization request header.';

/**
 * Anything but `Bearer <non-empty token>` is a 401 with Webex's JSON body. The emulator does not verify
 * Webex OAuth tokens; with `expectedToken` set it compares the token verbatim. The token is also the
 * partner whose customers a request sees.
 */
function requireBearer(expectedToken: string | undefined): RequestHandler {
  return (req, res, next) => {
    const token = acceptedBearerToken(req.header('authorization'), expectedToken);
    if (token === undefined) {
      sendError(res, 401, [{ description: UNAUTHORIZED }]);
      return;
    }
    stateOf(res).token = token;
    next();
  };
}

/** 423 and 429 come after authentication: Webex locks and rate-limits per caller. */
function throttle({ lockedRetryAfterSeconds, rateLimit }: Settings): RequestHandler {
  const windows = new Map<string, { startedAt: number; count: number }>();
  return (_req, res, next) => {
    if (lockedRetryAfterSeconds !== undefined) {
      res.setHeader('Retry-After', String(lockedRetryAfterSeconds));
      sendError(res, 423, [{ description: 'The requested resource is temporarily unavailable. Retry later.' }]);
      return;
    }
    if (rateLimit) {
      const token = tokenOf(res);
      const now = Date.now();
      let window = windows.get(token);
      if (!window || now - window.startedAt >= rateLimit.windowMs) {
        window = { startedAt: now, count: 0 };
        windows.set(token, window);
      }
      window.count += 1;
      if (window.count > rateLimit.requests) {
        res.setHeader('Retry-After', String(rateLimit.retryAfterSeconds));
        sendError(res, 429, [
          { description: 'Too many requests have been sent. Retry after the time in Retry-After.' },
        ]);
        return;
      }
    }
    next();
  };
}

const parseJsonBody = jsonBodyParser(isJsonMediaType, (res, problem) => {
  if (problem.kind === 'unsupported-media-type') {
    sendError(res, 415, [{ description: 'The request body must be sent as application/json.' }]);
  } else {
    const description =
      problem.kind === 'empty' ? 'A request body is required.' : 'The request body is not valid JSON.';
    sendError(res, 400, [{ description, errorCode: ERROR_CODE.invalidRequest }]);
  }
});

function notAllowed(...allowed: string[]): RequestHandler {
  return methodNotAllowed(allowed, (res) =>
    sendError(res, 405, [{ description: 'The HTTP method is not supported for this resource.' }]),
  );
}

const handleUncaughtError = uncaughtErrorHandler((res, status, publicMessage) =>
  sendError(res, status, [
    {
      description:
        status >= 500 ? 'Something went wrong on the server.' : (publicMessage ?? 'The request is malformed.'),
    },
  ]),
);

// ───────────────────────────── Error bodies ─────────────────────────────

/**
 * The emulator's own error codes. Webex's wholesale errors carry a numeric `errorCode`, but neither the
 * document nor the public reference lists the values; clients must not branch on these.
 */
const ERROR_CODE = {
  invalidRequest: 400001,
  invalidField: 400002,
  duplicateExternalId: 409001,
  provisioningFailed: 500001,
} as const;

type ErrorEntry = NonNullable<WebexErrorResponse['errors']>[number];

/** Webex's `message` repeats the individual descriptions. */
function sendError(res: Response, status: number, errors: ErrorEntry[]): void {
  const body: WebexErrorResponse = {
    message: errors.map((e) => e.description).join(' '),
    errors,
    trackingId: stateOf(res).trackingId ?? `ROUTER_${randomUUID().toUpperCase()}`,
  };
  res.status(status).json(body);
}

type WebexProblems = Problems<ErrorEntry>;

/**
 * Assumption (Webex's validation wording is not published): each description starts with the JSON path of the
 * offending property (`address.addressLine1 must be …`), which is what lets a client point at the field.
 */
function webexProblems(): WebexProblems {
  return new Problems((property, problem) => ({
    description: `${property} ${problem}`,
    errorCode: ERROR_CODE.invalidField,
  }));
}

// ───────────────────────────── Validation ─────────────────────────────

function isPackageName(value: unknown): value is WholesalePackageName {
  return typeof value === 'string' && (WHOLESALE_PACKAGES as readonly string[]).includes(value);
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.includes('/') || value === 'UTC';
  } catch {
    return false;
  }
}

/** `{ISO-639-1}_{ISO-3166}` or `{ISO-639-1}`, as the document describes `language`. */
const LANGUAGE = /^[a-z]{2}(?:_[a-z]{2})?$/i;
/** One `@`, neither first nor last, and a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** "There is a 50 character limit on each address line" (public reference). */
const MAX_ADDRESS_LINE = 50;

/**
 * Packages that only make sense with others (public reference, "packages Note"): `cisco_calling_plan` needs a
 * calling package, `attendant_console` needs one of three.
 */
const PACKAGE_DEPENDENCIES: Partial<Record<WholesalePackageName, WholesalePackageName[]>> = {
  cisco_calling_plan: [
    'common_area_calling',
    'webex_calling',
    'webex_suite',
    'webex_voice',
    'cx_essentials',
    'webex_calling_standard',
  ],
  attendant_console: ['webex_calling', 'webex_suite', 'cx_essentials'],
};

/** "calling … Mandatory when provisioning calling packages" (public reference): the packages with Webex Calling. */
const CALLING_PACKAGES: ReadonlySet<WholesalePackageName> = new Set([
  'common_area_calling',
  'webex_calling',
  'webex_suite',
  'webex_voice',
  'cx_essentials',
  'webex_calling_standard',
]);

/** Properties of a body; null and absent are the same (Webex reads JSON null as "not given"). */
const { string: readString, object: readObject } = propertyReaders({
  missing: () => 'is required.',
  notAString: () => 'must be a string.',
  blank: () => 'must not be blank.',
  tooLong: (_path, maxLength, length) => `must be ${maxLength} characters or fewer; it has ${length}.`,
  notAnObject: () => 'must be a JSON object.',
});

/** The public reference requires addressLine1, city and country, and limits each address line to 50 characters. */
function validateAddress(value: JsonObject, path: string, problems: WebexProblems): WholesaleAddress {
  const text = (field: keyof WholesaleAddress, required: boolean, maxLength?: number) =>
    readString(value, field, `${path}.${field}`, problems, { required, maxLength });
  const addressLine1 = text('addressLine1', true, MAX_ADDRESS_LINE) ?? '';
  const addressLine2 = text('addressLine2', false, MAX_ADDRESS_LINE);
  const city = text('city', true) ?? '';
  const stateOrProvince = text('stateOrProvince', false);
  const zipOrPostalCode = text('zipOrPostalCode', false);
  const country = text('country', true) ?? '';
  if (country !== '' && !isCountryCode(country)) {
    problems.add(`${path}.country`, `must be an ISO2 country code; '${country}' is not.`);
  }
  // Webex leaves fields it does not have out of its JSON rather than writing null.
  return {
    addressLine1,
    ...(addressLine2 !== undefined ? { addressLine2 } : {}),
    city,
    ...(stateOrProvince !== undefined ? { stateOrProvince } : {}),
    ...(zipOrPostalCode !== undefined ? { zipOrPostalCode } : {}),
    country,
  };
}

function validateLanguage(value: string | undefined, path: string, problems: WebexProblems): void {
  if (value !== undefined && !LANGUAGE.test(value)) {
    problems.add(
      path,
      `must be an ISO-639-1 language code, optionally with an ISO-3166 country (en, en_us); '${value}' is not.`,
    );
  }
}

function validateTimeZone(value: string | undefined, path: string, problems: WebexProblems): void {
  if (value !== undefined && value.trim() !== '' && !isTimeZone(value)) {
    problems.add(path, `must be a time zone such as America/Los_Angeles; '${value}' is not.`);
  }
}

function validatePackages(value: unknown, problems: WebexProblems): WholesalePackageName[] {
  if (value === undefined || value === null) {
    problems.add('packages', 'is required.');
    return [];
  }
  if (!Array.isArray(value)) {
    problems.add('packages', 'must be an array of package names.');
    return [];
  }
  if (value.length === 0) {
    problems.add('packages', 'must name at least one package.');
    return [];
  }
  const packages: WholesalePackageName[] = [];
  value.forEach((name: unknown, index) => {
    if (!isPackageName(name)) {
      problems.add(`packages[${index}]`, `'${String(name)}' is not a Webex Wholesale package.`);
    } else if (!packages.includes(name)) {
      // Assumption: a package listed twice is assigned once (the list is "the complete list" of packages).
      packages.push(name);
    }
  });
  for (const name of packages) {
    const needs = PACKAGE_DEPENDENCIES[name];
    if (needs && !needs.some((other) => packages.includes(other))) {
      const index = value.indexOf(name);
      problems.add(`packages[${index}]`, `'${name}' is dependent on one of: ${needs.join(', ')}.`);
    }
  }
  return packages;
}

/** Webex ids are base64 of `ciscospark://<region>/<TYPE>/<uuid>`, with or without padding. */
function isWebexId(value: string, type: string): boolean {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return new RegExp(`^ciscospark://[a-z0-9]+/${type}/[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$`, 'i').test(decoded);
}

function webexId(type: string): string {
  // Webex's ids are unpadded base64; `base64url` keeps them safe in a path as well.
  return Buffer.from(`ciscospark://us/${type}/${randomUUID()}`, 'utf8').toString('base64url');
}

function validateCustomerInfo(
  body: JsonObject,
  orgGiven: boolean,
  problems: WebexProblems,
): WholesaleCustomerInfo | undefined {
  // "Mandatory for new customer. Optional if Organization ID is provided."
  const info = readObject(body, 'customerInfo', 'customerInfo', problems, false);
  if (!info) {
    if (!orgGiven && (body['customerInfo'] === undefined || body['customerInfo'] === null)) {
      problems.add('customerInfo', 'is required when orgId is not given.');
    }
    return undefined;
  }
  const name = readString(info, 'name', 'customerInfo.name', problems, { required: true });
  if (name?.includes('%')) problems.add('customerInfo.name', 'must not include the "%" character.');
  const primaryEmail = readString(info, 'primaryEmail', 'customerInfo.primaryEmail', problems, { required: true });
  if (primaryEmail !== undefined && !EMAIL.test(primaryEmail)) {
    problems.add('customerInfo.primaryEmail', `must be an e-mail address; '${primaryEmail}' is not.`);
  }
  const language = readString(info, 'language', 'customerInfo.language', problems, { required: false });
  validateLanguage(language, 'customerInfo.language', problems);
  return { name: name ?? '', primaryEmail: primaryEmail ?? '', language: language ?? null };
}

function validateProvisioningParameters(
  body: JsonObject,
  packages: WholesalePackageName[],
  problems: WebexProblems,
): WholesaleProvisioningParameters | undefined {
  const path = 'provisioningParameters';
  const parameters = readObject(body, 'provisioningParameters', path, problems, false);
  const calling = parameters && readObject(parameters, 'calling', `${path}.calling`, problems, false);
  const callingPackage = packages.find((name) => CALLING_PACKAGES.has(name));
  const callingAbsent =
    body['provisioningParameters'] == null || (parameters !== undefined && parameters['calling'] == null);
  if (callingPackage && callingAbsent) {
    problems.add(`${path}.calling`, `is required when provisioning the calling package '${callingPackage}'.`);
  }
  const result: WholesaleProvisioningParameters = {};
  if (calling) {
    const at = `${path}.calling.location`;
    const location = readObject(calling, 'location', at, problems, true);
    if (location) {
      const name = readString(location, 'name', `${at}.name`, problems, { required: true });
      const addressObject = readObject(location, 'address', `${at}.address`, problems, true);
      const address = addressObject ? validateAddress(addressObject, `${at}.address`, problems) : undefined;
      const timezone = readString(location, 'timezone', `${at}.timezone`, problems, { required: true });
      validateTimeZone(timezone, `${at}.timezone`, problems);
      const language = readString(location, 'language', `${at}.language`, problems, { required: true });
      validateLanguage(language, `${at}.language`, problems);
      const emergencyLocationIdentifier = readString(
        location,
        'emergencyLocationIdentifier',
        `${at}.emergencyLocationIdentifier`,
        problems,
        {
          required: false,
        },
      );
      if (name !== undefined && address && timezone !== undefined && language !== undefined) {
        result.calling = {
          location: {
            name,
            address,
            timezone,
            language,
            emergencyLocationIdentifier: emergencyLocationIdentifier ?? null,
          },
        };
      }
    }
  }
  const meetings = parameters && readObject(parameters, 'meetings', `${path}.meetings`, problems, false);
  if (meetings) {
    const timezone = readString(meetings, 'timezone', `${path}.meetings.timezone`, problems, { required: false });
    validateTimeZone(timezone, `${path}.meetings.timezone`, problems);
    result.meetings = { timezone: timezone ?? null };
  }
  return parameters ? result : undefined;
}

function validateProvisionRequest(body: JsonObject, problems: WebexProblems): ProvisionWholesaleCustomerRequest {
  const provisioningId = readString(body, 'provisioningId', 'provisioningId', problems, { required: true });
  // Webex checks the provisioning id against the partner's customer templates; the emulator has none, so any
  // non-blank id is a template.
  const packages = validatePackages(body['packages'], problems);
  const orgId = readString(body, 'orgId', 'orgId', problems, { required: false });
  if (orgId !== undefined && !isWebexId(orgId, 'ORGANIZATION')) {
    problems.add('orgId', `must be a Webex organization id; '${orgId}' is not.`);
  }
  const externalId = readString(body, 'externalId', 'externalId', problems, { required: true });
  const addressObject = readObject(body, 'address', 'address', problems, true);
  const address = addressObject ? validateAddress(addressObject, 'address', problems) : undefined;
  const customerInfo = validateCustomerInfo(body, orgId !== undefined, problems);
  const provisioningParameters = validateProvisioningParameters(body, packages, problems);
  return {
    provisioningId: provisioningId ?? '',
    packages,
    ...(orgId !== undefined ? { orgId } : {}),
    externalId: externalId ?? '',
    address: address as WholesaleAddress,
    ...(customerInfo ? { customerInfo } : {}),
    ...(provisioningParameters ? { provisioningParameters } : {}),
  };
}

// ───────────────────────────── Store ─────────────────────────────

interface StoredCustomer {
  id: string;
  /** The organization given for an existing customer, or the one made for a new customer. */
  orgId: string;
  externalId: string;
  address: WholesaleAddress;
  packages: WholesalePackageName[];
  /** When provisioning started (epoch ms); the customer is provisioned `provisioningDelayMs` later, on read. */
  acceptedAt: number;
}

interface PartnerData {
  /** Insertion-ordered, which is the order lists are returned in. */
  customers: Map<string, StoredCustomer>;
  idsByExternalId: Map<string, string>;
}

/** Each token is one partner with its own customers (and tests isolate themselves by token). */
type TokenStore = Partitions<PartnerData>;

function newTokenStore(): TokenStore {
  return new Partitions(() => ({ customers: new Map(), idsByExternalId: new Map() }));
}

/**
 * The customer as Webex shows it at `now`. Provisioning completes lazily on read, so no timers outlive the
 * emulator; `orgId` is shown only once the organization exists ("Only presented when status is provisioned";
 * assumed also for `provisioned_with_errors`, whose organization exists too).
 */
function customerView(customer: StoredCustomer, settings: Settings, now: number): WholesaleCustomer {
  const provisioning = now - customer.acceptedAt < settings.provisioningDelayMs;
  const details: WholesalePackage[] = customer.packages.map((name) => {
    if (provisioning) return { name, status: 'provisioning' };
    if (!settings.failingPackages.has(name)) return { name, status: 'provisioned', warnings: [], errors: [] };
    return {
      name,
      status: 'error',
      warnings: [],
      errors: [
        { errorCode: ERROR_CODE.provisioningFailed, description: `The package '${name}' could not be provisioned.` },
      ],
    };
  });
  const failed = details.filter((p) => p.status === 'error').length;
  const status: WholesaleCustomerStatus = provisioning
    ? 'provisioning'
    : failed === 0
      ? 'provisioned'
      : failed === details.length
        ? 'error'
        : 'provisioned_with_errors';
  return structuredClone({
    id: customer.id,
    ...(status === 'provisioned' || status === 'provisioned_with_errors' ? { orgId: customer.orgId } : {}),
    externalId: customer.externalId,
    address: customer.address,
    status,
    packages: customer.packages,
    resourceDetails: { packages: details },
    errors: [],
  });
}

// ───────────────────────────── Routes ─────────────────────────────

interface HandlerContext {
  store: TokenStore;
  settings: Settings;
  created: CreationCounts | undefined;
}

function collectionUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/v1/wholesale/customers`;
}

function provisionCustomer({ store, created }: HandlerContext): RequestHandler {
  return (req, res) => {
    const body: unknown = req.body;
    if (!isJsonObject(body)) {
      sendError(res, 400, [
        { description: 'The request body must be a JSON object.', errorCode: ERROR_CODE.invalidRequest },
      ]);
      return;
    }
    const problems = webexProblems();
    const request = validateProvisionRequest(body, problems);
    if (problems.any) {
      sendError(res, 400, problems.entries);
      return;
    }
    const partner = store.get(tokenOf(res));
    if (partner.idsByExternalId.has(request.externalId)) {
      sendError(res, 409, [
        {
          description: `externalId '${request.externalId}' already belongs to a customer of this partner.`,
          errorCode: ERROR_CODE.duplicateExternalId,
        },
      ]);
      return;
    }
    const customer: StoredCustomer = {
      id: webexId('ENTERPRISE'),
      orgId: request.orgId ?? webexId('ORGANIZATION'),
      externalId: request.externalId,
      address: request.address,
      packages: request.packages,
      acceptedAt: Date.now(),
    };
    partner.customers.set(customer.id, customer);
    partner.idsByExternalId.set(customer.externalId, customer.id);
    created?.count(customer.externalId);
    const url = `${collectionUrl(req)}/${customer.id}`;
    const accepted: ResourceURL = { url };
    res.status(202).setHeader('Location', url);
    res.json(accepted);
  };
}

function getCustomer({ store, settings }: HandlerContext): RequestHandler<{ customerId: string }> {
  return (req, res) => {
    // A malformed id names no customer either: Webex's 404 covers "the URI requested is invalid".
    const customer = store.get(tokenOf(res)).customers.get(req.params.customerId);
    if (!customer) {
      sendError(res, 404, [{ description: 'Customer not found.' }]);
      return;
    }
    res.json(customerView(customer, settings, Date.now()));
  };
}

/** Query parameters as given; a repeated parameter (or a comma-separated one, for `status`) counts each value. */
function queryValues(value: unknown): string[] {
  const list: unknown[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter((v): v is string => typeof v === 'string');
}

function parseCount(raw: string | undefined, name: string, min: number, problems: WebexProblems): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min) {
    problems.add(name, `must be an integer of at least ${min}; '${raw}' is not.`);
    return undefined;
  }
  return Number(raw);
}

/**
 * `GET /v1/wholesale/customers` (public reference): filters `externalId`, `orgId` and `status` (repeatable),
 * pages with `offset` and `max`, and links the next page in `Link: <…>; rel="next"` (RFC 5988, as every
 * Webex list does). The page sizes of this endpoint are not published: `maxPageSize` stands for them.
 */
function listCustomers({ store, settings }: HandlerContext): RequestHandler {
  return (req, res) => {
    const problems = webexProblems();
    const offset = parseCount(queryValues(req.query['offset'])[0], 'offset', 0, problems) ?? 0;
    const requestedMax = parseCount(queryValues(req.query['max'])[0], 'max', 1, problems);
    const statuses = queryValues(req.query['status']).flatMap((s) => s.split(','));
    for (const status of statuses) {
      if (!(WHOLESALE_CUSTOMER_STATUSES as readonly string[]).includes(status)) {
        problems.add('status', `must be one of ${WHOLESALE_CUSTOMER_STATUSES.join(', ')}; '${status}' is not.`);
      }
    }
    if (problems.any) {
      sendError(res, 400, problems.entries);
      return;
    }
    const externalId = queryValues(req.query['externalId'])[0];
    const orgId = queryValues(req.query['orgId'])[0];
    const max = Math.min(requestedMax ?? settings.maxPageSize, settings.maxPageSize);

    const now = Date.now();
    const matches = [...store.get(tokenOf(res)).customers.values()]
      .map((customer) => customerView(customer, settings, now))
      .filter(
        (c) =>
          (externalId === undefined || c.externalId === externalId) &&
          (orgId === undefined || c.orgId === orgId) &&
          (statuses.length === 0 || statuses.includes(c.status)),
      );
    const items = matches.slice(offset, offset + max);
    if (offset + items.length < matches.length) {
      const next = new URLSearchParams();
      if (externalId !== undefined) next.set('externalId', externalId);
      if (orgId !== undefined) next.set('orgId', orgId);
      if (statuses.length > 0) next.set('status', statuses.join(','));
      next.set('offset', String(offset + items.length));
      next.set('max', String(max));
      res.setHeader('Link', `<${collectionUrl(req)}?${next.toString()}>; rel="next"`);
    }
    const page: WholesaleCustomerList = { items };
    res.json(page);
  };
}
