import { spawn, type ChildProcess } from 'node:child_process';

const projectRoot = new URL('../..', import.meta.url);

export interface ServerProcess {
  child: ChildProcess;
  /** The GraphQL endpoint it serves. */
  url: string;
  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[];
}

/**
 * The server as a process of its own (`src/main.ts` through tsx, so that no build is needed), with only the
 * given environment: for tests that kill it, restart it, or run several replicas. Needs `LOG_LEVEL` at `info`
 * or lower, since it waits for the "serving" log line.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const logs = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  for (let i = 0; i < 600; i++) {
    const serving = logs().find((line) => line.msg === 'Provisioning Graph is serving GraphQL and Apollo Sandbox');
    if (serving) return { child, url: serving.url as string, logs };
    if (child.exitCode !== null) throw new Error(`the server exited early: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not start: ${output}`);
}

/** Waits, bounded, until `condition` holds. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
