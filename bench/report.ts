import type { ProfileSummary } from './profile.js';
import type { ReadFigures, RoundFigure, TargetName } from './scenarios/reads.js';
import type { FanoutFigures, LedgerShare, ThroughputFigures } from './scenarios/provisioning.js';
import type { MemoryFigures } from './scenarios/memory.js';
import type { ListFigures } from './scenarios/lists.js';
import type { BenchOptions } from './options.js';

/** The results of one run, as written to bench/results/<timestamp>.json, and the one table printed from them. */

export interface BackendResults {
  backend: 'pglite' | 'postgres';
  reads: ReadFigures[];
  lists?: ListFigures;
  fanout?: FanoutFigures;
  fanoutLedger?: LedgerShare;
  throughput?: ThroughputFigures;
  throughputLedger?: LedgerShare;
  memory?: MemoryFigures;
  /** The project's log at `info`, written to a file: how much of it the run wrote. */
  log: { lines: number; bytes: number };
}

export interface Machine {
  hostname: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  /** 1-minute load average at the start and at the end: other work on the machine skews every figure. */
  loadAverage: { start: number; end: number };
}

/** One of the issue's targets, checked. */
export interface Verdict {
  backend: string;
  what: string;
  value: number;
  target: string;
  pass: boolean;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  options: BenchOptions;
  backends: BackendResults[];
  profile: ReadProfiles | null;
  verdicts: Verdict[];
}

/** `--cpu-prof`: the same read run against the project and the facade, each under the profiler. */
export interface ReadProfiles {
  read: string;
  project: { requests: number; summary: ProfileSummary };
  facade: { requests: number; summary: ProfileSummary };
}

/** The issue's targets. */
export const TARGETS = {
  readThroughput: 0.85,
  readP99: 1.5,
  fanout: 1.15,
  rssDrift: 0.1,
  ledgerShare: 0.1,
};

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)} %` : '–');
const orDash = (n: number | null, format: (n: number) => string) => (n === null ? '–' : format(n));

type Row = [
  backend: string,
  scenario: string,
  figure: string,
  project: string,
  facade: string,
  bare: string,
  ratio: string,
  target: string,
  result: string,
];

export function verdictsOf(backends: BackendResults[]): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const b of backends) {
    for (const read of b.reads) {
      const throughput = read.projectOver.facade.requestsPerSecond ?? NaN;
      const p99 = read.projectOver.facade.p99Ms ?? NaN;
      verdicts.push(
        {
          backend: b.backend,
          what: `${read.read} req/s ÷ facade`,
          value: throughput,
          target: `≥ ${TARGETS.readThroughput}`,
          pass: throughput >= TARGETS.readThroughput,
        },
        {
          backend: b.backend,
          what: `${read.read} p99 ÷ facade`,
          value: p99,
          target: `≤ ${TARGETS.readP99}`,
          pass: p99 <= TARGETS.readP99,
        },
      );
    }
    if (b.fanout) {
      const ratio = b.fanout.meanMs / b.fanout.criticalPathMs;
      verdicts.push({
        backend: b.backend,
        what: 'fan-out mean ÷ 2L',
        value: ratio,
        target: `≤ ${TARGETS.fanout}`,
        pass: ratio <= TARGETS.fanout && b.fanout.failed === 0,
      });
    }
    if (b.throughputLedger) {
      const share = b.throughputLedger.meanShare;
      verdicts.push({
        backend: b.backend,
        what: 'ledger share of a provisioning, 50 concurrent',
        value: share,
        target: `≤ ${TARGETS.ledgerShare}`,
        pass: share <= TARGETS.ledgerShare,
      });
    }
    if (b.memory) {
      const drift = b.memory.endOverWarm;
      verdicts.push({
        backend: b.backend,
        what: 'RSS end ÷ after warm-up',
        value: drift,
        target: `within ${TARGETS.rssDrift * 100} %`,
        pass: Math.abs(drift - 1) <= TARGETS.rssDrift,
      });
    }
    if (b.lists) {
      verdicts.push({
        backend: b.backend,
        what: 'upstream calls, list of 5 = list of 50',
        value: b.lists.equal ? 1 : 0,
        target: 'equal',
        pass: b.lists.equal && b.lists.unsettled === 0,
      });
    }
  }
  return verdicts;
}

const verdictText = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

function rowsOf(b: BackendResults): Row[] {
  const rows: Row[] = [];
  const backend = b.backend;
  for (const read of b.reads) {
    const t = read.targets;
    const by = (pick: (name: TargetName) => string) => [pick('project'), pick('facade'), pick('bare')] as const;
    const ratioText = (overFacade: number | null, overBare: number | null) =>
      overFacade === null || overBare === null ? '–' : `${f2(overFacade)} × facade, ${f2(overBare)} × bare`;
    const ratios = (figure: RoundFigure) => ratioText(read.projectOver.facade[figure], read.projectOver.bare[figure]);
    const scenario = `read ${read.read}, ${t.project.rounds.length} × ${t.project.rounds[0]?.connections ?? '?'} conn`;
    const rps = read.projectOver.facade.requestsPerSecond ?? NaN;
    const p99 = read.projectOver.facade.p99Ms ?? NaN;
    rows.push(
      [
        backend,
        scenario,
        'req/s',
        ...by((n) => f0(t[n].requestsPerSecond)),
        ratios('requestsPerSecond'),
        `≥ ${TARGETS.readThroughput} × facade`,
        verdictText(rps >= TARGETS.readThroughput),
      ],
      [backend, scenario, 'p50 ms', ...by((n) => f1(t[n].p50Ms)), ratios('p50Ms'), '', ''],
      [
        backend,
        scenario,
        'p99 ms',
        ...by((n) => f1(t[n].p99Ms)),
        ratios('p99Ms'),
        `≤ ${TARGETS.readP99} × facade`,
        verdictText(p99 <= TARGETS.readP99),
      ],
      [
        backend,
        scenario,
        'CPU ms / request',
        ...by((n) => orDash(t[n].cpuMsPerRequest, f2)),
        ratios('cpuMsPerRequest'),
        '',
        '',
      ],
      [
        backend,
        `read ${read.read}, 1 conn`,
        'mean ms',
        ...by((n) => f2(t[n].serialMeanMs)),
        ratioText(t.project.serialMeanMs / t.facade.serialMeanMs, t.project.serialMeanMs / t.bare.serialMeanMs),
        '',
        '',
      ],
    );
  }
  if (b.lists) {
    const [small, large] = b.lists.sizes;
    const counts = (n: number) =>
      Object.entries(b.lists!.calls[n] ?? {})
        .map(([p, c]) => `${p} ${c}`)
        .join(', ');
    rows.push([
      backend,
      'customers(first: N), every provider field',
      'upstream calls',
      `N=${small}: ${counts(small)}; N=${large}: ${counts(large)}${b.lists.unsettled ? ` (${b.lists.unsettled} unsettled)` : ''}`,
      '',
      '',
      '',
      'equal',
      verdictText(b.lists.equal && b.lists.unsettled === 0),
    ]);
  }
  if (b.fanout) {
    const fo = b.fanout;
    const scenario = `fan-out, L=${fo.latencyMs} ms, ${fo.operations} sequential`;
    const ratio = fo.meanMs / fo.criticalPathMs;
    const calls = Object.entries(fo.callsPerOperation)
      .map(([provider, routes]) => `${provider} ${f1(Object.values(routes).reduce((s, c) => s + c, 0))}`)
      .join(', ');
    rows.push(
      [
        backend,
        scenario,
        'mean ms (p50)',
        `${f0(fo.meanMs)} (${f0(fo.p50Ms)})${fo.failed ? `, ${fo.failed} failed` : ''}`,
        '',
        '',
        `${f2(ratio)} × 2L (2L = ${fo.criticalPathMs} ms)`,
        `≤ ${TARGETS.fanout} × 2L`,
        verdictText(ratio <= TARGETS.fanout && fo.failed === 0),
      ],
      [backend, scenario, 'upstream calls / op', calls, '', '', '', '', ''],
    );
    if (b.fanoutLedger) {
      const l = b.fanoutLedger;
      rows.push([
        backend,
        scenario,
        'ledger per op (instrumented)',
        `${f1(l.meanLedgerMs)} ms, ${pct(l.meanShare)}, ${f0(l.meanStatements)} statements`,
        '',
        '',
        '',
        '',
        '',
      ]);
    }
  }
  if (b.throughput) {
    const tp = b.throughput;
    const scenario = `provisioning, L=${tp.latencyMs} ms, ${tp.concurrency} concurrent`;
    rows.push(
      [
        backend,
        scenario,
        'operations/s',
        `${f1(tp.operationsPerSecond)}${tp.failed ? `, ${tp.failed} failed` : ''}`,
        '',
        '',
        '',
        'report',
        '',
      ],
      [
        backend,
        scenario,
        'op p50 / p99 ms',
        `${f0(tp.p50Ms)} / ${f0(tp.p99Ms)}`,
        '',
        '',
        `${f2(tp.p50Ms / (2 * tp.latencyMs))} × 2L`,
        '',
        '',
      ],
    );
    if (b.throughputLedger) {
      const l = b.throughputLedger;
      rows.push([
        backend,
        scenario,
        'ledger share of an op (instrumented)',
        `mean ${pct(l.meanShare)}, p90 ${pct(l.p90Share)}; ${f1(l.meanLedgerMs)} ms, ${f0(l.meanStatements)} statements; ledger busy ${pct(l.ledgerBusyShare)} of wall; event loop late p50 ${f0(l.eventLoopDelayMs.p50)} / p99 ${f0(l.eventLoopDelayMs.p99)} ms; ${f1(l.instrumentedOperationsPerSecond ?? NaN)} ops/s instrumented`,
        '',
        '',
        '',
        `≤ ${pct(TARGETS.ledgerShare)}`,
        verdictText(l.meanShare <= TARGETS.ledgerShare),
      ]);
    }
  }
  if (b.memory) {
    const m = b.memory;
    rows.push([
      backend,
      `memory, wholesaleCustomer, ${m.connections} conn, ${m.durationS} s`,
      'RSS MB idle / warm / end (peak)',
      `${orDash(m.idleRssMb, f0)} / ${f0(m.warmRssMb)} / ${f0(m.endRssMb)} (${f0(m.peakRssMb)}); ${f0(m.load.requestsPerSecond)} req/s, p99 ${f0(m.load.latencyMs.p99)} ms${m.load.errors + m.load.non2xx ? `, ${m.load.errors} errors, ${m.load.non2xx} non-2xx` : ''}`,
      '',
      '',
      `${f2(m.endOverWarm)} × warm`,
      `within ${TARGETS.rssDrift * 100} %`,
      verdictText(Math.abs(m.endOverWarm - 1) <= TARGETS.rssDrift),
    ]);
  }
  return rows;
}

/** What the table's figures mean where a name alone would mislead. */
export const NOTES = [
  'Reads: each figure is the median of its rounds (N × in the scenario), run in turns (bare, facade, project, then ' +
    "back), after one warm-up; a ratio is the median of each round's project figure over the baseline's of the same " +
    'round, since the machine itself speeds up and slows down by more than the difference measured. Other ratios: ' +
    'the project over the baselines measured in this run.',
  "CPU ms / request: the target process's user + system CPU time over the requests it served (from /proc).",
  'Ledger share: the time a provisioning waited on the ledger (a statement or transaction outstanding, queueing ' +
    'included) over its time on the server, from the instrumented server. On PGlite the ledger executes on the ' +
    'server\'s one thread, so it also delays requests it does not serve: "ledger busy" is the share of the run ' +
    'during which the ledger had work outstanding. On PostgreSQL the wait includes the pool (DATABASE_POOL_SIZE connections) and ' +
    'the event loop processing each answer late ("event loop late").',
  'Memory: RSS after warm-up and at the end are each the mean of ten one-second samples (RSS moves in a GC ' +
    'sawtooth of about ±10 % at 200 connections).',
];

/** The table, as Markdown (it reads as well in a terminal): one row per figure. */
export function tableOf(results: BenchResults): string {
  const header: Row = ['ledger', 'scenario', 'figure', 'project', 'facade', 'bare', 'ratio', 'target', 'result'];
  const rows = results.backends.flatMap(rowsOf);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
  const line = (row: Row) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** CPU per request by owner, the project's beside the facade's, then each one's top functions. */
export function profileText({ read, project, facade }: ReadProfiles): string {
  const perRequest = (ms: number, requests: number) => (requests ? (ms * 1000) / requests : 0);
  const busy = ({ summary }: { summary: ProfileSummary }) => summary.totalMs - summary.idleMs;
  const byOwner = ({ summary }: { summary: ProfileSummary }) =>
    new Map(summary.packages.map((p) => [p.name, p.selfMs]));
  const [projectByOwner, facadeByOwner] = [byOwner(project), byOwner(facade)];
  const owners = [...new Set([...projectByOwner.keys(), ...facadeByOwner.keys()])];
  const cell = (ms: number | undefined, requests: number) =>
    ms === undefined ? '–'.padStart(9) : f0(perRequest(ms, requests)).padStart(9);
  const lines = [
    `CPU profiles during a ${read} read run: the project (${project.requests} requests, ${f0(busy(project))} ms busy; ${project.summary.file}) and the facade (${facade.requests} requests, ${f0(busy(facade))} ms busy; ${facade.summary.file})`,
    'Self time by owner, µs per request:   project    facade',
    `  ${'(all)'.padEnd(34)} ${cell(busy(project), project.requests)} ${cell(busy(facade), facade.requests)}`,
    ...owners.map(
      (owner) =>
        `  ${owner.slice(0, 34).padEnd(34)} ${cell(projectByOwner.get(owner), project.requests)} ${cell(facadeByOwner.get(owner), facade.requests)}`,
    ),
    "The project's top functions (self time):",
    ...project.summary.functions.map((fn) => `  ${pct(fn.share).padStart(7)}  ${fn.name}  ${fn.where}`),
    "The facade's top functions (self time):",
    ...facade.summary.functions.map((fn) => `  ${pct(fn.share).padStart(7)}  ${fn.name}  ${fn.where}`),
  ];
  return lines.join('\n');
}
