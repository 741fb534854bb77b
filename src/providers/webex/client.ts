import type { AugmentedRequest } from '@apollo/datasource-rest';
import {
  ProviderDataSource,
  type ProviderEndpoint,
  type ProviderErrorDescription,
  type ProviderRequestScope,
} from '../provider-data-source.js';

export interface WebexEndpoint extends ProviderEndpoint {
  /** Sent as `Authorization: Bearer` (`WEBEX_TOKEN`). */
  token: string;
}

/** Cisco Webex Wholesale. SKELETON: methods to be written. */
export class WebexClient extends ProviderDataSource {
  protected readonly provider = 'WEBEX_WHOLESALE' as const;

  constructor(
    private readonly endpoint: WebexEndpoint,
    scope: ProviderRequestScope,
  ) {
    super(endpoint, scope);
  }

  protected setHeaders(request: AugmentedRequest): void {
    request.headers['authorization'] = `Bearer ${this.endpoint.token}`;
  }

  protected describeError(httpStatus: number, _body: unknown): ProviderErrorDescription {
    return { message: `Webex Wholesale failed (HTTP ${httpStatus})`, invalidProperties: [] };
  }
}
