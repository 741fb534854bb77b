import type { AugmentedRequest } from '@apollo/datasource-rest';
import { UpstreamError } from '../../errors.js';
import {
  ProviderDataSource,
  type ProviderEndpoint,
  type ProviderErrorDescription,
  type ProviderRequestScope,
  providerText,
} from '../provider-data-source.js';
import type { ErrorResponse, OrgStatusResponse, ProvisioningRequest, ProvisioningResponse } from './wire.js';

export interface ExperiencePlatformEndpoint extends ProviderEndpoint {
  /** The IMS service token (`ADOBE_AEP_TOKEN`), sent as `Authorization: Bearer <token>`. */
  token: string;
  /** The gateway service token (`ADOBE_IMS_AUTHORIZATION`), sent as `x-gw-ims-authorization: Bearer <token>`. */
  imsAuthorization: string;
}

/**
 * Adobe Experience Platform's provisioning gateway, one method per endpoint. Every call carries the two IMS
 * tokens and the customer's organization in `x-gw-ims-org-id`.
 */
export class ExperiencePlatformClient extends ProviderDataSource {
  protected readonly provider = 'EXPERIENCE_PLATFORM' as const;
  private readonly token: string;
  private readonly imsAuthorization: string;

  constructor(endpoint: ExperiencePlatformEndpoint, scope: ProviderRequestScope) {
    super(endpoint, scope);
    this.token = endpoint.token;
    this.imsAuthorization = endpoint.imsAuthorization;
  }

  /**
   * `POST /provisioning/customer`. `reprovision` is sent only when given, as `true` or `false`; the gateway
   * compares `x-gw-ims-org-id` with the body's `customer.imsOrgId`, so both come from the same value.
   */
  async provision(body: ProvisioningRequest, reprovision: boolean | null): Promise<ProvisioningResponse> {
    return this.post<ProvisioningResponse>('provisioning/customer', {
      body,
      params: reprovision === null ? undefined : { reprovision: String(reprovision) },
      headers: { 'x-gw-ims-org-id': body.customer.imsOrgId },
    });
  }

  /**
   * `GET /provisioning/status?request=<storedRequest.id>`; null when the gateway has no such request in the
   * organization. Not in our document: the gateway publishes this endpoint next to the provisioning one, and
   * answers an unknown request with a 500 "Provisioning Status could not be found" rather than a 404.
   */
  async getProvisioningStatus(requestId: string, imsOrgId: string): Promise<OrgStatusResponse | null> {
    return this.status({ request: requestId }, imsOrgId);
  }

  /**
   * The organization's latest stored request, whichever value proposition it was for. Assumption (the document is
   * silent on the whole endpoint): without `request` the gateway answers for the organization of `x-gw-ims-org-id`.
   * The only way to find a request whose answer was lost: the gateway has no search, and the id is in that answer.
   */
  async getLatestProvisioningStatus(imsOrgId: string): Promise<OrgStatusResponse | null> {
    return this.status(undefined, imsOrgId);
  }

  private async status(
    params: Record<string, string> | undefined,
    imsOrgId: string,
  ): Promise<OrgStatusResponse | null> {
    try {
      return await this.get<OrgStatusResponse>('provisioning/status', {
        params,
        headers: { 'x-gw-ims-org-id': imsOrgId },
        // RESTDataSource merges concurrent GETs of one URL, and without `request` the URL does not say which
        // organization is asked about: the header does.
        cacheKey: `GET provisioning/status ${imsOrgId} ${params?.request ?? '(latest)'}`,
      });
    } catch (error) {
      if (error instanceof UpstreamError && error.failure.message === STATUS_NOT_FOUND) return null;
      throw error;
    }
  }

  /**
   * Adobe's gateways take `Bearer <token>` in both headers (Adobe I/O's gateway-token check strips the scheme); a
   * configured value that already carries it is sent as it is, so either form of the variables works.
   */
  protected setHeaders(request: AugmentedRequest): void {
    request.headers['authorization'] = asBearer(this.token);
    request.headers['x-gw-ims-authorization'] = asBearer(this.imsAuthorization);
    // Only the document's headers: the provisioning gateway documents no tracing header, so the correlation id
    // stays in our logs (and the ledger) rather than in an `x-request-id` the gateway may not expect.
    request.headers['accept'] = 'application/json';
  }

  protected describeError(httpStatus: number, body: unknown): ProviderErrorDescription {
    const error = isErrorResponse(body) ? body : null;
    const reason = providerText(error?.reason);
    if (httpStatus === 500 && /could not be found/i.test(reason))
      return { message: STATUS_NOT_FOUND, invalidProperties: [] };
    const invalidProperties = httpStatus === 400 ? propertiesNamedIn(reason) : [];
    return { message: messageFor(httpStatus, reason), invalidProperties };
  }
}

const STATUS_NOT_FOUND = 'Adobe Experience Platform has no such provisioning request in the organization';

function asBearer(token: string): string {
  return /^Bearer\s/i.test(token) ? token : `Bearer ${token}`;
}

function isErrorResponse(body: unknown): body is Partial<ErrorResponse> {
  return typeof body === 'object' && body !== null && ('reason' in body || 'message' in body);
}

function messageFor(httpStatus: number, reason: string): string {
  if (httpStatus === 400) return `Adobe Experience Platform rejected the request${reason ? `: ${reason}` : ''}`;
  if (httpStatus === 401 || httpStatus === 403) {
    return 'Adobe Experience Platform refused this service’s credentials for the organization';
  }
  if (httpStatus === 404) return 'Adobe Experience Platform has no such resource';
  // A 500's reason may describe Adobe's internals: it is not repeated to callers.
  return `Adobe Experience Platform failed (HTTP ${httpStatus})`;
}

/** The document's request properties, by the leaf name a free-text reason may use. */
const PROPERTY_BY_LEAF: Record<string, string> = {
  imsOrgId: 'customer.imsOrgId',
  contact: 'customer.contact',
  tenentId: 'customer.tenentId',
  tenantId: 'customer.tenentId',
  region: 'customer.region',
  valuePropId: 'entitlement.valuePropId',
  valuePropSKUID: 'entitlement.valuePropSKUID',
  location: 'entitlement.location',
  metrics: 'entitlement.metrics',
  numberOfProfiles: 'entitlement.metrics.numberOfProfiles',
  capacityCPU: 'entitlement.metrics.capacityCPU',
  capacityStorage: 'entitlement.metrics.capacityStorage',
  capacityBandwidth: 'entitlement.metrics.capacityBandwidth',
  eccid: 'reports.eccid',
  dealRegistrationNumber: 'reports.dealRegistrationNumber',
  startDate: 'reports.startDate',
  endDate: 'reports.endDate',
  recordOwner: 'reports.recordOwner',
  // The gateway fills nothing else from this header: our client sends the body's customer.imsOrgId in it.
  'x-gw-ims-org-id': 'customer.imsOrgId',
};

const QUALIFIED_PROBLEM = /^((?:customer|entitlement|reports)(?:\.[A-Za-z][A-Za-z0-9]*)*|x-gw-ims-org-id)\s*:\s*(.+)$/;

/**
 * The properties a 400's `reason` names. The document gives `reason` no structure; the gateway (and our
 * emulator) write problems as `<property path>: <problem>`, several joined by `; `. A reason in other words
 * is matched by the document's property names it mentions.
 */
export function propertiesNamedIn(reason: string): { property: string; messages: string[] }[] {
  const found = new Map<string, string[]>();
  const add = (property: string, message: string) => found.set(property, [...(found.get(property) ?? []), message]);
  for (const problem of reason
    .split(/;\s*/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const qualified = QUALIFIED_PROBLEM.exec(problem);
    if (qualified?.[1] && qualified[2]) {
      const named = qualified[1];
      add(PROPERTY_BY_LEAF[named] ?? named, qualified[2]);
      continue;
    }
    const paths = problem.match(/\b(?:customer|entitlement|reports)(?:\.[A-Za-z][A-Za-z0-9]*)+/g);
    if (paths) {
      for (const path of new Set(paths)) add(path, problem);
      continue;
    }
    for (const [leaf, property] of Object.entries(PROPERTY_BY_LEAF)) {
      if (new RegExp(`(^|[^A-Za-z0-9-])${leaf}($|[^A-Za-z0-9-])`).test(problem)) add(property, problem);
    }
  }
  return [...found].map(([property, messages]) => ({ property, messages }));
}
