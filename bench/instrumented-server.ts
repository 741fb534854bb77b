import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAuthenticator } from '../src/auth.js';
import { loadConfig } from '../src/config.js';
import { openAnswerEncryption } from '../src/ledger/answer-encryption.js';
import { openDatabase, type Database } from '../src/ledger/database.js';
import { Ledger } from '../src/ledger/ledger.js';
import { migrate } from '../src/ledger/migrations.js';
import { createLogger } from '../src/logger.js';
import { ProvisioningWorker } from '../src/provisioning/worker.js';
import { startServer } from '../src/server.js';
import { resolveUpstreams } from '../src/upstreams.js';
import { answerQuestions } from './ipc.js';
import { BENCH_OPERATION_HEADER } from './client.js';

/**
 * The project with its ledger timed per request, for the one figure `node dist/src/main.js` cannot give: the share
 * of each operation spent in the ledger. It is assembled from the product's parts as src/main.ts and
 * src/ledger/open.ts assemble them, with one difference: the ledger's Database is wrapped so that the time each
 * request waits on it is counted. Keep it in step with main.ts: src has no hook for this yet (see the README, "Benchmark").
 *
 * A request's ledger time is the time during which it had at least one statement or transaction outstanding,
 * queueing behind other requests included (PGlite is one connection): what the operation waited for the ledger.
 * The request is told apart by an AsyncLocalStorage entered when Node starts serving it; work outside any request
 * (the worker) is counted apart. AsyncLocalStorage costs every promise a little, so this server is slower than the
 * product: the bench reports its throughput beside the plain one.
 */

/** One served request: how long it took and how long of that it waited on the ledger. */
export interface RequestLedgerTime {
  operationName: string | null;
  durationMs: number;
  ledgerMs: number;
  statements: number;
}

export interface LedgerTimes {
  requests: RequestLedgerTime[];
  /** Ledger time outside any request (the worker): its total and statements. */
  backgroundMs: number;
  backgroundStatements: number;
  /** Time during which any ledger work at all was outstanding, and the wall time it was counted over. */
  busyMs: number;
  wallMs: number;
  /**
   * How late the event loop ran what was due, p50 and p99 (ms): a loop this late also delays each ledger answer's
   * processing, which then counts as ledger time, and every other await alike.
   */
  eventLoopDelayMs: { p50: number; p99: number };
}

interface Account {
  startedAt: number;
  outstanding: number;
  since: number;
  ledgerMs: number;
  statements: number;
}

const accounts = new AsyncLocalStorage<Account>();
const background: Account = { startedAt: 0, outstanding: 0, since: 0, ledgerMs: 0, statements: 0 };
const everything: Account = { startedAt: performance.now(), outstanding: 0, since: 0, ledgerMs: 0, statements: 0 };
let served: RequestLedgerTime[] = [];

function enter(account: Account, now: number): void {
  if (account.outstanding++ === 0) account.since = now;
  account.statements += 1;
}

function leave(account: Account, now: number): void {
  if (--account.outstanding === 0) account.ledgerMs += now - account.since;
}

/** The Database, each statement and transaction counted against the request (or the background) it serves. */
function timed(database: Database): Database {
  const around = async <T>(work: () => Promise<T>): Promise<T> => {
    const account = accounts.getStore() ?? background;
    const start = performance.now();
    enter(account, start);
    enter(everything, start);
    try {
      return await work();
    } finally {
      const end = performance.now();
      leave(account, end);
      leave(everything, end);
    }
  };
  return {
    kind: database.kind,
    query: (sql, params) => around(() => database.query(sql, params)),
    exec: (sql) => around(() => database.exec(sql)),
    // The statements inside a transaction are its own: the transaction is counted once, from BEGIN to COMMIT.
    transaction: (work) => around(() => database.transaction(work)),
    listen: (channel, listener) => database.listen(channel, listener),
    close: () => database.close(),
  };
}

/** The operation's name, as the bench's client names it in a header: Fastify keeps the parsed body to itself. */
function operationNameOf(request: IncomingMessage): string | null {
  const name = request.headers[BENCH_OPERATION_HEADER];
  return typeof name === 'string' ? name : null;
}

// Node publishes this synchronously as it starts serving a request: what runs for the request inherits the account.
subscribe('http.server.request.start', (message) => {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
  const account: Account = { startedAt: performance.now(), outstanding: 0, since: 0, ledgerMs: 0, statements: 0 };
  accounts.enterWith(account);
  response.once('finish', () => {
    // GraphQL requests of the bench's client only.
    const operationName = operationNameOf(request);
    if (operationName === null) return;
    served.push({
      operationName,
      durationMs: performance.now() - account.startedAt,
      ledgerMs: account.ledgerMs,
      statements: account.statements,
    });
  });
});

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

/** The requests served since the last call, and the background and overall ledger time since then. */
function takeLedgerTimes(): LedgerTimes {
  const now = performance.now();
  const times: LedgerTimes = {
    requests: served,
    backgroundMs: background.ledgerMs,
    backgroundStatements: background.statements,
    busyMs: everything.ledgerMs + (everything.outstanding > 0 ? now - everything.since : 0),
    wallMs: now - everything.startedAt,
    eventLoopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6 },
  };
  loopDelay.reset();
  served = [];
  Object.assign(background, { ledgerMs: 0, statements: 0 });
  Object.assign(everything, { startedAt: now, ledgerMs: 0, statements: 0, since: now });
  return times;
}

// As src/main.ts, with the database timed and the server on loopback.
const config = loadConfig();
const logger = createLogger(config.logLevel);
const upstreams = await resolveUpstreams(config.upstreams, logger);
const database = timed(
  await openDatabase({
    url: config.ledger.databaseUrl,
    poolSize: config.ledger.poolSize,
    dataDir: config.ledger.dataDir,
  }),
);
await migrate(database);
const ledger = new Ledger(database, { owner: `${hostname()}:${process.pid}:bench`, leaseMs: config.ledger.leaseMs });
if (database.kind === 'pglite') await ledger.releaseLeasesOfEarlierProcesses();
const worker = new ProvisioningWorker(
  { logger, endpoints: upstreams.endpoints, ledger },
  { intervalMs: config.ledger.workerIntervalMs },
);
worker.start();
const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  production: config.production,
  logger,
  authenticator: await createAuthenticator(config.jwt),
  endpoints: upstreams.endpoints,
  ledger,
  answerEncryption: (await openAnswerEncryption(config.answerEncryption, config.ledger.dataDir)).encryption,
});
takeLedgerTimes();

process.once('SIGTERM', () => {
  void (async () => {
    await server.close();
    await worker.stop();
    await database.close();
    process.exit(0);
  })();
});
answerQuestions({ takeLedgerTimes }, { url: server.url.replace('//localhost:', '//127.0.0.1:') });
