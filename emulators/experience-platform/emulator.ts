/**
 * Adobe Experience Platform's provisioning gateway in memory, strict on purpose: what the gateway refuses, this
 * refuses with its status and `{reason, message}` body, so that a client working here meets no new 400s in
 * production. Sources: `shared/provider-apis/adobe-experience-platform-provisioning.txt`, and for the status endpoint
 * the shape Adobe publishes; where they are silent, the comments say what is modelled and why.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Express, RequestHandler, Response } from 'express';
import { acceptedBearerToken } from '../toolkit/credentials.js';
import { nonNegativeNumber } from '../toolkit/options.js';
import {
  emulatorApp,
  isJsonMediaType,
  jsonBodyParser,
  methodNotAllowed,
  startEmulator,
  uncaughtErrorHandler,
  type CreationCounts,
  type EmulatorInstruments,
  type ListenOptions,
  type RunningEmulator,
} from '../toolkit/server.js';
import {
  isJsonObject,
  Problems,
  propertyReaders,
  queryValue,
  type JsonObject,
  type StringRule,
} from '../toolkit/validation.js';
import {
  IMS_ORG_ID_FORMAT,
  type ActionStatus,
  type ErrorResponse,
  type OrgStatusResponse,
  type ProvisioningMetrics,
  type ProvisioningReports,
  type ProvisioningRequest,
  type ProvisioningResponse,
  type StoredRequest,
} from '../../src/providers/experience-platform/wire.js';

// ───────────────────────────── Public API ─────────────────────────────

export interface ExperiencePlatformEmulatorOptions {
  /** The IMS service token accepted as `Authorization: Bearer <token>`; when undefined any non-empty token is. @default undefined */
  token?: string;
  /** The gateway token accepted as `x-gw-ims-authorization: Bearer <token>`; when undefined any non-empty token is. @default undefined */
  imsAuthorization?: string;
  /**
   * How long a provisioning takes: `GET /provisioning/status` answers `inProgress` until then, `completed` after.
   * Long enough by default for `npm start` to show a provisioning in progress; tests pass 0. @default 3000
   */
  provisioningDelayMs?: number;
}

export const DEFAULT_PROVISIONING_DELAY_MS = 3_000;

/** Counts creations as `<imsOrgId>:<valuePropId>`, once per accepted provisioning: `reprovision=true` is another. */
export function createExperiencePlatformEmulator(
  options: ExperiencePlatformEmulatorOptions & EmulatorInstruments = {},
): Express {
  const provisioningDelayMs = nonNegativeNumber(
    'provisioningDelayMs',
    options.provisioningDelayMs ?? DEFAULT_PROVISIONING_DELAY_MS,
  );
  const store = new ProvisioningStore();

  const app = emulatorApp(options);

  const authenticate = requireGatewayTokens(options.token, options.imsAuthorization);
  app.post('/provisioning/customer', authenticate, requireOrgHeader, parseJsonBody, provision(store, options.created));
  app.all('/provisioning/customer', notAllowed('POST'));
  app.get('/provisioning/status', authenticate, readStatus(store, provisioningDelayMs));
  app.all('/provisioning/status', notAllowed('GET'));

  app.use((_req, res) => sendError(res, 404, 'Not Found', 'No such resource'));
  app.use(handleUncaughtError);
  return app;
}

export function startExperiencePlatformEmulator(
  options: ExperiencePlatformEmulatorOptions & ListenOptions = {},
): Promise<RunningEmulator> {
  return startEmulator(createExperiencePlatformEmulator, options);
}

// ───────────────────────────── Error bodies ─────────────────────────────

/** The document's descriptions of its error statuses, used as `message`. */
const MESSAGES = {
  400: 'Unable to process the input request. Please verify the input.',
  403: 'Forbidden',
  500: 'Internal Server error. Please check logs for details.',
} as const;

function sendError(res: Response, status: number, message: string, reason: string): void {
  const body: ErrorResponse = { reason, message };
  res.status(status).json(body);
}

/**
 * The document gives `reason` no structure. The emulator names each problem as `<property path>: <problem>`
 * and, like a bean validator, reports all of them at once, joined by `; `.
 */
function sendInvalid(res: Response, problems: string[]): void {
  sendError(res, 400, MESSAGES[400], problems.join('; '));
}

const handleUncaughtError = uncaughtErrorHandler((res, status) =>
  status >= 500
    ? sendError(res, 500, MESSAGES[500], 'An unexpected error occurred')
    : sendError(res, status, MESSAGES[400], 'The request is malformed'),
);

function notAllowed(...allowed: string[]): RequestHandler {
  return methodNotAllowed(allowed, (res) => sendError(res, 405, 'Method Not Allowed', `Use ${allowed.join(' or ')}`));
}

// ───────────────────────────── Headers ─────────────────────────────

/**
 * Adobe's gateway wants both IMS tokens as `Bearer <token>` (scheme case-insensitive) and answers anything else
 * with the document's 403. The emulator does not verify IMS tokens; with a token configured it compares verbatim.
 */
function requireGatewayTokens(token: string | undefined, imsAuthorization: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (acceptedBearerToken(req.header('authorization'), token) === undefined) {
      sendError(res, 403, MESSAGES[403], 'Authorization: a valid IMS service token is required (Bearer <token>)');
      return;
    }
    if (acceptedBearerToken(req.header('x-gw-ims-authorization'), imsAuthorization) === undefined) {
      sendError(
        res,
        403,
        MESSAGES[403],
        'x-gw-ims-authorization: a valid gateway service token is required (Bearer <token>)',
      );
      return;
    }
    next();
  };
}

/** The document marks `x-gw-ims-org-id` optional, but the gateway cannot provision without an organization. */
const requireOrgHeader: RequestHandler = (req, res, next) => {
  const org = req.header('x-gw-ims-org-id');
  if (org === undefined || org.trim() === '') {
    sendInvalid(res, ['x-gw-ims-org-id: the header is required']);
    return;
  }
  next();
};

/** The document consumes `application/json` only: another media type is a 415, a missing or broken body a 400. */
const parseJsonBody = jsonBodyParser(isJsonMediaType, (res, problem) => {
  if (problem.kind === 'unsupported-media-type')
    sendError(res, 415, 'Unsupported Media Type', 'Content-Type: must be application/json');
  else
    sendInvalid(res, [
      problem.kind === 'empty' ? 'body: a ProvisioningRequest is required' : 'body: is not valid JSON',
    ]);
});

// ───────────────────────────── Validation ─────────────────────────────

/** The problems of a request, each as `<property path>: <problem>` (see {@link sendInvalid}). */
type GatewayProblems = Problems<string>;

function gatewayProblems(): GatewayProblems {
  return new Problems((path, problem) => `${path}: ${problem}`);
}

const read = propertyReaders({
  missing: () => 'is required',
  notAString: () => 'must be a string',
  blank: () => 'must not be blank',
  tooLong: (_path, maxLength) => `must be at most ${maxLength} characters`,
  notAnObject: () => 'must be a JSON object',
});

/**
 * A string property; the document types every value as a string, so a number or object is refused. Assumed
 * lengths: the document states none; 255 is the gateway's column size for free text we model.
 */
function stringAt(
  parent: JsonObject,
  section: string,
  name: string,
  rule: StringRule,
  problems: GatewayProblems,
): string | undefined {
  return read.string(parent, name, `${section}.${name}`, problems, rule);
}

function objectAt(
  parent: JsonObject,
  path: string,
  required: boolean,
  problems: GatewayProblems,
): JsonObject | undefined {
  return read.object(parent, path.split('.').at(-1) ?? path, path, problems, required);
}

const imsOrgIdCheck = (value: string) =>
  IMS_ORG_ID_FORMAT.test(value) ? null : 'must be an IMS organization id (24 hexadecimal digits and @AdobeOrg)';

/** One `@`, neither first nor last, no spaces: the contact is where Adobe writes to. */
const emailCheck = (value: string) => {
  const at = value.indexOf('@');
  return at > 0 && at < value.length - 1 && at === value.lastIndexOf('@') && !/\s/.test(value)
    ? null
    : 'must be an e-mail address';
};

/** Metrics are counts in strings: plain decimal digits. */
const wholeNumberCheck = (value: string) => (/^\d+$/.test(value) ? null : 'must be a whole number, such as "1000"');

/** A date (`2025-01-01`) or an RFC 3339 time (`2025-01-01T00:00:00Z`), as Java's ISO parsers read them. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const dateCheck = (value: string) =>
  ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))
    ? null
    : 'must be an ISO 8601 date, such as 2025-01-01T00:00:00Z';

const METRICS: (keyof ProvisioningMetrics)[] = [
  'numberOfProfiles',
  'capacityCPU',
  'capacityStorage',
  'capacityBandwidth',
];
const REPORT_TEXT: (keyof ProvisioningReports)[] = ['eccid', 'dealRegistrationNumber', 'recordOwner'];

/** The accepted request, in the document's shape, or null with `problems` filled. */
function validateRequest(body: unknown, problems: GatewayProblems): ProvisioningRequest | null {
  if (!isJsonObject(body)) {
    problems.add('body', 'must be a JSON object');
    return null;
  }
  const customerJson = objectAt(body, 'customer', true, problems);
  const entitlementJson = objectAt(body, 'entitlement', true, problems);
  const reportsJson = objectAt(body, 'reports', false, problems);

  let customer: ProvisioningRequest['customer'] | undefined;
  if (customerJson) {
    const name = stringAt(customerJson, 'customer', 'name', { required: true, maxLength: 255 }, problems);
    const imsOrgId = stringAt(customerJson, 'customer', 'imsOrgId', { required: true, check: imsOrgIdCheck }, problems);
    const contact = stringAt(
      customerJson,
      'customer',
      'contact',
      { required: true, maxLength: 255, check: emailCheck },
      problems,
    );
    let tenentId: string | undefined;
    if (!('tenentId' in customerJson) && 'tenantId' in customerJson) {
      // The gateway binds only its own spelling: `tenantId` is an unknown property, and the tenant is missing.
      problems.add('customer.tenentId', 'is required (the gateway reads tenentId, not tenantId)');
    } else {
      tenentId = stringAt(customerJson, 'customer', 'tenentId', { required: true }, problems);
    }
    const region = stringAt(customerJson, 'customer', 'region', { required: true }, problems);
    if (name && imsOrgId && contact && tenentId && region) customer = { name, imsOrgId, contact, tenentId, region };
  }

  let entitlement: ProvisioningRequest['entitlement'] | undefined;
  if (entitlementJson) {
    const valuePropId = stringAt(entitlementJson, 'entitlement', 'valuePropId', { required: true }, problems);
    const valuePropSKUID = stringAt(entitlementJson, 'entitlement', 'valuePropSKUID', { required: true }, problems);
    const location = stringAt(entitlementJson, 'entitlement', 'location', {}, problems);
    const metricsJson = objectAt(entitlementJson, 'entitlement.metrics', false, problems);
    let metrics: ProvisioningMetrics | undefined;
    if (metricsJson) {
      metrics = {};
      for (const metric of METRICS) {
        const value = stringAt(metricsJson, 'entitlement.metrics', metric, { check: wholeNumberCheck }, problems);
        if (value !== undefined) metrics[metric] = value;
      }
    }
    if (valuePropId && valuePropSKUID) {
      entitlement = { valuePropId, valuePropSKUID };
      if (location !== undefined) entitlement.location = location;
      if (metrics) entitlement.metrics = metrics;
    }
  }

  let reports: ProvisioningReports | undefined;
  if (reportsJson) {
    reports = {};
    for (const field of REPORT_TEXT) {
      const value = stringAt(reportsJson, 'reports', field, {}, problems);
      if (value !== undefined) reports[field] = value;
    }
    const startDate = stringAt(reportsJson, 'reports', 'startDate', { check: dateCheck }, problems);
    const endDate = stringAt(reportsJson, 'reports', 'endDate', { check: dateCheck }, problems);
    if (startDate !== undefined) reports.startDate = startDate;
    if (endDate !== undefined) reports.endDate = endDate;
    if (
      startDate &&
      endDate &&
      !dateCheck(startDate) &&
      !dateCheck(endDate) &&
      Date.parse(endDate) < Date.parse(startDate)
    ) {
      problems.add('reports.endDate', 'must not be before reports.startDate');
    }
  }

  if (problems.any || !customer || !entitlement) return null;
  return reports ? { customer, entitlement, reports } : { customer, entitlement };
}

// ───────────────────────────── Store ─────────────────────────────

interface ProvisioningRecord {
  stored: StoredRequest;
  connectionString: string;
  subscriptionId: string;
}

/**
 * Data per IMS organization, Adobe's tenant: what each organization is provisioned with, by value proposition,
 * and every stored request by id (ids are unique across organizations).
 */
class ProvisioningStore {
  private readonly byOrg = new Map<string, Map<string, ProvisioningRecord>>();
  private readonly latestByOrg = new Map<string, ProvisioningRecord>();
  private readonly byId = new Map<string, ProvisioningRecord>();

  provisioned(imsOrgId: string, valuePropId: string): ProvisioningRecord | undefined {
    return this.byOrg.get(imsOrgId)?.get(valuePropId);
  }

  save(record: ProvisioningRecord): void {
    const { imsOrgId } = record.stored;
    const org = this.byOrg.get(imsOrgId) ?? new Map<string, ProvisioningRecord>();
    org.set(record.stored.stored.entitlement.valuePropId, record);
    this.byOrg.set(imsOrgId, org);
    this.latestByOrg.set(imsOrgId, record);
    this.byId.set(record.stored.id, record);
  }

  byRequestId(id: string): ProvisioningRecord | undefined {
    return this.byId.get(id);
  }

  latest(imsOrgId: string): ProvisioningRecord | undefined {
    return this.latestByOrg.get(imsOrgId);
  }
}

/** An Azure Event Hubs connection string, the kind of resource the gateway's `azureResponse` comes from. */
function connectionStringFor(request: ProvisioningRequest): string {
  const namespace = `aep-${
    request.customer.tenentId
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'tenant'
  }`;
  const key = randomBytes(32).toString('base64');
  return `Endpoint=sb://${namespace}.servicebus.windows.net/;SharedAccessKeyName=aep-provisioning;SharedAccessKey=${key};EntityPath=${request.entitlement.valuePropId}`;
}

// ───────────────────────────── Handlers ─────────────────────────────

function provision(store: ProvisioningStore, created: CreationCounts | undefined): RequestHandler {
  return (req, res) => {
    const problems = gatewayProblems();
    const reprovisionRaw = queryValue(req.query['reprovision']);
    // The document types `reprovision` as a string; the gateway binds it to a boolean.
    if (reprovisionRaw !== undefined && !/^(true|false)$/i.test(reprovisionRaw)) {
      problems.add('reprovision', 'must be true or false');
    }
    const reprovision = reprovisionRaw?.toLowerCase() === 'true';
    const request = validateRequest(req.body, problems);
    const orgHeader = req.header('x-gw-ims-org-id') ?? '';
    if (request && orgHeader !== request.customer.imsOrgId) {
      problems.add('x-gw-ims-org-id', 'must be the organization of customer.imsOrgId');
    }
    if (problems.any || !request) {
      sendInvalid(res, problems.entries);
      return;
    }

    const { imsOrgId } = request.customer;
    const { valuePropId } = request.entitlement;
    const existing = store.provisioned(imsOrgId, valuePropId);
    if (existing && !reprovision) {
      sendInvalid(res, [
        `entitlement.valuePropId: ${imsOrgId} is already provisioned with ${valuePropId}; send reprovision=true to provision it again`,
      ]);
      return;
    }
    const record: ProvisioningRecord = {
      stored: { id: randomUUID(), imsOrgId, stored: request, timestamp: Date.now() },
      // Assumption: re-provisioning keeps the organization's resources, hence their connection string.
      connectionString: existing?.connectionString ?? connectionStringFor(request),
      subscriptionId: existing?.subscriptionId ?? randomUUID(),
    };
    store.save(record);
    created?.count(`${imsOrgId}:${valuePropId}`);
    const response: ProvisioningResponse = {
      message: existing ? 'Re-provisioning request accepted' : 'Provisioning request accepted',
      // Assumption: the gateway's numeric `status` is an HTTP-like code, 202 while provisioning continues.
      status: 202,
      connectionString: record.connectionString,
      errors: [],
      azureResponse: JSON.stringify({ provisioningState: 'Accepted', subscriptionId: record.subscriptionId }),
      storedRequest: record.stored,
      pollRequired: true,
    };
    res.status(200).json(response);
  };
}

/** The steps the emulator pretends to take; each completes after its share of the delay. */
const ACTIONS = ['createSandbox', 'createEventHub', 'assignValueProposition'] as const;

/**
 * `GET /provisioning/status`. `request` names a stored request; without it, the organization of
 * `x-gw-ims-org-id` is looked up and its latest request answered. Whatever is not found (also a request of
 * another organization than the header's) is the 500 Adobe publishes: "Provisioning Status could not be found".
 */
function readStatus(store: ProvisioningStore, delayMs: number): RequestHandler {
  return (req, res) => {
    const requestId = queryValue(req.query['request']);
    const orgHeader = req.header('x-gw-ims-org-id');
    const record =
      requestId !== undefined && requestId !== ''
        ? store.byRequestId(requestId)
        : orgHeader
          ? store.latest(orgHeader)
          : undefined;
    if (!record || (orgHeader !== undefined && orgHeader !== '' && orgHeader !== record.stored.imsOrgId)) {
      sendError(res, 500, MESSAGES[500], 'Provisioning Status could not be found');
      return;
    }
    res.json(statusOf(record, delayMs, Date.now()));
  };
}

function statusOf(record: ProvisioningRecord, delayMs: number, now: number): OrgStatusResponse {
  const acceptedAt = record.stored.timestamp;
  const actionStatusList: ActionStatus[] = ACTIONS.map((name, index) => {
    const doneAt = acceptedAt + (delayMs * (index + 1)) / ACTIONS.length;
    const done = now >= doneAt;
    return {
      imsOrgId: record.stored.imsOrgId,
      name,
      status: done ? 'completed' : 'inProgress',
      msg: done ? `${name} completed` : `${name} in progress`,
      jobId: `${record.stored.id}-${index + 1}`,
      resourceName: name,
      resourceIdentifier: null,
      resourceDefinition: null,
      resourceDefinitionType: null,
      responseCode: done ? 200 : 202,
      reason: null,
      attempts: 1,
      requestId: record.stored.id,
      id: `${record.stored.id}-${index + 1}`,
      created: acceptedAt,
      updated: done ? Math.round(doneAt) : acceptedAt,
    };
  });
  const completed = actionStatusList.every((a) => a.status === 'completed');
  return {
    status: completed ? 'completed' : 'inProgress',
    subscriptionId: completed ? record.subscriptionId : null,
    request: {
      ...record.stored,
      stored: { ...record.stored.stored, subscriptionId: completed ? record.subscriptionId : null },
    },
    actionStatusList,
  };
}
