import { randomFaultsFromEnv } from '../src/config.js';
import { startCloudCockpitEmulator } from './cloudcockpit/emulator.js';
import { startExperiencePlatformEmulator } from './experience-platform/emulator.js';
import { startNet3Emulator } from './net3/emulator.js';
import { startWebexEmulator } from './webex/emulator.js';

/**
 * `npm run emulators`: every provider emulator on fixed loopback ports (accepting any credentials), for
 * pointing a server, or curl, at them through the `*_URL` variables; with random faults under `EMULATOR_FAULTS`.
 */
const faults = faultsFromEnv();
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
// Loopback unless told otherwise: compose.yaml runs them in a container of their own, reached by the servers' containers.
const host = process.env.EMULATOR_HOST ?? '127.0.0.1';
const [cloudCockpit, experiencePlatform, net3, webex] = await Promise.all([
  startCloudCockpitEmulator({ host, port: port('CLOUDCOCKPIT_EMULATOR_PORT', 4101) }),
  startExperiencePlatformEmulator({ host, port: port('ADOBE_AEP_EMULATOR_PORT', 4102) }),
  startNet3Emulator({ host, port: port('NET3_EMULATOR_PORT', 4103) }),
  startWebexEmulator({ host, port: port('WEBEX_EMULATOR_PORT', 4104) }),
]);
for (const emulator of [cloudCockpit, experiencePlatform, net3, webex]) emulator.faults.random(faults);

/** The configured random faults; a bad value ends the process with its message alone, as the server's configuration does. */
function faultsFromEnv() {
  try {
    return randomFaultsFromEnv(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}

process.stdout.write(
  [
    'Provider emulators (any credentials are accepted):',
    `  CLOUDCOCKPIT_URL=${cloudCockpit.url}`,
    `  ADOBE_AEP_URL=${experiencePlatform.url}`,
    `  NET3_URL=${net3.url}`,
    `  WEBEX_URL=${webex.url}`,
    ...(faults
      ? [
          `Injecting random faults into a share of ${faults.rate} of requests (EMULATOR_FAULTS_SEED=${faults.seed} replays them)`,
        ]
      : []),
    '',
  ].join('\n'),
);
