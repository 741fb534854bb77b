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
