import { randomUUID } from 'node:crypto';
import { isEnvelope, UnreadableAnswerError, type AnswerEncryption } from './answer-encryption.js';
import type { Queryable } from './database.js';

/** A stored answer: what the first request with a key was sent, to send again on a repeat. */
export interface StoredResponse {
  httpStatus: number;
  body: Record<string, unknown>;
}

/** A key another request has already used, as the store holds it. */
export type KnownKey =
  | { state: 'COMPLETED'; requestHash: string; response: StoredResponse }
  | {
      /** Completed, but its answer does not decrypt: the key that sealed it is gone, or the row was altered. */
      state: 'UNREADABLE';
      requestHash: string;
      correlationId: string | null;
      claimedAt: Date;
      error: UnreadableAnswerError;
    }
  | {
      state: 'IN_PROGRESS';
      requestHash: string;
      /** The correlation id of the request that holds the key: its ledger operations carry it. */
      correlationId: string | null;
      claimedAt: Date;
      /** The claim is older than `abandonedAfterMs`: the process that made it is taken to have died. */
      abandoned: boolean;
    };

/** This request's hold on a key: only its holder may complete or release it. */
export interface Claim {
  tenant: string;
  key: string;
  /** The request that holds the key: its answer is sealed to it. */
  requestHash: string;
  /** Made for each claim, so that a request that outlived its claim cannot complete someone else's. */
  claimId: string;
  claimedAt: Date;
}

export type ClaimResult = { claimed: true; claim: Claim } | { claimed: false; existing: KnownKey };

export interface IdempotencyStoreOptions {
  /** How long a key is remembered from its first use (or its take-over). @default 86400000 (24 hours) */
  ttlMs?: number;
  /** How long a claim may stay IN_PROGRESS before its process counts as dead (like a ledger lease). @default 120000 */
  abandonedAfterMs?: number;
}

interface KeyRow {
  request_hash: string;
  state: 'IN_PROGRESS' | 'COMPLETED';
  http_status: number | null;
  response: Record<string, unknown> | null;
  correlation_id: string | null;
  created_at: Date;
  abandoned: boolean;
}

/** What an answer is sealed to: its row, so that it opens in no other (answer-encryption.ts). */
function sealedTo(tenant: string, key: string, requestHash: string): string {
  return JSON.stringify([tenant, key, requestHash]);
}

/**
 * One row per tenant and key, IN_PROGRESS from the first request's claim until its response is stored. Every time is
 * the database's `now()`, as in the ledger, so that replicas with drifting clocks agree on expiry and abandonment.
 */
export class IdempotencyStore {
  readonly ttlMs: number;
  readonly abandonedAfterMs: number;

  constructor(
    private readonly db: Queryable,
    private readonly encryption: AnswerEncryption,
    options: IdempotencyStoreOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.abandonedAfterMs = options.abandonedAfterMs ?? 120_000;
  }

  /** One statement, so that of two concurrent requests exactly one wins; an expired key counts as never seen. */
  async claim(tenant: string, key: string, requestHash: string, correlationId: string): Promise<ClaimResult> {
    // The row can vanish between the two statements (its holder released it, cleanup removed it): then try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimId = randomUUID();
      const [claimed] = await this.db.query<{ created_at: Date }>(
        `INSERT INTO idempotency_keys AS k (tenant, key, request_hash, state, correlation_id, claim_id, created_at, expires_at)
         VALUES ($1, $2, $3, 'IN_PROGRESS', $4, $5, now(), now() + make_interval(secs => $6))
         ON CONFLICT (tenant, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'IN_PROGRESS', http_status = NULL, response = NULL,
               correlation_id = EXCLUDED.correlation_id, claim_id = EXCLUDED.claim_id,
               created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
           WHERE k.expires_at <= now()
         RETURNING created_at`,
        [tenant, key, requestHash, correlationId, claimId, this.ttlMs / 1000],
      );
      if (claimed) {
        return { claimed: true, claim: { tenant, key, requestHash, claimId, claimedAt: new Date(claimed.created_at) } };
      }
      const existing = await this.find(tenant, key);
      if (existing) return { claimed: false, existing };
    }
    throw new Error(`idempotency key ${key} kept changing hands while being claimed`);
  }

  /** The key as a repeat sees it; null when it was never used or has expired. */
  async find(tenant: string, key: string): Promise<KnownKey | null> {
    const [row] = await this.db.query<KeyRow>(
      `SELECT request_hash, state, http_status, response, correlation_id, created_at,
              created_at <= now() - make_interval(secs => $3) AS abandoned
       FROM idempotency_keys WHERE tenant = $1 AND key = $2 AND expires_at > now()`,
      [tenant, key, this.abandonedAfterMs / 1000],
    );
    if (!row) return null;
    if (row.state === 'COMPLETED') {
      let body = row.response ?? {};
      // An answer stored before answers were encrypted (up to a day before this version started) is replayed as is.
      if (isEnvelope(body)) {
        try {
          body = JSON.parse(this.encryption.open(body, sealedTo(tenant, key, row.request_hash))) as typeof body;
        } catch (error) {
          if (!(error instanceof UnreadableAnswerError)) throw error;
          return {
            state: 'UNREADABLE',
            requestHash: row.request_hash,
            correlationId: row.correlation_id,
            claimedAt: new Date(row.created_at),
            error,
          };
        }
      }
      return {
        state: 'COMPLETED',
        requestHash: row.request_hash,
        response: { httpStatus: row.http_status ?? 200, body },
      };
    }
    return {
      state: 'IN_PROGRESS',
      requestHash: row.request_hash,
      correlationId: row.correlation_id,
      claimedAt: new Date(row.created_at),
      abandoned: row.abandoned,
    };
  }

  /** The UPDATE checks abandonment again, so of repeats racing for a claim exactly one gets it; null for the rest. */
  async takeOver(tenant: string, key: string, correlationId: string): Promise<Claim | null> {
    const claimId = randomUUID();
    const [row] = await this.db.query<{ created_at: Date; request_hash: string }>(
      `UPDATE idempotency_keys SET correlation_id = $3, claim_id = $4, created_at = now(),
              expires_at = now() + make_interval(secs => $5)
       WHERE tenant = $1 AND key = $2 AND state = 'IN_PROGRESS' AND expires_at > now()
         AND created_at <= now() - make_interval(secs => $6)
       RETURNING created_at, request_hash`,
      [tenant, key, correlationId, claimId, this.ttlMs / 1000, this.abandonedAfterMs / 1000],
    );
    return row ? { tenant, key, requestHash: row.request_hash, claimId, claimedAt: new Date(row.created_at) } : null;
  }

  /** Stores the claimed request's answer, sealed; false when the claim was lost meanwhile (taken over as abandoned). */
  async complete(claim: Claim, response: StoredResponse): Promise<boolean> {
    const sealed = this.encryption.seal(
      JSON.stringify(response.body),
      sealedTo(claim.tenant, claim.key, claim.requestHash),
    );
    const rows = await this.db.query(
      `UPDATE idempotency_keys SET state = 'COMPLETED', http_status = $4, response = $5::jsonb
       WHERE tenant = $1 AND key = $2 AND claim_id = $3 AND state = 'IN_PROGRESS'
       RETURNING key`,
      [claim.tenant, claim.key, claim.claimId, response.httpStatus, JSON.stringify(sealed)],
    );
    return rows.length === 1;
  }

  /** Forgets the claim of a request that did not run after all (refused before execution): the key is unused again. */
  async release(claim: Claim): Promise<void> {
    await this.db.query(
      `DELETE FROM idempotency_keys WHERE tenant = $1 AND key = $2 AND claim_id = $3 AND state = 'IN_PROGRESS'`,
      [claim.tenant, claim.key, claim.claimId],
    );
  }

  async deleteExpired(): Promise<number> {
    const rows = await this.db.query('DELETE FROM idempotency_keys WHERE expires_at <= now() RETURNING key');
    return rows.length;
  }
}
