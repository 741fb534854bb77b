import type { Caller } from '../auth.js';
import type { ChangeListener } from '../ledger/changes.js';
import type { Ledger, OperationRecord } from '../ledger/ledger.js';
import { scopeOf } from '../ledger/visibility.js';

/**
 * One provisioning as it stands, then again after each change of its status or of one of its steps', whichever
 * process made it. The caller's visibility rules apply to every read.
 */
export function provisioningProgress(
  ledger: Ledger,
  caller: Caller,
  id: string,
): AsyncIterableIterator<OperationRecord> {
  const scope = scopeOf(caller);
  return progress(
    (listener) => ledger.changes.followOperation(id, listener),
    () => ledger.operationsByIds(caller.tenant, [id], scope),
  );
}

/** A customer's provisionings as they stand, oldest first, then each one again after it changes; new ones too. */
export function customerProvisioningProgress(
  ledger: Ledger,
  caller: Caller,
  customerId: string,
): AsyncIterableIterator<OperationRecord> {
  const scope = scopeOf(caller);
  return progress(
    (listener) => ledger.changes.followCustomer(customerId, listener),
    async (changed) =>
      changed
        ? ledger.operationsByIds(caller.tenant, [...changed], scope)
        : (await ledger.operationsOfCustomers(caller.tenant, [customerId], scope)).reverse(),
  );
}

/**
 * Reads what changed whenever the ledger announces a change, and yields each provisioning whose state differs from
 * what was last yielded of it. Announcements that come while a read runs are taken together by the next read, so a
 * slow subscriber sees the latest state rather than a backlog. `read(null)` reads everything followed.
 *
 * Every change of a step's status also writes its provisioning's `updated_at` (refresh_operation_status, markRunning),
 * so status and `updated_at` together tell a changed provisioning.
 */
function progress(
  follow: (listener: ChangeListener) => Promise<() => void>,
  read: (changed: ReadonlySet<string> | null) => Promise<OperationRecord[]>,
): AsyncIterableIterator<OperationRecord> {
  const wakeups = new Wakeups();
  async function* updates(): AsyncGenerator<OperationRecord> {
    // Followed before the first read: a change between the two is read again, never missed.
    const unfollow = await follow((operationId) => wakeups.wake(operationId));
    try {
      const shown = new Map<string, string>();
      let changed: ReadonlySet<string> | null = null;
      let first = true;
      while (!wakeups.closed) {
        let operations: OperationRecord[];
        try {
          operations = await read(changed);
        } catch (error) {
          // The first read's failure is the subscriber's answer; a later one (the database away a moment) is read
          // again in full, rather than ending a subscription the client would have to make again.
          if (first) throw error;
          await wakeups.pause(REREAD_AFTER_MS);
          changed = null;
          continue;
        }
        first = false;
        for (const operation of operations) {
          const state = `${operation.status} ${operation.updatedAt.toISOString()}`;
          if (shown.get(operation.id) === state) continue;
          shown.set(operation.id, state);
          yield operation;
        }
        changed = await wakeups.next();
      }
    } finally {
      unfollow();
    }
  }
  const inner = updates();
  // A generator waiting for a change would finish its `return()` only after the next change: closing the wake-ups
  // first ends the wait, so that a subscriber who leaves stops following at once.
  return {
    next: () => inner.next(),
    return: (value?: unknown) => {
      wakeups.close();
      return inner.return(value as undefined);
    },
    throw: (error?: unknown) => {
      wakeups.close();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** How long a subscription waits before it reads again after a failed read. */
const REREAD_AFTER_MS = 1_000;

/** The provisionings announced since the last `next()`; null when any may have changed (a gap). */
class Wakeups {
  closed = false;
  private changed: Set<string> | null = new Set();
  private any = false;
  private waiting: (() => void) | null = null;

  wake(operationId: string | null): void {
    if (operationId === null) this.changed = null;
    else this.changed?.add(operationId);
    this.any = true;
    this.release();
  }

  close(): void {
    this.closed = true;
    this.release();
  }

  async next(): Promise<ReadonlySet<string> | null> {
    if (!this.any && !this.closed) await new Promise<void>((resolve) => (this.waiting = resolve));
    const changed = this.changed;
    this.changed = new Set();
    this.any = false;
    return changed;
  }

  /** Waits `ms`, or less if closed meanwhile. */
  async pause(ms: number): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }
}
