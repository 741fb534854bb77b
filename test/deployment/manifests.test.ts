import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Instruction {
  name: string;
  args: string;
}

/** The Dockerfile's instructions per stage: comments dropped, continuation lines joined, as Docker reads them. */
function dockerStages(text: string): { from: string; instructions: Instruction[] }[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: { from: string; instructions: Instruction[] }[] = [];
  for (const line of lines) {
    const [, name, args] = /^(\S+)\s+(.*)$/.exec(line)!;
    const instruction = { name: name!.toUpperCase(), args: args!.replace(/\s+/g, ' ') };
    if (instruction.name === 'FROM') stages.push({ from: instruction.args, instructions: [] });
    else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

/** `${NAME:-default}` as compose substitutes it with NAME unset. */
const withDefaults = (value: string) => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

describe('the Dockerfile', () => {
  const stages = dockerStages(read('Dockerfile'));
  const [build, runtime] = [stages[0]!, stages.at(-1)!];
  const args = (stage: typeof build, name: string) =>
    stage.instructions.filter((i) => i.name === name).map((i) => i.args);

  it('builds in one stage and runs from another, on Node 20', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^node:20[-.\w]*( AS \w+)?$/i);
    expect(args(build, 'RUN')).toContain('npm run build');
    expect(args(runtime, 'COPY')).toContain(`--from=${build.from.split(/ AS /i)[1]} /app/dist ./dist`);
  });

  it('installs production dependencies only at run time, with the schema the server loads', () => {
    expect(args(runtime, 'RUN').some((run) => /\bnpm ci --omit=dev\b/.test(run))).toBe(true);
    expect(args(runtime, 'RUN').some((run) => /\bnpm (ci|install)\b(?!.*--omit=dev)/.test(run))).toBe(false);
    expect(args(runtime, 'COPY')).toContain('schema ./schema');
    expect(args(runtime, 'ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);
    expect(args(runtime, 'CMD')).toEqual(['["node", "dist/src/main.js"]']);
    expect(existsSync(new URL('tsconfig.build.json', root))).toBe(true);
  });

  it('runs as a user other than root, exposes 4000 and checks /healthz', () => {
    const users = args(runtime, 'USER');
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
    const userAt = runtime.instructions.findIndex((i) => i.name === 'USER');
    expect(runtime.instructions.findIndex((i) => i.name === 'CMD')).toBeGreaterThan(userAt);
    expect(args(runtime, 'EXPOSE')).toEqual(['4000']);
    expect(args(runtime, 'HEALTHCHECK').join(' ')).toContain('/healthz');
  });

  it('copies only what exists and what .dockerignore lets through; keeps out node_modules, dist and secrets', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', '.env']));
    const sources = stages
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.name === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(' ').slice(0, -1));
    for (const source of sources) {
      expect(existsSync(new URL(source, root)), source).toBe(true);
      expect(ignored, source).not.toContain(source);
    }
  });
});

describe('compose.yaml', () => {
  interface Service {
    image?: string;
    build?: unknown;
    command?: string[];
    environment?: Record<string, string>;
    deploy?: { replicas?: number };
    ports?: string[];
    depends_on?: Record<string, { condition: string }>;
    volumes?: string[];
  }
  const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
  const { services } = compose;
  const server = services.server!;

  it('runs the server in two replicas of the image, on one PostgreSQL ledger', () => {
    expect(server.deploy?.replicas).toBe(2);
    expect(server.build).toBe('.');
    expect(services.postgres?.image).toMatch(/^postgres:/);
    const databaseUrl = new URL(server.environment!.DATABASE_URL!);
    expect(databaseUrl.hostname).toBe('postgres');
    expect(server.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('publishes one port, a proxy in front of the replicas, and none of the replicas', () => {
    const publishing = Object.entries(services).filter(([, service]) => (service.ports ?? []).length > 0);
    expect(publishing.map(([name]) => name)).toEqual(['proxy']);
    const [proxy] = publishing[0]!;
    const config = services[proxy]!.volumes!.find((volume) => volume.includes('nginx'))!.split(':')[0]!;
    expect(read(config)).toMatch(/server\s+server:4000\b/);
    expect(existsSync(new URL(config, root))).toBe(true);
  });

  it("gives the server an environment production accepts, every provider at the emulators' service", () => {
    const environment = Object.fromEntries(
      Object.entries(server.environment!).map(([name, value]) => [name, withDefaults(String(value))]),
    );
    const config = loadConfig(environment);
    expect(config.production).toBe(true);
    const upstreams = [config.upstreams.cloudCockpit, config.upstreams.experiencePlatform, config.upstreams.net3];
    for (const upstream of [...upstreams, config.upstreams.webex]) {
      expect(new URL(upstream.url!).hostname).toBe('emulators');
    }
    expect(services.emulators?.command).toEqual(['node', 'dist/emulators/main.js']);
    expect(services.emulators?.environment?.EMULATOR_HOST).toBe('0.0.0.0');
  });
});
