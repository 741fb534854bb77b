/**
 * The credentials the emulators read. None verifies a token (a JWT, an IMS or OAuth token): each compares it
 * verbatim with the one it was configured with, and accepts any when configured with none.
 */

/** The token of `Bearer <token>`, the scheme in any case; undefined for anything else. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/** The bearer token of `header` when it is `expected`, or any bearer token when nothing is expected; undefined otherwise. */
export function acceptedBearerToken(header: string | undefined, expected: string | undefined): string | undefined {
  const token = bearerTokenOf(header);
  return token !== undefined && (expected === undefined || token === expected) ? token : undefined;
}
