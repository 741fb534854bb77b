/**
 * Net3's request and response bodies, spelled as its ServiceStack metadata page spells them
 * (`../shared/provider-apis/net3-provision-customer.txt`): camelCase JSON, as in the page's sample body.
 */

/**
 * A `DateTime` as ServiceStack's JSON serializer writes it, once the JSON string is decoded:
 * `/Date(<unix ms>-0000)/`. In the JSON text the slashes are escaped (`"\/Date(…)\/"`); see
 * {@link serviceStackJson}. `-0000` is ServiceStack's "no particular offset": the milliseconds are UTC.
 */
export type WcfDate = string;

/** A `Guid` as ServiceStack writes it: 32 lowercase hex digits, no dashes. */
export type WireGuid = string;

/** `TypeContactRole`: ServiceStack sends enums by name. */
export type TypeContactRole = 'Primary' | 'Technical' | 'Billing' | 'Reseller' | 'Sales' | 'ContractSignatory';

/** The documented roles with their numeric values (ServiceStack also binds an enum from its number). */
export const CONTACT_ROLE_VALUES: Readonly<Record<TypeContactRole, number>> = {
  Primary: 1,
  Technical: 2,
  Billing: 3,
  Reseller: 4,
  Sales: 5,
  ContractSignatory: 6,
};

/** `TypeCustomerInfo`. `localId` is a .NET `long`; the ids are `int`s. */
export interface TypeCustomerInfo {
  customerId?: string | null;
  customerName?: string | null;
  streetAddress?: string | null;
  cityStateZip?: string | null;
  phone?: string | null;
  extension?: string | null;
  email?: string | null;
  localId?: number;
  serviceLevelId?: number;
  isReseller?: boolean;
  parentCompanyId?: string | null;
  n3TLogins_CompanyId?: WireGuid;
  lastUpdateDate?: WcfDate | null;
  typeCustomerStatusId?: number;
  typePricingTierId?: number;
}

export interface TypeCustomerAddress {
  street?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  telephone?: string | null;
  extension?: string | null;
  email?: string | null;
  notes?: string | null;
  primary?: boolean;
}

/** `TypeProvisionDemoContactModel`: a contact, who gets a Net3 login, and their roles. */
export interface TypeProvisionDemoContactModel {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  telephone?: string | null;
  roles?: TypeContactRole[] | null;
}

/** `TypeCreatedBy`: the partner user on whose behalf the customer is provisioned. */
export interface TypeCreatedBy {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  username?: string | null;
  userId?: WireGuid;
  companyId?: WireGuid;
}

/** `ProvisionCustomerModel`: the body of `POST /provisioning/customer`. */
export interface ProvisionCustomerModel {
  customer?: TypeCustomerInfo | null;
  addresses?: TypeCustomerAddress[] | null;
  contacts?: TypeProvisionDemoContactModel[] | null;
  createdBy?: TypeCreatedBy | null;
  salesContact?: string | null;
  requesterIP?: string | null;
  requestCreated?: WcfDate;
}

/**
 * ASSUMPTION: the metadata page documents no response type. Modelled on ServiceStack's convention (`XResponse` with
 * a `responseStatus`): what was provisioned, with the ids Net3 assigned (`localId` in OnBoarding,
 * `n3TLogins_CompanyId` in Logins). Readers fall back on the request for anything missing.
 */
export interface ProvisionCustomerModelResponse {
  customer?: TypeCustomerInfo | null;
  addresses?: TypeCustomerAddress[] | null;
  contacts?: TypeProvisionDemoContactModel[] | null;
  requestCreated?: WcfDate | null;
  /** When Net3 provisioned the customer. */
  created?: WcfDate | null;
  responseStatus?: ResponseStatus | null;
}

/** ServiceStack's `ResponseError`: one field's error. */
export interface ResponseError {
  errorCode: string;
  fieldName?: string;
  message: string;
  meta?: Record<string, string> | null;
}

/** ServiceStack's `ResponseStatus`. `stackTrace` is only there in DebugMode, and never passed on. */
export interface ResponseStatus {
  errorCode?: string | null;
  message?: string | null;
  stackTrace?: string | null;
  errors?: ResponseError[] | null;
  meta?: Record<string, string> | null;
}

/** ServiceStack's body for every error response (also when the service's own response type is unknown). */
export interface ErrorResponse {
  responseStatus: ResponseStatus;
}

const ESCAPABLE_WCF_DATE = /(?<!\\)"\/Date\((-?\d+)([+-]\d{4})?\)\/"/g;

/**
 * JSON as ServiceStack writes it: like `JSON.stringify`, except that dates are written `"\/Date(…)\/"` with
 * their slashes escaped, exactly as the metadata page's sample shows. (`\/` and `/` decode to the same
 * character, so escaping is safe wherever the pattern matches.)
 */
export function serviceStackJson(value: unknown): string {
  return JSON.stringify(value).replace(ESCAPABLE_WCF_DATE, (_match, ms: string, offset: string | undefined) => {
    return `"\\/Date(${ms}${offset ?? ''})\\/"`;
  });
}
