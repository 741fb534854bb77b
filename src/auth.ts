import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { z } from 'zod';
import type { JwtConfig } from './config.js';
import { forbidden, unauthenticated } from './errors.js';

/** CloudCockpit's roles; every CloudCockpit operation is "available to the roles: csp, reseller". */
export type Role = 'csp' | 'reseller';

/** Who is calling, from the verified claims of their JWT. */
export interface Caller {
  subject: string;
  /** The CloudCockpit tenant domain, sent upstream as `X-Tenant`. */
  tenant: string;
  roles: Role[];
  /** Set for resellers: the reseller they act for. */
  resellerId: string | null;
}

const domainName = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

const Claims = z
  .object({
    sub: z.string().min(1),
    tenant: z.string().regex(domainName, 'must be a tenant domain such as contoso.example'),
    roles: z.array(z.string()).transform((roles) => roles.filter((r): r is Role => r === 'csp' || r === 'reseller')),
    resellerId: z.uuid().optional(),
  })
  .refine((c) => c.roles.length > 0, { message: 'roles must contain csp or reseller', path: ['roles'] })
  .refine((c) => !c.roles.includes('reseller') || c.roles.includes('csp') || c.resellerId, {
    message: 'a reseller token needs a resellerId claim',
    path: ['resellerId'],
  });

export interface Authenticator {
  /** The caller of a request; null when it sent no `Authorization` header. Throws on a bad token. */
  authenticate(authorization: string | undefined): Promise<Caller | null>;
  /** Only outside production without JWT settings: a token for a csp user on `sandbox.local`. */
  developmentToken?: string;
}

const DEVELOPMENT_ISSUER = 'provisioning-graph-development';

/**
 * Verified tokens are kept until they expire, at most this long: a mobile app sends one token for many requests, and
 * verifying it again (an HMAC or RSA job, then the claims) would cost every request more than the rest of a read.
 */
const VERIFIED_TOKEN_TTL_MS = 60_000;
const VERIFIED_TOKENS_KEPT = 10_000;

export async function createAuthenticator(config: JwtConfig): Promise<Authenticator> {
  let key: KeyObject | JWTVerifyGetKey;
  let issuer: string | undefined;
  let audience: string | undefined;
  let developmentToken: string | undefined;

  if (config.kind === 'jwks') {
    key = createRemoteJWKSet(new URL(config.jwksUrl));
    ({ issuer, audience } = config);
  } else if (config.kind === 'secret') {
    // Imported once: jose would otherwise import raw bytes again on every verification.
    key = createSecretKey(new TextEncoder().encode(config.secret));
    ({ issuer, audience } = config);
  } else {
    // A fresh secret per process: development tokens die with the server that printed them.
    key = createSecretKey(randomBytes(32));
    issuer = DEVELOPMENT_ISSUER;
    developmentToken = await new SignJWT({ tenant: 'sandbox.local', roles: ['csp'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('developer')
      .setIssuer(DEVELOPMENT_ISSUER)
      .setIssuedAt()
      .setExpirationTime('24h')
      .sign(key);
  }
  const verifyKey = key;
  const verify = (token: string) =>
    typeof verifyKey === 'function'
      ? jwtVerify(token, verifyKey, { issuer, audience })
      : jwtVerify(token, verifyKey, { issuer, audience, algorithms: ['HS256'] });
  // Keyed by the whole token, signature included: a hit is the very bytes verified before, and leaves at `exp`.
  const verified = new LRUCache<string, Caller>({ max: VERIFIED_TOKENS_KEPT, ttlAutopurge: false });

  async function authenticate(authorization: string | undefined): Promise<Caller | null> {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    const token = match?.[1];
    if (!token) throw unauthenticated('The Authorization header must be "Bearer <JWT>"');
    const known = verified.get(token);
    if (known) return known;
    let payload: JWTPayload;
    try {
      payload = (await verify(token)).payload;
    } catch (error) {
      throw unauthenticated(describeJwtFailure(error));
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) {
      const problems = claims.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw unauthenticated(`The JWT's claims are not usable: ${problems}`);
    }
    const { sub, tenant, roles, resellerId } = claims.data;
    // Shared by every request that sends this token until it expires.
    const caller = Object.freeze({ subject: sub, tenant: tenant.toLowerCase(), roles, resellerId: resellerId ?? null });
    const ttl = Math.min(VERIFIED_TOKEN_TTL_MS, payload.exp === undefined ? Infinity : payload.exp * 1000 - Date.now());
    if (ttl > 0) verified.set(token, caller, { ttl });
    return caller;
  }

  return { authenticate, developmentToken };
}

function describeJwtFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The JWT has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The JWT's "${error.claim}" claim is not accepted`;
  if (error instanceof joseErrors.JOSEError) return 'The JWT is not valid';
  return 'The JWT could not be verified';
}

export function requireCaller(caller: Caller | null): Caller {
  if (!caller) throw unauthenticated('Send "Authorization: Bearer <JWT>" to use this API');
  return caller;
}

export function isReseller(caller: Caller): boolean {
  return !caller.roles.includes('csp');
}

/**
 * The reseller a request acts for. A reseller always acts for itself; a CSP may name a reseller.
 * A reseller naming another reseller is refused, never silently corrected.
 */
export function actingResellerId(caller: Caller, requested: string | null | undefined): string | null {
  if (!isReseller(caller)) return requested ?? null;
  if (requested && !sameGuid(requested, caller.resellerId)) throw forbidden('A reseller can only act for itself');
  return caller.resellerId;
}

/** Tenant isolation within a tenant: a CSP sees every record, a reseller only those related to it. */
export function canSee(caller: Caller, relatedResellerIds: (string | null | undefined)[]): boolean {
  return !isReseller(caller) || relatedResellerIds.some((id) => sameGuid(id, caller.resellerId));
}

/**
 * Reseller ids are GUIDs, and one GUID has two spellings: CloudCockpit (.NET) writes them in lower case, while a
 * JWT's `resellerId` claim or a GraphQL `UUID` argument keeps whatever case it was given.
 */
function sameGuid(a: string | null | undefined, b: string | null | undefined): boolean {
  return a != null && b != null && a.toLowerCase() === b.toLowerCase();
}
