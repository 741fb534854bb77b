import { createAuthenticator } from './auth.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startCloudCockpitEmulator } from './providers/cloudcockpit/emulator.js';
import { createUpstreamFetch } from './providers/upstream-fetch.js';
import { startServer } from './server.js';

/** The token the embedded emulators accept when no real credentials are configured. */
const EMULATOR_TOKEN = 'emulator-token';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const closers: (() => Promise<void>)[] = [];

  const cloudCockpit = { url: config.cloudCockpit.url ?? '', token: config.cloudCockpit.token ?? '' };
  if (!config.cloudCockpit.url) {
    const emulator = await startCloudCockpitEmulator({ token: EMULATOR_TOKEN });
    closers.push(() => emulator.close());
    Object.assign(cloudCockpit, { url: emulator.url, token: EMULATOR_TOKEN });
    logger.warn({ url: emulator.url }, 'CLOUDCOCKPIT_URL is not set: using the embedded CloudCockpit emulator');
  }

  const authenticator = await createAuthenticator(config.jwt);
  const server = await startServer({
    port: config.port,
    production: config.production,
    logger,
    authenticator,
    endpoints: {
      cloudCockpit: {
        baseURL: cloudCockpit.url,
        token: cloudCockpit.token,
        fetch: createUpstreamFetch({ timeoutMs: config.cloudCockpit.timeoutMs }),
      },
    },
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
    process.stderr.write(`Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
