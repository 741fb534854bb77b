import { badUserInput, type InputPath } from '../../errors.js';
import { connectionOf, offsetCursors, type Connection } from '../../relay.js';
import type { WholesaleAddressInput, WholesaleCustomerInput, WholesaleSection } from '../../generated/graphql.js';
import type { CustomerViewModel } from '../cloudcockpit/wire.js';
import {
  WHOLESALE_PACKAGES,
  type ProvisionWholesaleCustomerRequest,
  type WholesaleAddress,
  type WholesaleCustomer,
  type WholesaleCustomerList,
  type WholesalePackage,
  type WholesalePackageName,
} from './wire.js';

// ---------------------------------------------------------------------------------------------
// GraphQL input -> wire

/**
 * The `POST /v1/wholesale/customers` body. Optional fields the caller left out are left out of the body too,
 * rather than sent as null: Webex treats "orgId given" and "customerInfo given" as meaningful.
 */
export function toProvisionRequest(
  input: WholesaleCustomerInput,
  at: InputPath = [],
): ProvisionWholesaleCustomerRequest {
  input.packages.forEach((name, index) => {
    if (input.packages.indexOf(name) !== index) {
      // Webex takes `packages` as "the complete list"; a repeat is a mistake worth naming, and refusing it keeps
      // the indexes in Webex's errors the same as in our input.
      throw badUserInput('A package is listed twice', [
        { path: [...at, 'packages', index], messages: ['This package is already listed'] },
      ]);
    }
  });
  const { customerInfo, provisioningParameters: parameters } = input;
  const location = parameters?.calling?.location;
  return compact({
    provisioningId: input.provisioningId,
    packages: [...input.packages],
    orgId: input.orgId ?? undefined,
    externalId: input.externalId,
    address: toAddress(input.address),
    customerInfo: customerInfo
      ? compact({
          name: customerInfo.name,
          primaryEmail: customerInfo.primaryEmail,
          language: customerInfo.language ?? undefined,
        })
      : undefined,
    provisioningParameters: parameters
      ? compact({
          calling: location
            ? {
                location: compact({
                  name: location.name,
                  address: toAddress(location.address),
                  timezone: location.timezone,
                  language: location.language,
                  emergencyLocationIdentifier: location.emergencyLocationIdentifier ?? undefined,
                }),
              }
            : undefined,
          meetings: parameters.meetings ? compact({ timezone: parameters.meetings.timezone ?? undefined }) : undefined,
        })
      : undefined,
  });
}

function toAddress(input: WholesaleAddressInput): WholesaleAddress {
  return compact({
    addressLine1: input.addressLine1,
    addressLine2: input.addressLine2 ?? undefined,
    city: input.city,
    stateOrProvince: input.stateOrProvince ?? undefined,
    zipOrPostalCode: input.zipOrPostalCode ?? undefined,
    // The CountryCode scalar lets any case through; Webex writes ISO2 codes in capitals.
    country: input.country.toUpperCase(),
  });
}

/** The object without its undefined properties, so that JSON leaves them out instead of writing null. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The customer as Webex has just accepted it (202): `PROVISIONING`, every package `provisioning`, no `orgId`
 * yet unless the request named an existing organization.
 */
export function acceptedCustomer(
  request: ProvisionWholesaleCustomerRequest,
  id: string,
  location?: string,
): WholesaleCustomer {
  return {
    id,
    ...(location ? { location } : {}),
    orgId: request.orgId ?? null,
    externalId: request.externalId,
    address: request.address,
    status: 'provisioning',
    packages: [...request.packages],
    resourceDetails: { packages: request.packages.map((name) => ({ name, status: 'provisioning' })) },
    errors: [],
  };
}

/**
 * The customer id in the URL of a 202's `Location` (or body `url`): its last path segment, as Webex points it
 * at Get a Wholesale Customer. Null when the URL has no such segment.
 */
export function customerIdOfUrl(url: string): string | null {
  let path: string;
  try {
    path = new URL(url, 'http://relative.invalid').pathname;
  } catch {
    return null;
  }
  const segments = path.split('/').filter(Boolean);
  const [last] = segments.slice(-1);
  if (last === undefined || segments.length < 2 || segments.at(-2) !== 'customers') return null;
  try {
    return decodeURIComponent(last);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The canonical customer -> the Webex part of provisioning it everywhere

/**
 * `externalId` is the CloudCockpit id, which makes a repeated provisioning a 409 at Webex rather than a second
 * customer. The canonical contact names and phone have no place at Webex.
 */
export function wholesaleInputFromCanonical(
  customer: CustomerViewModel,
  section: WholesaleSection,
): WholesaleCustomerInput {
  const address = section.address ?? {};
  const info = section.customerInfo ?? {};
  return {
    provisioningId: section.provisioningId,
    packages: [...section.packages],
    orgId: section.orgId ?? null,
    externalId: customer.id,
    address: {
      addressLine1: address.addressLine1 ?? customer.addressLine1,
      addressLine2: address.addressLine2 ?? customer.addressLine2 ?? null,
      city: address.city ?? customer.city,
      stateOrProvince: address.stateOrProvince ?? customer.state,
      zipOrPostalCode: address.zipOrPostalCode ?? customer.zip,
      country: address.country ?? customer.country,
    },
    customerInfo: {
      name: info.name ?? customer.companyName,
      primaryEmail: info.primaryEmail ?? customer.email,
      language: info.language ?? null,
    },
    provisioningParameters: section.provisioningParameters ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// wire -> GraphQL

/**
 * The package a wire name is, in the wire spelling the enum resolvers turn into GraphQL values; null for a
 * package Webex added after this API was built.
 */
export function packageOf(name: string): WholesalePackageName | null {
  return WHOLESALE_PACKAGES.find((known) => known === name) ?? null;
}

/** The customer's packages this API knows; the others still show, by name, in {@link packageDetailsOf}. */
export function knownPackagesOf(customer: WholesaleCustomer): WholesalePackageName[] {
  return customer.packages.map(packageOf).filter((p): p is WholesalePackageName => p !== null);
}

/** Webex's per-package statuses (`resourceDetails.packages`). */
export function packageDetailsOf(customer: WholesaleCustomer): WholesalePackage[] {
  return customer.resourceDetails?.packages ?? [];
}

// ---------------------------------------------------------------------------------------------
// Webex property names -> GraphQL input paths

/**
 * Where a property Webex names in a validation error (`address.addressLine1`, `packages[2]`) sits in our
 * input: the input spells every field as the document does, so the path is the property's own.
 */
export function inputPathOfProperty(property: string): InputPath {
  return property
    .split('.')
    .flatMap((segment) => {
      const match = /^([^[\]]+)((?:\[\d+\])*)$/.exec(segment);
      if (!match?.[1]) return [segment];
      const indexes = [...(match[2] ?? '').matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
      return [match[1], ...indexes];
    })
    .filter((segment) => segment !== '');
}

// ---------------------------------------------------------------------------------------------
// Relay connection <-> Webex offset paging

/** The largest `first`: Webex clamps larger `max` values to the endpoint's own page limit anyway. */
export const MAX_PAGE_SIZE = 100;

export const wholesaleCustomerCursors = offsetCursors('wholesale-customer');

/** One page of `GET /v1/wholesale/customers`, with whether its `Link` header named a next page. */
export interface WholesaleCustomerPage extends WholesaleCustomerList {
  hasNextPage: boolean;
}

/** RFC 8288 `Link` header: true when one of its links has `rel="next"` (possibly among other relations). */
export function hasNextLink(header: string | null): boolean {
  if (!header) return false;
  return header.split(/,(?=\s*<)/).some((link) => {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(link);
    const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    return relations.includes('next');
  });
}

/**
 * Webex may return fewer items than asked for (it clamps `max`), so whether more follow is read from its `Link`
 * header, never the count. Cursors stay Webex's offsets, hidden customers' included, so the next page starts where
 * Webex's does.
 */
export function toWholesaleCustomerConnection(
  page: WholesaleCustomerPage,
  offset: number,
  visible: (customer: WholesaleCustomer) => boolean = () => true,
): Connection<WholesaleCustomer> {
  const all = connectionOf(page.items, offset, page.hasNextPage && page.items.length > 0, wholesaleCustomerCursors);
  const edges = all.edges.filter((edge) => visible(edge.node));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: { ...all.pageInfo, startCursor: edges[0]?.cursor ?? null },
  };
}
