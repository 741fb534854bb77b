import type { AugmentedRequest } from '@apollo/datasource-rest';
import { UpstreamError } from '../../errors.js';
import { wireGuid } from './mapping.js';
import {
  ProviderDataSource,
  type ProviderEndpoint,
  type ProviderErrorDescription,
  type ProviderRequestScope,
} from '../provider-data-source.js';
import type {
  AddProviderInstanceRequest,
  CustomerPage,
  CustomerViewModel,
  ErrorResponse,
  ListCustomersQuery,
} from './wire.js';

export interface CloudCockpitEndpoint extends ProviderEndpoint {
  /** The service's Bearer token (`CLOUDCOCKPIT_TOKEN`). */
  token: string;
}

/**
 * CloudCockpit, one method per endpoint. Every call carries `Authorization: Bearer`, `X-Tenant` and
 * `X-Correlation-Id` as the documents require.
 */
export class CloudCockpitClient extends ProviderDataSource {
  protected readonly provider = 'CLOUDCOCKPIT' as const;
  private readonly token: string;

  constructor(
    endpoint: CloudCockpitEndpoint,
    scope: ProviderRequestScope,
    /** The caller's tenant domain, sent as `X-Tenant`. */
    private readonly tenant: string,
  ) {
    super(endpoint, scope);
    this.token = endpoint.token;
  }

  /** `POST /v1/Customers`; answers 201 with the new customer's id. */
  async createCustomer(body: CustomerViewModel): Promise<string> {
    return this.post<string>('v1/Customers', { body });
  }

  /** `GET /v1/Customers/{customerId}`; null when CloudCockpit has no such customer in the tenant. */
  async getCustomer(customerId: string): Promise<CustomerViewModel | null> {
    try {
      return await this.get<CustomerViewModel>(`v1/Customers/${encodeURIComponent(wireGuid(customerId))}`);
    } catch (error) {
      if (error instanceof UpstreamError && error.httpStatus === 404) return null;
      throw error;
    }
  }

  /**
   * `GET /v1/Customers`. Assumption: no document describes it, nor a `resellerId` narrowing it to one reseller's
   * customers, sent on the model of the add-provider-instance document's. Nothing relies on it: this service's token
   * sees the whole tenant, and the customer list leaves out whatever the caller may not see.
   */
  async listCustomers(query: ListCustomersQuery & { resellerId?: string | null }): Promise<CustomerPage> {
    const params: Record<string, string> = {
      pageNumber: String(query.pageNumber),
      pageSize: String(query.pageSize),
    };
    if (query.search) params.search = query.search;
    if (query.searchField) params.searchField = query.searchField;
    if (query.resellerId) params.resellerId = wireGuid(query.resellerId);
    return this.get<CustomerPage>('v1/Customers', { params });
  }

  /**
   * `POST /v1/Customers/{customerId}/provider-instances`. `resellerId` is sent only when a CSP acts for a
   * reseller: the document says a reseller's own requests must not carry it.
   */
  async addProviderInstance(
    customerId: string,
    body: AddProviderInstanceRequest,
    resellerId: string | null,
  ): Promise<string> {
    return this.post<string>(`v1/Customers/${encodeURIComponent(wireGuid(customerId))}/provider-instances`, {
      body,
      params: resellerId ? { resellerId: wireGuid(resellerId) } : undefined,
    });
  }

  protected setHeaders(request: AugmentedRequest): void {
    request.headers['authorization'] = `Bearer ${this.token}`;
    request.headers['x-tenant'] = this.tenant;
    request.headers['x-correlation-id'] = this.scope.correlationId;
    request.headers['accept'] = 'application/json';
  }

  protected describeError(httpStatus: number, body: unknown): ProviderErrorDescription {
    const error = isErrorResponse(body) ? body : null;
    const invalidProperties = (error?.errors ?? []).map((e) => ({
      property: e.propertyName,
      messages: e.description ?? [],
    }));
    return {
      message: messageFor(httpStatus, invalidProperties),
      invalidProperties,
      correlationId: error?.correlationId ?? null,
    };
  }
}

function isErrorResponse(body: unknown): body is ErrorResponse {
  return typeof body === 'object' && body !== null && 'statusCode' in body;
}

function messageFor(httpStatus: number, invalid: { property: string; messages: string[] }[]): string {
  if (httpStatus === 400) {
    const details = invalid.map((p) => `${p.property}: ${p.messages.join(' ')}`).join('; ');
    return `CloudCockpit rejected the request${details ? `: ${details}` : ''}`;
  }
  if (httpStatus === 401) return 'CloudCockpit did not accept this service’s credentials';
  if (httpStatus === 403) return 'CloudCockpit refused the operation for this tenant';
  if (httpStatus === 404) return 'CloudCockpit has no such resource in this tenant';
  return `CloudCockpit failed (HTTP ${httpStatus})`;
}
