import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/ledger/database.js';

/** One fresh, empty database of a backend, and how to reach it again. */
export interface TestDatabase {
  database: Database;
  /** Its connection string on PostgreSQL; undefined on PGlite. */
  url: string | undefined;
  dataDir: string;
  /**
   * Another connection to the same database, as a second replica would open it: a new pool on PostgreSQL.
   * PGlite is one connection inside one process, so there it is the same database; closed by `drop`.
   */
  connect(): Promise<Database>;
  /** Closes every connection and removes the database. */
  drop(): Promise<void>;
}

/**
 * The ledger's backends a test can run on: PGlite always; a real PostgreSQL server when `TEST_DATABASE_URL`
 * names one (`.ci/run` installs and starts one). Each `create()` makes a fresh, empty (unmigrated) database.
 */
export interface TestBackend {
  name: 'pglite' | 'postgres';
  /** A new empty database: PGlite in memory, or a new database on the server. */
  create(): Promise<TestDatabase>;
}

const serverUrl = process.env.TEST_DATABASE_URL;

export const pgliteBackend: TestBackend = {
  name: 'pglite',
  async create() {
    const database = await openDatabase({ dataDir: 'memory://' });
    return {
      database,
      url: undefined,
      dataDir: 'memory://',
      connect: async () => database,
      drop: () => database.close(),
    };
  },
};

/** PostgreSQL's SQLSTATE when a database still has sessions. */
const OBJECT_IN_USE = '55006';

/** Runs one statement on the server's maintenance database (CREATE and DROP DATABASE cannot run inside one). */
async function onServer(url: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export const postgresBackend: TestBackend | null = serverUrl
  ? {
      name: 'postgres',
      async create() {
        const name = `ledger_test_${randomUUID().replaceAll('-', '')}`;
        await onServer(serverUrl, `CREATE DATABASE ${name}`);
        const url = new URL(serverUrl);
        url.pathname = `/${name}`;
        const database = await openDatabase({ url: url.toString(), dataDir: '' });
        const others: Database[] = [];
        return {
          database,
          url: url.toString(),
          dataDir: '',
          async connect() {
            const other = await openDatabase({ url: url.toString(), dataDir: '' });
            others.push(other);
            return other;
          },
          async drop() {
            await Promise.all([database, ...others].map((db) => db.close()));
            // A closed pool's sessions may still be ending on the server: a plain DROP waits for them (up to 5 s),
            // where FORCE would kill them and their clients would throw the server's FATAL as an uncaught error.
            // FORCE only for a session a test left open.
            try {
              await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name}`);
            } catch (error) {
              if ((error as { code?: string }).code !== OBJECT_IN_USE) throw error;
              await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            }
          },
        };
      },
    }
  : null;

/** Every backend available here: run a suite once per entry with `describe.each`. */
export const testBackends: TestBackend[] = [pgliteBackend, ...(postgresBackend ? [postgresBackend] : [])];
