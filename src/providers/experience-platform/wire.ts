/**
 * Adobe Experience Platform provisioning gateway's request and response bodies, spelled as its document spells
 * them (`../shared/provider-apis/adobe-experience-platform-provisioning.txt`), including its misspelling
 * `tenentId`. Every value of the request is a string in the document.
 */

/** `customer` of a provisioning request. */
export interface ProvisioningCustomer {
  name: string;
  /** The customer's IMS organization, `<24 hexadecimal digits>@AdobeOrg`. */
  imsOrgId: string;
  /** The customer's contact; this API sends an e-mail address. */
  contact: string;
  /** Sic: the gateway spells the tenant id `tenentId`. */
  tenentId: string;
  region: string;
}

/** `entitlement.metrics`: every value a decimal integer in a string (as this API writes them). */
export interface ProvisioningMetrics {
  numberOfProfiles?: string;
  capacityCPU?: string;
  capacityStorage?: string;
  capacityBandwidth?: string;
}

/** `entitlement`: the value proposition the customer is entitled to. */
export interface ProvisioningEntitlement {
  valuePropId: string;
  valuePropSKUID: string;
  location?: string;
  metrics?: ProvisioningMetrics;
}

/** `reports`: what Adobe reports the entitlement under; dates are RFC 3339 strings in UTC. */
export interface ProvisioningReports {
  eccid?: string;
  dealRegistrationNumber?: string;
  startDate?: string;
  endDate?: string;
  recordOwner?: string;
}

/** `ProvisioningRequest`: the body of `POST /provisioning/customer`. */
export interface ProvisioningRequest {
  customer: ProvisioningCustomer;
  entitlement: ProvisioningEntitlement;
  reports?: ProvisioningReports;
}

/** `storedRequest`: the request as the gateway keeps it. */
export interface StoredRequest {
  id: string;
  imsOrgId: string;
  /** The status endpoint's copy also carries a `subscriptionId`. */
  stored: ProvisioningRequest & { subscriptionId?: string | null };
  /**
   * A bare number in the document (`0`). Read as epoch milliseconds, as the gateway (a Java service:
   * `System.currentTimeMillis()`) writes timestamps; 0 means unset.
   */
  timestamp: number;
}

/** `ProvisioningResponse`: the 200 answer of `POST /provisioning/customer`. */
export interface ProvisioningResponse {
  message?: string | null;
  /** A number the document does not explain; passed through as sent. */
  status?: number | null;
  /** A secret: the connection string of the customer's provisioned resources. */
  connectionString?: string | null;
  errors?: string[] | null;
  /** The raw answer of Adobe's Azure back end; deliberately not part of this API. */
  azureResponse?: string | null;
  storedRequest?: StoredRequest | null;
  /** True when provisioning continues after the answer: follow it with `GET /provisioning/status`. */
  pollRequired?: boolean | null;
}

/** One step of a provisioning, in `actionStatusList`. */
export interface ActionStatus {
  imsOrgId?: string | null;
  name?: string | null;
  status?: string | null;
  msg?: string | null;
  jobId?: string | null;
  resourceName?: string | null;
  resourceIdentifier?: string | null;
  resourceDefinition?: string | null;
  resourceDefinitionType?: string | null;
  responseCode?: number | null;
  reason?: string | null;
  attempts?: number | null;
  requestId?: string | null;
  id?: string | null;
  /** Epoch milliseconds, like `StoredRequest.timestamp`. */
  created?: number | null;
  updated?: number | null;
}

/**
 * `OrgStatusResponse`: the answer of `GET /provisioning/status?request=<storedRequest.id>`. That endpoint is not
 * in our document; its shape is the one Adobe's gateway publishes alongside the provisioning endpoint.
 */
export interface OrgStatusResponse {
  status: string;
  subscriptionId?: string | null;
  request?: StoredRequest | null;
  actionStatusList?: ActionStatus[] | null;
}

/**
 * A status word of `OrgStatusResponse` / `ActionStatus` as this API reads it (`ExperiencePlatformProvisioningState`
 * via codegen `enumValues`). Adobe does not document the words: the emulator speaks the first three, and
 * `unknown` stands for any word not recognised.
 */
export type ProvisioningState = 'inProgress' | 'completed' | 'failed' | 'unknown';

/** `ErrorResponse`: the body of every 400, 403 and 500. */
export interface ErrorResponse {
  reason: string;
  message: string;
}

/** Adobe's IMS organization id: 24 hexadecimal digits and `@AdobeOrg`, e.g. `0123456789ABCDEF01234567@AdobeOrg`. */
export const IMS_ORG_ID_FORMAT = /^[0-9A-Fa-f]{24}@AdobeOrg$/;
