import type { AugmentedRequest } from '@apollo/datasource-rest';
import {
  ProviderDataSource,
  type ProviderEndpoint,
  type ProviderErrorDescription,
  type ProviderRequestScope,
} from '../provider-data-source.js';

export interface ExperiencePlatformEndpoint extends ProviderEndpoint {
  /** Sent as `Authorization` (`ADOBE_AEP_TOKEN`). */
  token: string;
  /** Sent as `x-gw-ims-authorization` (`ADOBE_IMS_AUTHORIZATION`). */
  imsAuthorization: string;
}

/** Adobe Experience Platform provisioning gateway. SKELETON: methods to be written. */
export class ExperiencePlatformClient extends ProviderDataSource {
  protected readonly provider = 'EXPERIENCE_PLATFORM' as const;

  constructor(
    private readonly endpoint: ExperiencePlatformEndpoint,
    scope: ProviderRequestScope,
  ) {
    super(endpoint, scope);
  }

  protected setHeaders(request: AugmentedRequest): void {
    request.headers['authorization'] = this.endpoint.token;
    request.headers['x-gw-ims-authorization'] = this.endpoint.imsAuthorization;
  }

  protected describeError(httpStatus: number, _body: unknown): ProviderErrorDescription {
    return { message: `Adobe Experience Platform failed (HTTP ${httpStatus})`, invalidProperties: [] };
  }
}
