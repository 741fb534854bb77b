import { READS } from '../client.js';
import { drive, type LoadFigures } from '../load.js';
import { resourcesOf, sampleRss } from '../processes.js';
import { mean, type BenchRun, type ProjectProcess } from '../run.js';

/**
 * Memory: the project's RSS under 200 concurrent clients reading `wholesaleCustomer(id)`, read once a second, through
 * a warm-up and then the measured run. The warm-up lasts until the heap has grown to what the load needs (about 30 s
 * at 200 connections on the development machine), so that growth to a plateau is not taken for a leak. "After
 * warm-up" and "at the end" are each the mean of {@link WINDOW_S} samples: at 200 connections RSS moves in a GC
 * sawtooth of ±10 % (470–600 MB on PGlite in a 150 s run), so three samples read a phase of it as growth.
 */

const WINDOW_S = 10;

export interface MemoryFigures {
  connections: number;
  durationS: number;
  warmupS: number;
  idleRssMb: number | null;
  warmRssMb: number;
  endRssMb: number;
  peakRssMb: number;
  /** End over warm: within 0.9 to 1.1 passes. */
  endOverWarm: number;
  load: LoadFigures;
  samples: { atMs: number; rssMb: number }[];
}

const MB = 1024 * 1024;

export async function runMemory(run: BenchRun, project: ProjectProcess, webexId: string): Promise<MemoryFigures> {
  const { connections, durationS, warmupS } = run.options.memory;
  run.progress(
    `memory: wholesaleCustomer at ${connections} connections, ${warmupS} s of warm-up then ${durationS} s, RSS once a second`,
  );
  const idle = resourcesOf(project.pid);
  const sampler = sampleRss(project.pid);
  const load = await drive(
    {
      url: project.ready.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${run.token}` },
      body: JSON.stringify({ query: READS.wholesaleCustomer, variables: { id: webexId } }),
    },
    // One load for both, so that RSS is sampled without a pause between them.
    { connections, durationS: warmupS + durationS, warmupS: 0 },
    { targetPid: project.pid, upstreamsPid: run.upstreams.pid, upstreams: run.upstreams.ask },
  );
  const samples = sampler.stop().map((s) => ({ atMs: s.atMs, rssMb: s.rssBytes / MB }));
  if (samples.length < 4) throw new Error('memory: too few RSS samples (is /proc readable?)');
  const warmIndex = Math.max(
    0,
    samples.findIndex((s) => s.atMs >= warmupS * 1000),
  );
  // The last sample is taken after the load ended. The two windows never overlap: a short (quick) run's are halves.
  const last = samples.length - 1;
  const window = Math.max(1, Math.min(WINDOW_S, Math.floor((last - warmIndex) / 2)));
  const meanOf = (from: number) => mean(samples.slice(from, from + window).map((s) => s.rssMb));
  const warmRssMb = meanOf(warmIndex);
  const endRssMb = meanOf(last - window);
  return {
    connections,
    durationS,
    warmupS,
    idleRssMb: idle ? idle.rssBytes / MB : null,
    warmRssMb,
    endRssMb,
    peakRssMb: Math.max(...samples.map((s) => s.rssMb)),
    endOverWarm: endRssMb / warmRssMb,
    load,
    samples,
  };
}
