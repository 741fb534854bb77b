import type { Database } from './database.js';

/** Where migration 6's triggers announce each change of a provisioning's or a step's status. */
const CHANNEL = 'provisioning_changes';

/** Told which provisioning changed; null after a gap in the announcements, when any of them may have. */
export type ChangeListener = (operationId: string | null) => void;

/**
 * The ledger's announcements of changed provisionings, from this process and every other one on the same database:
 * by PostgreSQL's LISTEN/NOTIFY, on one connection of this process's, made when the first follower comes.
 */
export class ProvisioningChanges {
  private readonly ofOperation = new Map<string, Set<ChangeListener>>();
  private readonly ofCustomer = new Map<string, Set<ChangeListener>>();
  private listening: Promise<() => Promise<void>> | null = null;

  constructor(private readonly db: Database) {}

  /** Calls `listener` on each change of the provisioning from when this resolves; the function stops it. */
  followOperation(id: string, listener: ChangeListener): Promise<() => void> {
    return this.follow(this.ofOperation, id, listener);
  }

  /** Calls `listener` on each change of the customer's provisionings, new ones included, from when this resolves. */
  followCustomer(customerId: string, listener: ChangeListener): Promise<() => void> {
    return this.follow(this.ofCustomer, customerId, listener);
  }

  /** How many follow now: one per open subscription. */
  get followers(): number {
    let count = 0;
    for (const followers of [this.ofOperation, this.ofCustomer])
      for (const set of followers.values()) count += set.size;
    return count;
  }

  async close(): Promise<void> {
    const listening = this.listening;
    this.listening = null;
    const stop = await listening?.catch(() => null);
    await stop?.();
  }

  private async follow(
    followers: Map<string, Set<ChangeListener>>,
    id: string,
    listener: ChangeListener,
  ): Promise<() => void> {
    // PostgreSQL writes uuids in lower case, as the announcements carry them.
    const key = id.toLowerCase();
    const set = followers.get(key) ?? new Set();
    followers.set(key, set.add(listener));
    const unfollow = () => {
      set.delete(listener);
      if (set.size === 0 && followers.get(key) === set) followers.delete(key);
    };
    try {
      await this.listen();
    } catch (error) {
      unfollow();
      throw error;
    }
    return unfollow;
  }

  private listen(): Promise<() => Promise<void>> {
    this.listening ??= this.db
      .listen(CHANNEL, { onNotify: (payload) => this.announce(payload), onGap: () => this.announceGap() })
      .catch((error: unknown) => {
        this.listening = null;
        throw error;
      });
    return this.listening;
  }

  private announce(payload: string): void {
    const [operationId = '', customerId = ''] = payload.split(' ');
    notify(this.ofOperation.get(operationId), operationId);
    if (customerId) notify(this.ofCustomer.get(customerId), operationId);
  }

  private announceGap(): void {
    for (const set of [...this.ofOperation.values(), ...this.ofCustomer.values()]) notify(set, null);
  }
}

function notify(listeners: Set<ChangeListener> | undefined, operationId: string | null): void {
  for (const listener of listeners ?? []) listener(operationId);
}
