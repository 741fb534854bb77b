import { startCloudCockpitEmulator } from '../emulators/cloudcockpit/emulator.js';
import { startExperiencePlatformEmulator } from '../emulators/experience-platform/emulator.js';
import { startNet3Emulator } from '../emulators/net3/emulator.js';
import type { RunningEmulator } from '../emulators/toolkit/server.js';
import { startWebexEmulator } from '../emulators/webex/emulator.js';
import { answerQuestions } from './ipc.js';
import { BENCH_CREDENTIALS, PROVIDERS, type ProviderName, type UpstreamUrls } from './setup.js';

/**
 * The bench's providers: the four emulators in a process of their own (forked by bench/main.ts), so that their
 * CPU is neither the product's nor the load generator's. Every request waits the latency set by the orchestrator,
 * injected by the emulators' own fault injector.
 */

/** Upstream calls per provider since the last count: the total, and per method and path with ids left out. */
export type CallCounts = Record<ProviderName, { total: number; routes: Record<string, number> }>;

const [cloudCockpit, experiencePlatform, net3, webex] = await Promise.all([
  startCloudCockpitEmulator(BENCH_CREDENTIALS.cloudCockpit),
  // Adobe and Webex finish provisioning at once, so the product's worker settles each provisioning at its first look
  // and a list of customers reads every provider field from the ledger, not live.
  startExperiencePlatformEmulator({ ...BENCH_CREDENTIALS.experiencePlatform, provisioningDelayMs: 0 }),
  startNet3Emulator({ credentials: BENCH_CREDENTIALS.net3 }),
  startWebexEmulator({ ...BENCH_CREDENTIALS.webex, provisioningDelayMs: 0 }),
]);
const emulators: Record<ProviderName, RunningEmulator> = { cloudCockpit, experiencePlatform, net3, webex };

/** Every request waits `ms` before it is served (0: no fault middleware at all). */
function setLatency(ms: number): void {
  for (const emulator of Object.values(emulators)) {
    emulator.faults.random(ms > 0 ? { rate: 1, seed: 1, pool: [{ kind: 'latency', ms }] } : null);
  }
}

/** A path with its ids replaced by `:id`, so that calls group by endpoint. */
function routeOf(method: string, path: string): string {
  const segments = path
    .split('?')[0]!
    .split('/')
    .map((segment) => (segment.length >= 8 && /\d/.test(segment) ? ':id' : segment));
  return `${method} ${segments.join('/')}`;
}

/** The calls each emulator recorded since the last count; forgets them, so a long run does not grow the process. */
function takeCalls(): CallCounts {
  const counts = {} as CallCounts;
  for (const name of PROVIDERS) {
    const emulator = emulators[name];
    const routes: Record<string, number> = {};
    for (const call of emulator.calls) {
      const route = routeOf(call.method, call.path);
      routes[route] = (routes[route] ?? 0) + 1;
    }
    counts[name] = { total: emulator.calls.length, routes };
    emulator.calls.length = 0;
    (emulator.faults.injected as unknown[]).length = 0;
  }
  return counts;
}

const urls: UpstreamUrls = {
  cloudCockpit: cloudCockpit.url,
  experiencePlatform: experiencePlatform.url,
  net3: net3.url,
  webex: webex.url,
};

answerQuestions(
  {
    setLatency: (ms: number) => setLatency(ms),
    takeCalls: () => takeCalls(),
  },
  urls,
);
