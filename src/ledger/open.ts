import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from './database.js';
import { Ledger } from './ledger.js';
import { migrate } from './migrations.js';

export interface OpenLedgerOptions {
  /** A PostgreSQL server; when unset, PGlite in `dataDir`. */
  databaseUrl?: string;
  /** Connections to that server. @default 20 */
  poolSize?: number;
  /** PGlite's directory, created on first start; `memory://` for one that dies with the process. */
  dataDir: string;
  leaseMs?: number;
}

/** The ledger, its database migrated to the current schema. */
export async function openLedger(options: OpenLedgerOptions): Promise<{ ledger: Ledger; database: Database }> {
  const database = await openDatabase({
    url: options.databaseUrl,
    poolSize: options.poolSize,
    dataDir: options.dataDir,
  });
  await migrate(database);
  // Unique per process, and readable in a lease: which host and process holds a step.
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const ledger = new Ledger(database, { owner, leaseMs: options.leaseMs });
  if (database.kind === 'pglite') await ledger.releaseLeasesOfEarlierProcesses();
  return { ledger, database };
}
