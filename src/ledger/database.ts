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
  close(): Promise<void>;
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
    close: () => db.close(),
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // Fail at start-up, not at the first request, when the server cannot be reached.
  await pool.query('SELECT 1');
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
    close: () => pool.end(),
  };
}
