import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ProviderName, Unanswered } from '../errors.js';
import type { PoolStats } from '../ledger/database.js';
import type { WorkBacklog } from '../ledger/ledger.js';

/**
 * The service's Prometheus metrics (`GET /metrics`), in a registry of their own rather than prom-client's global one:
 * each server assembled in a process (tests start many) counts only its own. Every label set is bounded; the names
 * and what they mean are listed in the README ("Metrics").
 */

/** How one upstream call (one attempt: a retry is another) ended. */
export type UpstreamOutcome =
  | 'success'
  /** An HTTP answer that is a failure (4xx, 5xx), or a 2xx whose body could not be read. */
  | 'http_error'
  /** A call that got no answer: {@link Unanswered}, in snake case. */
  | 'timeout'
  | 'refused'
  | 'circuit_open'
  | 'concurrency_cap'
  | 'lost'
  /** The caller gave up first, or something of our own failed. */
  | 'cancelled';

export const UNANSWERED_OUTCOME: Record<Unanswered, UpstreamOutcome> = {
  refused: 'refused',
  'circuit-open': 'circuit_open',
  'concurrency-cap': 'concurrency_cap',
  'timed-out': 'timeout',
  lost: 'lost',
};

export type CircuitStateName = 'closed' | 'open' | 'half-open';
const CIRCUIT_STATE_VALUE: Record<CircuitStateName, number> = { closed: 0, open: 1, 'half-open': 2 };

/** How a GraphQL operation ended: every field answered, some with errors, or refused before it ran. */
export type OperationOutcome = 'success' | 'partial' | 'error';

export interface MetricsOptions {
  /** Node's process metrics (CPU, memory, event loop, GC), prefixed `provisioning_graph_`. @default true */
  processMetrics?: boolean;
  /** Distinct operation names labelled as sent; later ones, and unnamed operations, count as `other`. @default 100 */
  maxOperationNames?: number;
  /** A scrape waits this long for the ledger's backlog before leaving it out. @default 2000 */
  collectTimeoutMs?: number;
}

/** The label of operations without a name, and of names past {@link MetricsOptions.maxOperationNames}. */
export const OTHER_OPERATION = 'other';
/** A GraphQL name (the spec's `Name`), at most 64 characters: anything else is not kept as a label. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/** Seconds: a read costs about a millisecond over its provider; a provisioning, a few provider round trips. */
const OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  private readonly maxOperationNames: number;
  private readonly collectTimeoutMs: number;

  private readonly operationDuration = new Histogram({
    name: 'provisioning_graph_graphql_operation_duration_seconds',
    help: 'GraphQL operations by name, type and outcome, and how long each took to answer; _count counts them',
    labelNames: ['operation', 'type', 'outcome'] as const,
    buckets: OPERATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly upstreamDuration = new Histogram({
    name: 'provisioning_graph_upstream_request_duration_seconds',
    help: 'Calls to the providers (each attempt, a retry being another) by provider, HTTP status and outcome, and their latency',
    labelNames: ['provider', 'status', 'outcome'] as const,
    buckets: UPSTREAM_BUCKETS,
    registers: [this.registry],
  });

  private readonly upstreamRetries = new Counter({
    name: 'provisioning_graph_upstream_retries_total',
    help: "Calls to a provider sent again by its policy's retries",
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  private readonly circuitState = new Gauge({
    name: 'provisioning_graph_upstream_circuit_state',
    help: "Each provider's circuit breaker: 0 closed, 1 open (calls fail unsent), 2 half-open (a probe is let through)",
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  private readonly idempotentReplays = new Counter({
    name: 'provisioning_graph_idempotent_replays_total',
    help: 'Mutations answered with the stored response of their Idempotency-Key, without running again',
    registers: [this.registry],
  });

  /** Child metrics by label values, made once: prom-client's `labels()` makes its closures anew on every call. */
  private readonly operationChildren = new Map<string, Histogram.Internal<'operation' | 'type' | 'outcome'>>();
  private readonly upstreamChildren = new Map<string, Histogram.Internal<'provider' | 'status' | 'outcome'>>();

  constructor(options: MetricsOptions = {}) {
    this.maxOperationNames = options.maxOperationNames ?? 100;
    this.collectTimeoutMs = options.collectTimeoutMs ?? 2_000;
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: 'provisioning_graph_' });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text a scrape gets. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * The operation's label: its name as sent, for the first {@link MetricsOptions.maxOperationNames} names seen, since
   * clients choose names freely and each would be a series of its own; unnamed operations and later names are `other`.
   */
  operationLabel(name: string | null | undefined): string {
    if (!name) return OTHER_OPERATION;
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= this.maxOperationNames || !OPERATION_NAME.test(name)) return OTHER_OPERATION;
    this.operationNames.add(name);
    return name;
  }

  observeOperation(operation: string, type: string, outcome: OperationOutcome, seconds: number): void {
    const key = `${operation}\u0000${type}\u0000${outcome}`;
    let child = this.operationChildren.get(key);
    if (!child) {
      child = this.operationDuration.labels(operation, type, outcome);
      this.operationChildren.set(key, child);
    }
    child.observe(seconds);
  }

  /** One attempt of a call to `provider`: `status` null when no HTTP answer came. */
  observeUpstreamCall(provider: ProviderName, status: number | null, outcome: UpstreamOutcome, seconds: number): void {
    const key = `${provider}\u0000${status}\u0000${outcome}`;
    let child = this.upstreamChildren.get(key);
    if (!child) {
      child = this.upstreamDuration.labels(provider, status === null ? 'none' : String(status), outcome);
      this.upstreamChildren.set(key, child);
    }
    child.observe(seconds);
  }

  countRetry(provider: ProviderName): void {
    this.upstreamRetries.labels(provider).inc();
  }

  setCircuitState(provider: ProviderName, state: CircuitStateName): void {
    this.circuitState.labels(provider).set(CIRCUIT_STATE_VALUE[state]);
  }

  countIdempotentReplay(): void {
    this.idempotentReplays.inc();
  }

  /**
   * The worker's backlog, read from the ledger at each scrape (all replicas' work: each replica reports the same). A
   * ledger that fails or is slow to answer makes them NaN, unknown, in that scrape rather than failing it.
   */
  watchWorkBacklog(read: () => Promise<WorkBacklog>): void {
    let pending: Promise<WorkBacklog | null> | null = null;
    // The three gauges are read in one query per scrape, shared by their collect callbacks.
    const backlog = () =>
      (pending ??= withinMs(read(), this.collectTimeoutMs).finally(() => setImmediate(() => (pending = null))));
    const gauge = (name: string, help: string, value: (backlog: WorkBacklog) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const read = await backlog();
          this.set(read ? value(read) : NaN);
        },
      });
    gauge(
      'provisioning_graph_worker_backlog_steps',
      'Provisioning steps not settled yet (PENDING or IN_PROGRESS), in the whole ledger',
      (b) => b.steps,
    );
    gauge(
      'provisioning_graph_worker_due_steps',
      'Of those, the steps the worker may take now: not held by a request or a worker, and due',
      (b) => b.due,
    );
    gauge(
      'provisioning_graph_worker_oldest_step_age_seconds',
      'How long ago the oldest step not settled yet began; 0 when there is none',
      (b) => b.oldestAgeSeconds,
    );
  }

  /** The subscriptions open on this process (graphql-ws), read at each scrape. */
  watchSubscriptions(count: () => number): void {
    new Gauge({
      name: 'provisioning_graph_subscriptions',
      help: 'Subscriptions open on this process, each following a provisioning or a customer',
      registers: [this.registry],
      collect() {
        this.set(count());
      },
    });
  }

  /** The ledger's connections, read at each scrape. */
  watchLedgerPool(kind: string, stats: () => PoolStats): void {
    new Gauge({
      name: 'provisioning_graph_ledger_pool_connections',
      help: `The ledger's database connections by state: total, idle, and callers waiting for one (PGlite: total only)`,
      labelNames: ['database', 'state'] as const,
      registers: [this.registry],
      collect() {
        const { total, idle, waiting } = stats();
        this.labels(kind, 'total').set(total);
        if (idle !== undefined) this.labels(kind, 'idle').set(idle);
        if (waiting !== undefined) this.labels(kind, 'waiting').set(waiting);
      },
    });
    new Gauge({
      name: 'provisioning_graph_ledger_pool_max_connections',
      help: "The most connections the ledger's pool opens (DATABASE_POOL_SIZE; 1 for PGlite)",
      labelNames: ['database'] as const,
      registers: [this.registry],
      collect() {
        this.labels(kind).set(stats().max);
      },
    });
  }
}

/** `promise`'s value, or null when it fails or takes longer than `ms`. */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
    timer.unref();
  });
  return Promise.race([promise.catch(() => null), late]).finally(() => clearTimeout(timer));
}
