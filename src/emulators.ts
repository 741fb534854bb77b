import { startCloudCockpitEmulator } from './providers/cloudcockpit/emulator.js';

/**
 * `npm run emulators`: every provider emulator on fixed loopback ports, for pointing a server (or curl)
 * at them through the `*_URL` variables.
 */
const cloudCockpit = await startCloudCockpitEmulator({ port: Number(process.env.CLOUDCOCKPIT_EMULATOR_PORT ?? 4101) });

process.stdout.write(
  ['Provider emulators (any Bearer token is accepted):', `  CLOUDCOCKPIT_URL=${cloudCockpit.url}`, ''].join('\n'),
);
