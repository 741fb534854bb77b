/**
 * CloudCockpit's request and response bodies, spelled as its documents spell them
 * (`../shared/provider-apis/cloudcockpit-*.txt`).
 */

/** `margin`: camelCase, as both documents' examples write it. */
export interface Margin {
  marginRule: { name: string };
  value: number;
}

/**
 * The documents describe a dictionary from offer type to margin, but both examples (from CloudCockpit's OpenAPI
 * schema) wrap it in `Value` and spell the margin in PascalCase; we send exactly that shape:
 * `{"Value":{"license":{"MarginRule":{"Name":"markup"},"Value":10}}}`.
 */
export interface OfferTypeMargins {
  Value: Record<string, { MarginRule: { Name: string }; Value: number }>;
}

/** Documented values of a provider customer's `status`; sent by name, as the document lists them. */
export type ProviderCustomerStatus = 'Processing' | 'Success' | 'Failed';

/** Documented values of `customerCreationError`. */
export type CustomerCreationError = 'DomainExists' | 'InvalidCompanyInfo' | 'None' | 'Unknown';

/** One entry of `providerCustomers`: the customer in one provider instance. */
export interface ProviderCustomer {
  providerInstanceId: string;
  providerCustomerId?: string | null;
  /** A JSON document in a string; for Microsoft instances it holds {@link MicrosoftCustomerData}. */
  providerCustomerData: string | null;
  margin?: Margin | null;
  offerTypeMargins?: OfferTypeMargins | null;
  status?: ProviderCustomerStatus | null;
  customerCreationError?: CustomerCreationError | null;
}

/** The properties the add-provider-instance document requires of a Microsoft instance's customer data. */
export interface MicrosoftCustomerData {
  Domain: string;
  CredentialsEmail: string;
  AcceptedMCA: boolean;
  AgreementDate: string;
  KeepPrimaryInformation: boolean;
  FirstName: string;
  LastName: string;
  Email: string;
  Phone: string;
  DefaultCulture: string;
  Language: string;
  AssociatedPartnerId: string | null;
  Qualifications: string[];
  EnableGDAP: boolean;
}

export interface CustomerAssociation {
  resellerId: string | null;
  name: string | null;
}

/** `CustomerViewModel`: the body of `POST /v1/Customers`, and what `GET /v1/Customers/{id}` returns. */
export interface CustomerViewModel {
  id: string;
  companyName: string;
  taxId?: string | null;
  country: string;
  addressLine1: string;
  addressLine2?: string | null;
  city: string;
  state: string;
  zip: string;
  firstName: string;
  middleName?: string | null;
  lastName: string;
  email: string;
  phone: string;
  internalIdentifier?: string | null;
  resellerId?: string | null;
  /** Keyed by provider instance id. Required by CloudCockpit: `{}` when there are none. */
  providerCustomers: Record<string, ProviderCustomer>;
  customerAssociations?: CustomerAssociation[] | null;
}

/** Body of `POST /v1/Customers/{customerId}/provider-instances`. */
export interface AddProviderInstanceRequest {
  providerInstanceId: string;
  providerCustomerData: string;
  margin: Margin;
  offerTypeMargins?: OfferTypeMargins | null;
}

/**
 * `GET /v1/Customers`, which the documents do not describe: CloudCockpit's list pages with `pageNumber` (1-based)
 * and `pageSize` (1–2000). We rely on `items` and `totalCount` only.
 */
export interface CustomerPage {
  items: CustomerViewModel[];
  pageNumber: number;
  pageSize: number;
  totalCount: number;
}

/** Query of `GET /v1/Customers`. */
export interface ListCustomersQuery {
  pageNumber: number;
  pageSize: number;
  search?: string;
  searchField?: string;
}

/** The error body of every CloudCockpit error response (`statusCode`, `type`, … `errors`). */
export interface ErrorResponse {
  statusCode: number;
  type: string | null;
  description: string | null;
  correlationId: string | null;
  errors: { propertyName: string; description: string[] }[] | null;
}
