/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/**
 * The customer's data for one provider instance (CloudCockpit
 * `POST /v1/Customers/{customerId}/provider-instances`). Give exactly one of `providerCustomerData`
 * and `microsoftCustomerData`.
 */
export type AddProviderInstanceInput = {
  /** The price margin for this provider instance. */
  margin: MarginInput;
  /** The data a Microsoft provider instance needs, typed; sent as CloudCockpit's JSON string. */
  microsoftCustomerData?: MicrosoftCustomerDataInput | null | undefined;
  /** Margins per offer type, overriding `margin` for their offer type. */
  offerTypeMargins?: Array<OfferTypeMarginInput> | null | undefined;
  /** The provider-specific data, as a JSON object or as the JSON string CloudCockpit stores. */
  providerCustomerData?: unknown;
  /** The GUID of the provider instance. */
  providerInstanceId: string;
};

/**
 * The customer to create (CloudCockpit `POST /v1/Customers`). Field names are the document's; the
 * limits are CloudCockpit's and are checked there.
 */
export type CreateCustomerInput = {
  addressLine1: string;
  addressLine2?: string | null | undefined;
  city: string;
  companyName: string;
  country: string;
  /** Relations to resellers. */
  customerAssociations?: Array<CustomerAssociationInput> | null | undefined;
  email: string;
  firstName: string;
  /**
   * The customer's GUID. Give one to make a retried request recognisable; when omitted, one is made here
   * and sent, so CloudCockpit always receives a stable id.
   */
  id?: string | null | undefined;
  internalIdentifier?: string | null | undefined;
  lastName: string;
  middleName?: string | null | undefined;
  phone: string;
  /** Provider instances to add the customer to as it is created. */
  providerCustomers?: Array<AddProviderInstanceInput> | null | undefined;
  /**
   * The reseller to relate the customer to; null relates it to the CSP directly. A reseller caller's
   * customers are always its own: it may leave this out or give its own id, and any other is FORBIDDEN.
   */
  resellerId?: string | null | undefined;
  state: string;
  taxId?: string | null | undefined;
  zip: string;
};

export type CustomerAssociationInput = {
  name?: string | null | undefined;
  resellerId?: string | null | undefined;
};

/** Where a customer record was read from. */
export type CustomerSource =
  /** CloudCockpit, the source of the customer record: current. */
  | 'CLOUDCOCKPIT'
  /**
   * CloudCockpit could not be reached (or answered 5xx), so this is the ledger's copy of the customer as CloudCockpit
   * returned it when it was provisioned through this API. It may be out of date (e.g. provider instance statuses),
   * and customers created outside `provisionCustomer` are missing.
   */
  | 'LEDGER';

/** The value proposition to entitle the customer to. */
export type ExperiencePlatformEntitlementInput = {
  /** Where the entitlement is hosted. */
  location?: string | null | undefined;
  /** The capacities to grant; leave out any Adobe should default. */
  metrics?: ExperiencePlatformMetricsInput | null | undefined;
  /** The value proposition id (Adobe's `valuePropId`). */
  valuePropId: string;
  /** The value proposition's SKU (Adobe's `valuePropSKUID`). */
  valuePropSKUID: string;
};

/**
 * Capacities to grant, in the units of the value proposition: whole numbers of zero or more, given as a number
 * (`1000000`) or as a string of decimal digits (`"1000000"`, needed above 9007199254740991). Adobe's document types
 * them as strings; they are sent as the decimal digits given.
 */
export type ExperiencePlatformMetricsInput = {
  /** Bandwidth capacity. */
  capacityBandwidth?: string | null | undefined;
  /** CPU capacity. */
  capacityCPU?: string | null | undefined;
  /** Storage capacity. */
  capacityStorage?: string | null | undefined;
  /** How many customer profiles. */
  numberOfProfiles?: string | null | undefined;
};

/** What Adobe reports the entitlement under. */
export type ExperiencePlatformReportsInput = {
  /** The partner's deal registration number with Adobe. */
  dealRegistrationNumber?: string | null | undefined;
  /** The customer's Adobe enterprise commerce customer id (ECC id). */
  eccid?: string | null | undefined;
  /** When the entitlement ends; not before `startDate`. Sent as `startDate` is. */
  endDate?: string | null | undefined;
  /** Who owns the record at the partner. */
  recordOwner?: string | null | undefined;
  /** When the entitlement starts; sent to Adobe as an RFC 3339 UTC time such as `2025-01-01T00:00:00.000Z`. */
  startDate?: string | null | undefined;
};

/**
 * The Adobe Experience Platform part of provisioning a customer everywhere: only what is Adobe's own. The customer's
 * name and contact default to the canonical customer's company name and e-mail; give them here to override.
 */
export type ExperiencePlatformSection = {
  /** The customer's contact e-mail at Adobe; defaults to the canonical customer's e-mail. */
  contact?: string | null | undefined;
  /** The value proposition to entitle the customer to. */
  entitlement: ExperiencePlatformEntitlementInput;
  /** The customer's IMS organization id: 24 hexadecimal digits and `@AdobeOrg`. */
  imsOrgId: string;
  /** The customer's name at Adobe; defaults to the canonical customer's company name. */
  name?: string | null | undefined;
  /** The Adobe region to provision in, such as `VA7` or `NLD2`. */
  region: string;
  /** What Adobe reports the entitlement under; optional. */
  reports?: ExperiencePlatformReportsInput | null | undefined;
  /** Provision again an organization already entitled to this value proposition (see `provisionExperiencePlatform`). */
  reprovision?: boolean | null | undefined;
  /** The customer's Adobe Experience Platform tenant id. */
  tenantId: string;
};

export type MarginInput = {
  marginRule: MarginRuleInput;
  value: number;
};

export type MarginRuleInput = {
  /** Such as `markup`. */
  name: string;
};

/** The properties CloudCockpit requires of a Microsoft provider instance's customer data. */
export type MicrosoftCustomerDataInput = {
  acceptedMCA: boolean;
  agreementDate: string;
  associatedPartnerId?: string | null | undefined;
  credentialsEmail: string;
  defaultCulture: string;
  domain: string;
  email: string;
  enableGDAP: boolean;
  firstName: string;
  keepPrimaryInformation: boolean;
  language: string;
  lastName: string;
  phone: string;
  qualifications?: Array<string> | null | undefined;
};

/** An address of a customer to provision at Net3 (Net3's `TypeCustomerAddress`). */
export type Net3AddressInput = {
  /** The city (up to 100 characters). */
  city?: string | null | undefined;
  /** The e-mail address for this address. */
  email?: string | null | undefined;
  /** The phone extension (up to 10 characters). */
  extension?: string | null | undefined;
  /** Free-text notes (up to 500 characters). */
  notes?: string | null | undefined;
  /** The ZIP or postal code (up to 20 characters). */
  postalCode?: string | null | undefined;
  /** True for the customer's primary address; at most one address may be primary. */
  primary?: boolean | null | undefined;
  /** The state (up to 50 characters). */
  state?: string | null | undefined;
  /** The street, on one line (up to 200 characters). */
  street?: string | null | undefined;
  /** The phone number at this address (up to 25 characters). */
  telephone?: string | null | undefined;
};

/** A contact of a customer to provision at Net3, who gets a Net3 login. */
export type Net3ContactInput = {
  /** The contact's e-mail address, which becomes their login; unique among the customer's contacts. */
  email: string;
  /** The contact's first name (up to 50 characters). */
  firstName: string;
  /** The contact's last name (up to 50 characters). */
  lastName: string;
  /** What the contact is responsible for; at least one role. */
  roles: Array<Net3ContactRole>;
  /** The contact's phone number (up to 25 characters). */
  telephone?: string | null | undefined;
};

/** What a Net3 contact is responsible for (Net3's `TypeContactRole`). */
export type Net3ContactRole =
  /** Receives the invoices. */
  | 'BILLING'
  /** Signs contracts for the customer. */
  | 'CONTRACT_SIGNATORY'
  /** The customer's main contact; every customer has exactly one. */
  | 'PRIMARY'
  /** Contact at the reseller. */
  | 'RESELLER'
  /** Sales contact. */
  | 'SALES'
  /** Technical contact. */
  | 'TECHNICAL';

/** The partner user on whose behalf a customer is provisioned at Net3 (Net3's `TypeCreatedBy`). */
export type Net3CreatedByInput = {
  /** The id of the user's company. */
  companyId?: string | null | undefined;
  /** The user's e-mail address. */
  email?: string | null | undefined;
  /** The user's first name. */
  firstName?: string | null | undefined;
  /** The user's last name. */
  lastName?: string | null | undefined;
  /** The user's id. */
  userId?: string | null | undefined;
  /** The user's username. */
  username?: string | null | undefined;
};

/**
 * The Net3 part of provisioning a customer everywhere at once. The customer is taken from the canonical
 * (CloudCockpit) customer: its name, its address as the primary address, and its contact person as the `PRIMARY`
 * contact, with the CloudCockpit customer id as Net3's `customerId`. The fields named after the canonical ones
 * override them for Net3 only. Net3 keeps no country.
 */
export type Net3Section = {
  /** Replaces the canonical address line 1 in Net3's street address. */
  addressLine1?: string | null | undefined;
  /** Replaces the canonical address line 2 in Net3's street address. */
  addressLine2?: string | null | undefined;
  /** Further addresses, after the primary one; none of them may be primary. */
  addresses?: Array<Net3AddressInput> | null | undefined;
  /** Replaces the canonical city. */
  city?: string | null | undefined;
  /** Sent as Net3's `customerName` instead of the canonical company name. */
  companyName?: string | null | undefined;
  /** Further contacts, after the primary one; none of them may be `PRIMARY`. */
  contacts?: Array<Net3ContactInput> | null | undefined;
  /** The partner user on whose behalf the customer is provisioned. */
  createdBy?: Net3CreatedByInput | null | undefined;
  /** Replaces the canonical e-mail address (of the company, its primary address and its primary contact). */
  email?: string | null | undefined;
  /** The company's phone extension. */
  extension?: string | null | undefined;
  /** Replaces the primary contact's first name. */
  firstName?: string | null | undefined;
  /** True to onboard a reseller of Net3 services; only a CSP caller may. */
  isReseller?: boolean | null | undefined;
  /** Replaces the primary contact's last name. */
  lastName?: string | null | undefined;
  /** An existing N3TLogins company to attach the customer to (`N3TLogins_CompanyId`). */
  loginsCompanyId?: string | null | undefined;
  /** The reseller company the customer belongs to. */
  parentCompanyId?: string | null | undefined;
  /** Replaces the canonical phone number (of the company, its primary address and its primary contact). */
  phone?: string | null | undefined;
  /** Roles of the primary contact besides `PRIMARY`, such as `BILLING`. */
  primaryContactRoles?: Array<Net3ContactRole> | null | undefined;
  /** When the provisioning was asked for; now when omitted. */
  requestCreated?: string | null | undefined;
  /** The IP address of whoever asked for the provisioning; the caller's address when omitted. */
  requesterIP?: string | null | undefined;
  /** Who sold the customer. */
  salesContact?: string | null | undefined;
  /** Net3's service level id. */
  serviceLevelId?: number | null | undefined;
  /** Replaces the canonical state. */
  state?: string | null | undefined;
  /** Net3's customer status id (`TypeCustomerStatusId`). */
  typeCustomerStatusId?: number | null | undefined;
  /** Net3's pricing tier id (`TypePricingTierId`). */
  typePricingTierId?: number | null | undefined;
  /** Replaces the canonical ZIP or postal code. */
  zip?: string | null | undefined;
};

export type OfferTypeMarginInput = {
  margin: MarginInput;
  /** Such as `license`. */
  offerType: string;
};

/** The upstream providers this API provisions customers at. */
export type Provider =
  /** CloudCockpit: the canonical customer record and its provider instances. */
  | 'CLOUDCOCKPIT'
  /** Adobe Experience Platform. */
  | 'EXPERIENCE_PLATFORM'
  /** Net3 onboarding and logins. */
  | 'NET3'
  /** Cisco Webex Wholesale. */
  | 'WEBEX_WHOLESALE';

/** The creation status of a customer at a provider instance. */
export type ProviderInstanceStatus =
  | 'FAILED'
  | 'PROCESSING'
  | 'SUCCESS';

/**
 * Everything needed to onboard a customer everywhere it belongs, in one mutation. The canonical customer is created
 * in CloudCockpit first; each section is optional and holds only what is that provider's own: names, address,
 * e-mail, phone and country come from `customer` unless a section overrides them.
 */
export type ProvisionCustomerInput = {
  /** The canonical customer (CloudCockpit `POST /v1/Customers`). */
  customer: CreateCustomerInput;
  /** Adobe Experience Platform provisioning. */
  experiencePlatform?: ExperiencePlatformSection | null | undefined;
  /** Net3 onboarding and logins. */
  net3?: Net3Section | null | undefined;
  /** CloudCockpit provider instances to add the customer to, such as a Microsoft CSP instance. */
  providerInstances?: Array<AddProviderInstanceInput> | null | undefined;
  /** Cisco Webex Wholesale provisioning; its `externalId` is the CloudCockpit customer id. */
  wholesale?: WholesaleSection | null | undefined;
};

/** Where a provisioning stands as a whole, derived from its steps whenever one of them changes. */
export type ProvisioningStatus =
  /** Every step failed: `retryProvisioning` runs them all again. */
  | 'FAILED'
  /** Some steps failed and others did not: `retryProvisioning` runs the failed ones again. */
  | 'PARTIALLY_FAILED'
  /** At least one step has not had its provider's answer yet: it is being called, or waits to be called. */
  | 'RUNNING'
  /** Every step succeeded. */
  | 'SUCCEEDED'
  /**
   * Every provider has answered and none failed, but some finish their work later (Webex Wholesale, Adobe's
   * `pollRequired`): a background worker follows them until they are done.
   */
  | 'WAITING';

/** Where one step of a provisioning stands. */
export type ProvisioningStepStatus =
  /** The provider refused it or could not be reached: see `failure`. */
  | 'FAILED'
  /** The provider accepted the work and finishes it later; the step is followed in the background. */
  | 'IN_PROGRESS'
  /**
   * Recorded before its provider is called (write-ahead), until the provider answers. A step left pending by a
   * server that died is taken over and reconciled with the provider, never dropped.
   */
  | 'PENDING'
  /** The provider has it. */
  | 'SUCCEEDED';

/** An address for Webex Wholesale. Webex allows 50 characters per address line and checks that. */
export type WholesaleAddressInput = {
  /** Address line 1 (up to 50 characters). */
  addressLine1: string;
  /** Address line 2 (up to 50 characters). */
  addressLine2?: string | null | undefined;
  /** City. */
  city: string;
  /** Country, ISO 3166-1 alpha-2. */
  country: string;
  /** State or province; Webex requires it in some countries. */
  stateOrProvince?: string | null | undefined;
  /** ZIP or postal code; Webex requires it in some countries. */
  zipOrPostalCode?: string | null | undefined;
};

/** An address whose fields each replace the canonical customer's; fields left out keep the canonical value. */
export type WholesaleAddressOverrideInput = {
  /** Replaces the customer's address line 1 (Webex allows 50 characters). */
  addressLine1?: string | null | undefined;
  /** Replaces the customer's address line 2 (Webex allows 50 characters). */
  addressLine2?: string | null | undefined;
  /** Replaces the customer's city. */
  city?: string | null | undefined;
  /** Replaces the customer's country. */
  country?: string | null | undefined;
  /** Replaces the customer's state. */
  stateOrProvince?: string | null | undefined;
  /** Replaces the customer's ZIP or postal code. */
  zipOrPostalCode?: string | null | undefined;
};

/** The customer's first Webex Calling location. */
export type WholesaleCallingLocationInput = {
  /** Address of the office. */
  address: WholesaleAddressInput;
  /** SIP header sent with emergency calls from this location. */
  emergencyLocationIdentifier?: string | null | undefined;
  /** Language of generated e-mails and voice announcements, such as `en_us`. */
  language: string;
  /** Name of the office, such as `Head Office`. */
  name: string;
  /** Time zone of the location, such as `America/Los_Angeles`. */
  timezone: string;
};

/** Settings of the Webex Calling packages. */
export type WholesaleCallingParametersInput = {
  /** The customer's first calling location. */
  location: WholesaleCallingLocationInput;
};

/** Who the customer is at Webex; fields left out come from the canonical customer. */
export type WholesaleCustomerInfoOverrideInput = {
  /** Preferred language of the organization and its Meetings sites: `en` or `en_us` style. */
  language?: string | null | undefined;
  /** Replaces the customer's company name as its Webex name. */
  name?: string | null | undefined;
  /** Replaces the customer's e-mail as its Webex primary e-mail. */
  primaryEmail?: string | null | undefined;
};

/** Where a Webex Wholesale customer's provisioning stands. */
export type WholesaleCustomerStatus =
  /** Being deleted. */
  | 'DELETING'
  /** Provisioning failed: see `errors` and `packageDetails`. */
  | 'ERROR'
  /** Waiting for Cisco's denied-party-list compliance check. */
  | 'PENDING_RPL_REVIEW'
  /** Fully provisioned on Webex. */
  | 'PROVISIONED'
  /** Provisioned, but some packages failed: see `packageDetails`. */
  | 'PROVISIONED_WITH_ERRORS'
  /** Being provisioned in the background. */
  | 'PROVISIONING'
  /** Being updated in the background. */
  | 'UPDATING';

/** Settings of the Webex Meetings packages. */
export type WholesaleMeetingsParametersInput = {
  /** Time zone of the customer's Meetings sites, such as `America/Los_Angeles`. */
  timezone?: string | null | undefined;
};

/** A Webex Wholesale package: the Webex services a customer is licensed for. */
export type WholesalePackageName =
  /** Attendant Console (`attendant_console`); needs Webex Calling, Webex Suite or Customer Assist. */
  | 'ATTENDANT_CONSOLE'
  /** Cisco Calling Plan (`cisco_calling_plan`); needs a calling package. */
  | 'CISCO_CALLING_PLAN'
  /** Webex Common Area Calling (`common_area_calling`). */
  | 'COMMON_AREA_CALLING'
  /** Contact Center AI Assistant (`cx_ai_assistant`). */
  | 'CX_AI_ASSISTANT'
  /** Customer Assist (`cx_essentials`). */
  | 'CX_ESSENTIALS'
  /** Contact Center Premium Agent (`cx_premium_agent`). */
  | 'CX_PREMIUM_AGENT'
  /** Contact Center Standard Agent (`cx_standard_agent`). */
  | 'CX_STANDARD_AGENT'
  /** Contact Center Voice Ports (`cx_voice_ports`). */
  | 'CX_VOICE_PORTS'
  /** Webex AI Agent (`webex_ai_agent`). */
  | 'WEBEX_AI_AGENT'
  /** Webex Calling (`webex_calling`). */
  | 'WEBEX_CALLING'
  /** Webex Calling Standard (`webex_calling_standard`). */
  | 'WEBEX_CALLING_STANDARD'
  /** Webex Meetings (`webex_meetings`). */
  | 'WEBEX_MEETINGS'
  /** Webex Suite (`webex_suite`). */
  | 'WEBEX_SUITE'
  /** Webex Voice (`webex_voice`). */
  | 'WEBEX_VOICE';

/** Where one package's provisioning stands. */
export type WholesalePackageStatus =
  /** Being removed. */
  | 'DELETING'
  /** Provisioning failed: see the package's `errors`. */
  | 'ERROR'
  /** Provisioned. */
  | 'PROVISIONED'
  /** Being provisioned in the background. */
  | 'PROVISIONING';

/** How the packages are set up. Webex requires `calling` whenever a package with Webex Calling is assigned. */
export type WholesaleProvisioningParametersInput = {
  /** Settings of the calling packages. */
  calling?: WholesaleCallingParametersInput | null | undefined;
  /** Settings of the meetings packages. */
  meetings?: WholesaleMeetingsParametersInput | null | undefined;
};

/**
 * The Webex Wholesale part of provisioning a customer everywhere: what only Webex needs. The rest comes from
 * the customer just created in CloudCockpit: `externalId` is its id (so a repeated provisioning is a
 * `CONFLICT`, never a second Webex customer), the address is its address, `customerInfo.name` its company
 * name and `customerInfo.primaryEmail` its e-mail. `address` and `customerInfo` override those per field.
 */
export type WholesaleSection = {
  /** Overrides of the canonical customer's address. */
  address?: WholesaleAddressOverrideInput | null | undefined;
  /** The customer's language, and overrides of its canonical name and e-mail. */
  customerInfo?: WholesaleCustomerInfoOverrideInput | null | undefined;
  /** The customer's Webex organization id, when the customer already exists at Webex. */
  orgId?: string | null | undefined;
  /** The complete list of packages to assign; each at most once. */
  packages: Array<WholesalePackageName>;
  /** The provisioning id of the Webex customer template to provision with (shown on Webex Control Hub). */
  provisioningId: string;
  /** How the packages are set up; Webex requires `calling` whenever a package with Webex Calling is assigned. */
  provisioningParameters?: WholesaleProvisioningParametersInput | null | undefined;
};

export type CustomersQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  search?: string | null | undefined;
}>;


export type CustomersQuery = { __typename: 'Query', customers: { __typename: 'CustomerConnection', source: CustomerSource, totalCount: number, nodes: Array<{ __typename: 'Customer', id: string, companyName: string, country: string, email: string }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } };

export type CustomerQueryVariables = Exact<{
  id: string | number;
}>;


export type CustomerQuery = { __typename: 'Query', customer: { __typename: 'Customer', id: string, companyName: string, country: string, source: CustomerSource, providerInstances: Array<{ __typename: 'ProviderInstance', providerInstanceId: string, status: ProviderInstanceStatus | null }>, experiencePlatform: { __typename: 'ExperiencePlatformProvisioning', pollRequired: boolean, storedRequest: { __typename: 'ExperiencePlatformStoredRequest', id: string, imsOrgId: string } | null } | null, net3: { __typename: 'Net3Provisioning', customer: { __typename: 'Net3Customer', customerId: string, localId: string | null } } | null, wholesale: { __typename: 'WholesaleCustomer', id: string, status: WholesaleCustomerStatus, orgId: string | null } | null, entitlements: Array<
      | { __typename: 'ExperiencePlatformEntitlement', provider: Provider, name: string }
      | { __typename: 'WholesalePackage', provider: Provider, name: string }
    >, provisionings: Array<{ __typename: 'Provisioning', id: string, status: ProvisioningStatus, customerId: string | null, updatedAt: string, steps: Array<{ __typename: 'ProvisioningStep', name: string, provider: Provider, status: ProvisioningStepStatus, attempts: number, outcomeUnknown: boolean, wholesaleCustomer: { __typename: 'WholesaleCustomer', id: string, status: WholesaleCustomerStatus } | null, failure: { __typename: 'ProviderFailure', code: string, message: string, correlationId: string } | null }> }> } | null };

export type ProvisioningProgressFragment = { __typename: 'Provisioning', id: string, status: ProvisioningStatus, customerId: string | null, updatedAt: string, steps: Array<{ __typename: 'ProvisioningStep', name: string, provider: Provider, status: ProvisioningStepStatus, attempts: number, outcomeUnknown: boolean, wholesaleCustomer: { __typename: 'WholesaleCustomer', id: string, status: WholesaleCustomerStatus } | null, failure: { __typename: 'ProviderFailure', code: string, message: string, correlationId: string } | null }> };

export type ProvisionCustomerMutationVariables = Exact<{
  input: ProvisionCustomerInput;
}>;


export type ProvisionCustomerMutation = { __typename: 'Mutation', provisionCustomer: { __typename: 'ProvisionCustomerPayload', customer: { __typename: 'Customer', id: string, companyName: string }, experiencePlatform:
      | { __typename: 'ExperiencePlatformProvisioning', pollRequired: boolean }
      | { __typename: 'ProviderFailure' }
     | null, net3:
      | { __typename: 'Net3Provisioning', customer: { __typename: 'Net3Customer', localId: string | null } }
      | { __typename: 'ProviderFailure' }
     | null, wholesale:
      | { __typename: 'ProviderFailure' }
      | { __typename: 'WholesaleCustomer', id: string, status: WholesaleCustomerStatus }
     | null, failures: Array<{ __typename: 'ProviderFailure', provider: Provider, httpStatus: number | null, code: string, message: string, correlationId: string }>, provisioning: { __typename: 'Provisioning', id: string, status: ProvisioningStatus, customerId: string | null, updatedAt: string, steps: Array<{ __typename: 'ProvisioningStep', name: string, provider: Provider, status: ProvisioningStepStatus, attempts: number, outcomeUnknown: boolean, wholesaleCustomer: { __typename: 'WholesaleCustomer', id: string, status: WholesaleCustomerStatus } | null, failure: { __typename: 'ProviderFailure', code: string, message: string, correlationId: string } | null }> } } };

export type RetryProvisioningMutationVariables = Exact<{
  id: string | number;
}>;


export type RetryProvisioningMutation = { __typename: 'Mutation', retryProvisioning: { __typename: 'Provisioning', id: string, status: ProvisioningStatus, customerId: string | null, updatedAt: string, steps: Array<{ __typename: 'ProvisioningStep', name: string, provider: Provider, status: ProvisioningStepStatus, attempts: number, outcomeUnknown: boolean, wholesaleCustomer: { __typename: 'WholesaleCustomer', id: string, status: WholesaleCustomerStatus } | null, failure: { __typename: 'ProviderFailure', code: string, message: string, correlationId: string } | null }> } };

export type ProvisioningUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type ProvisioningUpdatedSubscription = { provisioningUpdated: { __typename: 'Provisioning', id: string, status: ProvisioningStatus, customerId: string | null, updatedAt: string, steps: Array<{ __typename: 'ProvisioningStep', name: string, provider: Provider, status: ProvisioningStepStatus, attempts: number, outcomeUnknown: boolean, wholesaleCustomer: { __typename: 'WholesaleCustomer', id: string, status: WholesaleCustomerStatus } | null, failure: { __typename: 'ProviderFailure', code: string, message: string, correlationId: string } | null }> } };

export type CustomerProvisioningUpdatedSubscriptionVariables = Exact<{
  customerId: string | number;
}>;


export type CustomerProvisioningUpdatedSubscription = { customerProvisioningUpdated: { __typename: 'Provisioning', id: string, status: ProvisioningStatus, customerId: string | null, updatedAt: string, steps: Array<{ __typename: 'ProvisioningStep', name: string, provider: Provider, status: ProvisioningStepStatus, attempts: number, outcomeUnknown: boolean, wholesaleCustomer: { __typename: 'WholesaleCustomer', id: string, status: WholesaleCustomerStatus } | null, failure: { __typename: 'ProviderFailure', code: string, message: string, correlationId: string } | null }> } };

export type WholesaleCustomerStatusQueryVariables = Exact<{
  id: string | number;
}>;


export type WholesaleCustomerStatusQuery = { __typename: 'Query', wholesaleCustomer: { __typename: 'WholesaleCustomer', id: string, externalId: string, status: WholesaleCustomerStatus, orgId: string | null, packageDetails: Array<{ __typename: 'WholesalePackage', name: string, status: WholesalePackageStatus, warnings: Array<{ __typename: 'WholesaleProvisioningIssue', description: string }> }> } | null };

export const ProvisioningProgressFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ProvisioningProgress"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Provisioning"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"customerId"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}},{"kind":"Field","name":{"kind":"Name","value":"wholesaleCustomer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"failure"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"correlationId"}}]}}]}}]}}]} as unknown as DocumentNode<ProvisioningProgressFragment, unknown>;
export const CustomersDocument = {"__meta__":{"hash":"sha256:e71d033e273dcfeafef5c7be38a2fea0e49d370a516ae68e5ac7bc3ac77d3250"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Customers"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"customers"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyName"}},{"kind":"Field","name":{"kind":"Name","value":"country"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<CustomersQuery, CustomersQueryVariables>;
export const CustomerDocument = {"__meta__":{"hash":"sha256:85e4f30e936f4059d8a7e3466a405ced2a9fdff456b69a4a47c510894556eb25"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Customer"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyName"}},{"kind":"Field","name":{"kind":"Name","value":"country"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"providerInstances"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"providerInstanceId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"experiencePlatform"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"pollRequired"}},{"kind":"Field","name":{"kind":"Name","value":"storedRequest"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"imsOrgId"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"net3"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"customerId"}},{"kind":"Field","name":{"kind":"Name","value":"localId"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"wholesale"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"orgId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"entitlements"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"provisionings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ProvisioningProgress"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ProvisioningProgress"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Provisioning"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"customerId"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}},{"kind":"Field","name":{"kind":"Name","value":"wholesaleCustomer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"failure"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"correlationId"}}]}}]}}]}}]} as unknown as DocumentNode<CustomerQuery, CustomerQueryVariables>;
export const ProvisionCustomerDocument = {"__meta__":{"hash":"sha256:20572a23187cca6de71cd1b0e3630780ff40df29d787465a53f555d9f55c5556"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ProvisionCustomer"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ProvisionCustomerInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provisionCustomer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"companyName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"experiencePlatform"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ExperiencePlatformProvisioning"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"pollRequired"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"net3"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Net3Provisioning"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"localId"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"wholesale"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WholesaleCustomer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"failures"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"httpStatus"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"correlationId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"provisioning"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ProvisioningProgress"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ProvisioningProgress"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Provisioning"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"customerId"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}},{"kind":"Field","name":{"kind":"Name","value":"wholesaleCustomer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"failure"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"correlationId"}}]}}]}}]}}]} as unknown as DocumentNode<ProvisionCustomerMutation, ProvisionCustomerMutationVariables>;
export const RetryProvisioningDocument = {"__meta__":{"hash":"sha256:35b294998a6bced39f977c2b39f5ef80388b9cfe0514124f71103bc1155b7cf9"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RetryProvisioning"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"retryProvisioning"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ProvisioningProgress"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ProvisioningProgress"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Provisioning"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"customerId"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}},{"kind":"Field","name":{"kind":"Name","value":"wholesaleCustomer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"failure"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"correlationId"}}]}}]}}]}}]} as unknown as DocumentNode<RetryProvisioningMutation, RetryProvisioningMutationVariables>;
export const ProvisioningUpdatedDocument = {"__meta__":{"hash":"sha256:78a1fe12f6c6de9c18482044c87f3f0ac09a4058b3c666b9249797dd39b41f9f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ProvisioningUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"provisioningUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ProvisioningProgress"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ProvisioningProgress"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Provisioning"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"customerId"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}},{"kind":"Field","name":{"kind":"Name","value":"wholesaleCustomer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"failure"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"correlationId"}}]}}]}}]}}]} as unknown as DocumentNode<ProvisioningUpdatedSubscription, ProvisioningUpdatedSubscriptionVariables>;
export const CustomerProvisioningUpdatedDocument = {"__meta__":{"hash":"sha256:c45b4c816435933f1864c9ede18850f06fe903d0ccfb531b1f1baccc59dac3ef"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"CustomerProvisioningUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"customerId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"customerProvisioningUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"customerId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"customerId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ProvisioningProgress"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ProvisioningProgress"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Provisioning"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"customerId"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"outcomeUnknown"}},{"kind":"Field","name":{"kind":"Name","value":"wholesaleCustomer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"failure"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"correlationId"}}]}}]}}]}}]} as unknown as DocumentNode<CustomerProvisioningUpdatedSubscription, CustomerProvisioningUpdatedSubscriptionVariables>;
export const WholesaleCustomerStatusDocument = {"__meta__":{"hash":"sha256:501c780e5181c3ee7376bf95a970b78522f63a812f48e5b419166f0ebd24a038"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WholesaleCustomerStatus"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"wholesaleCustomer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"orgId"}},{"kind":"Field","name":{"kind":"Name","value":"packageDetails"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}}]}}]}}]}}]} as unknown as DocumentNode<WholesaleCustomerStatusQuery, WholesaleCustomerStatusQueryVariables>;