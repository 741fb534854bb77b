import { authorized, type RequestContext } from '../context.js';
import type { StepScope } from '../provisioning/step-kind.js';

/** What the provisioning module and the provider operations act with, from a request: its caller's, or UNAUTHENTICATED. */
export function stepScopeOf(context: RequestContext): StepScope {
  const { caller, providers } = authorized(context);
  const { ledger, correlationId, clientIp, logger } = context;
  return { caller, providers, ledger, correlationId, clientIp, logger };
}
