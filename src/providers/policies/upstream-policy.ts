import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError, type BulkheadPolicy } from 'cockatiel';
import { unansweredError, UpstreamError, type ProviderName, type Unanswered } from '../../errors.js';
import { ProviderCircuit } from './circuit-breaker.js';
import { concurrencyCap } from './concurrency.js';
import { retriesOfOneCall, type RetryOptions } from './retry.js';
import { withinTimeLimit, type CallLimits } from './timeout.js';

/** How calls to one provider are made; each is set per provider by environment (README, "Configuration"). */
export interface UpstreamPolicyOptions extends RetryOptions {
  /** A call's time limit for its answer to start, its wait for a slot included. @default 10000 */
  timeoutMs: number;
  /** Outages in a row (5xx, no answer, timeout) that open the circuit. @default 5 */
  breakerThreshold: number;
  /** How long an open circuit fails calls at once before letting a probe through. @default 10000 */
  breakerHalfOpenAfterMs: number;
  /** Calls in flight at once. @default 64 */
  maxConcurrent: number;
  /** Calls waiting for one of those slots; more are refused (UPSTREAM_BUSY), unsent. @default 512 */
  maxQueued: number;
}

/** The defaults the options above document. */
export const DEFAULT_UPSTREAM_POLICY: UpstreamPolicyOptions = {
  timeoutMs: 10_000,
  maxAttempts: 2,
  budgetMs: 10_000,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  retryAfterMaxSeconds: 5,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: 10_000,
  maxConcurrent: 64,
  maxQueued: 512,
};

/**
 * How long after a call began its last request may still reach the provider: no retry starts after the budget, and
 * each attempt has its answer started, or is abandoned, within the timeout. The ledger's lease must outlast the calls
 * a step makes under it (config.ts checks).
 */
export function longestCallMs(options: Pick<UpstreamPolicyOptions, 'timeoutMs' | 'maxAttempts' | 'budgetMs'>): number {
  return options.maxAttempts > 0 ? options.budgetMs + options.timeoutMs : options.timeoutMs;
}

export interface UpstreamCall {
  /** GET and HEAD: repeated after a 5xx, a timeout or a lost answer, which a write never is. */
  read: boolean;
  /** Named in the errors made here, when no answer carries one. */
  correlationId: string;
  /** The caller's own signal, if any: it ends the call too. */
  signal?: AbortSignal;
}

/**
 * Every call to one provider, composed once per process and shared by all requests: retries (cockatiel) around each
 * attempt, and each attempt through the provider's circuit breaker, its time limit and its concurrency cap, in that
 * order (an open circuit takes no slot; the time limit covers the wait for one). Failures leave as
 * {@link UpstreamError}s.
 */
export class UpstreamPolicy {
  private readonly circuit: ProviderCircuit;
  private readonly cap: BulkheadPolicy;

  constructor(
    readonly provider: ProviderName,
    private readonly options: UpstreamPolicyOptions = DEFAULT_UPSTREAM_POLICY,
  ) {
    this.circuit = new ProviderCircuit(options.breakerThreshold, options.breakerHalfOpenAfterMs);
    this.cap = concurrencyCap(options.maxConcurrent, options.maxQueued);
  }

  /** The provider's circuit as it stands, with the seconds until a probe while it is open. */
  circuitStatus(): { state: ProviderCircuit['state']; retryAfterSeconds?: number } {
    const { state } = this.circuit;
    return state === 'open' ? { state, retryAfterSeconds: this.circuit.retryAfterSeconds() } : { state };
  }

  /** Runs `call` under the policy, each attempt given its {@link CallLimits}. */
  execute<T>(call: (limits: CallLimits) => Promise<T>, { read, correlationId, signal }: UpstreamCall): Promise<T> {
    const { timeoutMs } = this.options;
    return retriesOfOneCall(read, this.options).execute(async () => {
      const deadline = Date.now() + timeoutMs;
      let sent = false;
      try {
        return await this.circuit.policy.execute(() =>
          withinTimeLimit(timeoutMs, (expired) =>
            this.cap.execute(() => {
              if (expired()) throw new TaskCancelledError('timed out waiting for a free slot');
              sent = true;
              return call({ timeoutMs: Math.max(1, deadline - Date.now()), signal });
            }),
          ),
        );
      } catch (error) {
        throw this.upstreamErrorOf(error, sent, correlationId);
      }
    }, signal);
  }

  private upstreamErrorOf(error: unknown, sent: boolean, correlationId: string): unknown {
    if (error instanceof UpstreamError) return error;
    const unanswered = (why: Unanswered, retryAfterSeconds?: number) =>
      unansweredError(this.provider, correlationId, why, retryAfterSeconds);
    if (error instanceof BrokenCircuitError) return unanswered('circuit-open', this.circuit.retryAfterSeconds());
    if (error instanceof BulkheadRejectedError) return unanswered('concurrency-cap', 1);
    // A call still waiting for a slot at its deadline was never sent.
    if (error instanceof TaskCancelledError) return unanswered(sent ? 'timed-out' : 'concurrency-cap', 1);
    return error;
  }
}
