import { GraphQLError } from 'graphql';
import { ErrorCode, UpstreamError, type ProviderName, type Unanswered } from '../errors.js';

/**
 * What a failed provider call tells about trying again: the one place that decides it, for the provisioning
 * steps, the worker and the reads alike.
 */

/**
 * A provider reports that its work ended in failure: final, unlike a call that did not get through, which has no
 * HTTP status either and is worth repeating.
 */
export class ReportedFailure extends UpstreamError {}

/**
 * No conclusive answer came (none, a 5xx, a timeout, an unreadable body), or our own trouble struck after sending.
 * A 4xx (423 and 429 included) is the provider's word that it did not act; so is a refusal made here before
 * sending, and a provider's report that its work failed.
 */
export function mayHaveActed(error: unknown): boolean {
  if (error instanceof ReportedFailure) return false;
  if (error instanceof UpstreamError) {
    const status = error.httpStatus;
    if (status === null) return !neverLeft(error);
    return status === 408 || status < 400 || status >= 500;
  }
  return !(error instanceof GraphQLError && typeof error.extensions.code === 'string');
}

/** Calls that got no answer because they never left: the provider cannot have acted on them. */
const NEVER_SENT = new Set<Unanswered>(['refused', 'circuit-open', 'concurrency-cap']);

/** The call never left (a refused connection, an open circuit, a full cap): the provider did not see it. */
export function neverLeft(error: unknown): boolean {
  return error instanceof UpstreamError && NEVER_SENT.has(error.failure.unanswered ?? 'lost');
}

/** Worth asking again later: no answer, the provider's own trouble, or a request to wait. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ReportedFailure) return false;
  if (error instanceof UpstreamError) {
    const status = error.httpStatus;
    return status === null || status === 408 || status === 423 || status === 429 || status >= 500;
  }
  // Refused here before anything was sent (bad input, a role the caller lacks): it would be refused again.
  if (error instanceof GraphQLError) return false;
  // Our own trouble (the database for a moment, a bug): worth another try.
  return true;
}

/**
 * The provider gave no answer, or a 5xx, or its circuit is open after those: the only failures a stored copy may
 * stand in for. A refusal (401, 403, 400) is the provider's word on the request and stays an error.
 */
export function isUnreachable(error: unknown, provider: ProviderName): boolean {
  return (
    error instanceof UpstreamError &&
    error.failure.provider === provider &&
    (error.extensions.code === ErrorCode.UPSTREAM_ERROR || error.extensions.code === ErrorCode.UPSTREAM_UNAVAILABLE)
  );
}

/** Adobe refuses an organization already entitled to the value proposition (unless `reprovision=true`). */
export function isAlreadyProvisioned(error: unknown): boolean {
  return error instanceof UpstreamError && error.httpStatus === 400 && /already provisioned/i.test(error.message);
}

/**
 * A provider refusing a create because it already has the record: Webex and Net3 answer 409, Adobe "already
 * provisioned", CloudCockpit a validation error on the id or provider instance ("already exists", "already has").
 */
export function isRepeatRefused(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  if (error.httpStatus === 409 || isAlreadyProvisioned(error)) return true;
  return (
    error.httpStatus === 400 &&
    error.failure.invalidProperties.some((p) => p.messages.some((m) => /\balready\b/i.test(m)))
  );
}
