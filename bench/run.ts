import type { BenchOptions } from './options.js';
import type { BenchProcess } from './processes.js';
import type { UpstreamUrls } from './setup.js';

/** What every scenario of one bench run shares: the options, the baselines and emulators, the caller. */
export interface BenchRun {
  options: BenchOptions;
  upstreams: BenchProcess<UpstreamUrls>;
  bare: BenchProcess;
  facade: BenchProcess;
  /** The bench's own tenant, new each run: on a shared PostgreSQL its rows are its own. */
  tenant: string;
  /** A CSP caller of that tenant. */
  token: string;
  /** A line on stderr saying what runs now. */
  progress(message: string): void;
}

/** A project process a scenario measures: `node dist/src/main.js`, or the instrumented server. */
export type ProjectProcess = BenchProcess;

export function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

/** The q-quantile (0..1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
