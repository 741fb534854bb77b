import { randomBytes, randomUUID } from 'node:crypto';

/** Inputs a test can start from and vary. */

export const MICROSOFT_INSTANCE = 'cb3cd15b-1d6e-45be-b493-c71549cbfd87';

export function customerInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    companyName: 'Contoso Pizza',
    taxId: 'PT509876543',
    country: 'PT',
    addressLine1: 'Rua Augusta 100',
    addressLine2: '2º Esq',
    city: 'Lisboa',
    state: 'Lisboa',
    zip: '1100-053',
    firstName: 'Ana',
    middleName: 'Maria',
    lastName: 'Silva',
    email: 'ana.silva@contoso.example',
    phone: '+351911111111',
    internalIdentifier: 'CRM-42',
    ...overrides,
  };
}

export function microsoftData(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    domain: `contoso${Math.random().toString(36).slice(2, 8)}`,
    credentialsEmail: 'admin@contoso.example',
    acceptedMCA: true,
    agreementDate: '2022-12-28T00:00:00Z',
    keepPrimaryInformation: true,
    firstName: 'Ana',
    lastName: 'Silva',
    email: 'ana.silva@contoso.example',
    phone: '921231231',
    defaultCulture: 'en-US',
    language: 'en',
    associatedPartnerId: '6234552',
    qualifications: [],
    enableGDAP: true,
    ...overrides,
  };
}

export function providerInstanceInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providerInstanceId: MICROSOFT_INSTANCE,
    microsoftCustomerData: microsoftData(),
    margin: { marginRule: { name: 'markup' }, value: 10.6 },
    offerTypeMargins: [{ offerType: 'license', margin: { marginRule: { name: 'markup' }, value: 10 } }],
    ...overrides,
  };
}

/** A Webex address, every line of it given. */
export const LISBON_ADDRESS = {
  addressLine1: 'Rua Augusta 100',
  addressLine2: '2º Esq',
  city: 'Lisboa',
  stateOrProvince: 'Lisboa',
  zipOrPostalCode: '1100-053',
  country: 'PT',
};

/**
 * A provisionCustomer input with every section, so that every provider is called: only what is each
 * provider's own (a fresh Adobe organization each time).
 */
export function provisionEverywhereInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customer: customerInput(),
    providerInstances: [providerInstanceInput()],
    experiencePlatform: {
      imsOrgId: `${randomBytes(12).toString('hex').toUpperCase()}@AdobeOrg`,
      tenantId: 'contosopizza',
      region: 'NLD2',
      entitlement: { valuePropId: 'rtcdp-prime', valuePropSKUID: '65304520CA01A12', location: 'EU' },
    },
    net3: { serviceLevelId: 2, primaryContactRoles: ['PRIMARY', 'BILLING'] },
    wholesale: {
      provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
      packages: ['WEBEX_CALLING', 'WEBEX_MEETINGS'],
      provisioningParameters: {
        calling: { location: { name: 'Sede', address: LISBON_ADDRESS, timezone: 'Europe/Lisbon', language: 'pt_pt' } },
        meetings: { timezone: 'Europe/Lisbon' },
      },
    },
    ...overrides,
  };
}

/** A fresh Adobe IMS organization id: 24 hexadecimal digits and `@AdobeOrg`. */
export function newImsOrgId(): string {
  return `${randomBytes(12).toString('hex').toUpperCase()}@AdobeOrg`;
}

/** A provisionExperiencePlatform input for one organization (a fresh one unless given). */
export function experiencePlatformInput(imsOrgId = newImsOrgId()): Record<string, unknown> {
  return {
    customer: {
      name: 'Contoso Pizza',
      imsOrgId,
      contact: 'ana@contoso.example',
      tenantId: 'contosopizza',
      region: 'NLD2',
    },
    entitlement: {
      valuePropId: 'rtcdp-prime',
      valuePropSKUID: '65304520CA01A12',
      location: 'EU',
      metrics: { numberOfProfiles: 1000000 },
    },
    reports: { eccid: '1234567', startDate: '2025-01-01T00:00:00Z', endDate: '2025-12-31T00:00:00Z' },
  };
}

/** A provisionNet3Customer input that leaves `customerId` out, unless `customer` gives one. */
export function net3ProvisioningInput(customer: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customer: { customerName: 'Contoso Pizza', ...customer },
    contacts: [{ firstName: 'Ana', lastName: 'Silva', email: 'ana.silva@contoso.example', roles: ['PRIMARY'] }],
  };
}

/** A provisionWholesaleCustomer input with a fresh externalId, unless `overrides` give one. */
export function wholesaleCustomerInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
    packages: ['WEBEX_CALLING', 'WEBEX_MEETINGS'],
    externalId: randomUUID(),
    address: LISBON_ADDRESS,
    customerInfo: { name: 'Contoso Pizza', primaryEmail: 'ana.silva@contoso.example', language: 'pt_pt' },
    provisioningParameters: {
      calling: { location: { name: 'Sede', address: LISBON_ADDRESS, timezone: 'Europe/Lisbon', language: 'pt_pt' } },
      meetings: { timezone: 'Europe/Lisbon' },
    },
    ...overrides,
  };
}
