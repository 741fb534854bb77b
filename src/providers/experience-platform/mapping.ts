import { badUserInput, type FieldError, type InputPath } from '../../errors.js';
import type {
  ExperiencePlatformMetricsInput,
  ExperiencePlatformProvisioningInput,
  ExperiencePlatformReportsInput,
  ExperiencePlatformSection,
} from '../../generated/graphql.js';
import type { CustomerViewModel } from '../cloudcockpit/wire.js';
import {
  IMS_ORG_ID_FORMAT,
  type ProvisioningEntitlement,
  type ProvisioningMetrics,
  type ProvisioningReports,
  type ProvisioningRequest,
  type ProvisioningResponse,
  type ProvisioningState,
  type StoredRequest,
} from './wire.js';

/** Maps a property as the gateway names it (`customer.tenentId`) to where it sits in a GraphQL input. */
export type PathOfProperty = (property: string) => InputPath;

// ---------------------------------------------------------------------------------------------
// GraphQL input -> wire

/**
 * Refuses here, with full input paths, what goes out as a header (the organization id) and an end before the start.
 * Metrics need no check: the `ExperiencePlatformQuantity` scalar admits only what Adobe's strings carry.
 */
export function toProvisioningRequest(
  input: ExperiencePlatformProvisioningInput,
  at: InputPath = [],
  pathOf: PathOfProperty = inputPathOfProperty,
): ProvisioningRequest {
  const problems: { property: string; message: string }[] = [];
  const imsOrgIdProblem = imsOrgIdProblemOf(input.customer.imsOrgId);
  if (imsOrgIdProblem) problems.push({ property: 'customer.imsOrgId', message: imsOrgIdProblem });
  const { startDate, endDate } = input.reports ?? {};
  if (startDate != null && endDate != null && toInstant(endDate) < toInstant(startDate)) {
    problems.push({ property: 'reports.endDate', message: 'Must not be before startDate' });
  }
  if (problems.length > 0) {
    const fieldErrors: FieldError[] = problems.map((p) => ({
      path: [...at, ...pathOf(p.property)],
      messages: [p.message],
    }));
    throw badUserInput(
      `The Adobe Experience Platform input is invalid: ${problems.map((p) => p.message).join('; ')}`,
      fieldErrors,
    );
  }

  const { customer, entitlement, reports } = input;
  const body: ProvisioningRequest = {
    customer: {
      name: customer.name,
      imsOrgId: customer.imsOrgId,
      contact: customer.contact,
      tenentId: customer.tenantId,
      region: customer.region,
    },
    entitlement: toEntitlement(entitlement),
  };
  if (reports) body.reports = toReports(reports);
  return body;
}

function toEntitlement(input: ExperiencePlatformProvisioningInput['entitlement']): ProvisioningEntitlement {
  const entitlement: ProvisioningEntitlement = { valuePropId: input.valuePropId, valuePropSKUID: input.valuePropSKUID };
  if (input.location != null) entitlement.location = input.location;
  if (input.metrics) entitlement.metrics = toMetrics(input.metrics);
  return entitlement;
}

/**
 * Inputs recorded in the ledger before metrics were quantities hold 32-bit `Int`s, which `String` writes as the same
 * plain digits the scalar gives today; it leaves those strings as they are.
 */
function toMetrics(input: ExperiencePlatformMetricsInput): ProvisioningMetrics {
  const metrics: ProvisioningMetrics = {};
  if (input.numberOfProfiles != null) metrics.numberOfProfiles = String(input.numberOfProfiles);
  if (input.capacityCPU != null) metrics.capacityCPU = String(input.capacityCPU);
  if (input.capacityStorage != null) metrics.capacityStorage = String(input.capacityStorage);
  if (input.capacityBandwidth != null) metrics.capacityBandwidth = String(input.capacityBandwidth);
  return metrics;
}

/**
 * The most digits an input quantity may have. The document sets no bound; 20 digits hold any unsigned 64-bit count,
 * the widest a back end keeps, and keep a runaway string out of the request and the ledger.
 */
export const QUANTITY_MAX_DIGITS = 20;

/** Why a value cannot be sent as an Adobe metric (`ExperiencePlatformQuantity`); null when it can. */
export function quantityProblemOf(value: unknown): string | null {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) return 'Must be a whole number of 0 or more, such as 1000000';
    // JSON parsers read 9007199254740993 as …992: past 2^53 − 1 a number may already have lost digits.
    if (!Number.isSafeInteger(value)) {
      return `Must be at most ${Number.MAX_SAFE_INTEGER} as a number; send a larger one as a string of digits`;
    }
    return null;
  }
  if (typeof value === 'string') {
    if (!DECIMAL_DIGITS.test(value)) {
      return 'Must be decimal digits only (no sign, fraction, exponent or spaces), such as "1000000"';
    }
    if (value.length > QUANTITY_MAX_DIGITS) return `Must be at most ${QUANTITY_MAX_DIGITS} digits`;
    return null;
  }
  return 'Must be a whole number or a string of decimal digits, such as "1000000"';
}

const DECIMAL_DIGITS = /^[0-9]+$/;

function toReports(input: ExperiencePlatformReportsInput): ProvisioningReports {
  const reports: ProvisioningReports = {};
  if (input.eccid != null) reports.eccid = input.eccid;
  if (input.dealRegistrationNumber != null) reports.dealRegistrationNumber = input.dealRegistrationNumber;
  if (input.startDate != null) reports.startDate = toWireDate(input.startDate);
  if (input.endDate != null) reports.endDate = toWireDate(input.endDate);
  if (input.recordOwner != null) reports.recordOwner = input.recordOwner;
  return reports;
}

/**
 * The document only says "string": RFC 3339 in UTC with milliseconds, which Java's `Instant.parse` and
 * `OffsetDateTime.parse` (the gateway is a Java service) both read.
 */
export function toWireDate(value: Date | string): string {
  return new Date(toInstant(value)).toISOString();
}

function toInstant(value: Date | string): number {
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

/** Why a value is not an IMS organization id; null when it is one. */
export function imsOrgIdProblemOf(value: string): string | null {
  return IMS_ORG_ID_FORMAT.test(value)
    ? null
    : 'Must be an IMS organization id: 24 hexadecimal digits and @AdobeOrg, such as 0123456789ABCDEF01234567@AdobeOrg';
}

/** Of the canonical customer, Adobe's has only a name and a contact: the company name and e-mail, unless overridden. */
export function experiencePlatformInputFromCanonical(
  customer: CustomerViewModel,
  section: ExperiencePlatformSection,
): ExperiencePlatformProvisioningInput {
  return {
    customer: {
      name: section.name ?? customer.companyName,
      imsOrgId: section.imsOrgId,
      contact: section.contact ?? customer.email,
      tenantId: section.tenantId,
      region: section.region,
    },
    entitlement: section.entitlement,
    reports: section.reports ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Finding the request of a lost answer

/**
 * Recorded in the step's input before the ledger write. Adobe takes no id of ours and stores a new request for every
 * accepted POST, so after a lost answer this time and the contents tell this step's request from earlier ones.
 */
export interface RequestTime {
  requestedAt?: string | null;
}

export function withRequestTime<Input extends object>(input: Input, now = new Date()): Input & { requestedAt: string } {
  return { ...input, requestedAt: now.toISOString() };
}

/**
 * How far Adobe's clock may be behind ours: the gateway stamps a request after `requestedAt`, so only a lagging clock
 * makes it look earlier. NTP keeps servers within a second; 5 s is generous, yet short enough not to take an
 * identical request stored before this provisioning for it.
 */
export const CLOCK_TOLERANCE_MS = 5_000;

/**
 * Assumption (the document gives `storedRequest.stored` only a shape): the gateway keeps the request as received, as
 * its POST answer shows. What it adds (`subscriptionId`) is ignored; a value it changed or dropped makes the answer no.
 */
export function isStoredAs(request: StoredRequest, sent: ProvisioningRequest): boolean {
  return request.imsOrgId === sent.customer.imsOrgId && holdsEverything(request.stored, sent);
}

function holdsEverything(stored: unknown, sent: unknown): boolean {
  if (typeof sent !== 'object' || sent === null) return stored === sent;
  if (typeof stored !== 'object' || stored === null) return false;
  return Object.entries(sent).every(
    ([key, value]) => value === undefined || holdsEverything((stored as Record<string, unknown>)[key], value),
  );
}

/**
 * No when either time is missing (a step recorded before the time was kept, or a gateway timestamp of 0, "unset"):
 * nothing then tells this request from an earlier one.
 */
export function storedSince(request: StoredRequest, requestedAt: string | null | undefined): boolean {
  const stored = timeOf(request.timestamp);
  const asked = requestedAt ? Date.parse(requestedAt) : NaN;
  return stored !== null && Number.isFinite(asked) && stored.getTime() >= asked - CLOCK_TOLERANCE_MS;
}

// ---------------------------------------------------------------------------------------------
// Gateway property names -> GraphQL input paths

/** Where a gateway property sits in an {@link ExperiencePlatformProvisioningInput}. */
export function inputPathOfProperty(property: string): InputPath {
  const [section, ...rest] = property.split('.').filter(Boolean);
  if (section !== 'customer' && section !== 'entitlement' && section !== 'reports') return [];
  return [section, ...rest.map(graphqlFieldName)];
}

/**
 * Where a gateway property sits in an {@link ExperiencePlatformSection}: the customer's fields are the section's
 * own (a refused defaulted name or contact points at the override that would fix it).
 */
export function sectionPathOfProperty(property: string): InputPath {
  const path = inputPathOfProperty(property);
  return path[0] === 'customer' ? path.slice(1) : path;
}

function graphqlFieldName(wireName: string): string {
  return wireName === 'tenentId' ? 'tenantId' : wireName;
}

// ---------------------------------------------------------------------------------------------
// wire -> GraphQL

/**
 * Adobe does not document its status words. The emulator speaks `inProgress`, `completed` and `failed`; the
 * spellings Adobe's services use elsewhere (`IN_PROGRESS`, `processing`, `SUCCESS`, `succeeded`, `ERROR` …) are
 * read the same way, and anything else is `unknown` rather than a failed response.
 */
export function provisioningStateOf(status: string | null | undefined): ProvisioningState {
  const word = (status ?? '').toLowerCase().replace(/[\s_-]/g, '');
  if (['inprogress', 'processing', 'pending', 'running', 'queued', 'started', 'accepted'].includes(word))
    return 'inProgress';
  if (['completed', 'complete', 'success', 'succeeded', 'successful', 'done', 'provisioned'].includes(word))
    return 'completed';
  if (['failed', 'failure', 'error', 'errored'].includes(word)) return 'failed';
  return 'unknown';
}

export function isFinalState(state: ProvisioningState): boolean {
  return state === 'completed' || state === 'failed';
}

/**
 * A gateway timestamp as a time: epoch milliseconds (see `StoredRequest.timestamp`); 0 and absent are "no time".
 * A value below 10^11 cannot be milliseconds of this century, so it is read as seconds.
 */
export function timeOf(timestamp: number | null | undefined): Date | null {
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp <= 0) return null;
  return new Date(timestamp < 1e11 ? timestamp * 1000 : timestamp);
}

/**
 * A metric as Adobe stored it, passed on verbatim when it is decimal digits, of any length (a string loses nothing);
 * null when absent or anything else, which no caller could read as a quantity.
 */
export function quantityOf(value: string | null | undefined): string | null {
  return typeof value === 'string' && DECIMAL_DIGITS.test(value) ? value : null;
}

/** The entitlement Adobe stored with the request. */
export function entitlementOf(response: ProvisioningResponse): ProvisioningEntitlement | null {
  return response.storedRequest?.stored?.entitlement ?? null;
}
