import { randomUUID } from 'node:crypto';
import { badUserInput, type InputPath } from '../../errors.js';
import {
  Net3ContactRole,
  type Net3AddressInput,
  type Net3ContactInput,
  type Net3CreatedByInput,
  type Net3ProvisioningInput,
  type Net3Section,
} from '../../generated/graphql.js';
import type { CustomerViewModel } from '../cloudcockpit/wire.js';
import type {
  ProvisionCustomerModel,
  ProvisionCustomerModelResponse,
  TypeContactRole,
  TypeCreatedBy,
  TypeCustomerAddress,
  TypeProvisionDemoContactModel,
  WcfDate,
  WireGuid,
} from './wire.js';

// ---------------------------------------------------------------------------------------------
// Scalars: dates, GUIDs, roles

/** A date as ServiceStack writes it (`/Date(<unix ms>-0000)/`, before JSON escapes the slashes). */
export function toWcfDate(value: Date | string): WcfDate {
  const ms = (value instanceof Date ? value : new Date(value)).getTime();
  return `/Date(${ms}-0000)/`;
}

const WCF_DATE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;

/**
 * A date Net3 wrote: ServiceStack's `/Date(ms)/`, with or without an offset (the milliseconds are UTC either
 * way; the offset only says where the writer was), or ISO 8601, which ServiceStack can be configured to write.
 */
export function dateOfWcf(value: string | null | undefined): Date | null {
  if (!value) return null;
  const wcf = WCF_DATE.exec(value);
  const ms = wcf?.[1] !== undefined ? Number(wcf[1]) : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** A UUID as ServiceStack writes a Guid: 32 lowercase hex digits. */
export function toWireGuid(uuid: string): WireGuid {
  return uuid.replace(/-/g, '').toLowerCase();
}

const NIL_GUID = '00000000000000000000000000000000';

/** A Guid Net3 wrote (with or without dashes) as a dashed UUID; null for the empty Guid, .NET's "none". */
export function uuidOfWireGuid(guid: string | null | undefined): string | null {
  const hex = guid?.replace(/[-{}]/g, '').toLowerCase();
  if (!hex || !/^[0-9a-f]{32}$/.test(hex) || hex === NIL_GUID) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const WIRE_ROLE: Record<Net3ContactRole, TypeContactRole> = {
  [Net3ContactRole.Primary]: 'Primary',
  [Net3ContactRole.Technical]: 'Technical',
  [Net3ContactRole.Billing]: 'Billing',
  [Net3ContactRole.Reseller]: 'Reseller',
  [Net3ContactRole.Sales]: 'Sales',
  [Net3ContactRole.ContractSignatory]: 'ContractSignatory',
};

const WIRE_ROLES = new Set<string>(Object.values(WIRE_ROLE));

/** The roles Net3 reports that this API knows; a role Net3 adds later is left out rather than failing the answer. */
export function knownContactRoles(roles: readonly string[] | null | undefined): TypeContactRole[] {
  return (roles ?? []).filter((role): role is TypeContactRole => WIRE_ROLES.has(role));
}

/**
 * The caller's address as Net3 should record it: an IPv4 client reaching a dual-stack socket shows up as
 * `::ffff:a.b.c.d`, which is the IPv4 address a person would recognise.
 */
export function requesterIpOf(clientIp: string | null): string | null {
  if (!clientIp) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(clientIp);
  return mapped?.[1] ?? clientIp;
}

/**
 * Who asked (`requesterIP`), when (`requestCreated`) and, for input naming its customer, its `customerId`, fixed
 * before the write-ahead so that every repeat sends Net3 the same request. Net3 recognises a repeat only by
 * `customerId` (its 409): an id made per call would make each repeat a second customer.
 */
export function withRequestFacts<
  Input extends {
    requesterIP?: string | null;
    requestCreated?: Date | string | null;
    customer?: { customerId?: string | null } | null;
  },
>(input: Input, clientIp: string | null): Input {
  const fixed: Input = {
    ...input,
    requesterIP: input.requesterIP ?? requesterIpOf(clientIp),
    requestCreated: input.requestCreated ?? new Date().toISOString(),
  };
  if (input.customer) fixed.customer = { ...input.customer, customerId: input.customer.customerId ?? randomUUID() };
  return fixed;
}

// ---------------------------------------------------------------------------------------------
// GraphQL input -> wire

/** What the request fills in when the input leaves it out. */
export interface ProvisioningDefaults {
  /** The caller's IP address (`RequestContext.clientIp`), sent as `requesterIP`. */
  clientIp: string | null;
  /** Sent as `requestCreated`. */
  now: Date;
}

/**
 * Fields the input leaves out are left out: ServiceStack's own clients omit nulls, and Net3 binds a missing property
 * to its default. The new `customerId` only serves input that did not go through {@link withRequestFacts}.
 */
export function toProvisionCustomerModel(
  input: Net3ProvisioningInput,
  defaults: ProvisioningDefaults,
  at: InputPath = [],
): ProvisionCustomerModel {
  const c = input.customer;
  return {
    customer: {
      customerId: c.customerId ?? randomUUID(),
      customerName: c.customerName,
      streetAddress: c.streetAddress ?? undefined,
      cityStateZip: c.cityStateZip ?? undefined,
      phone: c.phone ?? undefined,
      extension: c.extension ?? undefined,
      email: c.email ?? undefined,
      localId: c.localId == null ? undefined : toLocalId(c.localId, [...at, 'customer', 'localId']),
      serviceLevelId: c.serviceLevelId ?? undefined,
      isReseller: c.isReseller ?? undefined,
      parentCompanyId: c.parentCompanyId ?? undefined,
      n3TLogins_CompanyId: c.loginsCompanyId ? toWireGuid(c.loginsCompanyId) : undefined,
      lastUpdateDate: c.lastUpdateDate ? toWcfDate(c.lastUpdateDate) : undefined,
      typeCustomerStatusId: c.typeCustomerStatusId ?? undefined,
      typePricingTierId: c.typePricingTierId ?? undefined,
    },
    addresses: input.addresses?.map(toCustomerAddress),
    contacts: input.contacts.map(toContact),
    createdBy: input.createdBy ? toCreatedBy(input.createdBy) : undefined,
    salesContact: input.salesContact ?? undefined,
    requesterIP: input.requesterIP ?? requesterIpOf(defaults.clientIp) ?? undefined,
    requestCreated: toWcfDate(input.requestCreated ?? defaults.now),
  };
}

/** `LocalId` is a .NET `long`; GraphQL carries it as an ID so that it is not cut to 32 bits. */
function toLocalId(value: string, path: InputPath): number {
  const id = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id)) {
    throw badUserInput('localId must be a non-negative integer', [
      { path, messages: [`'${value}' is not a non-negative integer up to ${Number.MAX_SAFE_INTEGER}`] },
    ]);
  }
  return id;
}

function toCustomerAddress(address: Net3AddressInput): TypeCustomerAddress {
  return {
    street: address.street ?? undefined,
    city: address.city ?? undefined,
    state: address.state ?? undefined,
    postalCode: address.postalCode ?? undefined,
    telephone: address.telephone ?? undefined,
    extension: address.extension ?? undefined,
    email: address.email ?? undefined,
    notes: address.notes ?? undefined,
    primary: address.primary ?? undefined,
  };
}

function toContact(contact: Net3ContactInput): TypeProvisionDemoContactModel {
  return {
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.email,
    telephone: contact.telephone ?? undefined,
    roles: contact.roles.map((role) => WIRE_ROLE[role]),
  };
}

function toCreatedBy(createdBy: Net3CreatedByInput): TypeCreatedBy {
  return {
    email: createdBy.email ?? undefined,
    firstName: createdBy.firstName ?? undefined,
    lastName: createdBy.lastName ?? undefined,
    username: createdBy.username ?? undefined,
    userId: createdBy.userId ? toWireGuid(createdBy.userId) : undefined,
    companyId: createdBy.companyId ? toWireGuid(createdBy.companyId) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// wire -> GraphQL

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What was provisioned: Net3's answer, completed from the request that was sent. The document describes no
 * response, so nothing in it is relied upon: a part Net3 does not return (or an empty body) reads as what was
 * sent.
 */
export function provisionedCustomer(sent: ProvisionCustomerModel, answer: unknown): ProvisionCustomerModelResponse {
  const response = (isRecord(answer) ? answer : {}) as ProvisionCustomerModelResponse;
  return {
    customer: { ...sent.customer, ...(isRecord(response.customer) ? response.customer : {}) },
    addresses: Array.isArray(response.addresses) ? response.addresses : (sent.addresses ?? []),
    contacts: (Array.isArray(response.contacts) ? response.contacts : (sent.contacts ?? [])).map((contact) => ({
      ...contact,
      roles: knownContactRoles(contact.roles),
    })),
    requestCreated: response.requestCreated ?? sent.requestCreated ?? null,
    created: response.created ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Net3 field names -> GraphQL input paths

/** Net3 property names whose GraphQL name is not simply the camelCase one. */
const RENAMED: Record<string, string> = { n3tlogins_companyid: 'loginsCompanyId' };

/**
 * Where a field Net3 names in an error sits in {@link Net3ProvisioningInput}. ServiceStack names fields as
 * FluentValidation does, by C# property path: `Customer.CustomerName`, `Contacts[0].Email`,
 * `Customer.N3TLogins_CompanyId`.
 */
export function net3InputPathOfProperty(property: string): InputPath {
  const path: InputPath = [];
  for (const segment of property.split('.')) {
    const match = /^([^[\]]+)((?:\[\d+\])*)$/.exec(segment.trim());
    if (!match?.[1]) break;
    const name = match[1];
    path.push(RENAMED[name.toLowerCase()] ?? name.charAt(0).toLowerCase() + name.slice(1));
    for (const index of match[2]?.matchAll(/\[(\d+)\]/g) ?? []) path.push(Number(index[1]));
  }
  return path;
}

const SECTION_OF_CUSTOMER: Record<string, string> = {
  customerName: 'companyName',
  streetAddress: 'addressLine1',
  cityStateZip: 'city',
  phone: 'phone',
  email: 'email',
  extension: 'extension',
  serviceLevelId: 'serviceLevelId',
  isReseller: 'isReseller',
  parentCompanyId: 'parentCompanyId',
  loginsCompanyId: 'loginsCompanyId',
  typeCustomerStatusId: 'typeCustomerStatusId',
  typePricingTierId: 'typePricingTierId',
};
const SECTION_OF_PRIMARY_ADDRESS: Record<string, string> = {
  street: 'addressLine1',
  city: 'city',
  state: 'state',
  postalCode: 'zip',
  telephone: 'phone',
  email: 'email',
};
const SECTION_OF_PRIMARY_CONTACT: Record<string, string> = {
  firstName: 'firstName',
  lastName: 'lastName',
  email: 'email',
  telephone: 'phone',
  roles: 'primaryContactRoles',
};

/**
 * For input made by {@link net3InputFromCanonical}: a value taken from the canonical customer points at the section
 * field that overrides it (or at the section, when none does); the section's own addresses and contacts come after
 * the canonical first ones.
 */
export function net3SectionPathOfProperty(property: string): InputPath {
  const [head, second, third, ...rest] = net3InputPathOfProperty(property);
  const field = (map: Record<string, string>, key: unknown): InputPath =>
    typeof key === 'string' && map[key] ? [map[key]] : [];
  if (head === 'customer') return field(SECTION_OF_CUSTOMER, second);
  if (head === 'addresses' || head === 'contacts') {
    if (typeof second !== 'number') return [head];
    if (second === 0)
      return field(head === 'addresses' ? SECTION_OF_PRIMARY_ADDRESS : SECTION_OF_PRIMARY_CONTACT, third);
    return [head, second - 1, ...(third === undefined ? [] : [third, ...rest])];
  }
  return head === undefined ? [] : [head, ...[second, third, ...rest].filter((s) => s !== undefined)];
}

// ---------------------------------------------------------------------------------------------
// Canonical customer -> Net3

function joinNonBlank(parts: (string | null | undefined)[], separator: string): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '').join(separator);
}

/**
 * `customerId` is the CloudCockpit id, so Net3 recognises a repeat (409). The customer's address and contact person
 * are the primary ones, ahead of the section's own ({@link net3SectionPathOfProperty} relies on that order).
 */
export function net3InputFromCanonical(customer: CustomerViewModel, section: Net3Section): Net3ProvisioningInput {
  const addressLine1 = section.addressLine1 ?? customer.addressLine1;
  const addressLine2 = section.addressLine2 ?? customer.addressLine2;
  const city = section.city ?? customer.city;
  const state = section.state ?? customer.state;
  const zip = section.zip ?? customer.zip;
  const email = section.email ?? customer.email;
  const phone = section.phone ?? customer.phone;
  const street = joinNonBlank([addressLine1, addressLine2], ', ');
  const primaryRoles = [
    Net3ContactRole.Primary,
    ...new Set((section.primaryContactRoles ?? []).filter((role) => role !== Net3ContactRole.Primary)),
  ];
  return {
    customer: {
      customerId: customer.id,
      customerName: section.companyName ?? customer.companyName,
      streetAddress: street,
      // "City, State Zip", the one-line form Net3's field is named after.
      cityStateZip: joinNonBlank([city, joinNonBlank([state, zip], ' ')], ', '),
      phone,
      extension: section.extension,
      email,
      serviceLevelId: section.serviceLevelId,
      isReseller: section.isReseller,
      parentCompanyId: section.parentCompanyId,
      loginsCompanyId: section.loginsCompanyId,
      typeCustomerStatusId: section.typeCustomerStatusId,
      typePricingTierId: section.typePricingTierId,
    },
    addresses: [
      { street, city, state, postalCode: zip, telephone: phone, email, primary: true },
      ...(section.addresses ?? []),
    ],
    contacts: [
      {
        firstName: section.firstName ?? customer.firstName,
        lastName: section.lastName ?? customer.lastName,
        email,
        telephone: phone,
        roles: primaryRoles,
      },
      ...(section.contacts ?? []),
    ],
    createdBy: section.createdBy,
    salesContact: section.salesContact,
    requesterIP: section.requesterIP,
    requestCreated: section.requestCreated,
  };
}
