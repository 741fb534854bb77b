import type { AugmentedRequest } from '@apollo/datasource-rest';
import type { Net3Credentials } from '../../config.js';
import {
  ProviderDataSource,
  type ProviderEndpoint,
  type ProviderErrorDescription,
  type ProviderRequestScope,
  providerText,
} from '../provider-data-source.js';
import { serviceStackJson, type ErrorResponse, type ProvisionCustomerModel, type ResponseStatus } from './wire.js';

export interface Net3Endpoint extends ProviderEndpoint {
  /** `NET3_API_KEY` (sent as Bearer), or `NET3_USERNAME` and `NET3_PASSWORD` (sent as Basic). */
  credentials: Net3Credentials;
}

/**
 * Net3 (ServiceStack), one method per endpoint. Every call carries the service's credentials and asks for JSON.
 * No correlation header is sent: Net3 documents none.
 */
export class Net3Client extends ProviderDataSource {
  protected readonly provider = 'NET3' as const;
  private readonly authorization: string;

  constructor(endpoint: Net3Endpoint, scope: ProviderRequestScope) {
    super(endpoint, scope);
    const { credentials } = endpoint;
    // ServiceStack's API key provider takes the key as a Bearer token; its Basic provider user and password.
    this.authorization =
      'apiKey' in credentials
        ? `Bearer ${credentials.apiKey}`
        : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
  }

  /**
   * `POST /provisioning/customer`. The body is serialised here rather than by RESTDataSource, which would write
   * dates as `"/Date(…)/"`, not `"\/Date(…)\/"` as ServiceStack does; a string body is sent as it is. The answer
   * is returned unread: the document describes none (see `provisionedCustomer`).
   */
  async provisionCustomer(body: ProvisionCustomerModel): Promise<unknown> {
    return this.post<unknown>('provisioning/customer', {
      body: serviceStackJson(body),
      headers: { 'content-type': 'application/json' },
    });
  }

  protected setHeaders(request: AugmentedRequest): void {
    request.headers['authorization'] = this.authorization;
    // Without it ServiceStack may answer in another of its formats (the metadata page shows CSV).
    request.headers['accept'] = 'application/json';
  }

  /**
   * Only a client error's text is passed on, being ServiceStack's validation or conflict text about our own request;
   * a server error's (and the DebugMode `stackTrace`) may quote SQL or Net3's internals.
   */
  protected describeError(httpStatus: number, body: unknown): ProviderErrorDescription {
    const status = responseStatusOf(body);
    const clientError = httpStatus >= 400 && httpStatus < 500;
    const invalidProperties = (clientError ? (status?.errors ?? []) : [])
      .filter((e) => typeof e?.fieldName === 'string' && e.fieldName !== '')
      .map((e) => ({ property: e.fieldName as string, messages: [providerText(e.message)].filter((m) => m !== '') }));
    return { message: messageFor(httpStatus, status, invalidProperties), invalidProperties };
  }
}

function responseStatusOf(body: unknown): ResponseStatus | null {
  if (typeof body !== 'object' || body === null) return null;
  // ServiceStack writes `responseStatus` with camelCase names on (as Net3's sample shows), `ResponseStatus` without.
  const record = body as Partial<ErrorResponse> & { ResponseStatus?: ResponseStatus };
  const status = record.responseStatus ?? record.ResponseStatus;
  return typeof status === 'object' && status !== null ? status : null;
}

function messageFor(
  httpStatus: number,
  status: ResponseStatus | null,
  invalid: { property: string; messages: string[] }[],
): string {
  const said = providerText(status?.message) || null;
  if (httpStatus === 400) {
    const details = invalid.map((p) => `${p.property}: ${p.messages.join(' ')}`).join('; ');
    return `Net3 rejected the request${details ? `: ${details}` : said ? `: ${said}` : ''}`;
  }
  if (httpStatus === 401) return 'Net3 did not accept this service’s credentials';
  if (httpStatus === 403) return 'Net3 refused the operation for this service’s credentials';
  if (httpStatus === 404) return 'Net3 does not know this endpoint';
  if (httpStatus === 409) return `Net3 already has this customer${said ? `: ${said}` : ''}`;
  return `Net3 failed (HTTP ${httpStatus})`;
}
