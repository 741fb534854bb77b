import { describe, it, expect } from 'vitest';
import type { GraphQLError } from 'graphql';
import type { ExperiencePlatformProvisioningInput, ExperiencePlatformSection } from '../../../src/generated/graphql.js';
import type { CustomerViewModel } from '../../../src/providers/cloudcockpit/wire.js';
import { propertiesNamedIn } from '../../../src/providers/experience-platform/client.js';
import {
  entitlementOf,
  experiencePlatformInputFromCanonical,
  CLOCK_TOLERANCE_MS,
  inputPathOfProperty,
  isFinalState,
  isStoredAs,
  provisioningStateOf,
  quantityOf,
  sectionPathOfProperty,
  storedSince,
  timeOf,
  toProvisioningRequest,
  toWireDate,
} from '../../../src/providers/experience-platform/mapping.js';
import type { ProvisioningResponse, StoredRequest } from '../../../src/providers/experience-platform/wire.js';

const ORG = '0123456789ABCDEF01234567@AdobeOrg';

function input(overrides: Partial<ExperiencePlatformProvisioningInput> = {}): ExperiencePlatformProvisioningInput {
  return {
    customer: {
      name: 'Contoso Pizza',
      imsOrgId: ORG,
      contact: 'ana@contoso.example',
      tenantId: 'contosopizza',
      region: 'NLD2',
    },
    entitlement: {
      valuePropId: 'rtcdp-prime',
      valuePropSKUID: '65304520CA01A12',
      location: 'EU',
      // As the ExperiencePlatformQuantity scalar hands them over: decimal strings.
      metrics: { numberOfProfiles: '1000000', capacityCPU: '8', capacityStorage: '500', capacityBandwidth: '0' },
    },
    reports: {
      eccid: '1234567',
      dealRegistrationNumber: 'DR-42',
      startDate: new Date('2025-01-01T00:00:00Z'),
      endDate: new Date('2025-12-31T12:30:00.250Z'),
      recordOwner: 'owner@partner.example',
    },
    ...overrides,
  };
}

function fieldErrorsOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return (error as GraphQLError).extensions;
  }
  throw new Error('expected a BAD_USER_INPUT');
}

describe('Experience Platform mapping: GraphQL input to wire', () => {
  it("writes the document's body: tenentId, metrics as decimal strings, dates as RFC 3339 UTC", () => {
    expect(toProvisioningRequest(input())).toEqual({
      customer: {
        name: 'Contoso Pizza',
        imsOrgId: ORG,
        contact: 'ana@contoso.example',
        tenentId: 'contosopizza',
        region: 'NLD2',
      },
      entitlement: {
        valuePropId: 'rtcdp-prime',
        valuePropSKUID: '65304520CA01A12',
        location: 'EU',
        metrics: { numberOfProfiles: '1000000', capacityCPU: '8', capacityStorage: '500', capacityBandwidth: '0' },
      },
      reports: {
        eccid: '1234567',
        dealRegistrationNumber: 'DR-42',
        startDate: '2025-01-01T00:00:00.000Z',
        endDate: '2025-12-31T12:30:00.250Z',
        recordOwner: 'owner@partner.example',
      },
    });
  });

  it('leaves out what was not given, rather than sending nulls', () => {
    const body = toProvisioningRequest(
      input({
        entitlement: {
          valuePropId: 'rtcdp',
          valuePropSKUID: 'SKU',
          location: null,
          metrics: { capacityCPU: '4', numberOfProfiles: null },
        },
        reports: null,
      }),
    );
    expect(body.entitlement).toEqual({ valuePropId: 'rtcdp', valuePropSKUID: 'SKU', metrics: { capacityCPU: '4' } });
    expect('reports' in body).toBe(false);
    expect(JSON.stringify(body)).not.toContain('null');
  });

  it('writes a DateTime given as a string in the same UTC form', () => {
    expect(toWireDate('2025-03-01T10:00:00+02:00')).toBe('2025-03-01T08:00:00.000Z');
  });

  it('sends metrics beyond 2^53 as the very digits given, and an input recorded when they were Ints as its digits', () => {
    const metrics = { capacityStorage: '9007199254740993', numberOfProfiles: '18446744073709551615' };
    expect(
      toProvisioningRequest(input({ entitlement: { ...input().entitlement, metrics } })).entitlement.metrics,
    ).toEqual(metrics);
    // The ledger keeps inputs as JSON: one recorded before the scalar holds numbers.
    const recorded = { capacityCPU: 8 as unknown as string, capacityStorage: 2_147_483_647 as unknown as string };
    expect(
      toProvisioningRequest(input({ entitlement: { ...input().entitlement, metrics: recorded } })).entitlement.metrics,
    ).toEqual({ capacityCPU: '8', capacityStorage: '2147483647' });
  });

  it('refuses a malformed organization id and an end before the start, at full input paths', () => {
    const bad = input({
      customer: { ...input().customer, imsOrgId: 'contoso\r\nx-evil: 1' },
      reports: { startDate: new Date('2025-02-01T00:00:00Z'), endDate: new Date('2025-01-31T00:00:00Z') },
    });
    expect(fieldErrorsOf(() => toProvisioningRequest(bad, ['input']))).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [
        { path: ['input', 'customer', 'imsOrgId'], messages: [expect.stringMatching(/@AdobeOrg/)] },
        { path: ['input', 'reports', 'endDate'], messages: ['Must not be before startDate'] },
      ],
    });
  });

  it("reports local problems of a section-built input at the section's own paths", () => {
    const bad = input({ customer: { ...input().customer, imsOrgId: 'nope' } });
    expect(
      fieldErrorsOf(() => toProvisioningRequest(bad, ['input', 'experiencePlatform'], sectionPathOfProperty)),
    ).toMatchObject({
      fieldErrors: [{ path: ['input', 'experiencePlatform', 'imsOrgId'] }],
    });
  });
});

describe('Experience Platform mapping: from the canonical customer', () => {
  const canonical = {
    id: '9d4f3c1e-2b7a-4d8e-9f01-23456789abcd',
    companyName: 'Contoso Pizza Lda',
    email: 'ana.silva@contoso.example',
  } as CustomerViewModel;
  const section: ExperiencePlatformSection = {
    imsOrgId: ORG,
    tenantId: 'contosopizza',
    region: 'NLD2',
    entitlement: { valuePropId: 'rtcdp-prime', valuePropSKUID: 'SKU' },
    reports: { eccid: '42' },
    reprovision: true,
  };

  it('takes the name and contact from the canonical customer, the rest from the section', () => {
    expect(experiencePlatformInputFromCanonical(canonical, section)).toEqual({
      customer: {
        name: 'Contoso Pizza Lda',
        imsOrgId: ORG,
        contact: 'ana.silva@contoso.example',
        tenantId: 'contosopizza',
        region: 'NLD2',
      },
      entitlement: { valuePropId: 'rtcdp-prime', valuePropSKUID: 'SKU' },
      reports: { eccid: '42' },
    });
  });

  it('lets the section override the name and the contact', () => {
    const full = experiencePlatformInputFromCanonical(canonical, {
      ...section,
      name: 'Contoso EU',
      contact: 'adobe@contoso.example',
      reports: null,
    });
    expect(full.customer).toMatchObject({ name: 'Contoso EU', contact: 'adobe@contoso.example' });
    expect(full.reports).toBeNull();
    expect(toProvisioningRequest(full).customer.tenentId).toBe('contosopizza');
  });
});

describe('Experience Platform mapping: gateway properties to input paths', () => {
  it("maps the document's properties onto the full input, tenentId onto tenantId", () => {
    expect(inputPathOfProperty('customer.tenentId')).toEqual(['customer', 'tenantId']);
    expect(inputPathOfProperty('entitlement.metrics.capacityCPU')).toEqual(['entitlement', 'metrics', 'capacityCPU']);
    expect(inputPathOfProperty('reports.endDate')).toEqual(['reports', 'endDate']);
    expect(inputPathOfProperty('reprovision')).toEqual([]);
  });

  it("maps the customer's properties onto the section's own fields", () => {
    expect(sectionPathOfProperty('customer.tenentId')).toEqual(['tenantId']);
    expect(sectionPathOfProperty('customer.name')).toEqual(['name']);
    expect(sectionPathOfProperty('entitlement.valuePropSKUID')).toEqual(['entitlement', 'valuePropSKUID']);
  });

  it('reads the properties a 400 reason names, qualified or in free text', () => {
    expect(
      propertiesNamedIn('customer.tenentId: is required; entitlement.metrics.capacityCPU: must be a string'),
    ).toEqual([
      { property: 'customer.tenentId', messages: ['is required'] },
      { property: 'entitlement.metrics.capacityCPU', messages: ['must be a string'] },
    ]);
    expect(propertiesNamedIn('x-gw-ims-org-id: must be the organization of customer.imsOrgId')).toEqual([
      { property: 'customer.imsOrgId', messages: ['must be the organization of customer.imsOrgId'] },
    ]);
    expect(propertiesNamedIn('Invalid valuePropSKUID for this region')).toEqual([
      { property: 'customer.region', messages: ['Invalid valuePropSKUID for this region'] },
      { property: 'entitlement.valuePropSKUID', messages: ['Invalid valuePropSKUID for this region'] },
    ]);
    expect(propertiesNamedIn('Value entitlement.valuePropId is unknown')).toEqual([
      { property: 'entitlement.valuePropId', messages: ['Value entitlement.valuePropId is unknown'] },
    ]);
    expect(propertiesNamedIn('Something went wrong')).toEqual([]);
  });
});

describe('Experience Platform mapping: wire to GraphQL', () => {
  it("reads status words, Adobe's spellings alike, and anything else as unknown", () => {
    expect(['inProgress', 'IN_PROGRESS', 'processing'].map(provisioningStateOf)).toEqual([
      'inProgress',
      'inProgress',
      'inProgress',
    ]);
    expect(['completed', 'SUCCESS', 'Succeeded'].map(provisioningStateOf)).toEqual([
      'completed',
      'completed',
      'completed',
    ]);
    expect(['failed', 'ERROR'].map(provisioningStateOf)).toEqual(['failed', 'failed']);
    expect(provisioningStateOf('paused')).toBe('unknown');
    expect(provisioningStateOf(null)).toBe('unknown');
    expect([
      isFinalState('completed'),
      isFinalState('failed'),
      isFinalState('inProgress'),
      isFinalState('unknown'),
    ]).toEqual([true, true, false, false]);
  });

  it('reads timestamps as epoch milliseconds, 0 as no time, and a value too small for milliseconds as seconds', () => {
    expect(timeOf(1_735_689_600_000)).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect(timeOf(1_735_689_600)).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect(timeOf(0)).toBeNull();
    expect(timeOf(undefined)).toBeNull();
  });

  it('passes on metrics that are decimal digits verbatim, of any length; anything else is null', () => {
    expect(['1000000', '0', '007', '9007199254740993', '1'.repeat(30)].map(quantityOf)).toEqual([
      '1000000',
      '0',
      '007',
      '9007199254740993',
      '1'.repeat(30),
    ]);
    expect([undefined, null, '', ' 8 ', '1.5', '-1', '1e3', '10GB'].map(quantityOf)).toEqual(Array(8).fill(null));
  });

  it('takes the entitlement Adobe stored', () => {
    const response: ProvisioningResponse = {
      storedRequest: { id: 'r', imsOrgId: ORG, timestamp: 0, stored: toProvisioningRequest(input()) },
    };
    expect(entitlementOf(response)?.valuePropSKUID).toBe('65304520CA01A12');
    expect(entitlementOf({ storedRequest: null })).toBeNull();
  });
});

describe('Experience Platform mapping: finding the request of a lost answer', () => {
  const sent = toProvisioningRequest(input());
  const stored = (overrides: Partial<StoredRequest> = {}): StoredRequest => ({
    id: 'r',
    imsOrgId: ORG,
    timestamp: Date.parse('2025-01-01T00:00:10Z'),
    // As the status endpoint returns it: the request, plus the subscription.
    stored: { ...structuredClone(sent), subscriptionId: 'sub-1' },
    ...overrides,
  });

  it('takes a stored request for the one sent when it holds every value sent, whatever the gateway added', () => {
    expect(isStoredAs(stored(), sent)).toBe(true);
    expect(isStoredAs(stored({ imsOrgId: '76543210FEDCBA9876543210@AdobeOrg' }), sent)).toBe(false);
    const otherSku = stored();
    otherSku.stored.entitlement.valuePropSKUID = 'OTHER';
    expect(isStoredAs(otherSku, sent)).toBe(false);
    const noMetrics = stored();
    delete noMetrics.stored.entitlement.metrics;
    expect(isStoredAs(noMetrics, sent)).toBe(false);
  });

  it('takes it only when stored after the provisioning was asked for, allowing for a clock a little behind', () => {
    const askedAt = '2025-01-01T00:00:10Z';
    expect(storedSince(stored(), askedAt)).toBe(true);
    expect(storedSince(stored({ timestamp: Date.parse(askedAt) - CLOCK_TOLERANCE_MS }), askedAt)).toBe(true);
    expect(storedSince(stored({ timestamp: Date.parse(askedAt) - CLOCK_TOLERANCE_MS - 1 }), askedAt)).toBe(false);
    // Seconds are read as seconds (see timeOf).
    expect(storedSince(stored({ timestamp: Date.parse(askedAt) / 1000 }), askedAt)).toBe(true);
    // Without a time on either side nothing tells it from an earlier identical request.
    expect(storedSince(stored({ timestamp: 0 }), askedAt)).toBe(false);
    expect(storedSince(stored(), null)).toBe(false);
  });
});
