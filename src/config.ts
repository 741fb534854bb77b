import { z } from 'zod';

/**
 * The server's configuration, read once from the environment. Every variable is listed in the README's
 * configuration table; keep the two in step.
 */
const Environment = z.object({
  NODE_ENV: z.string().default('development'),
  /** @default 4000 */
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** @default info */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** Unset: the embedded CloudCockpit emulator is started on loopback (refused in production). */
  CLOUDCOCKPIT_URL: z.url().optional(),
  CLOUDCOCKPIT_TOKEN: z.string().min(1).optional(),
  /** Per-request timeout for CloudCockpit calls. @default 10000 */
  CLOUDCOCKPIT_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),

  /** HS256 secret for callers' JWTs. */
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  /** JWKS of the identity provider that signs callers' JWTs (RS256, ES256 …). */
  JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
});

export type Environment = z.infer<typeof Environment>;

export interface UpstreamConfig {
  /** Base URL; undefined means "start the embedded emulator". */
  url: string | undefined;
  token: string | undefined;
  timeoutMs: number;
}

export type JwtConfig =
  | { kind: 'secret'; secret: string; issuer?: string; audience?: string }
  | { kind: 'jwks'; jwksUrl: string; issuer?: string; audience?: string }
  /** Outside production with neither JWT_SECRET nor JWKS_URL: a secret is made at start-up. */
  | { kind: 'development' };

export interface Config {
  production: boolean;
  port: number;
  logLevel: Environment['LOG_LEVEL'];
  cloudCockpit: UpstreamConfig;
  jwt: JwtConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  if (production && !e.CLOUDCOCKPIT_URL) {
    throw new ConfigError('CLOUDCOCKPIT_URL is required in production: the embedded emulator is for development only');
  }
  if (e.CLOUDCOCKPIT_URL && !e.CLOUDCOCKPIT_TOKEN) {
    throw new ConfigError('CLOUDCOCKPIT_TOKEN is required when CLOUDCOCKPIT_URL is set');
  }
  if (e.JWT_SECRET && e.JWKS_URL) {
    throw new ConfigError('Set JWT_SECRET or JWKS_URL, not both');
  }
  const claims = { issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE };
  let jwt: JwtConfig;
  if (e.JWT_SECRET) jwt = { kind: 'secret', secret: e.JWT_SECRET, ...claims };
  else if (e.JWKS_URL) jwt = { kind: 'jwks', jwksUrl: e.JWKS_URL, ...claims };
  else if (production) throw new ConfigError('JWT_SECRET or JWKS_URL is required in production');
  else jwt = { kind: 'development' };

  return {
    production,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    cloudCockpit: { url: e.CLOUDCOCKPIT_URL, token: e.CLOUDCOCKPIT_TOKEN, timeoutMs: e.CLOUDCOCKPIT_TIMEOUT_MS },
    jwt,
  };
}
