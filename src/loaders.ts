import DataLoader from 'dataloader';
import { requireCaller, type Caller } from './auth.js';
import type { Ledger, OperationRecord, StepRecord } from './ledger/ledger.js';
import { scopeOf } from './ledger/visibility.js';
import type { CloudCockpitClient } from './providers/cloudcockpit/client.js';
import { wireGuid } from './providers/cloudcockpit/mapping.js';
import type { CustomerViewModel } from './providers/cloudcockpit/wire.js';
import type { WebexClient } from './providers/webex/client.js';
import type { WholesaleCustomer } from './providers/webex/wire.js';
import { isUuid } from './uuid.js';

/**
 * Each batches the keys one level of a query asks for into one ledger query, so a page of N customers costs a fixed
 * number of queries, not N; and each caches for one request only, so nothing one caller read is served to another.
 */
export interface Loaders {
  /** The provisionings the caller may see (ledger/visibility.ts), by id; null for an id of none of them. */
  provisioning: DataLoader<string, OperationRecord | null>;
  stepsOfProvisioning: DataLoader<string, StepRecord[]>;
  /** A customer's provisionings that the caller may see, newest first. */
  provisioningsOfCustomer: DataLoader<string, OperationRecord[]>;
  /** What a customer has at each provider, by step name (`customer`, `net3` …): see `currentStepsOfCustomers`. */
  currentStepsOfCustomer: DataLoader<string, ReadonlyMap<string, StepRecord>>;
  /** A Webex Wholesale customer read live by its Webex id; null when Webex has none. */
  wholesaleCustomer: DataLoader<string, WholesaleCustomer | null>;
  /** Whether a provisioning of the caller's tenant made this Webex customer (the Webex token sees the partner's). */
  madeByTenant: DataLoader<string, boolean>;
  /** A CloudCockpit customer read live by id; null when CloudCockpit has none. */
  cloudCockpitCustomer: DataLoader<string, CustomerViewModel | null>;
}

/** The provider clients the loaders read live through; each is made only if a loader runs. */
export interface LiveClients {
  cloudCockpit: CloudCockpitClient;
  webex: WebexClient;
}

/**
 * The loaders of one request of `caller`, reading live through `clients` (null without a caller). `cache: false` for
 * a subscription, whose context outlives each event: every event reads afresh, still batched.
 */
export function createLoaders(
  ledger: Ledger,
  caller: Caller | null,
  clients: LiveClients | null,
  { cache = true }: { cache?: boolean } = {},
): Loaders {
  // Resolved when a loader first runs: an anonymous request fails there, as every resolver would make it.
  const tenant = () => requireCaller(caller).tenant;
  const scope = () => scopeOf(requireCaller(caller));
  // The ledger's ids are uuid columns: anything else names no row, and must not reach the query as a cast error.
  const uuids = (keys: readonly string[]) => keys.filter(isUuid);
  // PostgreSQL answers uuids in lower case, whatever case they were asked in.
  const same = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();
  const live = () => {
    requireCaller(caller);
    if (!clients) throw new Error('providers are made for every authenticated caller');
    return clients;
  };

  return {
    provisioning: new DataLoader(
      async (ids) => {
        const operations = await ledger.operationsByIds(tenant(), uuids(ids), scope());
        return ids.map((id) => operations.find((op) => same(op.id, id)) ?? null);
      },
      { cache },
    ),

    stepsOfProvisioning: new DataLoader(
      async (ids) => {
        const steps = await ledger.stepsOf(uuids(ids));
        return ids.map((id) => steps.filter((step) => same(step.operationId, id)));
      },
      { cache },
    ),

    provisioningsOfCustomer: new DataLoader(
      async (customerIds) => {
        const operations = await ledger.operationsOfCustomers(tenant(), uuids(customerIds), scope());
        return customerIds.map((id) => operations.filter((op) => same(op.customerId, id)));
      },
      { cache },
    ),

    currentStepsOfCustomer: new DataLoader(
      async (customerIds) => {
        const rows = await ledger.currentStepsOfCustomers(tenant(), uuids(customerIds));
        return customerIds.map(
          (id) => new Map(rows.filter((row) => same(row.customerId, id)).map((row) => [row.step.step, row.step])),
        );
      },
      { cache },
    ),

    // Webex reads one customer per call and has no batch read: this loader only dedupes within the request.
    wholesaleCustomer: new DataLoader(async ([id]) => [await live().webex.getCustomer(id!)], { batch: false, cache }),

    madeByTenant: new DataLoader(
      async (webexIds) => {
        const made = await ledger.recordedUpstreamIds(tenant(), 'WEBEX_WHOLESALE', 'id', webexIds);
        return webexIds.map((id) => made.has(id));
      },
      { cache },
    ),

    // CloudCockpit reads one customer per call: this loader only dedupes and caches within the request.
    cloudCockpitCustomer: new DataLoader(async ([id]) => [await live().cloudCockpit.getCustomer(id!)], {
      batch: false,
      cache,
      cacheKeyFn: (id) => wireGuid(id),
    }),
  };
}
