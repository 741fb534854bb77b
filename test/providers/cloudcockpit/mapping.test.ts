import { describe, expect, it } from 'vitest';
import type { AddProviderInstanceInput, CreateCustomerInput } from '../../../src/generated/graphql.js';
import {
  customerCursors,
  inputPathOfProperty,
  microsoftCustomerDataOf,
  offerTypeMarginsOf,
  pagesCovering,
  parseProviderCustomerData,
  toAddProviderInstanceRequest,
  toCustomerConnection,
  toCustomerViewModel,
} from '../../../src/providers/cloudcockpit/mapping.js';
import type { CustomerPage, CustomerViewModel } from '../../../src/providers/cloudcockpit/wire.js';
import { customerInput, MICROSOFT_INSTANCE, microsoftData, providerInstanceInput } from '../../support/fixtures.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

describe('CloudCockpit mapping: GraphQL input to wire', () => {
  it('always sends an id, keeping the given one', () => {
    const made = toCustomerViewModel(customerInput() as CreateCustomerInput, null);
    expect(made.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(toCustomerViewModel(customerInput({ id: A }) as CreateCustomerInput, null).id).toBe(A);
  });

  it('sends absent optional fields as null and providerCustomers as {}', () => {
    const body = toCustomerViewModel(
      customerInput({ taxId: undefined, middleName: undefined }) as CreateCustomerInput,
      B,
    );
    expect(body).toMatchObject({
      taxId: null,
      middleName: null,
      resellerId: B,
      providerCustomers: {},
      customerAssociations: null,
    });
  });

  it('keys providerCustomers by provider instance and refuses one listed twice', () => {
    const twice = customerInput({
      providerCustomers: [providerInstanceInput(), providerInstanceInput()],
    }) as CreateCustomerInput;
    expect(() => toCustomerViewModel(twice, null, ['input'])).toThrowError(
      expect.objectContaining({
        extensions: expect.objectContaining({
          code: 'BAD_USER_INPUT',
          fieldErrors: [{ path: ['input', 'providerCustomers', 1, 'providerInstanceId'], messages: expect.any(Array) }],
        }),
      }),
    );
    const once = toCustomerViewModel(
      customerInput({ providerCustomers: [providerInstanceInput()] }) as CreateCustomerInput,
      null,
    );
    expect(Object.keys(once.providerCustomers)).toEqual([MICROSOFT_INSTANCE]);
  });

  it('sends every GUID lower-cased, as .NET writes them, and keys providerCustomers so', () => {
    const upper = MICROSOFT_INSTANCE.toUpperCase();
    const reseller = B.replace(/2/g, 'C');
    const body = toCustomerViewModel(
      customerInput({
        id: A.replace(/1/g, 'A'),
        providerCustomers: [providerInstanceInput({ providerInstanceId: upper })],
        customerAssociations: [{ resellerId: reseller, name: 'R' }],
      }) as CreateCustomerInput,
      reseller,
    );
    expect(body.id).toBe(A.replace(/1/g, 'a'));
    expect(body.resellerId).toBe(reseller.toLowerCase());
    expect(body.customerAssociations).toEqual([{ resellerId: reseller.toLowerCase(), name: 'R' }]);
    expect(Object.keys(body.providerCustomers)).toEqual([MICROSOFT_INSTANCE]);
    expect(body.providerCustomers[MICROSOFT_INSTANCE]!.providerInstanceId).toBe(MICROSOFT_INSTANCE);
    // A validation error names the lower-case key: it still finds the entry given in upper case.
    const input = customerInput({
      providerCustomers: [providerInstanceInput({ providerInstanceId: upper })],
    }) as CreateCustomerInput;
    expect(inputPathOfProperty(`ProviderCustomers[${MICROSOFT_INSTANCE}].Margin`, input)).toEqual([
      'providerCustomers',
      0,
      'margin',
    ]);
  });

  it('writes Microsoft data as the PascalCase JSON string CloudCockpit stores', () => {
    const body = toAddProviderInstanceRequest(providerInstanceInput() as AddProviderInstanceInput);
    const data = JSON.parse(body.providerCustomerData) as Record<string, unknown>;
    expect(data).toMatchObject({
      AcceptedMCA: true,
      AgreementDate: '2022-12-28T00:00:00Z',
      AssociatedPartnerId: '6234552',
      Qualifications: [],
    });
  });

  it('keeps milliseconds of a date only when it has them', () => {
    const input = providerInstanceInput({
      microsoftCustomerData: microsoftData({ agreementDate: new Date('2023-01-02T03:04:05.678Z') }),
    });
    const data = JSON.parse(toAddProviderInstanceRequest(input as AddProviderInstanceInput).providerCustomerData) as {
      AgreementDate: string;
    };
    expect(data.AgreementDate).toBe('2023-01-02T03:04:05.678Z');
  });

  it('takes providerCustomerData as a JSON object or as the JSON string itself', () => {
    const base = providerInstanceInput({ microsoftCustomerData: undefined });
    const asObject = toAddProviderInstanceRequest({
      ...base,
      providerCustomerData: { Tier: 'gold' },
    } as AddProviderInstanceInput);
    expect(asObject.providerCustomerData).toBe('{"Tier":"gold"}');
    const asString = toAddProviderInstanceRequest({
      ...base,
      providerCustomerData: '{"Tier":"gold"}',
    } as AddProviderInstanceInput);
    expect(asString.providerCustomerData).toBe('{"Tier":"gold"}');
  });

  it('writes offer type margins in the documented Value dictionary and refuses duplicates', () => {
    const body = toAddProviderInstanceRequest(providerInstanceInput() as AddProviderInstanceInput);
    expect(body.offerTypeMargins).toEqual({ Value: { license: { MarginRule: { Name: 'markup' }, Value: 10 } } });
    const duplicate = providerInstanceInput({
      offerTypeMargins: [
        { offerType: 'license', margin: { marginRule: { name: 'markup' }, value: 1 } },
        { offerType: 'license', margin: { marginRule: { name: 'markup' }, value: 2 } },
      ],
    });
    expect(() => toAddProviderInstanceRequest(duplicate as AddProviderInstanceInput, ['input'])).toThrow(
      /listed twice/,
    );
  });
});

describe('CloudCockpit mapping: wire to GraphQL', () => {
  it('lists offer type margins from the dictionary', () => {
    expect(
      offerTypeMarginsOf({
        providerInstanceId: A,
        providerCustomerData: null,
        offerTypeMargins: {
          Value: {
            license: { MarginRule: { Name: 'markup' }, Value: 10 },
            azure: { MarginRule: { Name: 'margin' }, Value: 3 },
          },
        },
      }),
    ).toEqual([
      { offerType: 'license', margin: { marginRule: { name: 'markup' }, value: 10 } },
      { offerType: 'azure', margin: { marginRule: { name: 'margin' }, value: 3 } },
    ]);
  });

  it('reads Microsoft data only when it has that shape', () => {
    const raw =
      '{"Domain":"TestDomain","AcceptedMCA":true,"AgreementDate":"2022-12-28T00:00:00Z","AssociatedPartnerId":6234552,"Qualifications":["Education"]}';
    expect(microsoftCustomerDataOf(raw)).toMatchObject({
      domain: 'TestDomain',
      acceptedMCA: true,
      agreementDate: new Date('2022-12-28T00:00:00Z'),
      associatedPartnerId: '6234552',
      qualifications: ['Education'],
      email: null,
    });
    expect(microsoftCustomerDataOf('{"Tier":"gold"}')).toBeNull();
    expect(microsoftCustomerDataOf('not json')).toBeNull();
    expect(parseProviderCustomerData('not json')).toBe('not json');
    expect(parseProviderCustomerData('{"a":1}')).toEqual({ a: 1 });
  });
});

describe('CloudCockpit property names to GraphQL input paths', () => {
  const input = customerInput({
    providerCustomers: [
      providerInstanceInput({ providerInstanceId: A }),
      providerInstanceInput({ providerInstanceId: B }),
    ],
  }) as CreateCustomerInput;

  it.each([
    ['CompanyName', ['companyName']],
    ['$.addressLine1', ['addressLine1']],
    ['Zip', ['zip']],
    [`ProviderCustomers[${B}].Margin.Value`, ['providerCustomers', 1, 'margin', 'value']],
    [
      `ProviderCustomers[${A}].ProviderCustomerData.Domain`,
      ['providerCustomers', 0, 'microsoftCustomerData', 'domain'],
    ],
    [
      `ProviderCustomers[${A}].OfferTypeMargins.Value[license].Value`,
      ['providerCustomers', 0, 'offerTypeMargins', 0, 'margin', 'value'],
    ],
    ['ProviderCustomers[unknown].Margin', ['providerCustomers']],
  ])('%s -> %j', (property, path) => {
    expect(inputPathOfProperty(property, input)).toEqual(path);
  });

  it('stops at providerCustomerData when the caller gave it as JSON', () => {
    const raw = providerInstanceInput({
      microsoftCustomerData: undefined,
      providerCustomerData: {},
    }) as AddProviderInstanceInput;
    expect(inputPathOfProperty('ProviderCustomerData.Domain', raw)).toEqual(['providerCustomerData']);
  });
});

describe('Relay cursors over CloudCockpit pages', () => {
  it('round-trips cursors and refuses foreign ones', () => {
    expect(customerCursors.decode(customerCursors.encode(41))).toBe(41);
    expect(customerCursors.decode('garbage')).toBeNull();
  });

  it('reads one page when aligned and two when the window straddles pages', () => {
    expect(pagesCovering(0, 10)).toEqual([{ pageNumber: 1, pageSize: 10 }]);
    expect(pagesCovering(20, 10)).toEqual([{ pageNumber: 3, pageSize: 10 }]);
    expect(pagesCovering(25, 10)).toEqual([
      { pageNumber: 3, pageSize: 10 },
      { pageNumber: 4, pageSize: 10 },
    ]);
  });

  const customers = Array.from(
    { length: 12 },
    (_, i) => ({ id: `c${i}`, resellerId: i % 3 === 0 ? A : null }) as CustomerViewModel,
  );
  /** CloudCockpit's answer to page `n` of size 5, as the request asked for it. */
  const answer = (n: number, page: Partial<CustomerPage> = {}) => ({
    asked: { pageNumber: n, pageSize: 5 },
    page: {
      items: customers.slice((n - 1) * 5, n * 5),
      pageNumber: n,
      pageSize: 5,
      totalCount: 12,
      ...page,
    } as CustomerPage,
  });

  it('slices the window out of the pages and tells whether more follow', () => {
    const window = toCustomerConnection([answer(1), answer(2)], 3, 5);
    expect(window.nodes.map((c) => c.id)).toEqual(['c3', 'c4', 'c5', 'c6', 'c7']);
    expect(customerCursors.decode(window.edges[0]!.cursor)).toBe(3);
    expect(window.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect(window).toMatchObject({ totalCount: 12, hidden: 0 });
    const last = toCustomerConnection([answer(3)], 10, 5);
    expect(last.nodes.map((c) => c.id)).toEqual(['c10', 'c11']);
    expect(last.pageInfo.hasNextPage).toBe(false);
  });

  it('places items by the page it asked for, not by the pageNumber of the answer', () => {
    // wire.ts relies on items and totalCount only: an answer without pageNumber (or with another) changes nothing.
    const missing = { pageNumber: undefined as unknown as number };
    const window = toCustomerConnection([answer(1, missing), answer(2, missing)], 3, 5);
    expect(window.nodes.map((c) => c.id)).toEqual(['c3', 'c4', 'c5', 'c6', 'c7']);
    expect(window.edges.map((e) => customerCursors.decode(e.cursor))).toEqual([3, 4, 5, 6, 7]);
    const wrong = toCustomerConnection([answer(3, { pageNumber: 1 })], 10, 5);
    expect(wrong.nodes.map((c) => c.id)).toEqual(['c10', 'c11']);
  });

  /** A reseller's scope over the list above: it may see c0, c3, c6, c9; the tenant has `tenantTotal` customers. */
  const resellerScope = (tenantTotal: number) => ({
    visible: (c: CustomerViewModel) => c.resellerId === A,
    tenantTotal,
  });

  it('leaves out what a reseller may not see, keeping positions, and does not pass on a count that included it', () => {
    const window = toCustomerConnection([answer(1), answer(2)], 3, 5, resellerScope(12));
    expect(window.nodes.map((c) => c.id)).toEqual(['c3', 'c6']);
    // Cursors are CloudCockpit positions: `after` the last shown one continues at c7.
    expect(window.edges.map((e) => customerCursors.decode(e.cursor))).toEqual([3, 6]);
    expect(window).toMatchObject({ hidden: 3, totalCount: 2 });
    expect(window.pageInfo.hasNextPage).toBe(true);

    // Nothing of the window is shown: endCursor still moves past it, so paging does not stall.
    const empty = toCustomerConnection([answer(1)], 1, 2, resellerScope(12));
    expect(empty.nodes).toEqual([]);
    expect(empty).toMatchObject({ hidden: 2, totalCount: 0 });
    expect(empty.pageInfo).toMatchObject({ hasNextPage: true, startCursor: null });
    expect(customerCursors.decode(empty.pageInfo.endCursor!)).toBe(2);
  });

  it("passes a reseller CloudCockpit's count only when CloudCockpit narrowed the list", () => {
    const onlyMine = (n: number, totalCount: number) => ({
      asked: { pageNumber: n, pageSize: 2 },
      page: {
        items: customers.filter((c) => c.resellerId === A).slice((n - 1) * 2, n * 2),
        totalCount,
      } as CustomerPage,
    });
    // CloudCockpit counts 4 of the tenant's 12: it applied resellerId, and its count is the reseller's.
    expect(toCustomerConnection([onlyMine(1, 4)], 0, 2, resellerScope(12)).totalCount).toBe(4);
    // The same window counted as the whole tenant: nothing was left out here, yet the count is the tenant's.
    expect(toCustomerConnection([onlyMine(1, 12)], 0, 2, resellerScope(12)).totalCount).toBe(2);
  });
});
