import { createAuthenticator } from './auth.js';
import { ConfigError, loadConfig } from './config.js';
import { openAnswerEncryption } from './ledger/answer-encryption.js';
import { openLedger } from './ledger/open.js';
import { createLogger, type Logger } from './logger.js';
import { PersistedQueryManifest } from './persisted-queries.js';
import { ProvisioningWorker } from './provisioning/worker.js';
import { Readiness } from './readiness.js';
import { startServer, type RunningServer } from './server.js';
import { Metrics } from './telemetry/metrics.js';
import { startTracing } from './telemetry/tracing.js';
import { resolveUpstreams } from './upstreams.js';

async function main(): Promise<void> {
  // Before the rest, so that every span of the process has the SDK to go to (null unless OTEL_* asks for traces).
  const tracing = await startTracing();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // Closed in this order once the server and the worker have stopped.
  const closers: (() => Promise<void>)[] = [];
  if (tracing) logger.info('sending traces as the OTEL_* environment says');

  // One set of metrics for the process: the provider policies count into it, and the server exposes it.
  const metrics = new Metrics();
  const upstreams = await resolveUpstreams(config.upstreams, logger, metrics);
  closers.push(() => upstreams.close());

  const { ledger, database } = await openLedger({
    databaseUrl: config.ledger.databaseUrl,
    poolSize: config.ledger.poolSize,
    dataDir: config.ledger.dataDir,
    leaseMs: config.ledger.leaseMs,
  });
  closers.push(() => database.close());
  logger.info(
    { database: database.kind, ...(database.kind === 'pglite' ? { dataDir: config.ledger.dataDir } : {}) },
    'ledger ready',
  );
  // After the ledger: a development key goes into PGlite's directory once PGlite has made it.
  const { encryption: answerEncryption, developmentKeyFile } = await openAnswerEncryption(
    config.answerEncryption,
    config.ledger.dataDir,
  );
  if (developmentKeyFile) {
    logger.warn(
      { keyFile: developmentKeyFile, keyId: answerEncryption.keyId },
      'No IDEMPOTENCY_ENCRYPTION_KEY: encrypting the stored answers of Idempotency-Keys with a development key',
    );
  }

  // Its first pass recovers what a crash left pending; it stops (shutDown) before the upstreams and the database close.
  const worker = new ProvisioningWorker(
    { logger, endpoints: upstreams.endpoints, ledger },
    { intervalMs: config.ledger.workerIntervalMs },
  );
  worker.start();

  const readiness = new Readiness(database, upstreams.endpoints, logger);
  const authenticator = await createAuthenticator(config.jwt);
  const persistedQueries = config.persistedQueriesManifest
    ? await PersistedQueryManifest.load(config.persistedQueriesManifest)
    : null;
  if (persistedQueries) {
    logger.info(
      { manifest: config.persistedQueriesManifest, operations: persistedQueries.size },
      'PERSISTED_QUERIES=enforce: only the operations of the manifest run',
    );
  }
  const server = await startServer({
    port: config.port,
    host: config.host,
    production: config.production,
    logger,
    authenticator,
    endpoints: upstreams.endpoints,
    ledger,
    answerEncryption,
    queryLimits: config.queryLimits,
    persistedQueries,
    readiness,
    shutdownGraceMs: config.shutdown.graceMs,
    metrics,
    metricsToken: config.metricsToken,
  });
  // Last: the spans of everything closed before it go out.
  if (tracing) closers.push(() => tracing.shutdown());
  logger.info({ url: server.url }, 'Provisioning Graph is serving GraphQL and Apollo Sandbox');

  if (authenticator.developmentToken) {
    logger.warn('No JWT_SECRET or JWKS_URL: signing development tokens with a secret made for this process');
    process.stdout.write(
      `\nApollo Sandbox: ${server.url}\n` +
        `Development token (csp on tenant sandbox.local, valid 24h; Sandbox already sends it):\n` +
        `  Authorization: Bearer ${authenticator.developmentToken}\n\n`,
    );
  }

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) {
      stopping = true;
      void shutDown(signal, { logger, readiness, server, worker, closers, ...config.shutdown });
      return;
    }
    // An operator who asks twice wants the process gone: leases still held run out as after a crash.
    logger.warn({ signal }, 'second signal: exiting at once');
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Unready first, so that load balancers stop sending requests (`delayMs`); then no new connection is accepted, the
 * requests in flight finish and the worker ends its calls and hands back the steps it had not begun, within `graceMs`;
 * then the emulators and the database close. Past the grace period the process exits 1 with the database open: a
 * call still in flight keeps its step's lease, which runs out as after a crash (handing it back could let another
 * replica send the call again while this one is still on the wire).
 */
async function shutDown(
  signal: NodeJS.Signals,
  parts: {
    logger: Logger;
    readiness: Readiness;
    server: RunningServer;
    worker: ProvisioningWorker;
    closers: (() => Promise<void>)[];
    delayMs: number;
    graceMs: number;
  },
): Promise<void> {
  const { logger, readiness, server, worker, delayMs, graceMs } = parts;
  logger.info({ signal, delayMs, graceMs }, 'shutting down: unready, then draining');
  readiness.drain();
  try {
    await sleep(delayMs);
    logger.info('no longer accepting requests; finishing those in flight');
    const drained = await Promise.race([
      Promise.all([server.close(), worker.stop()]).then(() => true),
      sleep(graceMs).then(() => false),
    ]);
    if (!drained) {
      logger.error({ graceMs }, 'shutdown grace period ran out with work in flight: exiting');
      process.exit(1);
    }
    for (const close of parts.closers) await close();
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
  logger.info('shut down');
  process.exit(0);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
