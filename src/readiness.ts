import type { ProviderEndpoints } from './context.js';
import type { Database } from './ledger/database.js';
import type { Logger } from './logger.js';

/**
 * A cheap query's time limit: a database slower than this to say `SELECT 1` cannot serve requests either, and a load
 * balancer's probe must not wait on a pool that cannot connect.
 */
const DATABASE_CHECK_TIMEOUT_MS = 2_000;

type CircuitStatus = ReturnType<ProviderEndpoints['cloudCockpit']['policy']['circuitStatus']>;

/** `/readyz`'s answer: what failed, never how the database is reached. */
export interface ReadinessReport {
  status: 'ready' | 'unready';
  checks: {
    database: { status: 'up' } | { status: 'down'; reason: 'timeout' | 'error' };
    shutdown: { status: 'serving' | 'draining' };
  };
  /** Reported, never a reason to be unready (see {@link Readiness}). */
  circuits: Record<string, CircuitStatus>;
}

/**
 * Whether this replica should get traffic. Unready only while its database does not answer or it is shutting down:
 * those are this replica's own. A provider's open circuit is not: every replica calls the same providers, so a load
 * balancer would pull them all out at once and refuse every operation, the many that never call that provider
 * included. The circuits are in the report, for operators; each request that needs the provider gets its
 * `UPSTREAM_UNAVAILABLE` with `retryAfterSeconds`.
 */
export class Readiness {
  private draining = false;
  private databaseCheck: Promise<ReadinessReport['checks']['database']> | undefined;

  constructor(
    private readonly database: Pick<Database, 'query'>,
    private readonly endpoints: ProviderEndpoints,
    private readonly logger: Logger,
    private readonly databaseTimeoutMs = DATABASE_CHECK_TIMEOUT_MS,
  ) {}

  /** From now on the replica answers unready, so that load balancers stop sending it requests before it closes. */
  drain(): void {
    this.draining = true;
  }

  async report(): Promise<ReadinessReport> {
    // Probes that come while one is waiting share its query: a slow database is not sent one more per probe.
    this.databaseCheck ??= this.checkDatabase().finally(() => (this.databaseCheck = undefined));
    const database = await this.databaseCheck;
    const circuits = Object.fromEntries(
      Object.values(this.endpoints).map(({ policy }) => [policy.provider, policy.circuitStatus()]),
    );
    const ready = database.status === 'up' && !this.draining;
    return {
      status: ready ? 'ready' : 'unready',
      checks: { database, shutdown: { status: this.draining ? 'draining' : 'serving' } },
      circuits,
    };
  }

  private async checkDatabase(): Promise<ReadinessReport['checks']['database']> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.databaseTimeoutMs);
    });
    try {
      const answer = await Promise.race([this.database.query('SELECT 1'), timeout]);
      return answer === 'timeout' ? { status: 'down', reason: 'timeout' } : { status: 'up' };
    } catch (error) {
      // The driver's message can name the host and user: the log has it for operators, the report only that it failed.
      this.logger.warn({ err: error }, 'readiness: the database did not answer');
      return { status: 'down', reason: 'error' };
    } finally {
      clearTimeout(timer);
    }
  }
}
