import {
  BrokenCircuitError,
  BulkheadRejectedError,
  TaskCancelledError,
  wrap,
  type BulkheadPolicy,
  type IPolicy,
} from 'cockatiel';
import { unansweredError, UpstreamError, type ProviderName, type Unanswered } from '../../errors.js';
import { ProviderCircuit } from './circuit-breaker.js';
import { concurrencyCap } from './concurrency.js';
import { retriesOfOneCall, type RetryOptions } from './retry.js';
import { callTimeout } from './timeout.js';

/** How calls to one provider are made; each is set per provider by environment (README, "Configuration"). */
export interface UpstreamPolicyOptions extends RetryOptions {
  /** A call's time limit, waiting for a slot included. @default 10000 */
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
 * The longest one call through the policy can last: no retry starts after the budget, and each attempt ends within
 * the timeout. The ledger's lease must outlast the calls a step makes under it (config.ts checks).
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
 * Every call to one provider, composed once per process and shared by all requests: retries around each attempt,
 * and each attempt through the provider's circuit, its time limit and its concurrency cap, in that order (an open
 * circuit takes no slot; the time limit covers the wait for one). Failures leave as {@link UpstreamError}s.
 */
export class UpstreamPolicy {
  private readonly circuit: ProviderCircuit;
  private readonly cap: BulkheadPolicy;
  private readonly attempt: IPolicy;

  constructor(
    readonly provider: ProviderName,
    private readonly options: UpstreamPolicyOptions = DEFAULT_UPSTREAM_POLICY,
  ) {
    this.circuit = new ProviderCircuit(options.breakerThreshold, options.breakerHalfOpenAfterMs);
    this.cap = concurrencyCap(options.maxConcurrent, options.maxQueued);
    this.attempt = wrap(this.circuit.policy, callTimeout(options.timeoutMs), this.cap);
  }

  /** Runs `call` (given the signal that aborts it) under the policy. */
  execute<T>(call: (signal: AbortSignal) => Promise<T>, { read, correlationId, signal }: UpstreamCall): Promise<T> {
    // A signal of the call's own: without one, cockatiel would hang every call's abort listener on one shared signal.
    const ended = signal ?? new AbortController().signal;
    return retriesOfOneCall(read, this.options).execute(async ({ signal: retrySignal }) => {
      let sent = false;
      try {
        return await this.attempt.execute(({ signal: attemptSignal }) => {
          sent = true;
          return call(attemptSignal);
        }, retrySignal);
      } catch (error) {
        throw this.upstreamErrorOf(error, sent, correlationId, signal);
      }
    }, ended);
  }

  private upstreamErrorOf(error: unknown, sent: boolean, correlationId: string, caller?: AbortSignal): unknown {
    if (error instanceof UpstreamError) return error;
    const unanswered = (why: Unanswered, retryAfterSeconds?: number) =>
      unansweredError(this.provider, correlationId, why, retryAfterSeconds);
    if (error instanceof BrokenCircuitError) return unanswered('circuit-open', this.circuit.retryAfterSeconds());
    if (error instanceof BulkheadRejectedError) return unanswered('concurrency-cap', 1);
    if (error instanceof TaskCancelledError) {
      // The caller's abort is theirs to make sense of; a call still waiting for a slot was never sent.
      if (caller?.aborted) return caller.reason;
      return sent ? unanswered('timed-out') : unanswered('concurrency-cap', 1);
    }
    return error;
  }
}
