import { createHash } from 'node:crypto';
import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import { getOperationAST, GraphQLError, parse, print, type DocumentNode } from 'graphql';
import type { Caller } from './auth.js';
import type { RequestContext } from './context.js';
import { ErrorCode } from './errors.js';
import type { AnswerEncryption } from './ledger/answer-encryption.js';
import {
  IdempotencyStore,
  type Claim,
  type IdempotencyStoreOptions,
  type StoredResponse,
} from './ledger/idempotency-store.js';
import type { Ledger } from './ledger/ledger.js';
import type { Metrics } from './telemetry/metrics.js';

/**
 * `Idempotency-Key` as Stripe and draft-ietf-httpapi-idempotency-key-header define it: a repeat of a request replays
 * its stored response without running anything; the same key with another request, or while the first still runs,
 * is refused. Keys belong to the caller's tenant. Queries ignore the header: they change nothing.
 */

/** The request header; Stripe's and the IETF draft's name. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Set to `true` on a replayed response (Stripe's name), so a client can tell a replay from a first answer. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

export interface IdempotencyOptions extends IdempotencyStoreOptions {
  /** When a claim counts as abandoned. @default the ledger's lease (`LEDGER_LEASE_MS`) */
  abandonedAfterMs?: number;
  /** How often, at most, expired keys are deleted, in passing after a request with a key. @default 60000 */
  cleanupIntervalMs?: number;
}

/** The IETF draft's printable ASCII (a Structured Fields string), at most Stripe's 255 characters. */
const VALID_KEY = /^[\x20-\x7E]{1,255}$/;
/** The IETF draft sends the key as a Structured Fields string: quoted, with `\"` and `\\` escapes. */
const QUOTED_KEY = /^"((?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\])*)"$/;

/** The key a header value names: Stripe's bare token or the IETF draft's quoted string. BAD_REQUEST when malformed. */
export function parseIdempotencyKey(header: string): string {
  const value = header.trim();
  const quoted = QUOTED_KEY.exec(value);
  const key = quoted ? quoted[1]!.replace(/\\(["\\])/g, '$1') : value;
  if (!VALID_KEY.test(key)) {
    throw new GraphQLError(`${IDEMPOTENCY_KEY_HEADER} must be 1 to 255 printable ASCII characters`, {
      extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
    });
  }
  return key;
}

/** JSON with every object's keys sorted: the same request hashes the same whatever order a client wrote it in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function fingerprintOf(
  document: DocumentNode,
  operationName: string | null,
  variables: unknown,
  caller: Caller,
): string {
  const request = {
    // Printed from the parsed document: layout and comments do not make another request.
    document: print(document),
    operationName,
    variables: variables ?? {},
    // The key is the tenant's, but its stored answer is what this caller could see: another caller of the tenant
    // (a reseller after a CSP) repeating it is a different request, not a replay of someone else's response.
    caller: { subject: caller.subject, roles: [...caller.roles].sort(), resellerId: caller.resellerId },
  };
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/** The hash a request is stored and compared under: its operation text, operation name, variables and caller. */
export function requestFingerprint(
  request: { query: string; operationName?: string | null; variables?: Record<string, unknown> },
  caller: Caller,
): string {
  const document = parse(request.query);
  // As Apollo resolves it: the operation named, or the document's only one.
  const operationName = getOperationAST(document, request.operationName)?.name?.value ?? null;
  return fingerprintOf(document, operationName, request.variables, caller);
}

function keyReused(): GraphQLError {
  return new GraphQLError(
    `This ${IDEMPOTENCY_KEY_HEADER} was already used for a different request; use a new key for a new request`,
    {
      extensions: { code: ErrorCode.IDEMPOTENCY_KEY_REUSED, http: { status: 422 } },
    },
  );
}

function keyInUse(provisioningIds: string[] = []): GraphQLError {
  const message =
    provisioningIds.length > 0
      ? `The request with this ${IDEMPOTENCY_KEY_HEADER} was interrupted; the provisioning it began continues in the background: follow it with provisioning(id)`
      : `The request with this ${IDEMPOTENCY_KEY_HEADER} is still running; retry later for its answer`;
  return new GraphQLError(message, {
    extensions: {
      code: ErrorCode.IDEMPOTENCY_KEY_IN_USE,
      ...(provisioningIds.length > 0 ? { provisioningIds } : {}),
      http: { status: 409 },
    },
  });
}

/**
 * The request ran, but its stored answer no longer decrypts (the key that sealed it was taken away, or the row was
 * altered). Running it again could provision twice, so it is not: HTTP 500, since only the server's operators can
 * help (putting the old key back in IDEMPOTENCY_ENCRYPTION_KEY makes the answer readable again); a repeat stays safe.
 */
function answerUnreadable(provisioningIds: string[]): GraphQLError {
  const follow =
    provisioningIds.length > 0
      ? 'follow the provisioning it began with provisioning(id)'
      : 'look its outcome up, or use a new key for a new request';
  return new GraphQLError(
    `The request with this ${IDEMPOTENCY_KEY_HEADER} already ran, but its stored answer cannot be read: it is not run again; ${follow}`,
    {
      extensions: {
        code: ErrorCode.IDEMPOTENCY_KEY_ANSWER_UNREADABLE,
        ...(provisioningIds.length > 0 ? { provisioningIds } : {}),
        http: { status: 500 },
      },
    },
  );
}

/**
 * As Stripe does, an answer is stored only once the mutation started executing (the GraphQL spec leaves `data` out
 * when a request fails before). A mutation refused only because another run holds the provisioning (IN_PROGRESS)
 * changed nothing and would answer differently a moment later.
 */
function ran(result: { data?: unknown; errors?: readonly { extensions?: Record<string, unknown> }[] }): boolean {
  if (result.data === undefined) return false;
  const errors = result.errors ?? [];
  return errors.length === 0 || !errors.every((error) => error.extensions?.code === ErrorCode.IN_PROGRESS);
}

/** The ledger operations the request first sent with a key began: they carry its correlation id. */
async function operationsBegunBy(
  ledger: Ledger,
  tenant: string,
  holder: { correlationId: string | null; claimedAt: Date },
): Promise<string[]> {
  if (!holder.correlationId) return [];
  const operations = await ledger.operationsByCorrelationId(tenant, holder.correlationId, holder.claimedAt);
  return operations.map((operation) => operation.id);
}

/**
 * The key is claimed once the operation is known to be a valid mutation, and the answer stored, a failed mutation's
 * too, so that a retry gets the same answer; a request refused before it ran is not recorded and frees its key.
 *
 * A process can die holding a key. Its claim counts as abandoned once older than the ledger's lease, and a repeat
 * then looks for the operations the dead request began (by correlation id): if there are some, the ledger's worker
 * owns them, and running the mutation again would provision a second time, so the repeat is answered
 * IDEMPOTENCY_KEY_IN_USE with their `provisioningIds`. If none, nothing went upstream (the ledger writes ahead of
 * every call), so the repeat takes the claim over and runs.
 */
export function idempotencyPlugin(
  ledger: Ledger,
  encryption: AnswerEncryption,
  options: IdempotencyOptions = {},
  metrics?: Metrics,
): ApolloServerPlugin<RequestContext> {
  const store = new IdempotencyStore(ledger.database, encryption, {
    ttlMs: options.ttlMs,
    abandonedAfterMs: options.abandonedAfterMs ?? ledger.leaseDurationMs,
  });
  const cleanupIntervalMs = options.cleanupIntervalMs ?? 60_000;
  let lastCleanup = 0;

  return {
    async requestDidStart({ request }) {
      // A request without the header has nothing to claim or replay: no hooks, no cost on every read.
      if (request.http?.headers.get(IDEMPOTENCY_KEY_HEADER.toLowerCase()) === undefined) return;
      let claim: Claim | null = null;
      let replay: StoredResponse | null = null;

      return {
        async didResolveOperation({ operation, operationName, document, request, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          const header = request.http?.headers.get(IDEMPOTENCY_KEY_HEADER.toLowerCase());
          if (header === undefined) return;
          const key = parseIdempotencyKey(header);
          // Without a caller there is no tenant to scope the key to, and the mutation is refused anyway.
          const { caller, correlationId, logger } = contextValue;
          if (!caller) return;

          const requestHash = fingerprintOf(document, operationName, request.variables, caller);
          const result = await store.claim(caller.tenant, key, requestHash, correlationId);
          if (result.claimed) {
            claim = result.claim;
            return;
          }
          const { existing } = result;
          if (existing.requestHash !== requestHash) throw keyReused();
          if (existing.state === 'COMPLETED') {
            replay = existing.response;
            return;
          }
          if (existing.state === 'UNREADABLE') {
            logger.error(
              { reason: existing.error.reason, keyId: existing.error.keyId, sealingKeyId: encryption.keyId },
              'the stored answer of an idempotency key could not be decrypted',
            );
            throw answerUnreadable(await operationsBegunBy(ledger, caller.tenant, existing));
          }
          if (!existing.abandoned) throw keyInUse();

          const begun = await operationsBegunBy(ledger, caller.tenant, existing);
          if (begun.length > 0) throw keyInUse(begun);
          claim = await store.takeOver(caller.tenant, key, correlationId);
          // Another repeat took it over first and is running it now.
          if (!claim) throw keyInUse();
          logger.warn(
            { abandonedCorrelationId: existing.correlationId },
            'idempotency key taken over from an abandoned request',
          );
        },

        async responseForOperation(): Promise<GraphQLResponse | null> {
          if (!replay) return null;
          metrics?.countIdempotentReplay();
          return {
            body: { kind: 'single', singleResult: replay.body },
            http: { status: replay.httpStatus, headers: new HeaderMap([[REPLAYED_HEADER.toLowerCase(), 'true']]) },
          };
        },

        async willSendResponse({ response, contextValue }) {
          if (!claim) return;
          const held = claim;
          claim = null;
          try {
            if (response.body.kind === 'single' && ran(response.body.singleResult)) {
              const body: Record<string, unknown> = { ...response.body.singleResult };
              const stored = await store.complete(held, { httpStatus: response.http.status ?? 200, body });
              if (!stored)
                contextValue.logger.warn('idempotency key was taken over before its response could be stored');
            } else {
              await store.release(held);
            }
            if (Date.now() - lastCleanup >= cleanupIntervalMs) {
              lastCleanup = Date.now();
              await store.deleteExpired();
            }
          } catch (error) {
            // The answer is made and goes out; its key stays IN_PROGRESS until it counts as abandoned.
            contextValue.logger.error({ err: error }, 'could not store the response of an idempotency key');
          }
        },
      };
    },
  };
}
