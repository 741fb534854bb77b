import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/ledger/database.js';

/**
 * The ledger's backends a test can run on: PGlite always; a real PostgreSQL server when `TEST_DATABASE_URL`
 * names one (`.ci/run` installs and starts one). Each test gets a fresh, empty database.
 */
export interface TestBackend {
  name: 'pglite' | 'postgres';
  /** A new empty database: PGlite in memory, or a new database on the server. */
  create(): Promise<{ database: Database; url: string | undefined; dataDir: string; drop(): Promise<void> }>;
}

const serverUrl = process.env.TEST_DATABASE_URL;

export const pgliteBackend: TestBackend = {
  name: 'pglite',
  async create() {
    const database = await openDatabase({ dataDir: 'memory://' });
    return { database, url: undefined, dataDir: 'memory://', drop: () => database.close() };
  },
};

export const postgresBackend: TestBackend | null = serverUrl
  ? {
      name: 'postgres',
      async create() {
        const name = `ledger_test_${randomUUID().replaceAll('-', '')}`;
        const admin = new pg.Client({ connectionString: serverUrl });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        const url = new URL(serverUrl);
        url.pathname = `/${name}`;
        const database = await openDatabase({ url: url.toString(), dataDir: '' });
        return {
          database,
          url: url.toString(),
          dataDir: '',
          async drop() {
            await database.close();
            const cleanup = new pg.Client({ connectionString: serverUrl });
            await cleanup.connect();
            await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            await cleanup.end();
          },
        };
      },
    }
  : null;

/** Every backend available here: run a suite once per entry with `describe.each`. */
export const testBackends: TestBackend[] = [pgliteBackend, ...(postgresBackend ? [postgresBackend] : [])];
