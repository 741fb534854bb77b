import { describe, it, expect } from 'vitest';
import { Net3ContactRole, type Net3ProvisioningInput, type Net3Section } from '../../../src/generated/graphql.js';
import type { CustomerViewModel } from '../../../src/providers/cloudcockpit/wire.js';
import {
  dateOfWcf,
  knownContactRoles,
  net3InputFromCanonical,
  net3InputPathOfProperty,
  net3SectionPathOfProperty,
  provisionedCustomer,
  requesterIpOf,
  toProvisionCustomerModel,
  toWcfDate,
  toWireGuid,
  uuidOfWireGuid,
  withRequestFacts,
} from '../../../src/providers/net3/mapping.js';
import { serviceStackJson } from '../../../src/providers/net3/wire.js';

const NOW = new Date('2023-11-14T22:13:20.000Z');
const NOW_WCF = '/Date(1700000000000-0000)/';
const UUID = 'cb3cd15b-1d6e-45be-b493-c71549cbfd87';

function input(overrides: Partial<Net3ProvisioningInput> = {}): Net3ProvisioningInput {
  return {
    customer: { customerId: 'crm-42', customerName: 'Contoso Pizza' },
    contacts: [
      {
        firstName: 'Ana',
        lastName: 'Silva',
        email: 'ana@contoso.example',
        roles: [Net3ContactRole.Primary, Net3ContactRole.Billing],
      },
    ],
    ...overrides,
  };
}

function canonical(overrides: Partial<CustomerViewModel> = {}): CustomerViewModel {
  return {
    id: UUID,
    companyName: 'Contoso Pizza',
    country: 'US',
    addressLine1: '1200 Main St',
    addressLine2: 'Suite 4',
    city: 'Columbia',
    state: 'SC',
    zip: '29201',
    firstName: 'Ana',
    lastName: 'Silva',
    email: 'ana@contoso.example',
    phone: '+1 803 555 0100',
    providerCustomers: {},
    ...overrides,
  };
}

describe('Net3 scalars', () => {
  it('writes dates as ServiceStack does, and reads every form it writes', () => {
    expect(toWcfDate(NOW)).toBe(NOW_WCF);
    expect(toWcfDate('1969-12-31T23:59:59.999Z')).toBe('/Date(-1-0000)/');
    expect(dateOfWcf(NOW_WCF)).toEqual(NOW);
    expect(dateOfWcf('/Date(1700000000000)/')).toEqual(NOW);
    expect(dateOfWcf('/Date(1700000000000+0530)/')).toEqual(NOW);
    expect(dateOfWcf('2023-11-14T22:13:20Z')).toEqual(NOW);
    expect(dateOfWcf('not a date')).toBeNull();
    expect(dateOfWcf(null)).toBeNull();
  });

  it('writes GUIDs as 32 lowercase digits and reads them back with dashes; the empty Guid is none', () => {
    expect(toWireGuid(UUID.toUpperCase())).toBe('cb3cd15b1d6e45beb493c71549cbfd87');
    expect(uuidOfWireGuid('CB3CD15B1D6E45BEB493C71549CBFD87')).toBe(UUID);
    expect(uuidOfWireGuid(UUID)).toBe(UUID);
    expect(uuidOfWireGuid('00000000000000000000000000000000')).toBeNull();
    expect(uuidOfWireGuid('xyz')).toBeNull();
    expect(uuidOfWireGuid(undefined)).toBeNull();
  });

  it('records an IPv4 caller seen through a dual-stack socket as IPv4', () => {
    expect(requesterIpOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(requesterIpOf('2001:db8::1')).toBe('2001:db8::1');
    expect(requesterIpOf('203.0.113.7')).toBe('203.0.113.7');
    expect(requesterIpOf(null)).toBeNull();
  });

  it('escapes the slashes of dates only, as in the metadata page’s sample', () => {
    const json = serviceStackJson({
      customer: { customerName: 'A/B', lastUpdateDate: '/Date(-62135596800000-0000)/' },
      requestCreated: NOW_WCF,
    });
    expect(json).toBe(
      '{"customer":{"customerName":"A/B","lastUpdateDate":"\\/Date(-62135596800000-0000)\\/"},"requestCreated":"\\/Date(1700000000000-0000)\\/"}',
    );
    expect(JSON.parse(json)).toEqual({
      customer: { customerName: 'A/B', lastUpdateDate: '/Date(-62135596800000-0000)/' },
      requestCreated: NOW_WCF,
    });
    // A date-looking text inside a longer string, or after an escaped quote, stays as it is.
    expect(serviceStackJson({ notes: 'x/Date(1)/', quoted: '"/Date(1)/' })).toBe(
      '{"notes":"x/Date(1)/","quoted":"\\"/Date(1)/"}',
    );
  });
});

describe('Net3 mapping: GraphQL input to wire', () => {
  it('sends what was given in the document’s camelCase, GUIDs and dates in ServiceStack’s forms, roles by name', () => {
    const body = toProvisionCustomerModel(
      input({
        customer: {
          customerId: 'crm-42',
          customerName: 'Contoso Pizza',
          email: 'office@contoso.example',
          localId: '9007199254740991',
          isReseller: false,
          serviceLevelId: 0,
          loginsCompanyId: UUID,
          lastUpdateDate: NOW,
        },
        addresses: [{ street: '1200 Main St', primary: true }],
        createdBy: { username: 'rep', userId: UUID, companyId: UUID.toUpperCase() },
        salesContact: 'rep@partner.example',
        requesterIP: '198.51.100.1',
        requestCreated: '2023-11-14T22:13:20Z',
      }),
      { clientIp: '203.0.113.7', now: new Date(0) },
    );
    expect(body).toEqual({
      customer: {
        customerId: 'crm-42',
        customerName: 'Contoso Pizza',
        email: 'office@contoso.example',
        localId: 9007199254740991,
        serviceLevelId: 0,
        isReseller: false,
        n3TLogins_CompanyId: 'cb3cd15b1d6e45beb493c71549cbfd87',
        lastUpdateDate: NOW_WCF,
      },
      addresses: [{ street: '1200 Main St', primary: true }],
      contacts: [{ firstName: 'Ana', lastName: 'Silva', email: 'ana@contoso.example', roles: ['Primary', 'Billing'] }],
      createdBy: {
        username: 'rep',
        userId: 'cb3cd15b1d6e45beb493c71549cbfd87',
        companyId: 'cb3cd15b1d6e45beb493c71549cbfd87',
      },
      salesContact: 'rep@partner.example',
      requesterIP: '198.51.100.1',
      requestCreated: NOW_WCF,
    });
    // Absent fields are left out of the JSON, not sent as null.
    expect(serviceStackJson(body)).not.toContain('null');
  });

  it('fills requesterIP from the caller, requestCreated with now and customerId with a new UUID', () => {
    const body = toProvisionCustomerModel(input({ customer: { customerName: 'Contoso' } }), {
      clientIp: '::ffff:203.0.113.7',
      now: NOW,
    });
    expect(body.requesterIP).toBe('203.0.113.7');
    expect(body.requestCreated).toBe(NOW_WCF);
    expect(body.customer!.customerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(toProvisionCustomerModel(input(), { clientIp: null, now: NOW }).requesterIP).toBeUndefined();
  });

  it('fixes the requester, the time and a customerId the input leaves out once, so that every body built from it is the same', () => {
    const fixed = withRequestFacts(input({ customer: { customerName: 'Contoso' } }), '::ffff:203.0.113.7');
    expect(fixed.customer.customerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(fixed).toMatchObject({ requesterIP: '203.0.113.7', requestCreated: expect.any(String) });
    const bodies = [1, 2].map(() => toProvisionCustomerModel(fixed, { clientIp: '198.51.100.1', now: new Date() }));
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[0]!.customer!.customerId).toBe(fixed.customer.customerId);
    // What the caller gave is kept, and a fan-out section, which names no customer, gets none.
    expect(withRequestFacts(input(), null).customer.customerId).toBe('crm-42');
    const section: Net3Section = { serviceLevelId: 2 };
    expect(withRequestFacts(section, null)).not.toHaveProperty('customer');
  });

  it.each(['-1', '1.5', 'abc', '9007199254740992'])('refuses localId %j at its input path', (localId) => {
    const bad = input({ customer: { customerName: 'Contoso', localId } });
    expect(() => toProvisionCustomerModel(bad, { clientIp: null, now: NOW }, ['input'])).toThrowError(
      expect.objectContaining({
        extensions: expect.objectContaining({
          code: 'BAD_USER_INPUT',
          fieldErrors: [{ path: ['input', 'customer', 'localId'], messages: [expect.any(String)] }],
        }),
      }),
    );
  });
});

describe('Net3 mapping: wire to GraphQL', () => {
  const sent = toProvisionCustomerModel(input({ addresses: [{ street: 'Main St' }] }), { clientIp: null, now: NOW });

  it('takes what Net3 answered, and what was sent for whatever it did not answer', () => {
    const answered = provisionedCustomer(sent, {
      customer: { customerId: 'crm-42', localId: 1001, n3TLogins_CompanyId: 'ab'.repeat(16) },
      created: '/Date(1700000001000-0000)/',
    });
    expect(answered.customer).toEqual({ ...sent.customer, localId: 1001, n3TLogins_CompanyId: 'ab'.repeat(16) });
    expect(answered.addresses).toEqual([{ street: 'Main St' }]);
    expect(answered.contacts).toEqual(sent.contacts);
    expect(answered.requestCreated).toBe(NOW_WCF);
    expect(answered.created).toBe('/Date(1700000001000-0000)/');
  });

  it('reads an empty or unexpected answer as what was sent', () => {
    for (const answer of ['', null, [], 'OK']) {
      const read = provisionedCustomer(sent, answer);
      expect(read.customer).toEqual(sent.customer);
      expect(read.created).toBeNull();
    }
  });

  it('leaves out roles it does not know rather than failing', () => {
    expect(knownContactRoles(['Primary', 'Owner', 'ContractSignatory'])).toEqual(['Primary', 'ContractSignatory']);
    const read = provisionedCustomer(sent, {
      contacts: [{ email: 'a@b.example', roles: ['Owner', 'Sales'] }, { email: 'c@d.example' }],
    });
    expect(read.contacts!.map((c) => c.roles)).toEqual([['Sales'], []]);
  });
});

describe('Net3 field names to GraphQL input paths', () => {
  it.each([
    ['Customer.CustomerName', ['customer', 'customerName']],
    ['Customer.N3TLogins_CompanyId', ['customer', 'loginsCompanyId']],
    ['Customer.isReseller', ['customer', 'isReseller']],
    ['Contacts[0].Email', ['contacts', 0, 'email']],
    ['Contacts[2].Roles[1]', ['contacts', 2, 'roles', 1]],
    ['Contacts', ['contacts']],
    ['Addresses[1].PostalCode', ['addresses', 1, 'postalCode']],
    ['CreatedBy.UserId', ['createdBy', 'userId']],
    ['RequesterIP', ['requesterIP']],
    ['', []],
  ])('%s → %j', (property, path) => {
    expect(net3InputPathOfProperty(property)).toEqual(path);
  });

  it.each([
    ['Customer.CustomerName', ['companyName']],
    ['Customer.StreetAddress', ['addressLine1']],
    ['Customer.CityStateZip', ['city']],
    ['Customer.Email', ['email']],
    ['Customer.N3TLogins_CompanyId', ['loginsCompanyId']],
    ['Customer.TypePricingTierId', ['typePricingTierId']],
    ['Customer.CustomerId', []],
    ['Addresses[0].PostalCode', ['zip']],
    ['Addresses[0].Telephone', ['phone']],
    ['Addresses[0].Notes', []],
    ['Addresses[2].Street', ['addresses', 1, 'street']],
    ['Addresses', ['addresses']],
    ['Contacts[0].FirstName', ['firstName']],
    ['Contacts[0].Telephone', ['phone']],
    ['Contacts[0].Roles', ['primaryContactRoles']],
    ['Contacts[1].Email', ['contacts', 0, 'email']],
    ['Contacts[3].Roles[0]', ['contacts', 2, 'roles', 0]],
    ['Contacts', ['contacts']],
    ['CreatedBy.Email', ['createdBy', 'email']],
    ['SalesContact', ['salesContact']],
  ])('in a section made from the canonical customer, %s → %j', (property, path) => {
    expect(net3SectionPathOfProperty(property)).toEqual(path);
  });
});

describe('net3InputFromCanonical', () => {
  it('builds the Net3 customer from the canonical one, with its id, address and contact person', () => {
    expect(net3InputFromCanonical(canonical(), {})).toEqual({
      customer: {
        customerId: UUID,
        customerName: 'Contoso Pizza',
        streetAddress: '1200 Main St, Suite 4',
        cityStateZip: 'Columbia, SC 29201',
        phone: '+1 803 555 0100',
        email: 'ana@contoso.example',
      },
      addresses: [
        {
          street: '1200 Main St, Suite 4',
          city: 'Columbia',
          state: 'SC',
          postalCode: '29201',
          telephone: '+1 803 555 0100',
          email: 'ana@contoso.example',
          primary: true,
        },
      ],
      contacts: [
        {
          firstName: 'Ana',
          lastName: 'Silva',
          email: 'ana@contoso.example',
          telephone: '+1 803 555 0100',
          roles: [Net3ContactRole.Primary],
        },
      ],
    });
  });

  it('lets the section override the canonical values and add Net3’s own', () => {
    const section: Net3Section = {
      companyName: 'Contoso Pizza (Net3)',
      addressLine1: '1 Gervais St',
      addressLine2: null,
      city: 'Lexington',
      zip: '29072',
      firstName: 'Bea',
      email: 'it@contoso.example',
      phone: '+1 803 555 0199',
      extension: '7',
      serviceLevelId: 2,
      typePricingTierId: 3,
      typeCustomerStatusId: 1,
      isReseller: true,
      parentCompanyId: 'PARENT-1',
      loginsCompanyId: UUID,
      primaryContactRoles: [Net3ContactRole.Billing, Net3ContactRole.Primary, Net3ContactRole.Billing],
      addresses: [{ street: 'PO Box 9', city: 'Columbia' }],
      contacts: [
        { firstName: 'Carl', lastName: 'Ito', email: 'carl@contoso.example', roles: [Net3ContactRole.Technical] },
      ],
      createdBy: { username: 'rep' },
      salesContact: 'rep@partner.example',
      requesterIP: '198.51.100.1',
      requestCreated: NOW,
    };
    const built = net3InputFromCanonical(canonical(), section);
    expect(built.customer).toEqual({
      customerId: UUID,
      customerName: 'Contoso Pizza (Net3)',
      streetAddress: '1 Gervais St, Suite 4',
      cityStateZip: 'Lexington, SC 29072',
      phone: '+1 803 555 0199',
      extension: '7',
      email: 'it@contoso.example',
      serviceLevelId: 2,
      isReseller: true,
      parentCompanyId: 'PARENT-1',
      loginsCompanyId: UUID,
      typeCustomerStatusId: 1,
      typePricingTierId: 3,
    });
    expect(built.addresses).toEqual([
      expect.objectContaining({
        street: '1 Gervais St, Suite 4',
        city: 'Lexington',
        postalCode: '29072',
        primary: true,
      }),
      { street: 'PO Box 9', city: 'Columbia' },
    ]);
    expect(built.contacts).toEqual([
      {
        firstName: 'Bea',
        lastName: 'Silva',
        email: 'it@contoso.example',
        telephone: '+1 803 555 0199',
        roles: [Net3ContactRole.Primary, Net3ContactRole.Billing],
      },
      section.contacts![0],
    ]);
    expect(built).toMatchObject({
      createdBy: { username: 'rep' },
      salesContact: 'rep@partner.example',
      requesterIP: '198.51.100.1',
      requestCreated: NOW,
    });
  });

  it('writes the one-line address without empty parts', () => {
    const built = net3InputFromCanonical(canonical({ addressLine2: null, state: '' }), {});
    expect(built.customer.streetAddress).toBe('1200 Main St');
    expect(built.customer.cityStateZip).toBe('Columbia, 29201');
  });

  it('makes input whose wire form carries the CloudCockpit id and a single Primary contact', () => {
    const body = toProvisionCustomerModel(net3InputFromCanonical(canonical(), {}), { clientIp: null, now: NOW });
    expect(body.customer!.customerId).toBe(UUID);
    expect(body.contacts!.filter((c) => c.roles!.includes('Primary'))).toHaveLength(1);
  });
});
