import { randomUUID } from 'node:crypto';
import { badUserInput, type InputPath } from '../../errors.js';
import { offsetCursors, type Connection } from '../../relay.js';
import type {
  AddProviderInstanceInput,
  CreateCustomerInput,
  MarginInput,
  MicrosoftCustomerData as MicrosoftCustomerDataGql,
  MicrosoftCustomerDataInput,
  OfferTypeMargin as OfferTypeMarginGql,
  OfferTypeMarginInput,
} from '../../generated/graphql.js';
import type {
  AddProviderInstanceRequest,
  CustomerPage,
  CustomerViewModel,
  Margin,
  MicrosoftCustomerData,
  OfferTypeMargins,
  ProviderCustomer,
} from './wire.js';

// ---------------------------------------------------------------------------------------------
// GraphQL input -> wire

/**
 * A GUID as CloudCockpit writes it. The UUID scalar keeps the case it was given, while .NET writes Guids in lower
 * case (the ids it answers with, the keys of `providerCustomers`): every GUID sent is lower-cased, so that what
 * comes back can be looked up, and compared, by the id that was sent.
 */
export function wireGuid(value: string): string;
export function wireGuid(value: string | null | undefined): string | null;
export function wireGuid(value: string | null | undefined): string | null {
  return value == null ? null : value.toLowerCase();
}

/**
 * The `POST /v1/Customers` body. Every documented field is sent, null when not given, and `id` is always
 * set (the caller's or a new one) so that a repeated request carries the same customer id.
 */
export function toCustomerViewModel(
  input: CreateCustomerInput,
  resellerId: string | null,
  at: InputPath = [],
): CustomerViewModel {
  const providerCustomers: Record<string, ProviderCustomer> = {};
  (input.providerCustomers ?? []).forEach((entry, index) => {
    const key = wireGuid(entry.providerInstanceId);
    if (providerCustomers[key]) {
      throw badUserInput('A provider instance is listed twice', [
        {
          path: [...at, 'providerCustomers', index, 'providerInstanceId'],
          messages: ['This provider instance is already listed'],
        },
      ]);
    }
    providerCustomers[key] = toAddProviderInstanceRequest(entry, [...at, 'providerCustomers', index]);
  });
  return {
    id: wireGuid(input.id ?? randomUUID()),
    companyName: input.companyName,
    taxId: input.taxId ?? null,
    country: input.country,
    addressLine1: input.addressLine1,
    addressLine2: input.addressLine2 ?? null,
    city: input.city,
    state: input.state,
    zip: input.zip,
    firstName: input.firstName,
    middleName: input.middleName ?? null,
    lastName: input.lastName,
    email: input.email,
    phone: input.phone,
    internalIdentifier: input.internalIdentifier ?? null,
    resellerId: wireGuid(resellerId),
    providerCustomers,
    customerAssociations:
      input.customerAssociations?.map((a) => ({ resellerId: wireGuid(a.resellerId), name: a.name ?? null })) ?? null,
  };
}

/** The `POST /v1/Customers/{customerId}/provider-instances` body (also one entry of `providerCustomers`). */
export function toAddProviderInstanceRequest(
  input: AddProviderInstanceInput,
  at: InputPath = [],
): AddProviderInstanceRequest {
  return {
    providerInstanceId: wireGuid(input.providerInstanceId),
    providerCustomerData: toProviderCustomerData(input, at),
    margin: toMargin(input.margin),
    offerTypeMargins: input.offerTypeMargins
      ? toOfferTypeMargins(input.offerTypeMargins, [...at, 'offerTypeMargins'])
      : null,
  };
}

function toProviderCustomerData(input: AddProviderInstanceInput, at: InputPath): string {
  const given = [input.providerCustomerData != null, input.microsoftCustomerData != null].filter(Boolean).length;
  if (given !== 1) {
    throw badUserInput('Give exactly one of providerCustomerData and microsoftCustomerData', [
      {
        path: [...at, 'providerCustomerData'],
        messages: ['Give exactly one of providerCustomerData and microsoftCustomerData'],
      },
    ]);
  }
  if (input.microsoftCustomerData) return JSON.stringify(toMicrosoftCustomerData(input.microsoftCustomerData));
  // CloudCockpit stores the data as a JSON document inside a string: a string is taken as that document.
  const data = input.providerCustomerData;
  return typeof data === 'string' ? data : JSON.stringify(data);
}

export function toMicrosoftCustomerData(input: MicrosoftCustomerDataInput): MicrosoftCustomerData {
  return {
    Domain: input.domain,
    CredentialsEmail: input.credentialsEmail,
    AcceptedMCA: input.acceptedMCA,
    AgreementDate: toWireDateTime(input.agreementDate),
    KeepPrimaryInformation: input.keepPrimaryInformation,
    FirstName: input.firstName,
    LastName: input.lastName,
    Email: input.email,
    Phone: input.phone,
    DefaultCulture: input.defaultCulture,
    Language: input.language,
    AssociatedPartnerId: input.associatedPartnerId ?? null,
    Qualifications: input.qualifications ?? [],
    EnableGDAP: input.enableGDAP,
  };
}

/** The document writes dates as `2022-12-28T00:00:00Z`: whole seconds drop the milliseconds. */
function toWireDateTime(value: Date | string): string {
  const iso = (value instanceof Date ? value : new Date(value)).toISOString();
  return iso.replace(/\.000Z$/, 'Z');
}

function toMargin(input: MarginInput): Margin {
  return { marginRule: { name: input.marginRule.name }, value: input.value };
}

function toOfferTypeMargins(list: OfferTypeMarginInput[], at: InputPath): OfferTypeMargins {
  const byOfferType: OfferTypeMargins['Value'] = {};
  list.forEach(({ offerType, margin }, index) => {
    if (byOfferType[offerType]) {
      throw badUserInput('An offer type is listed twice', [
        { path: [...at, index, 'offerType'], messages: [`The offer type "${offerType}" is already listed`] },
      ]);
    }
    byOfferType[offerType] = { MarginRule: { Name: margin.marginRule.name }, Value: margin.value };
  });
  return { Value: byOfferType };
}

// ---------------------------------------------------------------------------------------------
// wire -> GraphQL

export function providerInstancesOf(customer: CustomerViewModel): ProviderCustomer[] {
  return Object.values(customer.providerCustomers ?? {});
}

/** The customer in one provider instance; the GUID is matched in any case, as CloudCockpit matches Guids. */
export function providerCustomerOf(
  customer: CustomerViewModel | null | undefined,
  providerInstanceId: string,
): ProviderCustomer | null {
  const id = wireGuid(providerInstanceId);
  const entries = Object.entries(customer?.providerCustomers ?? {});
  return entries.find(([key, entry]) => wireGuid(key) === id || wireGuid(entry.providerInstanceId) === id)?.[1] ?? null;
}

export function offerTypeMarginsOf(providerCustomer: ProviderCustomer): OfferTypeMarginGql[] {
  return Object.entries(providerCustomer.offerTypeMargins?.Value ?? {}).map(([offerType, m]) => ({
    offerType,
    margin: { marginRule: { name: m.MarginRule.Name }, value: m.Value },
  }));
}

/** The JSON document CloudCockpit keeps as a string; a string that is not JSON is returned as it is. */
export function parseProviderCustomerData(raw: string | null | undefined): unknown {
  if (raw == null) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** The data read as a Microsoft customer, when it has that shape (an object with a `Domain`). */
export function microsoftCustomerDataOf(raw: string | null | undefined): MicrosoftCustomerDataGql | null {
  const data = parseProviderCustomerData(raw);
  if (!isRecord(data) || typeof data.Domain !== 'string') return null;
  const text = (key: keyof MicrosoftCustomerData) => (typeof data[key] === 'string' ? (data[key] as string) : null);
  const flag = (key: keyof MicrosoftCustomerData) => (typeof data[key] === 'boolean' ? (data[key] as boolean) : null);
  const agreementDate = text('AgreementDate');
  const agreementTime = agreementDate ? Date.parse(agreementDate) : NaN;
  return {
    domain: data.Domain,
    credentialsEmail: text('CredentialsEmail'),
    acceptedMCA: flag('AcceptedMCA'),
    agreementDate: Number.isNaN(agreementTime) ? null : new Date(agreementTime),
    keepPrimaryInformation: flag('KeepPrimaryInformation'),
    firstName: text('FirstName'),
    lastName: text('LastName'),
    email: text('Email'),
    phone: text('Phone'),
    defaultCulture: text('DefaultCulture'),
    language: text('Language'),
    // An MPN id: the document's example is a number, its JSON example null; either reads as text.
    associatedPartnerId: data.AssociatedPartnerId == null ? null : String(data.AssociatedPartnerId),
    qualifications: Array.isArray(data.Qualifications) ? data.Qualifications.map(String) : [],
    enableGDAP: flag('EnableGDAP'),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// CloudCockpit property names -> GraphQL input paths

/**
 * Where a property CloudCockpit names in a validation error sits in our GraphQL input. CloudCockpit names
 * properties as FluentValidation does (`CompanyName`, `ProviderCustomers[<id>].Margin.Value`) or, for
 * JSON errors, as a JSON path (`$.companyName`); dictionary keys are matched back to their list entries.
 */
export function inputPathOfProperty(
  property: string,
  input: CreateCustomerInput | AddProviderInstanceInput,
): InputPath {
  const path: InputPath = [];
  let node: unknown = input;
  let segments = property
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean);
  while (segments.length > 0) {
    const [segment, ...rest] = segments as [string, ...string[]];
    segments = rest;
    const match = /^([^[\]]+)(?:\[(.+)\])?$/.exec(segment);
    if (!match?.[1]) break;
    const name = match[1].charAt(0).toLowerCase() + match[1].slice(1);
    const key = match[2]?.replace(/^["']|["']$/g, '');

    if (name === 'providerCustomerData') {
      // The JSON inside the string is only a typed input when the caller used microsoftCustomerData.
      const microsoft = isRecord(node) ? node.microsoftCustomerData : undefined;
      if (!microsoft) return [...path, 'providerCustomerData'];
      path.push('microsoftCustomerData');
      node = microsoft;
      continue;
    }
    if (name === 'value' && key !== undefined && path.at(-1) === 'offerTypeMargins') {
      // `OfferTypeMargins.Value[<offerType>]…` names one entry of our offerTypeMargins list.
      const index = Array.isArray(node) ? node.findIndex((e) => isRecord(e) && e.offerType === key) : -1;
      if (index < 0) return path;
      path.push(index, 'margin');
      node = (node as unknown[])[index];
      node = isRecord(node) ? node.margin : undefined;
      continue;
    }
    path.push(name);
    node = isRecord(node) ? node[name] : undefined;
    if (key !== undefined) {
      const index = Array.isArray(node)
        ? node.findIndex(
            (e) =>
              isRecord(e) &&
              ((typeof e.providerInstanceId === 'string' && wireGuid(e.providerInstanceId) === wireGuid(key)) ||
                e.offerType === key),
          )
        : -1;
      if (index < 0) return path;
      path.push(index);
      node = (node as unknown[])[index];
    }
  }
  return path;
}

// ---------------------------------------------------------------------------------------------
// Relay connection <-> CloudCockpit pages

/** Largest `pageSize` CloudCockpit accepts. */
export const MAX_PAGE_SIZE = 2000;

export const customerCursors = offsetCursors('customer');

/**
 * The CloudCockpit pages (1-based, of size `first`) that hold the window [offset, offset + first).
 * One page when the window is aligned to a page, else the two it straddles.
 */
export function pagesCovering(offset: number, first: number): { pageNumber: number; pageSize: number }[] {
  const pageNumber = Math.floor(offset / first) + 1;
  const pages = [{ pageNumber, pageSize: first }];
  if (offset % first !== 0) pages.push({ pageNumber: pageNumber + 1, pageSize: first });
  return pages;
}

/** The resellers a customer is related to: its own and those of its associations. */
export function resellerIdsOf(customer: CustomerViewModel): (string | null | undefined)[] {
  return [customer.resellerId, ...(customer.customerAssociations ?? []).map((a) => a.resellerId)];
}

/** One page CloudCockpit answered, with the page number and size it was asked for ({@link pagesCovering}). */
export interface AnsweredPage {
  asked: { pageNumber: number; pageSize: number };
  page: CustomerPage;
}

export interface CustomerConnectionWindow extends Connection<CustomerViewModel> {
  totalCount: number;
  /** How many customers of the window the caller's scope left out. */
  hidden: number;
}

/** A reseller's view of a list CloudCockpit was asked to narrow to it (see the `customers` resolver). */
export interface ResellerScope {
  visible(customer: CustomerViewModel): boolean;
  /** CloudCockpit's `totalCount` of the same list asked for without `resellerId`: the whole tenant's. */
  tenantTotal: number;
}

/**
 * Positions come from the page number and size *asked for* ({@link CustomerPage}). With a reseller's `scope`, cursors
 * stay CloudCockpit's positions even for customers left out, so paging never stalls on an empty page; CloudCockpit's
 * `totalCount` is passed on only when it demonstrably narrowed the list (fewer than the tenant's, nothing left out
 * here), else it could tell a reseller the tenant's size, and the count is what this page shows.
 */
export function toCustomerConnection(
  answers: AnsweredPage[],
  offset: number,
  first: number,
  scope?: ResellerScope,
): CustomerConnectionWindow {
  const examined = answers
    .flatMap(({ asked, page }) =>
      (page.items ?? []).map((customer, index) => ({
        customer,
        position: (asked.pageNumber - 1) * asked.pageSize + index,
      })),
    )
    .filter(({ position }) => position >= offset && position < offset + first);
  const shown = scope ? examined.filter(({ customer }) => scope.visible(customer)) : examined;
  const hidden = examined.length - shown.length;
  const upstreamTotal = answers[0]?.page.totalCount ?? 0;
  const narrowed = !scope || (hidden === 0 && upstreamTotal < scope.tenantTotal);
  const lastExamined = examined.at(-1)?.position;
  const edges = shown.map(({ customer, position }) => ({ cursor: customerCursors.encode(position), node: customer }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: lastExamined !== undefined && lastExamined + 1 < upstreamTotal,
      hasPreviousPage: offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? (lastExamined === undefined ? null : customerCursors.encode(lastExamined)),
    },
    totalCount: narrowed ? upstreamTotal : shown.length,
    hidden,
  };
}
