import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  TaskCancelledError,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { UpstreamError } from '../../errors.js';
import type { CircuitStateName } from '../../telemetry/metrics.js';

/** A provider that did not answer, or answered with its own failure (5xx), or not in time: what opens the circuit. */
export function isOutage(error: unknown): boolean {
  if (error instanceof TaskCancelledError) return true;
  if (!(error instanceof UpstreamError)) return false;
  // A refused connection says the provider is down. The cap's refusals (BulkheadRejectedError, inside the circuit) are
  // no UpstreamError, so they never count.
  return error.httpStatus === null || error.httpStatus >= 500;
}

/**
 * After `threshold` outages in a row the circuit opens: calls fail at once, without being sent, for `halfOpenAfterMs`;
 * then one call goes through as a probe, and its success closes the circuit again.
 */
export class ProviderCircuit {
  readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(
    threshold: number,
    private readonly halfOpenAfterMs: number,
  ) {
    this.policy = circuitBreaker(handleWhen(isOutage), {
      halfOpenAfter: halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(threshold),
    });
    this.policy.onBreak(() => (this.openedAt = Date.now()));
  }

  /** Tells `listener` the circuit's state now, and each time it changes. */
  onStateChange(listener: (state: CircuitStateName) => void): void {
    listener('closed');
    this.policy.onBreak(() => listener('open'));
    this.policy.onHalfOpen(() => listener('half-open'));
    this.policy.onReset(() => listener('closed'));
  }

  /** How the circuit stands, as readiness reports it. */
  get state(): 'closed' | 'open' | 'half-open' {
    const state = this.policy.state;
    if (state === CircuitState.Closed) return 'closed';
    return state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  /** While open: the whole seconds until a probe may be let through (at least 1). */
  retryAfterSeconds(now = Date.now()): number {
    return Math.max(1, Math.ceil((this.openedAt + this.halfOpenAfterMs - now) / 1000));
  }
}
