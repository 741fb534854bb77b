import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';

const root = new URL('../../', import.meta.url).pathname;
/** `docker info` answers only when an engine is reachable: a client alone (as on the development machine) fails it. */
const engine = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
const skipped = engine ? '' : ' (SKIPPED: no Docker engine here, `docker info` failed)';
if (!engine) console.warn(`test/deployment/docker.test.ts${skipped}`);

const docker = (...args: string[]) =>
  execFileSync('docker', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

describe(`the Docker image${skipped}`, () => {
  const tag = `provisioning-graph:test-${randomUUID().slice(0, 8)}`;
  let container: string | undefined;

  afterAll(() => {
    if (container) docker('rm', '--force', container);
    if (engine) spawnSync('docker', ['image', 'rm', '--force', tag], { stdio: 'ignore' });
  });

  it.skipIf(!engine)(
    `builds, runs as a user other than root, and answers /healthz 200${skipped}`,
    { timeout: 900_000 },
    async () => {
      docker('build', '--tag', tag, '.');
      expect(docker('image', 'inspect', '--format', '{{.Config.User}}', tag)).toBe('node');
      // Outside production the server starts the embedded emulators and PGlite in DATA_DIR: no other service needed.
      container = docker('run', '--detach', '--env', 'NODE_ENV=development', '--publish', '127.0.0.1::4000', tag);
      const port = docker('port', container, '4000/tcp').split('\n')[0]!.split(':').at(-1)!;
      const health = await eventually(
        () =>
          fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.status,
            () => 0,
          ),
        (status) => status === 200,
        120_000,
      );
      expect(health).toBe(200);
      expect(docker('exec', container, 'id', '-u')).not.toBe('0');
      const readiness = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(readiness.status).toBe(200);
    },
  );
});
