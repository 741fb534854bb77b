import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError, type BulkheadPolicy } from 'cockatiel';
import { unansweredError, UpstreamError, type ProviderName, type Unanswered } from '../../errors.js';
import { UNANSWERED_OUTCOME, type Metrics, type UpstreamOutcome } from '../../telemetry/metrics.js';
import { describeUpstreamCall, inUpstreamSpan } from '../../telemetry/tracing.js';
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

export interface UpstreamCall<T = unknown> {
  /** GET and HEAD: repeated after a 5xx, a timeout or a lost answer, which a write never is. */
  read: boolean;
  /** For the call's span. @default GET for a read, POST otherwise */
  method?: string;
  /** The path called, ids and all: the span names it by its route template (telemetry/tracing.ts). @default '' */
  path?: string;
  /** The HTTP status of an answer, for the metrics and the span. */
  statusOf?: (result: T) => number;
  /** Named in the errors made here, when no answer carries one. */
  correlationId: string;
  /** The caller's own signal, if any: it ends the call too. */
  signal?: AbortSignal;
}

/**
 * Every call to one provider, composed once per process and shared by all requests: retries (cockatiel) around each
 * attempt, and each attempt through the provider's circuit breaker, its time limit and its concurrency cap, in that
 * order (an open circuit takes no slot; the time limit covers the wait for one). Failures leave as
 * {@link UpstreamError}s. Every provider call passes here, so here it is measured: each attempt in the metrics, each
 * call (retries included) in a span.
 */
export class UpstreamPolicy {
  private readonly circuit: ProviderCircuit;
  private readonly cap: BulkheadPolicy;

  /** `metrics`: where its calls, retries and circuit state are counted; none when not given. */
  constructor(
    readonly provider: ProviderName,
    private readonly options: UpstreamPolicyOptions = DEFAULT_UPSTREAM_POLICY,
    private readonly metrics?: Metrics,
  ) {
    this.circuit = new ProviderCircuit(options.breakerThreshold, options.breakerHalfOpenAfterMs);
    this.cap = concurrencyCap(options.maxConcurrent, options.maxQueued);
    if (metrics) this.circuit.onStateChange((state) => metrics.setCircuitState(provider, state));
  }

  /** The provider's circuit as it stands, with the seconds until a probe while it is open. */
  circuitStatus(): { state: ProviderCircuit['state']; retryAfterSeconds?: number } {
    const { state } = this.circuit;
    return state === 'open' ? { state, retryAfterSeconds: this.circuit.retryAfterSeconds() } : { state };
  }

  /** Runs `call` under the policy, each attempt given its {@link CallLimits}. */
  execute<T>(call: (limits: CallLimits) => Promise<T>, upstreamCall: UpstreamCall<T>): Promise<T> {
    const { read, path = '' } = upstreamCall;
    const method = upstreamCall.method ?? (read ? 'GET' : 'POST');
    return inUpstreamSpan({ provider: this.provider, method, path }, async (span) => {
      let retries = 0;
      let status: number | null = null;
      const retrying = retriesOfOneCall(read, this.options);
      retrying.onRetry(() => {
        retries += 1;
        this.metrics?.countRetry(this.provider);
      });
      try {
        const result = await retrying.execute(
          () => this.attempt(call, upstreamCall, (attemptStatus) => (status = attemptStatus)),
          upstreamCall.signal,
        );
        describeUpstreamCall(span, status, retries);
        return result;
      } catch (error) {
        describeUpstreamCall(span, status, retries, outcomeOf(error));
        throw error;
      }
    });
  }

  /** One attempt: through the circuit, the time limit and the cap; measured, whatever its end. */
  private async attempt<T>(
    call: (limits: CallLimits) => Promise<T>,
    { correlationId, signal, statusOf }: UpstreamCall<T>,
    answered: (status: number | null) => void,
  ): Promise<T> {
    const { timeoutMs } = this.options;
    const startedAt = performance.now();
    const deadline = Date.now() + timeoutMs;
    let sent = false;
    try {
      const result = await this.circuit.policy.execute(() =>
        withinTimeLimit(timeoutMs, (expired) =>
          this.cap.execute(() => {
            if (expired()) throw new TaskCancelledError('timed out waiting for a free slot');
            sent = true;
            return call({ timeoutMs: Math.max(1, deadline - Date.now()), signal });
          }),
        ),
      );
      const status = statusOf?.(result) ?? null;
      answered(status);
      this.metrics?.observeUpstreamCall(this.provider, status, 'success', (performance.now() - startedAt) / 1000);
      return result;
    } catch (error) {
      const failure = this.upstreamErrorOf(error, sent, correlationId);
      const status = failure instanceof UpstreamError ? failure.httpStatus : null;
      answered(status);
      this.metrics?.observeUpstreamCall(
        this.provider,
        status,
        outcomeOf(failure),
        (performance.now() - startedAt) / 1000,
      );
      throw failure;
    }
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

/** How an attempt ended, as the metrics and spans name it. */
function outcomeOf(error: unknown): UpstreamOutcome {
  if (!(error instanceof UpstreamError)) return 'cancelled';
  const { unanswered } = error.failure;
  return unanswered ? UNANSWERED_OUTCOME[unanswered] : 'http_error';
}
