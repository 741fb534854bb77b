import type { RandomFaultsConfig, UpstreamConfig, UpstreamsConfig } from './config.js';
import type { ProviderEndpoints } from './context.js';
import type { Logger } from './logger.js';
import { UpstreamPolicy } from './providers/policies/upstream-policy.js';
import type { ProviderName } from './errors.js';
import type { Metrics } from './telemetry/metrics.js';

/** The credentials the embedded emulators are started with, and that are then sent to them. */
export const EMULATOR_CREDENTIALS = {
  cloudCockpit: { token: 'emulator-cloudcockpit-token' },
  experiencePlatform: { token: 'emulator-aep-token', imsAuthorization: 'emulator-ims-authorization' },
  net3: { apiKey: 'emulator-net3-api-key' },
  webex: { token: 'emulator-webex-token' },
};

/** What the server needs of an embedded emulator (emulators/toolkit/server.ts has the whole of it). */
interface EmbeddedEmulator {
  url: string;
  close(): Promise<void>;
  faults: { random(faults: RandomFaultsConfig | null): void };
}

export interface Upstreams {
  endpoints: ProviderEndpoints;
  /** Stops the emulators this started, if any. */
  close(): Promise<void>;
}

/**
 * Every provider's endpoint: the configured URL and credentials, or, where no URL is set, an embedded
 * emulator on loopback (config.ts refuses that in production), injecting the configured random faults if any.
 * An emulator's modules are imported only then, so that a server with every URL set loads none of emulators/.
 * Each provider's calls are counted in `metrics`, when given.
 */
export async function resolveUpstreams(config: UpstreamsConfig, logger: Logger, metrics?: Metrics): Promise<Upstreams> {
  const emulators: EmbeddedEmulator[] = [];
  async function locate<C>(
    name: string,
    provider: ProviderName,
    upstream: UpstreamConfig<C>,
    emulated: C,
    start: (credentials: C) => Promise<EmbeddedEmulator>,
  ) {
    const common = { policy: new UpstreamPolicy(provider, upstream.policy, metrics) };
    if (upstream.url && upstream.credentials)
      return { ...common, baseURL: upstream.url, credentials: upstream.credentials };
    const emulator = await start(emulated);
    emulators.push(emulator);
    emulator.faults.random(config.emulatorFaults);
    logger.warn({ url: emulator.url }, `${name} URL is not set: using the embedded ${name} emulator`);
    if (config.emulatorFaults) {
      // The seed is what replays this run's faults (EMULATOR_FAULTS_SEED).
      const { rate, seed } = config.emulatorFaults;
      logger.warn({ rate, seed }, `the embedded ${name} emulator injects random faults into a share of its requests`);
    }
    return { ...common, baseURL: emulator.url, credentials: emulated };
  }

  const [cloudCockpit, experiencePlatform, net3, webex] = await Promise.all([
    locate('CloudCockpit', 'CLOUDCOCKPIT', config.cloudCockpit, EMULATOR_CREDENTIALS.cloudCockpit, async (c) => {
      const { startCloudCockpitEmulator } = await import('../emulators/cloudcockpit/emulator.js');
      return startCloudCockpitEmulator(c);
    }),
    locate(
      'Adobe Experience Platform',
      'EXPERIENCE_PLATFORM',
      config.experiencePlatform,
      EMULATOR_CREDENTIALS.experiencePlatform,
      async (c) => {
        const { startExperiencePlatformEmulator } = await import('../emulators/experience-platform/emulator.js');
        return startExperiencePlatformEmulator(c);
      },
    ),
    locate('Net3', 'NET3', config.net3, EMULATOR_CREDENTIALS.net3, async (c) => {
      const { startNet3Emulator } = await import('../emulators/net3/emulator.js');
      return startNet3Emulator({ credentials: c });
    }),
    locate('Webex Wholesale', 'WEBEX_WHOLESALE', config.webex, EMULATOR_CREDENTIALS.webex, async (c) => {
      const { startWebexEmulator } = await import('../emulators/webex/emulator.js');
      return startWebexEmulator(c);
    }),
  ]);

  return {
    endpoints: {
      cloudCockpit: { ...cloudCockpit, token: cloudCockpit.credentials.token },
      experiencePlatform: { ...experiencePlatform, ...experiencePlatform.credentials },
      net3,
      webex: { ...webex, token: webex.credentials.token },
    },
    close: async () => {
      await Promise.all(emulators.map((emulator) => emulator.close()));
    },
  };
}
