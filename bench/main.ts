import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { READS, provisionEverywhere, signCallerToken } from './client.js';
import { drive } from './load.js';
import { parseOptions, type Scenario } from './options.js';
import { profileClockUs, summarizeProfile } from './profile.js';
import {
  forkBenchProcess,
  freePort,
  projectEnvironment,
  startProject,
  type BenchProcess,
  type ProjectOptions,
} from './processes.js';
import {
  NOTES,
  profileText,
  tableOf,
  verdictsOf,
  type BackendResults,
  type BenchResults,
  type Machine,
  type ReadProfiles,
} from './report.js';
import type { BenchRun } from './run.js';
import { runLists } from './scenarios/lists.js';
import { runMemory } from './scenarios/memory.js';
import { runFanout, runLedgerShare, runThroughput } from './scenarios/provisioning.js';
import { runRead } from './scenarios/reads.js';
import type { UpstreamUrls } from './setup.js';

/**
 * `npm run bench`: the benchmark of issue 10. Starts the emulators, the two baselines and the project, each in a
 * process of its own, runs every scenario against them on loopback, prints one table of every figure with its ratio
 * to the baselines of this same run and the issue's targets, and writes the whole to bench/results/<timestamp>.json.
 * It measures; it asserts nothing (`npm test` has no timed assertion).
 */

const options = parseOptions(process.argv.slice(2), process.env);
const startedAt = new Date();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'provisioning-bench-'));
const children: BenchProcess<unknown>[] = [];
const progress = (message: string) =>
  process.stderr.write(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

function machine(loadStart: number): Machine {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: { start: loadStart, end: os.loadavg()[0]! },
  };
}

function logFigures(file: string): { lines: number; bytes: number } {
  try {
    const text = readFileSync(file, 'utf8');
    return { lines: text.split('\n').filter((line) => line.startsWith('{')).length, bytes: statSync(file).size };
  } catch {
    return { lines: 0, bytes: 0 };
  }
}

async function started<T extends BenchProcess<unknown>>(child: Promise<T>): Promise<T> {
  const running = await child;
  children.push(running);
  return running;
}

async function stopped(child: BenchProcess<unknown>): Promise<void> {
  await child.stop();
  children.splice(children.indexOf(child), 1);
}

const has = (scenario: Scenario) => options.scenarios.includes(scenario);

async function runBackend(run: BenchRun, backend: BackendResults['backend']): Promise<BackendResults> {
  const dir = mkdtempSync(path.join(scratch, `${backend}-`));
  const projectOptions = (name: string): ProjectOptions => ({
    upstreams: run.upstreams.ready,
    databaseUrl: backend === 'postgres' ? options.databaseUrl : undefined,
    dataDir: path.join(dir, `${name}-data`),
    logFile: path.join(dir, `${name}.log`),
  });
  const results: BackendResults = { backend, reads: [], log: { lines: 0, bytes: 0 } };

  progress(`${backend}: starting the project (node dist/src/main.js, NODE_ENV=production, LOG_LEVEL=info to a file)`);
  const main = projectOptions('project');
  const project = await started(startProject(main));
  try {
    const target = await provisionEverywhere(project.ready.url, run.token);
    const webexId = target.wholesale.id!;
    if (has('reads')) {
      results.reads.push(await runRead(run, project, 'wholesaleCustomer', webexId));
      results.reads.push(await runRead(run, project, 'customer', target.customer.id));
    }
    if (has('lists')) results.lists = await runLists(run, project);
    if (has('fanout')) results.fanout = await runFanout(run, project);
    if (has('throughput')) results.throughput = await runThroughput(run, project);
    if (has('memory')) results.memory = await runMemory(run, project, webexId);
  } finally {
    await stopped(project);
    results.log = logFigures(main.logFile);
  }

  if (has('fanout') || has('throughput')) {
    progress(`${backend}: starting the instrumented server (the project's parts, its ledger timed per request)`);
    const instrumentedOptions = projectOptions('instrumented');
    const instrumented = await started(
      forkBenchProcess<{ url: string }>('instrumented server', './instrumented-server.js', {
        env: projectEnvironment(instrumentedOptions, await freePort()),
        logFile: instrumentedOptions.logFile,
      }),
    );
    try {
      if (has('fanout')) results.fanoutLedger = await runLedgerShare(run, instrumented, 'fanout');
      if (has('throughput')) results.throughputLedger = await runLedgerShare(run, instrumented, 'throughput');
    } finally {
      await stopped(instrumented);
    }
  }
  return results;
}

/**
 * Extra read runs under `node --cpu-prof`, the project's and then the facade's, each profile summed by self time over
 * its measured run only: the two side by side say where the project spends what the facade does not.
 */
async function profileReads(run: BenchRun): Promise<ReadProfiles> {
  const profileDir = path.join(options.outDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}-profile`);
  const dir = mkdtempSync(path.join(scratch, 'profile-'));
  const read = options.profileRead;
  const cpuProf = (name: string) => {
    const where = path.join(profileDir, name);
    mkdirSync(where, { recursive: true });
    return { where, execArgv: ['--cpu-prof', `--cpu-prof-dir=${where}`] };
  };

  const project = cpuProf('project');
  progress(
    `profile: the project under --cpu-prof on ${options.profileLedger}, ${read} at ${options.reads.connections} connections`,
  );
  const projectProcess = await started(
    startProject({
      upstreams: run.upstreams.ready,
      databaseUrl: options.profileLedger === 'postgres' ? options.databaseUrl : undefined,
      dataDir: path.join(dir, 'data'),
      logFile: path.join(dir, 'project.log'),
      execArgv: project.execArgv,
    }),
  );
  const facade = cpuProf('facade');
  const facadeProcess = await started(
    forkBenchProcess<{ url: string }>('facade', './baselines/facade.js', {
      env: { BENCH_UPSTREAMS: JSON.stringify(run.upstreams.ready), BENCH_TENANT: run.tenant },
      execArgv: facade.execArgv,
    }),
  );
  const target = await provisionEverywhere(projectProcess.ready.url, run.token);
  const id = read === 'customer' ? target.customer.id : target.wholesale.id!;
  const profiled = async (process: BenchProcess<{ url: string }>, where: string) => {
    const fromUs = profileClockUs();
    const load = await drive(
      {
        url: process.ready.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${run.token}` },
        body: JSON.stringify({ query: READS[read], variables: { id } }),
      },
      { ...options.reads },
      { targetPid: process.pid, upstreamsPid: run.upstreams.pid, upstreams: run.upstreams.ask },
    );
    const window = { fromUs, toUs: profileClockUs() };
    // V8 writes the profile as the process exits (main.ts and the bench's children exit on SIGTERM).
    await stopped(process);
    const file = readdirSync(where).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no CPU profile was written in ${where}`);
    return { requests: load.requests, summary: summarizeProfile(path.join(where, file), window) };
  };
  return {
    read,
    project: await profiled(projectProcess, project.where),
    facade: await profiled(facadeProcess, facade.where),
  };
}

async function main(): Promise<void> {
  const loadStart = os.loadavg()[0]!;
  progress(`${options.quick ? 'quick' : 'full'} run: ${options.scenarios.join(', ')}; scratch files in ${scratch}`);
  const upstreams = await started(forkBenchProcess<UpstreamUrls>('upstreams', './upstreams.js'));
  await upstreams.ask('setLatency', options.latencyMs);

  /** A tenant of its own per ledger, so that a list holds only the customers that ledger provisioned. */
  async function runFor(name: string): Promise<BenchRun> {
    const tenant = `bench-${randomUUID().slice(0, 8)}-${name}.example`;
    const baselineEnv = { BENCH_UPSTREAMS: JSON.stringify(upstreams.ready), BENCH_TENANT: tenant };
    const bare = await started(
      forkBenchProcess<{ url: string }>('bare proxy', './baselines/bare-proxy.js', { env: baselineEnv }),
    );
    const facade = await started(
      forkBenchProcess<{ url: string }>('facade', './baselines/facade.js', { env: baselineEnv }),
    );
    return { options, upstreams, bare, facade, tenant, token: await signCallerToken(tenant), progress };
  }
  async function measured(backend: BackendResults['backend']): Promise<BackendResults> {
    const run = await runFor(backend);
    try {
      return await runBackend(run, backend);
    } finally {
      await Promise.all([stopped(run.bare), stopped(run.facade)]);
    }
  }

  const backends: BackendResults[] = [await measured('pglite')];
  if (options.databaseUrl) backends.push(await measured('postgres'));
  let profile = null;
  if (options.cpuProf) {
    const run = await runFor('profile');
    await Promise.all([stopped(run.bare), stopped(run.facade)]);
    profile = await profileReads(run);
  }

  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machine(loadStart),
    options: { ...options, databaseUrl: options.databaseUrl ? '(given)' : undefined },
    backends,
    profile,
    verdicts: verdictsOf(backends),
  };
  mkdirSync(options.outDir, { recursive: true });
  const file = path.join(options.outDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

  const m = results.machine;
  const out = [
    '',
    `Provisioning Graph benchmark (${options.quick ? 'quick' : 'full'}), ${results.startedAt}`,
    `Machine: ${m.hostname}, ${m.cores} × ${m.cpu}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}; load average ${m.loadAverage.start.toFixed(2)} at the start, ${m.loadAverage.end.toFixed(2)} at the end`,
    `Upstream latency of the reads: ${options.latencyMs} ms. The project: node dist/src/main.js, NODE_ENV=production, a real HS256 JWT, logging at info to a file (${backends.map((b) => `${b.backend}: ${b.log.lines} lines`).join(', ')}).`,
    '',
    tableOf(results),
    '',
    ...NOTES.map((note) => `- ${note}`),
    '',
    ...(profile ? [profileText(profile), ''] : []),
    `${results.verdicts.filter((v) => v.pass).length} of ${results.verdicts.length} targets met. JSON: ${file}`,
    '',
  ];
  process.stdout.write(out.join('\n'));
}

async function stopAll(): Promise<void> {
  await Promise.all(children.map((child) => child.stop()));
  rmSync(scratch, { recursive: true, force: true });
}

process.once('SIGINT', () => {
  void stopAll().then(() => process.exit(130));
});

main()
  .then(stopAll)
  .catch(async (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await stopAll();
    process.exit(1);
  });
