import { CUSTOMERS_WITH_EVERY_PROVIDER, graphqlData, provisionEverywhere } from '../client.js';
import type { BenchRun, ProjectProcess } from '../run.js';
import { PROVIDERS, type ProviderName } from '../setup.js';
import type { CallCounts } from '../upstreams.js';

/**
 * Upstream calls per list: `customers(first: N)` with every provider field, for a small and a large N, counted by
 * the emulators. Every customer listed was provisioned everywhere through the API, and the bench waits until the
 * worker has settled them, since a Webex customer still provisioning is read live (one call each, by design).
 */

export interface ListFigures {
  sizes: [number, number];
  /** Upstream calls per provider of each list. */
  calls: Record<string, Record<ProviderName, number>>;
  /** The customers each list returned. */
  returned: Record<string, number>;
  /** Customers whose provisioning the worker had not settled when the lists were read. */
  unsettled: number;
  equal: boolean;
}

interface Page {
  customers: { totalCount: number; nodes: { provisionings: { status: string }[] }[] };
}

export async function runLists(run: BenchRun, project: ProjectProcess): Promise<ListFigures> {
  const [small, large] = run.options.lists.sizes;
  const url = project.ready.url;
  const list = (first: number) => graphqlData<Page>(url, CUSTOMERS_WITH_EVERY_PROVIDER, { first }, run.token);

  const { totalCount } = (await list(1)).customers;
  if (totalCount < large) run.progress(`lists: provisioning ${large - totalCount} more customers everywhere`);
  for (let i = totalCount; i < large; i += 5) {
    await Promise.all(Array.from({ length: Math.min(5, large - i) }, () => provisionEverywhere(url, run.token)));
  }
  const unsettledOf = (page: Page) =>
    page.customers.nodes.filter((node) =>
      node.provisionings.some((p) => p.status === 'RUNNING' || p.status === 'WAITING'),
    ).length;
  let unsettled = unsettledOf(await list(large));
  for (const deadline = Date.now() + 30_000; unsettled > 0 && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    unsettled = unsettledOf(await list(large));
  }

  run.progress(`lists: customers(first: ${small}) and customers(first: ${large}) with every provider field`);
  const calls: ListFigures['calls'] = {};
  const returned: ListFigures['returned'] = {};
  for (const first of [small, large]) {
    await run.upstreams.ask<CallCounts>('takeCalls');
    returned[first] = (await list(first)).customers.nodes.length;
    const counts = await run.upstreams.ask<CallCounts>('takeCalls');
    calls[first] = Object.fromEntries(PROVIDERS.map((p) => [p, counts[p].total])) as Record<ProviderName, number>;
  }
  const equal = PROVIDERS.every((p) => calls[small]![p] === calls[large]![p]);
  return { sizes: [small, large], calls, returned, unsettled, equal };
}
