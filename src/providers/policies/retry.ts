import {
  DelegateBackoff,
  ExponentialBackoff,
  handleWhen,
  retry,
  type IBackoff,
  type IRetryBackoffContext,
  type RetryPolicy,
} from 'cockatiel';
import { UpstreamError } from '../../errors.js';

export interface RetryOptions {
  /** Calls after the first; 0 turns retries off. @default 2 */
  maxAttempts: number;
  /** No retry starts later than this after the first call began. @default 10000 */
  budgetMs: number;
  /** The first backoff; each next one up to about twice as long, with jitter. @default 100 */
  baseDelayMs: number;
  /** The longest backoff. @default 2000 */
  maxDelayMs: number;
  /**
   * The longest `Retry-After` waited out; a longer one is the caller's to wait (UPSTREAM_BUSY, retryAfterSeconds).
   * @default 5
   */
  retryAfterMaxSeconds: number;
}

/**
 * Whether a failed call may be sent again. Always when the provider did not process it: a 423 or 429 (its
 * `Retry-After` within the cap), or a refused connection. A 5xx, a timeout or a lost answer only for a read: a write may
 * have been done, and is settled by the ledger's reconcile path (look up, then repeat), never by a blind repeat.
 */
export function mayRetry(error: unknown, read: boolean, retryAfterMaxSeconds: number): boolean {
  if (!(error instanceof UpstreamError)) return false;
  const status = error.httpStatus;
  if (status === 423 || status === 429) return (error.failure.retryAfterSeconds ?? 0) <= retryAfterMaxSeconds;
  if (status === null) {
    const why = error.failure.unanswered;
    return why === 'refused' || (read && (why === 'timed-out' || why === 'lost'));
  }
  return read && status >= 500;
}

const retryAfterMs = (error: unknown) =>
  error instanceof UpstreamError && error.failure.retryAfterSeconds != null
    ? error.failure.retryAfterSeconds * 1000
    : null;

/**
 * Retries for one call that started now: exponential backoff with cockatiel's decorrelated jitter, or the provider's
 * `Retry-After` when it sent one; bounded by `maxAttempts` and by `budgetMs` (a wait that would end past it is not taken).
 */
export function retriesOfOneCall(read: boolean, options: RetryOptions): RetryPolicy {
  const deadline = Date.now() + options.budgetMs;
  const remaining = () => deadline - Date.now();
  const exponential = new ExponentialBackoff({ initialDelay: options.baseDelayMs, maxDelay: options.maxDelayMs });
  const worthIt = (error: Error) =>
    mayRetry(error, read, options.retryAfterMaxSeconds) && (retryAfterMs(error) ?? 0) < remaining();
  const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown>>((context, previous) => {
    const next = previous ? previous.next(context) : exponential.next();
    const asked = 'error' in context.result ? retryAfterMs(context.result.error) : null;
    return { delay: asked ?? Math.max(0, Math.min(next.duration, remaining())), state: next };
  });
  return retry(handleWhen(worthIt), { maxAttempts: options.maxAttempts, backoff });
}
