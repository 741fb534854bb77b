import { READS, graphql, type ReadName } from '../client.js';
import { drive, type LoadFigures, type LoadRequest } from '../load.js';
import { median, type BenchRun, type ProjectProcess } from '../run.js';

/**
 * Reads: one read under load against the bare proxy, the minimal facade and the project, in the same run, with the
 * same upstream call behind each, in short rounds that alternate the targets' order (bare, facade, project, then
 * back), so that the facade is always measured next to the project. On the development machine (2 shared vCPUs) the
 * same process's CPU per request moves by up to 1.6 × from one minute to the next, for both targets alike: a ratio of
 * two long runs a minute apart measured the machine as much as the code. So each round's project figure is divided
 * by the facade's of the same round, and the ratio reported is the median of those.
 */

export type TargetName = 'project' | 'facade' | 'bare';
export const TARGETS: TargetName[] = ['bare', 'facade', 'project'];

export interface ReadTargetFigures {
  /** The rounds' medians. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number | null;
  /** Mean latency with one connection: the cost of one read when nothing queues. */
  serialMeanMs: number;
  rounds: LoadFigures[];
  serial: LoadFigures;
}

/** The figures measured in every round, each a ratio of rounds run next to each other. */
export const ROUND_FIGURES = {
  requestsPerSecond: (f: LoadFigures) => f.requestsPerSecond,
  p50Ms: (f: LoadFigures) => f.latencyMs.p50,
  p99Ms: (f: LoadFigures) => f.latencyMs.p99,
  cpuMsPerRequest: (f: LoadFigures) => f.cpuMsPerRequest,
};
export type RoundFigure = keyof typeof ROUND_FIGURES;

export interface ReadFigures {
  read: ReadName;
  /** The upstream id the read asks for. */
  id: string;
  targets: Record<TargetName, ReadTargetFigures>;
  /** The project over each baseline: the median, over the rounds, of the project's figure over the baseline's. */
  projectOver: Record<'facade' | 'bare', Record<RoundFigure, number | null>>;
}

function requestFor(target: TargetName, url: string, read: ReadName, id: string, token: string): LoadRequest {
  if (target === 'bare') {
    return {
      url: `${url}/${read === 'wholesaleCustomer' ? 'webex' : 'cloudcockpit'}/${encodeURIComponent(id)}`,
      method: 'GET',
    };
  }
  // The same bytes to the facade and the project; the facade ignores the token.
  return {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: READS[read], variables: { id } }),
  };
}

/** One request, checked: a figure of a target that answers errors, or nothing, would mean nothing. */
async function checkAnswers(target: TargetName, request: LoadRequest, read: ReadName, id: string): Promise<void> {
  if (request.method === 'GET') {
    const response = await fetch(request.url);
    const body = (await response.json()) as { id?: string };
    if (response.status !== 200 || body.id !== id)
      throw new Error(`${target} answered ${response.status}: ${JSON.stringify(body)}`);
    return;
  }
  const token = request.headers?.authorization?.replace(/^Bearer /, '');
  const answer = await graphql<Record<string, { id: string } | null>>(request.url, READS[read], { id }, token);
  const found = answer.data?.[read];
  if (answer.status !== 200 || answer.errors?.length || !found || (read === 'wholesaleCustomer' && found.id !== id)) {
    throw new Error(`${target} did not read ${read}(${id}): ${JSON.stringify(answer)}`);
  }
}

export async function runRead(
  run: BenchRun,
  project: ProjectProcess,
  read: ReadName,
  id: string,
): Promise<ReadFigures> {
  const { reads } = run.options;
  const processes = { bare: run.bare, facade: run.facade, project };
  const requests = Object.fromEntries(
    TARGETS.map((target) => [target, requestFor(target, processes[target].ready.url, read, id, run.token)]),
  ) as Record<TargetName, LoadRequest>;
  for (const target of TARGETS) await checkAnswers(target, requests[target], read, id);

  const measured: Record<TargetName, LoadFigures[]> = { bare: [], facade: [], project: [] };
  const on = (target: TargetName) => ({
    targetPid: processes[target].pid,
    upstreamsPid: run.upstreams.pid,
    upstreams: run.upstreams.ask,
  });
  for (let round = 0; round < reads.rounds; round++) {
    const order = round % 2 === 0 ? TARGETS : [...TARGETS].reverse();
    for (const target of order) {
      run.progress(
        `${read}: ${target}, round ${round + 1} of ${reads.rounds}, ${reads.connections} connections, ${reads.durationS} s`,
      );
      // A fresh process warms up (JIT, heap) in its first round; later rounds only reopen their connections.
      const warmupS = round === 0 ? reads.warmupS : 1;
      measured[target].push(await drive(requests[target], { ...reads, warmupS }, on(target)));
    }
  }
  const serial = {} as Record<TargetName, LoadFigures>;
  for (const target of TARGETS) {
    run.progress(`${read}: ${target}, one connection, ${reads.serialDurationS} s`);
    serial[target] = await drive(
      requests[target],
      { connections: 1, durationS: reads.serialDurationS, warmupS: 1 },
      on(target),
    );
  }

  const targets = {} as Record<TargetName, ReadTargetFigures>;
  for (const target of TARGETS) {
    const rounds = measured[target];
    const cpu = rounds.map((r) => r.cpuMsPerRequest).filter((v): v is number => v !== null);
    targets[target] = {
      requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
      p50Ms: median(rounds.map((r) => r.latencyMs.p50)),
      p99Ms: median(rounds.map((r) => r.latencyMs.p99)),
      cpuMsPerRequest: cpu.length ? median(cpu) : null,
      serialMeanMs: serial[target].latencyMs.mean,
      rounds,
      serial: serial[target],
    };
  }
  const over = (baseline: 'facade' | 'bare') =>
    Object.fromEntries(
      Object.entries(ROUND_FIGURES).map(([name, figure]) => {
        const ratios = measured.project.flatMap((round, i) => {
          const [project, other] = [figure(round), figure(measured[baseline][i]!)];
          return project === null || other === null ? [] : [project / other];
        });
        return [name, ratios.length ? median(ratios) : null];
      }),
    ) as Record<RoundFigure, number | null>;
  return { read, id, targets, projectOver: { facade: over('facade'), bare: over('bare') } };
}
