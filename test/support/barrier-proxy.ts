import { startForwardingProxy, type ForwardingProxy, type ProxyDecision } from './proxy.js';

/**
 * Proves concurrency without timing anything: proxies that hold every request until `expected` requests have
 * arrived across all of them, then forward them all. Calls made one after another would never fill the
 * barrier; after `patienceMs` the proxies give up waiting, forward anyway and remember that the barrier was
 * never full.
 */
export class RequestBarrier {
  private arrived = 0;
  private gaveUp = false;
  private releaseAll!: () => void;
  private readonly released: Promise<void>;
  /** True when the barrier filled: every expected request was in flight at the same time. */
  filled = false;

  /** `patienceMs` stays below the clients' upstream timeout, so a held request still gets its answer. */
  constructor(
    private readonly expected: number,
    private readonly patienceMs = 2_000,
  ) {
    this.released = new Promise((resolve) => (this.releaseAll = resolve));
  }

  arrive(): Promise<void> {
    this.arrived++;
    if (this.arrived === this.expected && !this.gaveUp) {
      this.filled = true;
      this.releaseAll();
    }
    const patience = new Promise<void>((resolve) =>
      setTimeout(() => {
        this.gaveUp = true;
        resolve();
      }, this.patienceMs).unref(),
    );
    return Promise.race([this.released, patience]);
  }
}

/** A proxy to `target` whose requests wait at `barrier` before going on. */
export function startBarrierProxy(target: string, barrier: RequestBarrier): Promise<ForwardingProxy> {
  return startForwardingProxy(target, {
    async beforeForward(): Promise<ProxyDecision> {
      await barrier.arrive();
      return 'pass';
    },
  });
}
