import { describe, it, expect } from 'vitest';
import {
  WholesalePackageName,
  type WholesaleCustomerInput,
  type WholesaleSection,
} from '../../../src/generated/graphql.js';
import type { CustomerViewModel } from '../../../src/providers/cloudcockpit/wire.js';
import {
  acceptedCustomer,
  customerIdOfUrl,
  hasNextLink,
  inputPathOfProperty,
  knownPackagesOf,
  packageDetailsOf,
  packageOf,
  toProvisionRequest,
  toWholesaleCustomerConnection,
  wholesaleCustomerCursors,
  wholesaleInputFromCanonical,
} from '../../../src/providers/webex/mapping.js';
import type { WholesaleCustomer } from '../../../src/providers/webex/wire.js';

const address = {
  addressLine1: '771 Alder Drive',
  addressLine2: 'Cisco Site 5',
  city: 'Milpitas',
  stateOrProvince: 'CA',
  zipOrPostalCode: '95035',
  country: 'US',
};

function input(overrides: Partial<WholesaleCustomerInput> = {}): WholesaleCustomerInput {
  return {
    provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
    packages: [WholesalePackageName.WebexCalling, WholesalePackageName.WebexMeetings],
    externalId: 'c1677a16-557a-4fb4-b48f-24adde57ec99',
    address,
    customerInfo: { name: "John's Pizza", primaryEmail: 'john.anderson@acme.com', language: 'en' },
    provisioningParameters: {
      calling: {
        location: {
          name: 'Head Office',
          address,
          timezone: 'America/Los_Angeles',
          language: 'en_us',
          emergencyLocationIdentifier: '95547321',
        },
      },
      meetings: { timezone: 'America/Los_Angeles' },
    },
    ...overrides,
  };
}

const canonical: CustomerViewModel = {
  id: '7d1c4b8e-2f55-4a59-9d3e-0c6b1f2a9e11',
  companyName: 'Contoso Pizza',
  taxId: 'PT509876543',
  country: 'PT',
  addressLine1: 'Rua Augusta 100',
  addressLine2: '2º Esq',
  city: 'Lisboa',
  state: 'Lisboa',
  zip: '1100-053',
  firstName: 'Ana',
  middleName: null,
  lastName: 'Silva',
  email: 'ana.silva@contoso.example',
  phone: '+351911111111',
  internalIdentifier: null,
  resellerId: null,
  providerCustomers: {},
  customerAssociations: null,
};

const section: WholesaleSection = {
  provisioningId: 'template-1',
  packages: [WholesalePackageName.WebexMeetings],
};

describe('Webex mapping: GraphQL input to wire', () => {
  it('writes the document’s body, field for field', () => {
    expect(toProvisionRequest(input())).toEqual({
      provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
      packages: ['webex_calling', 'webex_meetings'],
      externalId: 'c1677a16-557a-4fb4-b48f-24adde57ec99',
      address,
      customerInfo: { name: "John's Pizza", primaryEmail: 'john.anderson@acme.com', language: 'en' },
      provisioningParameters: {
        calling: {
          location: {
            name: 'Head Office',
            address,
            timezone: 'America/Los_Angeles',
            language: 'en_us',
            emergencyLocationIdentifier: '95547321',
          },
        },
        meetings: { timezone: 'America/Los_Angeles' },
      },
    });
  });

  it('leaves absent and null optional fields out of the body instead of sending null', () => {
    const body = toProvisionRequest(
      input({
        orgId: null,
        customerInfo: null,
        provisioningParameters: { calling: null, meetings: { timezone: null } },
        address: { addressLine1: 'A', addressLine2: null, city: 'B', country: 'US' },
      }),
    );
    expect(body).toEqual({
      provisioningId: expect.any(String),
      packages: expect.any(Array),
      externalId: expect.any(String),
      address: { addressLine1: 'A', city: 'B', country: 'US' },
      provisioningParameters: { meetings: {} },
    });
    expect(JSON.stringify(body)).not.toContain('null');
  });

  it('sends an existing customer’s orgId, and country codes in capitals', () => {
    const body = toProvisionRequest(
      input({ orgId: 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8x', address: { ...address, country: 'us' } }),
    );
    expect(body.orgId).toBe('Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8x');
    expect(body.address.country).toBe('US');
  });

  it('refuses a package listed twice, naming the repeat under the input’s path', () => {
    const twice = input({
      packages: [WholesalePackageName.WebexCalling, WholesalePackageName.WebexSuite, WholesalePackageName.WebexCalling],
    });
    expect(() => toProvisionRequest(twice, ['input', 'webex'])).toThrowError(
      expect.objectContaining({
        extensions: expect.objectContaining({
          code: 'BAD_USER_INPUT',
          fieldErrors: [{ path: ['input', 'webex', 'packages', 2], messages: [expect.any(String)] }],
        }),
      }),
    );
  });

  it('reads the accepted customer as provisioning, every package provisioning, orgId only when given', () => {
    const body = toProvisionRequest(input());
    expect(acceptedCustomer(body, 'abc')).toEqual({
      id: 'abc',
      orgId: null,
      externalId: body.externalId,
      address,
      status: 'provisioning',
      packages: ['webex_calling', 'webex_meetings'],
      resourceDetails: {
        packages: [
          { name: 'webex_calling', status: 'provisioning' },
          { name: 'webex_meetings', status: 'provisioning' },
        ],
      },
      errors: [],
    });
    expect(acceptedCustomer({ ...body, orgId: 'org' }, 'abc').orgId).toBe('org');
  });

  it('takes the customer id from the Location URL’s last segment', () => {
    expect(
      customerIdOfUrl('https://webexapis.com/v1/wholesale/customers/Y2lzY29zcGFyazovL3VzL0VOVEVSUFJJU0UvNTJj'),
    ).toBe('Y2lzY29zcGFyazovL3VzL0VOVEVSUFJJU0UvNTJj');
    expect(customerIdOfUrl('/v1/wholesale/customers/abc%3D%3D')).toBe('abc==');
    expect(customerIdOfUrl('https://webexapis.com/v1/wholesale/customers/')).toBeNull();
    expect(customerIdOfUrl('https://webexapis.com/')).toBeNull();
  });
});

describe('Webex mapping: from the canonical customer', () => {
  it('uses the CloudCockpit id as externalId and the canonical address, name and e-mail', () => {
    expect(wholesaleInputFromCanonical(canonical, section)).toEqual({
      provisioningId: 'template-1',
      packages: ['webex_meetings'],
      orgId: null,
      externalId: canonical.id,
      address: {
        addressLine1: 'Rua Augusta 100',
        addressLine2: '2º Esq',
        city: 'Lisboa',
        stateOrProvince: 'Lisboa',
        zipOrPostalCode: '1100-053',
        country: 'PT',
      },
      customerInfo: { name: 'Contoso Pizza', primaryEmail: 'ana.silva@contoso.example', language: null },
      provisioningParameters: null,
    });
  });

  it('lets the section override each address field, the name and the e-mail, and carries its own settings', () => {
    const parameters = { meetings: { timezone: 'Europe/Lisbon' } };
    const mapped = wholesaleInputFromCanonical(canonical, {
      ...section,
      orgId: 'org-1',
      provisioningParameters: parameters,
      address: { addressLine1: 'Rua Augusta 100, 2º Esq', addressLine2: null, country: 'ES' },
      customerInfo: { name: 'Contoso', language: 'pt_pt' },
    });
    expect(mapped).toMatchObject({
      orgId: 'org-1',
      externalId: canonical.id,
      provisioningParameters: parameters,
      address: { addressLine1: 'Rua Augusta 100, 2º Esq', addressLine2: '2º Esq', city: 'Lisboa', country: 'ES' },
      customerInfo: { name: 'Contoso', primaryEmail: 'ana.silva@contoso.example', language: 'pt_pt' },
    });
  });

  it('sends no address line 2 when the canonical customer has none', () => {
    const mapped = wholesaleInputFromCanonical({ ...canonical, addressLine2: null }, section);
    expect(toProvisionRequest(mapped).address).not.toHaveProperty('addressLine2');
  });

  it('keeps externalId the canonical id whatever the section says, so a repeat is a conflict at Webex', () => {
    const first = wholesaleInputFromCanonical(canonical, section);
    const second = wholesaleInputFromCanonical(canonical, { ...section, packages: [WholesalePackageName.WebexSuite] });
    expect(second.externalId).toBe(first.externalId);
  });
});

describe('Webex mapping: wire to GraphQL', () => {
  const customer: WholesaleCustomer = {
    id: 'c1',
    externalId: 'e1',
    address,
    status: 'provisioned_with_errors',
    packages: ['webex_calling', 'webex_hologram'],
    resourceDetails: {
      packages: [
        { name: 'webex_calling', status: 'error', errors: [{ errorCode: 2560, description: 'maintenance' }] },
        { name: 'webex_hologram', status: 'provisioned' },
      ],
    },
  };

  it('keeps packages this API does not know out of the enum list, but in the details by name', () => {
    expect(knownPackagesOf(customer)).toEqual(['webex_calling']);
    expect(packageDetailsOf(customer).map((p) => p.name)).toEqual(['webex_calling', 'webex_hologram']);
    expect(packageOf('webex_hologram')).toBeNull();
    expect(packageOf('cx_ai_assistant')).toBe('cx_ai_assistant');
  });

  it('reads a customer without resourceDetails as having no package details', () => {
    expect(packageDetailsOf({ ...customer, resourceDetails: undefined })).toEqual([]);
  });
});

describe('Webex mapping: error properties to input paths', () => {
  it('follows the property’s JSON path, list indexes included', () => {
    expect(inputPathOfProperty('address.addressLine1')).toEqual(['address', 'addressLine1']);
    expect(inputPathOfProperty('packages[2]')).toEqual(['packages', 2]);
    expect(inputPathOfProperty('provisioningParameters.calling.location.address.country')).toEqual([
      'provisioningParameters',
      'calling',
      'location',
      'address',
      'country',
    ]);
  });
});

describe('Webex mapping: paging', () => {
  it('round-trips cursors and refuses foreign ones', () => {
    expect(wholesaleCustomerCursors.decode(wholesaleCustomerCursors.encode(41))).toBe(41);
    expect(wholesaleCustomerCursors.decode('bm90LWEtY3Vyc29y')).toBeNull();
    expect(wholesaleCustomerCursors.decode(Buffer.from('customer:3').toString('base64url'))).toBeNull();
  });

  it('reads rel="next" from a Link header, among other links and relations', () => {
    expect(hasNextLink('<https://webexapis.com/v1/wholesale/customers?offset=10&max=10>; rel="next"')).toBe(true);
    expect(hasNextLink('<https://a/first>; rel="first", <https://a/next>; rel=next')).toBe(true);
    expect(hasNextLink('<https://a/x>; rel="prev next"')).toBe(true);
    expect(hasNextLink('<https://a/first>; rel="first"')).toBe(false);
    expect(hasNextLink('<https://a/nextpage>; rel="prev"')).toBe(false);
    expect(hasNextLink(null)).toBe(false);
  });

  it('builds edges with offsets from where the page was read, and trusts the Link header for more', () => {
    const items = [{ id: 'a' }, { id: 'b' }] as WholesaleCustomer[];
    const connection = toWholesaleCustomerConnection({ items, hasNextPage: true }, 10);
    expect(connection.edges.map((e) => wholesaleCustomerCursors.decode(e.cursor))).toEqual([10, 11]);
    expect(connection.nodes).toEqual(items);
    expect(connection.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: true,
      startCursor: connection.edges[0]!.cursor,
      endCursor: connection.edges[1]!.cursor,
    });
    const last = toWholesaleCustomerConnection({ items: [], hasNextPage: false }, 0);
    expect(last.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
  });

  it('shows only the visible customers, yet pages on from the end of what Webex returned', () => {
    const items = [{ id: 'mine' }, { id: 'theirs' }] as WholesaleCustomer[];
    const connection = toWholesaleCustomerConnection({ items, hasNextPage: true }, 4, (c) => c.id === 'mine');
    expect(connection.nodes).toEqual([{ id: 'mine' }]);
    expect(wholesaleCustomerCursors.decode(connection.pageInfo.startCursor!)).toBe(4);
    expect(wholesaleCustomerCursors.decode(connection.pageInfo.endCursor!)).toBe(5);
    expect(connection.pageInfo.hasNextPage).toBe(true);
  });
});
