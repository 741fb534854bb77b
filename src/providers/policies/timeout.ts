import { timeout, TimeoutStrategy, type TimeoutPolicy } from 'cockatiel';

/**
 * A call's time limit, waiting for a free slot included (see concurrency.ts): past it the call fails at once and its
 * request is aborted. Aggressive, since a call still queued must not wait for a slot past its time: it is then never
 * sent. The limit's signal derives from the caller's, when there is one, so either ends the call.
 */
export function callTimeout(timeoutMs: number): TimeoutPolicy {
  return timeout(timeoutMs, TimeoutStrategy.Aggressive);
}
