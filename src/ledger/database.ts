import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Something SQL can be sent to: the database, or one transaction of it. */
export interface Queryable {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Several statements without parameters, for migrations. */
  exec(sql: string): Promise<void>;
}

/** PGlite embedded in a directory, or a PostgreSQL server: the same SQL, so nothing above this file differs. */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Its connections, for the metrics: read from the pool, no query sent. */
  poolStats(): PoolStats;
  /**
   * Calls `onNotify` with each payload NOTIFYed on `channel` once the listening has begun; `onGap` when some may have
   * been missed (the listening connection was lost, and is made again). Resolves once listening.
   */
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface NotificationListener {
  onNotify(payload: string): void;
  onGap(): void;
}

/** The ledger's connections; PGlite is one connection in the process, and tells no more. */
export interface PoolStats {
  max: number;
  total: number;
  idle?: number;
  waiting?: number;
}

export interface DatabaseOptions {
  /** A PostgreSQL connection string; when unset, PGlite in `dataDir`. */
  url?: string;
  /**
   * Connections to that server. A transaction holds one until it commits, and under load most of that time is the
   * event loop getting round to its next statement. @default 20
   */
  poolSize?: number;
  /** Where PGlite keeps its files; `memory://` keeps them in memory. */
  dataDir: string;
}

export async function openDatabase({ url, poolSize = 20, dataDir }: DatabaseOptions): Promise<Database> {
  return url ? openPostgres(url, poolSize) : openPGlite(dataDir);
}

async function openPGlite(dataDir: string): Promise<Database> {
  const db = await PGlite.create(dataDir);
  const over = (target: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    query: async <Row>(sql: string, params?: unknown[]) => (await target.query<Row>(sql, params)).rows,
    exec: async (sql) => {
      await target.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...over(db),
    // PGlite is one connection: its transactions queue behind each other, as row locks would make them.
    transaction: (work) => db.transaction((tx) => work(over(tx))),
    poolStats: () => ({ max: 1, total: 1 }),
    // In process: PGlite delivers its own NOTIFYs to its listeners, and no connection can be lost.
    listen: (channel, { onNotify }) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection the server or the network closed (a restart, a failover): the pool drops it and connects anew
  // on the next query. Unheard, the pool's 'error' event would end the process.
  pool.on('error', () => undefined);
  // Fail at start-up, not at the first request, when the server cannot be reached.
  await pool.query('SELECT 1');
  const listening = new Set<() => Promise<void>>();
  const over = (target: pg.Pool | pg.PoolClient): Queryable => ({
    query: async <Row>(sql: string, params?: unknown[]) => (await target.query(sql, params)).rows as Row[],
    exec: async (sql) => {
      await target.query(sql);
    },
  });
  return {
    kind: 'postgres',
    ...over(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(over(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
    poolStats: () => ({
      max: poolSize,
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
    async listen(channel, listener) {
      const stop = await listenOnServer(url, channel, listener);
      listening.add(stop);
      return () => {
        listening.delete(stop);
        return stop();
      };
    },
    async close() {
      await Promise.all([...listening].map((stop) => stop()));
      await pool.end();
    },
  };
}

/** How long a lost listening connection waits before it is made again, doubling up to the longest. */
const RELISTEN_DELAYS_MS = { first: 250, longest: 10_000 };

/**
 * A connection of its own, outside the pool: LISTEN holds its session. When it is lost, it is made again (back-off
 * doubling to 10 s) and the listener is told that notifications may have been missed in between.
 */
async function listenOnServer(url: string, channel: string, listener: NotificationListener) {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === channel) listener.onNotify(message.payload ?? '');
    });
    // Errors are followed by 'end'; both only start the reconnecting.
    next.on('error', () => undefined);
    next.on('end', () => {
      if (client === next && !stopped) reconnect(RELISTEN_DELAYS_MS.first);
    });
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = next;
  };

  const reconnect = (delayMs: number) => {
    client = null;
    retry = setTimeout(() => {
      connect().then(
        () => listener.onGap(),
        () => !stopped && reconnect(Math.min(delayMs * 2, RELISTEN_DELAYS_MS.longest)),
      );
    }, delayMs);
    retry.unref();
  };

  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
