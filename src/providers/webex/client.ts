import type { AugmentedRequest } from '@apollo/datasource-rest';
import { UpstreamError } from '../../errors.js';
import {
  ProviderDataSource,
  type ProviderEndpoint,
  type ProviderErrorDescription,
  type ProviderRequestScope,
  providerText,
} from '../provider-data-source.js';
import { customerIdOfUrl, hasNextLink, type WholesaleCustomerPage } from './mapping.js';
import type {
  ListWholesaleCustomersQuery,
  ProvisionWholesaleCustomerRequest,
  ResourceURL,
  WebexErrorResponse,
  WholesaleCustomer,
  WholesaleCustomerList,
} from './wire.js';

export interface WebexEndpoint extends ProviderEndpoint {
  /** Sent as `Authorization: Bearer` (`WEBEX_TOKEN`). */
  token: string;
}

/**
 * Cisco Webex Wholesale, one method per endpoint. Every call carries `Authorization: Bearer` and our
 * correlation id as Webex's `TrackingID` header.
 */
export class WebexClient extends ProviderDataSource {
  protected readonly provider = 'WEBEX_WHOLESALE' as const;

  constructor(
    private readonly endpoint: WebexEndpoint,
    scope: ProviderRequestScope,
  ) {
    super(endpoint, scope);
  }

  /**
   * `POST /v1/wholesale/customers`; answers 202 and provisions in the background. Returns the `Location` URL
   * (or the body's `url`, which Webex sets to the same URL) and the new customer's id, its last segment.
   */
  async provisionCustomer(body: ProvisionWholesaleCustomerRequest): Promise<{ id: string; location: string }> {
    const { response, parsedBody } = await this.fetch<ResourceURL>('v1/wholesale/customers', { method: 'POST', body });
    const url = response.headers.get('location') ?? (isResourceUrl(parsedBody) ? parsedBody.url : null);
    const id = url === null ? null : customerIdOfUrl(url);
    if (url === null || id === null) {
      throw new UpstreamError({
        provider: this.provider,
        httpStatus: response.status,
        correlationId: this.scope.correlationId,
        message: 'Webex Wholesale accepted the customer but did not say where it is',
        invalidProperties: [],
      });
    }
    return { id, location: url };
  }

  /** `GET /v1/wholesale/customers/{customerId}`; null when Webex has no such customer. */
  async getCustomer(customerId: string): Promise<WholesaleCustomer | null> {
    try {
      return await this.get<WholesaleCustomer>(`v1/wholesale/customers/${encodeURIComponent(customerId)}`);
    } catch (error) {
      if (error instanceof UpstreamError && error.httpStatus === 404) return null;
      throw error;
    }
  }

  /** `GET /v1/wholesale/customers`, one page; whether another follows is in the `Link` header. */
  async listCustomers(query: ListWholesaleCustomersQuery): Promise<WholesaleCustomerPage> {
    const params: Record<string, string> = {};
    if (query.externalId !== undefined) params.externalId = query.externalId;
    if (query.status !== undefined) params.status = query.status;
    params.offset = String(query.offset);
    params.max = String(query.max);
    const { response, parsedBody } = await this.fetch<WholesaleCustomerList>('v1/wholesale/customers', {
      method: 'GET',
      params,
    });
    return { items: parsedBody.items ?? [], hasNextPage: hasNextLink(response.headers.get('link')) };
  }

  /**
   * Webex clients send a `TrackingID` on every request, and Webex logs it and returns it as the error body's
   * `trackingId`. Sending our correlation id there makes one id find the call in our logs and at Cisco
   * support; should Webex answer with a tracking id of its own, that one is reported instead (describeError).
   */
  protected setHeaders(request: AugmentedRequest): void {
    request.headers['authorization'] = `Bearer ${this.endpoint.token}`;
    request.headers['trackingid'] = this.scope.correlationId;
    request.headers['accept'] = 'application/json';
  }

  protected describeError(httpStatus: number, body: unknown): ProviderErrorDescription {
    const error = isErrorResponse(body) ? body : null;
    const descriptions = (error?.errors ?? []).map((e) => providerText(e?.description)).filter((d) => d !== '');
    return {
      message: messageFor(httpStatus, httpStatus === 400 ? descriptions : []),
      invalidProperties: httpStatus === 400 || httpStatus === 409 ? invalidPropertiesOf(descriptions) : [],
      correlationId: typeof error?.trackingId === 'string' && error.trackingId !== '' ? error.trackingId : null,
    };
  }
}

function isResourceUrl(body: unknown): body is ResourceURL {
  return typeof body === 'object' && body !== null && typeof (body as { url?: unknown }).url === 'string';
}

function isErrorResponse(body: unknown): body is WebexErrorResponse {
  return typeof body === 'object' && body !== null && ('message' in body || 'trackingId' in body);
}

/** The request body's top-level properties: a description naming one of them names a field of our input. */
const BODY_PROPERTY =
  /^((?:provisioningId|packages|orgId|externalId|address|customerInfo|provisioningParameters)(?:\.[A-Za-z][A-Za-z0-9]*|\[\d+\])*)(?=[\s:,]|$)/;

/**
 * Webex's error entries carry a description and a code, not a property. Assumption (its validation wording
 * is not published): a description that starts with a body property's JSON path, as `address.addressLine1
 * must be …`, is about that property; any other description stays in the message only.
 */
function invalidPropertiesOf(descriptions: string[]): { property: string; messages: string[] }[] {
  const byProperty = new Map<string, string[]>();
  for (const description of descriptions) {
    const property = BODY_PROPERTY.exec(description)?.[1];
    if (property === undefined) continue;
    const messages = byProperty.get(property) ?? [];
    messages.push(description);
    byProperty.set(property, messages);
  }
  return [...byProperty].map(([property, messages]) => ({ property, messages }));
}

function messageFor(httpStatus: number, descriptions: string[]): string {
  if (httpStatus === 400) {
    return `Webex Wholesale rejected the request${descriptions.length > 0 ? `: ${descriptions.join(' ')}` : ''}`;
  }
  if (httpStatus === 401) return 'Webex Wholesale did not accept this service’s credentials';
  if (httpStatus === 403) return 'Webex Wholesale refused the operation for this partner';
  if (httpStatus === 404) return 'Webex Wholesale has no such resource';
  if (httpStatus === 409) return 'Webex Wholesale already has a customer with this externalId';
  if (httpStatus === 423) return 'Webex Wholesale has locked the resource for now; retry later';
  if (httpStatus === 429) return 'Webex Wholesale is rate limiting this service; retry later';
  return `Webex Wholesale failed (HTTP ${httpStatus})`;
}
