/**
 * Cisco Webex Wholesale's request and response bodies, spelled as its document spells them
 * (`shared/provider-apis/webex-wholesale-provision-customer.txt`). The document covers only the POST; the
 * read endpoints follow Webex's public "Wholesale Provisioning" reference (Get a Wholesale Customer, List
 * Wholesale Customers), which is also where the full package list and the status values come from.
 */

/**
 * Every package the public reference lists (`WholesalePackagesCustomer`). The document's example names
 * the first five; the others are the later additions Webex lists for customers.
 */
export const WHOLESALE_PACKAGES = [
  'common_area_calling',
  'webex_calling',
  'webex_meetings',
  'webex_suite',
  'webex_voice',
  'cx_essentials',
  'webex_calling_standard',
  'cisco_calling_plan',
  'attendant_console',
  'cx_premium_agent',
  'cx_standard_agent',
  'cx_voice_ports',
  'cx_ai_assistant',
  'webex_ai_agent',
] as const;

export type WholesalePackageName = (typeof WHOLESALE_PACKAGES)[number];

/** A customer's `status`, as Get a Wholesale Customer documents it. */
export const WHOLESALE_CUSTOMER_STATUSES = [
  'provisioned',
  'provisioned_with_errors',
  'provisioning',
  'updating',
  'deleting',
  'error',
  'pending_rpl_review',
] as const;

export type WholesaleCustomerStatus = (typeof WHOLESALE_CUSTOMER_STATUSES)[number];

/** One package's `status` in `resourceDetails.packages`. */
export type WholesalePackageStatus = 'provisioned' | 'provisioning' | 'deleting' | 'error';

/** `address`, and `provisioningParameters.calling.location.address`. Webex allows 50 characters per line. */
export interface WholesaleAddress {
  addressLine1: string;
  addressLine2?: string | null;
  city: string;
  stateOrProvince?: string | null;
  zipOrPostalCode?: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** `customerInfo`: mandatory for a new customer, optional when `orgId` names an existing one. */
export interface WholesaleCustomerInfo {
  name: string;
  primaryEmail: string;
  /** `{ISO-639-1}_{ISO-3166}` or `{ISO-639-1}`, such as `en` or `en_us`. */
  language?: string | null;
}

export interface WholesaleCallingLocation {
  name: string;
  address: WholesaleAddress;
  /** An IANA time zone, such as `America/Los_Angeles`. */
  timezone: string;
  /** Language of generated e-mails and voice announcements, such as `en_us`. */
  language: string;
  /** SIP header sent with emergency calls from this location. */
  emergencyLocationIdentifier?: string | null;
}

export interface WholesaleProvisioningParameters {
  calling?: { location: WholesaleCallingLocation } | null;
  meetings?: { timezone?: string | null } | null;
}

/** Body of `POST /v1/wholesale/customers`. */
export interface ProvisionWholesaleCustomerRequest {
  provisioningId: string;
  packages: WholesalePackageName[];
  orgId?: string;
  externalId: string;
  address: WholesaleAddress;
  customerInfo?: WholesaleCustomerInfo;
  provisioningParameters?: WholesaleProvisioningParameters;
}

/** Body of the 202 answer: the same URL as the `Location` header. */
export interface ResourceURL {
  url: string;
}

/** An error or warning of the background provisioning (Webex's `Error` schema). */
export interface WholesaleProvisioningIssue {
  errorCode: number;
  description: string;
}

/** One entry of `resourceDetails.packages`. */
export interface WholesalePackage {
  /** The wire name; kept a string so that a package Webex adds later still reads. */
  name: string;
  status: WholesalePackageStatus;
  warnings?: WholesaleProvisioningIssue[] | null;
  errors?: WholesaleProvisioningIssue[] | null;
  licenseIds?: string[] | null;
}

/** `GET /v1/wholesale/customers/{customerId}`, and each item of the list. */
export interface WholesaleCustomer {
  /** Webex's id of the customer (base64 of `ciscospark://<region>/ENTERPRISE/<uuid>`). */
  id: string;
  /** Not in Webex's bodies: the 202's `Location`, kept so that the ledger records where Webex said the customer is. */
  location?: string;
  /** Only present once the customer is `provisioned`. */
  orgId?: string | null;
  externalId: string;
  address: WholesaleAddress;
  status: WholesaleCustomerStatus;
  packages: string[];
  resourceDetails?: { packages: WholesalePackage[] } | null;
  errors?: WholesaleProvisioningIssue[] | null;
}

/** `GET /v1/wholesale/customers`. The next page, when there is one, is in the `Link` header (`rel="next"`). */
export interface WholesaleCustomerList {
  items: WholesaleCustomer[];
}

/** Query of `GET /v1/wholesale/customers`. */
export interface ListWholesaleCustomersQuery {
  externalId?: string;
  status?: WholesaleCustomerStatus;
  offset: number;
  max: number;
}

/** Every Webex error body: `message`, the individual `errors`, and the `trackingId` to quote to Cisco. */
export interface WebexErrorResponse {
  message: string;
  errors?: { description: string; errorCode?: number }[] | null;
  trackingId?: string | null;
}
