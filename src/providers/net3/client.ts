import type { AugmentedRequest } from '@apollo/datasource-rest';
import type { Net3Credentials } from '../../config.js';
import {
  ProviderDataSource,
  type ProviderEndpoint,
  type ProviderErrorDescription,
  type ProviderRequestScope,
} from '../provider-data-source.js';

export interface Net3Endpoint extends ProviderEndpoint {
  credentials: Net3Credentials;
}

/** Net3 (ServiceStack). SKELETON: methods to be written. */
export class Net3Client extends ProviderDataSource {
  protected readonly provider = 'NET3' as const;

  constructor(
    private readonly endpoint: Net3Endpoint,
    scope: ProviderRequestScope,
  ) {
    super(endpoint, scope);
  }

  protected setHeaders(request: AugmentedRequest): void {
    const credentials = this.endpoint.credentials;
    request.headers['authorization'] =
      'apiKey' in credentials
        ? `Bearer ${credentials.apiKey}`
        : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  protected describeError(httpStatus: number, _body: unknown): ProviderErrorDescription {
    return { message: `Net3 failed (HTTP ${httpStatus})`, invalidProperties: [] };
  }
}
