import autocannon from 'autocannon';
import type { Ask } from './ipc.js';
import { resourcesOf } from './processes.js';
import { PROVIDERS } from './setup.js';
import type { CallCounts } from './upstreams.js';

/** One HTTP request autocannon repeats on every connection. */
export interface LoadRequest {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadShape {
  connections: number;
  durationS: number;
  /** Seconds of the same load, thrown away, before the measured run. */
  warmupS: number;
}

export interface LoadFigures {
  connections: number;
  durationS: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Connection errors and timeouts; non-2xx answers. A run with any is reported as such. */
  errors: number;
  non2xx: number;
  /** CPU time of the target's process per request (user + system), from /proc; null where not measured. */
  cpuMsPerRequest: number | null;
  /** The target process's share of one core during the run. */
  cpuCores: number | null;
  /** The emulators' process: its CPU share during the run (a saturated upstream would cap every target alike). */
  upstreamCpuCores: number | null;
  /**
   * Upstream calls recorded per request sent: 1 for a read that makes one call. Requests still in flight when a
   * run ends are counted as sent, and the calls they make are waited for.
   */
  upstreamCallsPerRequest: number;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

function cannon(request: LoadRequest, connections: number, durationS: number): Promise<autocannon.Result> {
  return autocannon({
    url: request.url,
    method: request.method,
    headers: request.headers,
    body: request.body,
    connections,
    duration: durationS,
    timeout: 10,
  });
}

/**
 * Drives `request` with autocannon: a warm-up that is thrown away, then the measured run, with the target's CPU
 * time and the upstream calls it made counted over the measured run only.
 */
export async function drive(
  request: LoadRequest,
  shape: LoadShape,
  processes: { targetPid: number; upstreamsPid: number; upstreams: Ask },
): Promise<LoadFigures> {
  if (shape.warmupS > 0) await cannon(request, shape.connections, shape.warmupS);
  // The warm-up's last requests, cut off by its end, finish their upstream calls before the count starts.
  await settle();
  await processes.upstreams<CallCounts>('takeCalls');
  const before = { target: resourcesOf(processes.targetPid), upstreams: resourcesOf(processes.upstreamsPid) };
  const result = await cannon(request, shape.connections, shape.durationS);
  const after = { target: resourcesOf(processes.targetPid), upstreams: resourcesOf(processes.upstreamsPid) };
  await settle();
  const calls = await processes.upstreams<CallCounts>('takeCalls');
  const upstreamCalls = PROVIDERS.reduce((sum, name) => sum + calls[name].total, 0);
  const served = result['2xx'];
  const elapsedMs = result.duration * 1000;
  const cpu = (which: 'target' | 'upstreams') => {
    const [start, end] = [before[which], after[which]];
    return start && end ? end.cpuMs - start.cpuMs : null;
  };
  const targetCpu = cpu('target');
  const upstreamCpu = cpu('upstreams');
  return {
    connections: shape.connections,
    durationS: result.duration,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    latencyMs: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors: result.errors,
    non2xx: result.non2xx,
    cpuMsPerRequest: targetCpu === null || served === 0 ? null : targetCpu / served,
    cpuCores: targetCpu === null ? null : targetCpu / elapsedMs,
    upstreamCpuCores: upstreamCpu === null ? null : upstreamCpu / elapsedMs,
    upstreamCallsPerRequest: result.requests.sent === 0 ? 0 : upstreamCalls / result.requests.sent,
  };
}
