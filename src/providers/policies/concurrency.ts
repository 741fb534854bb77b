import { bulkhead, type BulkheadPolicy } from 'cockatiel';

/**
 * At most `maxConcurrent` calls to one provider in flight, and `maxQueued` waiting for a slot: a slow provider holds
 * its own sockets, not every one of the process's. A call refused here was never sent.
 */
export function concurrencyCap(maxConcurrent: number, maxQueued: number): BulkheadPolicy {
  return bulkhead(maxConcurrent, maxQueued);
}
