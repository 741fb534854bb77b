import { parseArgs } from 'node:util';

/** `npm run bench -- [flags]`: what to run, how long and how hard. Every figure's default is the issue's. */

export const SCENARIOS = ['reads', 'lists', 'fanout', 'throughput', 'memory'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchOptions {
  quick: boolean;
  scenarios: Scenario[];
  /** Upstream latency of the reads and the memory run, ms. @default 0 */
  latencyMs: number;
  /** @default 100 */
  fanoutLatencyMs: number;
  /** @default 50 */
  throughputLatencyMs: number;
  reads: { connections: number; durationS: number; warmupS: number; rounds: number; serialDurationS: number };
  fanout: { runs: number };
  throughput: { concurrency: number; operations: number };
  memory: { connections: number; durationS: number; warmupS: number };
  lists: { sizes: [number, number] };
  /** PostgreSQL for a second pass of every scenario, besides the embedded PGlite. */
  databaseUrl: string | undefined;
  /** Profile the project's process during an extra read run (`node --cpu-prof`) and list its top functions. */
  cpuProf: boolean;
  /** Which read the profiled run drives. @default wholesaleCustomer */
  profileRead: 'wholesaleCustomer' | 'customer';
  /** Which ledger the profiled project runs on. @default pglite */
  profileLedger: 'pglite' | 'postgres';
  outDir: string;
}

const HELP = `npm run bench -- [flags]

  --quick                   a short run, for development (seconds per scenario)
  --scenarios a,b           some of: ${SCENARIOS.join(', ')} (default: all; '' for none, with --cpu-prof)
  --latency MS              upstream latency of the reads and the memory run (default 0)
  --fanout-latency MS       every provider's latency in the fan-out run (default 100)
  --throughput-latency MS   every provider's latency in the throughput run (default 50)
  --connections N           concurrent connections of the reads (default 50)
  --duration S              seconds of each measured read round (default 5; quick 3)
  --rounds N                read rounds, alternating the targets' order (default 6; quick 2)
  --memory-duration S       seconds of the memory run at 200 connections, after its warm-up (default 60; quick 10)
  --memory-warmup S         seconds of warm-up before it, RSS "after warm-up" read at their end (default 30; quick 5)
  --database-url URL        also run every scenario with the ledger on this PostgreSQL (or DATABASE_URL)
  --cpu-prof                profile the project during an extra read run and list the top self-time functions
  --profile-read NAME       the read profiled: wholesaleCustomer (default) or customer
  --profile-ledger NAME     the profiled project's ledger: pglite (default) or postgres (needs --database-url)
  --out DIR                 where the JSON results go (default bench/results)
`;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, got '${text}'`);
  return value;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      latency: { type: 'string' },
      'fanout-latency': { type: 'string' },
      'throughput-latency': { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      'memory-duration': { type: 'string' },
      'memory-warmup': { type: 'string' },
      'database-url': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'profile-read': { type: 'string', default: 'wholesaleCustomer' },
      'profile-ledger': { type: 'string', default: 'pglite' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const scenarios = (values.scenarios
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? [...SCENARIOS]) as Scenario[];
  for (const scenario of scenarios) {
    if (!SCENARIOS.includes(scenario))
      throw new Error(`--scenarios: no scenario '${scenario}' (${SCENARIOS.join(', ')})`);
  }
  const profileRead = values['profile-read'];
  if (profileRead !== 'wholesaleCustomer' && profileRead !== 'customer') {
    throw new Error(`--profile-read: wholesaleCustomer or customer, got '${profileRead}'`);
  }
  const profileLedger = values['profile-ledger'];
  const databaseUrl = values['database-url'] ?? env.DATABASE_URL;
  if (profileLedger !== 'pglite' && profileLedger !== 'postgres') {
    throw new Error(`--profile-ledger: pglite or postgres, got '${profileLedger}'`);
  }
  if (profileLedger === 'postgres' && !databaseUrl) throw new Error('--profile-ledger postgres needs --database-url');
  const memoryDurationS = positive('memory-duration', values['memory-duration'], quick ? 10 : 60);
  return {
    quick,
    scenarios,
    latencyMs: positive('latency', values.latency, 0),
    fanoutLatencyMs: positive('fanout-latency', values['fanout-latency'], 100),
    throughputLatencyMs: positive('throughput-latency', values['throughput-latency'], 50),
    reads: {
      connections: positive('connections', values.connections, 50),
      durationS: positive('duration', values.duration, quick ? 3 : 5),
      warmupS: quick ? 1 : 3,
      rounds: positive('rounds', values.rounds, quick ? 2 : 6),
      serialDurationS: quick ? 2 : 5,
    },
    fanout: { runs: quick ? 5 : 20 },
    throughput: { concurrency: 50, operations: quick ? 50 : 250 },
    memory: {
      connections: 200,
      durationS: memoryDurationS,
      warmupS: positive('memory-warmup', values['memory-warmup'], quick ? 5 : 30),
    },
    lists: { sizes: [5, 50] },
    databaseUrl,
    cpuProf: values['cpu-prof'] ?? false,
    profileRead,
    profileLedger,
    outDir: values.out ?? 'bench/results',
  };
}
