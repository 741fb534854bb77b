import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { questionsTo, type Ask, type ReadyMessage } from './ipc.js';
import { BENCH_IDEMPOTENCY_ENCRYPTION_KEY, BENCH_JWT_SECRET, upstreamEnvironment, type UpstreamUrls } from './setup.js';

/**
 * The bench's processes: each target (the project, the facade, the bare proxy) and the emulators run in a process of
 * their own, so that the RSS and CPU read from /proc are that target's alone, and the load generator (this process)
 * competes with them only for the machine's cores.
 */

export interface BenchProcess<Ready = { url: string }> {
  name: string;
  pid: number;
  ready: Ready;
  /** Questions over IPC (bench processes only; the project's own main.js has no IPC channel). */
  ask: Ask;
  /** SIGTERM, then SIGKILL after 15 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

/** How a child ended, for an error message. */
function exitOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(`exited (${signal ?? code})`)));
}

function stopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
}

/** The environment of every child: nothing of this shell's but PATH, and production mode as deployed. */
function childEnvironment(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...extra };
}

/** Forks a bench module (compiled, beside this file) and waits until it says it is ready. */
export async function forkBenchProcess<Ready>(
  name: string,
  module: string,
  options: { env?: Record<string, string>; execArgv?: string[]; logFile?: string } = {},
): Promise<BenchProcess<Ready>> {
  const log = options.logFile ? openSync(options.logFile, 'a') : 'inherit';
  const child = fork(fileURLToPath(new URL(module, import.meta.url)), [], {
    env: childEnvironment(options.env ?? {}),
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', log, log, 'ipc'],
  });
  if (typeof log === 'number') closeSync(log);
  const ask = questionsTo(child);
  const ready = await Promise.race([
    new Promise<Ready>((resolve) =>
      child.on('message', (message: ReadyMessage<Ready>) => {
        if (message && typeof message === 'object' && 'ready' in message) resolve(message.ready);
      }),
    ),
    exitOf(child).then((how) => Promise.reject(new Error(`${name} ${how} before it was ready`))),
    timeout(60_000, `${name} did not start within 60 s`),
  ]);
  return { name, pid: child.pid!, ready, ask, stop: stopper(child) };
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

/** A port free on loopback now, for a server that cannot be told to pick one and say which. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface ProjectOptions {
  upstreams: UpstreamUrls;
  /** PostgreSQL for the ledger; PGlite in `dataDir` when unset. */
  databaseUrl?: string;
  dataDir: string;
  /** Where its JSON log lines (stdout and stderr) go. */
  logFile: string;
  /** Extra node flags, such as `--cpu-prof`. */
  execArgv?: string[];
}

/** The project's environment: production mode, logging at `info`, every provider URL set, a real JWT secret. */
export function projectEnvironment(options: ProjectOptions, port: number): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    JWT_SECRET: BENCH_JWT_SECRET,
    IDEMPOTENCY_ENCRYPTION_KEY: BENCH_IDEMPOTENCY_ENCRYPTION_KEY,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : { DATA_DIR: options.dataDir }),
    ...upstreamEnvironment(options.upstreams),
  };
}

/**
 * The product exactly as `npm start` runs it: `node dist/src/main.js`, configured through its environment, listening
 * on loopback only.
 */
export async function startProject(options: ProjectOptions): Promise<BenchProcess> {
  const port = await freePort();
  const log = openSync(options.logFile, 'a');
  const child = spawn(
    process.execPath,
    [...(options.execArgv ?? []), fileURLToPath(new URL('../src/main.js', import.meta.url))],
    { env: childEnvironment(projectEnvironment(options, port)), stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}/graphql`;
  const exited = exitOf(child);
  let how: string | null = null;
  void exited.then((h) => (how = h));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (how !== null) throw new Error(`the project ${how} before serving; see ${options.logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the project did not serve within 60 s; see ${options.logFile}`);
    }
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ask: Ask = () => Promise.reject(new Error('the project has no IPC channel'));
  return { name: 'project', pid: child.pid!, ready: { url }, ask, stop: stopper(child) };
}

// ───────────────────────────── /proc ─────────────────────────────

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcessResources {
  rssBytes: number;
  /** User and system CPU time since the process started. */
  cpuMs: number;
}

/** A process's RSS and CPU time, from Linux's /proc; null elsewhere (the figures then say "not measured"). */
export function resourcesOf(pid: number): ProcessResources | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
    // The command name may hold spaces and parentheses: the fields are counted from the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!Number.isFinite(rssKb) || !Number.isFinite(ticks)) return null;
    return { rssBytes: rssKb * 1024, cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** RSS samples of a process, once a second, until `stop`. */
export function sampleRss(pid: number, everyMs = 1_000): { stop(): { atMs: number; rssBytes: number }[] } {
  const started = performance.now();
  const samples: { atMs: number; rssBytes: number }[] = [];
  const take = () => {
    const resources = resourcesOf(pid);
    if (resources) samples.push({ atMs: Math.round(performance.now() - started), rssBytes: resources.rssBytes });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}
