import { isReseller, type Caller } from '../../auth.js';
import { forbidden, rethrowAtInput, type InputPath } from '../../errors.js';
import type { WholesaleCustomerInput } from '../../generated/graphql.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { WebexClient } from './client.js';
import { acceptedCustomer, inputPathOfProperty, toProvisionRequest, toWholesaleCustomerConnection } from './mapping.js';
import type { ListWholesaleCustomersQuery, WholesaleCustomer } from './wire.js';

/** What a Webex read acts with: the Webex token is the partner's, so the ledger tells what the tenant made. */
export interface WebexScope {
  caller: Caller;
  webex: WebexClient;
  ledger: Ledger;
}

/**
 * The Webex token is the partner's and Webex knows nothing of resellers: every Webex customer of the partner
 * is visible through it. So only CSP users use Webex directly; a reseller's customers reach Webex through
 * the fan-out, for customers that are its own.
 */
export function requireCsp(caller: Caller): void {
  if (isReseller(caller)) throw forbidden('Only CSP users may use Webex Wholesale directly');
}

/**
 * `at` is where `input` sits in the arguments, so that Webex's validation errors point into the caller's input. The
 * result is the customer as Webex has just accepted it: `provisioning`, with the id Webex gave it.
 */
export async function provisionWholesaleCustomer(
  webex: WebexClient,
  input: WholesaleCustomerInput,
  at: InputPath,
): Promise<WholesaleCustomer> {
  const body = toProvisionRequest(input, at);
  const { id, location } = await webex.provisionCustomer(body).catch(rethrowAtInput(at, inputPathOfProperty));
  return acceptedCustomer(body, id, location);
}

/** What a read of one Webex customer goes through: the request's loaders, which batch and dedupe its reads. */
export interface WholesaleCustomerReads {
  madeByTenant: { load(id: string): Promise<boolean> };
  wholesaleCustomer: { load(id: string): Promise<WholesaleCustomer | null> };
}

/**
 * A Webex customer the tenant's provisionings made; null for any other. The ledger's check is batched over a request's
 * reads (a gateway's N references cost one query); Webex reads one customer per call and has no batch read.
 */
export async function readWholesaleCustomer(
  caller: Caller,
  reads: WholesaleCustomerReads,
  id: string,
): Promise<WholesaleCustomer | null> {
  requireCsp(caller);
  // An empty id would address the list endpoint instead of a customer.
  if (id.trim() === '') return null;
  if (!(await reads.madeByTenant.load(id))) return null;
  return reads.wholesaleCustomer.load(id);
}

/** A page of Webex's customers, showing the tenant its own of each page (paging stays Webex's). */
export async function listWholesaleCustomers(
  { caller, webex, ledger }: WebexScope,
  query: ListWholesaleCustomersQuery,
) {
  requireCsp(caller);
  const page = await webex.listCustomers(query);
  const own = await ledger.recordedUpstreamIds(
    caller.tenant,
    'WEBEX_WHOLESALE',
    'id',
    page.items.map((c) => c.id),
  );
  return toWholesaleCustomerConnection(page, query.offset, (customer) => own.has(customer.id));
}
