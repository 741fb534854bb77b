import { PROVISION_CUSTOMER, graphql, provisionEverywhereInput, type ProvisionedCustomer } from '../client.js';
import type { RequestLedgerTime, LedgerTimes } from '../instrumented-server.js';
import { mean, quantile, type BenchRun, type ProjectProcess } from '../run.js';
import { PROVIDERS, type ProviderName } from '../setup.js';
import type { CallCounts } from '../upstreams.js';

/**
 * Fan-out and provisioning throughput: `provisionCustomer` for all four providers (the customer, one provider
 * instance, Adobe, Net3, Webex) with every provider answering after a set latency.
 */

export interface OperationTimes {
  operations: number;
  /** Operations that answered with errors or with a provider's failure. */
  failed: number;
  firstFailure: string | null;
  wallMs: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
}

export interface FanoutFigures extends OperationTimes {
  latencyMs: number;
  /** CloudCockpit's create, then the slowest of the rest: 2 L. */
  criticalPathMs: number;
  /** Upstream calls per operation, per provider and per endpoint (the worker's follow-ups included). */
  callsPerOperation: Record<ProviderName, Record<string, number>>;
}

export interface ThroughputFigures extends OperationTimes {
  latencyMs: number;
  concurrency: number;
  operationsPerSecond: number;
}

/** The ledger's share of each operation, from the instrumented server. */
export interface LedgerShare {
  operations: number;
  /** Mean over operations of (time waiting on the ledger / operation's time on the server). */
  meanShare: number;
  p50Share: number;
  p90Share: number;
  meanLedgerMs: number;
  meanStatements: number;
  /** The instrumented server's own operations per second (or duration, sequentially), to compare with the plain one's. */
  instrumentedOperationsPerSecond: number | null;
  instrumentedMeanMs: number;
  /** Share of the run's wall time during which the ledger had any work outstanding (PGlite is one connection). */
  ledgerBusyShare: number;
  backgroundMs: number;
  eventLoopDelayMs: { p50: number; p99: number };
}

async function provisionOnce(url: string, token: string): Promise<{ ms: number; failure: string | null }> {
  const started = performance.now();
  try {
    const answer = await graphql<{ provisionCustomer: ProvisionedCustomer }>(
      url,
      PROVISION_CUSTOMER,
      { input: provisionEverywhereInput() },
      token,
    );
    const ms = performance.now() - started;
    const failures = answer.data?.provisionCustomer.failures ?? [];
    if (answer.status !== 200 || answer.errors?.length || failures.length > 0) {
      return { ms, failure: JSON.stringify(answer.errors ?? failures) };
    }
    return { ms, failure: null };
  } catch (error) {
    return { ms: performance.now() - started, failure: String(error) };
  }
}

/** `operations` provisionings, `concurrency` at a time, each client starting its next as its last one answers. */
async function provisionMany(
  url: string,
  token: string,
  operations: number,
  concurrency: number,
): Promise<OperationTimes> {
  const durations: number[] = [];
  const failures: string[] = [];
  let started = 0;
  const wallStart = performance.now();
  const client = async () => {
    while (started < operations) {
      started += 1;
      const { ms, failure } = await provisionOnce(url, token);
      durations.push(ms);
      if (failure) failures.push(failure);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, operations) }, client));
  return {
    operations,
    failed: failures.length,
    firstFailure: failures[0] ?? null,
    wallMs: performance.now() - wallStart,
    meanMs: mean(durations),
    p50Ms: quantile(durations, 0.5),
    p99Ms: quantile(durations, 0.99),
    minMs: Math.min(...durations),
    maxMs: Math.max(...durations),
  };
}

/** With every provider at `latencyMs`; the reads' latency again afterwards. */
async function atLatency<T>(run: BenchRun, latencyMs: number, work: () => Promise<T>): Promise<T> {
  await run.upstreams.ask('setLatency', latencyMs);
  try {
    return await work();
  } finally {
    await run.upstreams.ask('setLatency', run.options.latencyMs);
  }
}

export async function runFanout(run: BenchRun, project: ProjectProcess): Promise<FanoutFigures> {
  const latencyMs = run.options.fanoutLatencyMs;
  const { runs } = run.options.fanout;
  return atLatency(run, latencyMs, async () => {
    run.progress(`fan-out: ${runs} provisionCustomer one after another, every provider at ${latencyMs} ms`);
    // The first operation after a change of latency is a warm-up: connections to the emulators are made anew.
    await provisionOnce(project.ready.url, run.token);
    await run.upstreams.ask<CallCounts>('takeCalls');
    const times = await provisionMany(project.ready.url, run.token, runs, 1);
    const calls = await run.upstreams.ask<CallCounts>('takeCalls');
    const callsPerOperation = {} as FanoutFigures['callsPerOperation'];
    for (const provider of PROVIDERS) {
      callsPerOperation[provider] = Object.fromEntries(
        Object.entries(calls[provider].routes).map(([route, count]) => [route, count / runs]),
      );
    }
    return { ...times, latencyMs, criticalPathMs: 2 * latencyMs, callsPerOperation };
  });
}

export async function runThroughput(run: BenchRun, project: ProjectProcess): Promise<ThroughputFigures> {
  const latencyMs = run.options.throughputLatencyMs;
  const { concurrency, operations } = run.options.throughput;
  return atLatency(run, latencyMs, async () => {
    run.progress(
      `throughput: ${operations} provisionCustomer, ${concurrency} at a time, every provider at ${latencyMs} ms`,
    );
    await provisionOnce(project.ready.url, run.token);
    const times = await provisionMany(project.ready.url, run.token, operations, concurrency);
    await run.upstreams.ask<CallCounts>('takeCalls');
    return {
      ...times,
      latencyMs,
      concurrency,
      operationsPerSecond: (operations - times.failed) / (times.wallMs / 1000),
    };
  });
}

function shareOf(times: LedgerTimes, instrumented: OperationTimes, concurrent: boolean): LedgerShare {
  const operations = times.requests.filter((r: RequestLedgerTime) => r.operationName === 'ProvisionEverywhere');
  const shares = operations.map((r) => r.ledgerMs / r.durationMs);
  return {
    operations: operations.length,
    meanShare: mean(shares),
    p50Share: quantile(shares, 0.5),
    p90Share: quantile(shares, 0.9),
    meanLedgerMs: mean(operations.map((r) => r.ledgerMs)),
    meanStatements: mean(operations.map((r) => r.statements)),
    instrumentedOperationsPerSecond: concurrent
      ? (instrumented.operations - instrumented.failed) / (instrumented.wallMs / 1000)
      : null,
    instrumentedMeanMs: instrumented.meanMs,
    ledgerBusyShare: times.busyMs / times.wallMs,
    backgroundMs: times.backgroundMs,
    eventLoopDelayMs: times.eventLoopDelayMs,
  };
}

/** The throughput run (or the fan-out's sequential one) again, on the instrumented server: the ledger's share. */
export async function runLedgerShare(
  run: BenchRun,
  instrumented: ProjectProcess,
  shape: 'throughput' | 'fanout',
): Promise<LedgerShare> {
  const concurrent = shape === 'throughput';
  const latencyMs = concurrent ? run.options.throughputLatencyMs : run.options.fanoutLatencyMs;
  const operations = concurrent ? run.options.throughput.operations : run.options.fanout.runs;
  const concurrency = concurrent ? run.options.throughput.concurrency : 1;
  return atLatency(run, latencyMs, async () => {
    run.progress(
      `ledger share (${shape}): ${operations} provisionCustomer, ${concurrency} at a time, instrumented server`,
    );
    await provisionOnce(instrumented.ready.url, run.token);
    await instrumented.ask<LedgerTimes>('takeLedgerTimes');
    const times = await provisionMany(instrumented.ready.url, run.token, operations, concurrency);
    const ledger = await instrumented.ask<LedgerTimes>('takeLedgerTimes');
    await run.upstreams.ask<CallCounts>('takeCalls');
    return shareOf(ledger, times, concurrent);
  });
}
