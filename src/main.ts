import { createAuthenticator } from './auth.js';
import { ConfigError, loadConfig } from './config.js';
import { openAnswerEncryption } from './ledger/answer-encryption.js';
import { openLedger } from './ledger/open.js';
import { createLogger } from './logger.js';
import { PersistedQueryManifest } from './persisted-queries.js';
import { ProvisioningWorker } from './provisioning/worker.js';
import { startServer } from './server.js';
import { resolveUpstreams } from './upstreams.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const closers: (() => Promise<void>)[] = [];

  const upstreams = await resolveUpstreams(config.upstreams, logger);
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

  // Its first pass recovers what a crash left pending; it stops before the upstreams and the database close.
  const worker = new ProvisioningWorker(
    { logger, endpoints: upstreams.endpoints, ledger },
    { intervalMs: config.ledger.workerIntervalMs },
  );
  worker.start();
  closers.unshift(() => worker.stop());

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
  });
  closers.unshift(() => server.close());
  logger.info({ url: server.url }, 'Provisioning Graph is serving GraphQL and Apollo Sandbox');

  if (authenticator.developmentToken) {
    logger.warn('No JWT_SECRET or JWKS_URL: signing development tokens with a secret made for this process');
    process.stdout.write(
      `\nApollo Sandbox: ${server.url}\n` +
        `Development token (csp on tenant sandbox.local, valid 24h; Sandbox already sends it):\n` +
        `  Authorization: Bearer ${authenticator.developmentToken}\n\n`,
    );
  }

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    for (const close of closers) await close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
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
