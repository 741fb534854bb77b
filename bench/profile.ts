import { readFileSync } from 'node:fs';

/** A V8 CPU profile (`node --cpu-prof`) summed by self time: per function, and per package or part of Node. */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Now on the clock V8 stamps profiles with, in microseconds: both it and process.hrtime read the monotonic clock,
 * so a window taken in the bench's process selects the samples of the profiled process.
 */
export function profileClockUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface ProfileLine {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** Only the samples of this window (the load run) when given: start-up and set-up left out. */
  window: { fromUs: number; toUs: number } | null;
  totalMs: number;
  /** Time V8 spent idle (waiting on I/O); the shares below are of the rest. */
  idleMs: number;
  functions: ProfileLine[];
  packages: ProfileLine[];
}

/** Who a frame belongs to: an npm package, the product, the bench, Node's internals, or V8's own (GC …). */
function ownerOf(url: string, functionName: string): string {
  if (url.startsWith('wasm://')) return 'WebAssembly (PGlite: PostgreSQL compiled to WASM)';
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  if (url.includes('/dist/src/')) return 'product (src/)';
  if (url.includes('/dist/bench/')) return 'bench/';
  return url;
}

function shortWhere(url: string, line: number): string {
  const trimmed = url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
  return trimmed ? `${trimmed}:${line + 1}` : '';
}

export function summarizeProfile(
  file: string,
  window: { fromUs: number; toUs: number } | null = null,
  top = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByNode = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta / 1000);
  });

  const functions = new Map<string, ProfileLine>();
  const packages = new Map<string, ProfileLine>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of selfByNode) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    totalMs += ms;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const name = functionName || '(anonymous)';
    const where = shortWhere(url, lineNumber);
    const key = `${name}@${where}`;
    const fn = functions.get(key) ?? { name, where, selfMs: 0, share: 0 };
    fn.selfMs += ms;
    functions.set(key, fn);
    const owner = ownerOf(url, name);
    const pkg = packages.get(owner) ?? { name: owner, where: '', selfMs: 0, share: 0 };
    pkg.selfMs += ms;
    packages.set(owner, pkg);
  }
  const busy = totalMs - idleMs;
  const ranked = (lines: Iterable<ProfileLine>) =>
    [...lines]
      .map((line) => ({ ...line, share: line.selfMs / busy }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return { file, window, totalMs, idleMs, functions: ranked(functions.values()), packages: ranked(packages.values()) };
}
