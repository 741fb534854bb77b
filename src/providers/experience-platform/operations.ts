import { isReseller, type Caller } from '../../auth.js';
import { badUserInput, forbidden, rethrowAtInput, type InputPath } from '../../errors.js';
import type { ExperiencePlatformProvisioningInput } from '../../generated/graphql.js';
import type { Ledger } from '../../ledger/ledger.js';
import { scopeOf } from '../../ledger/visibility.js';
import type { ExperiencePlatformClient } from './client.js';
import { imsOrgIdProblemOf, inputPathOfProperty, toProvisioningRequest, type PathOfProperty } from './mapping.js';
import type { ProvisioningResponse, OrgStatusResponse } from './wire.js';

export interface ExperiencePlatformProvisionOptions {
  /** Adobe's `reprovision` query parameter; null or undefined leaves it out. */
  reprovision?: boolean | null;
  /**
   * Where a gateway property sits under `at`. @default inputPathOfProperty (an ExperiencePlatformProvisioningInput);
   * the fan-out passes `sectionPathOfProperty` when the input was built from an ExperiencePlatformSection.
   */
  pathOfProperty?: PathOfProperty;
}

/** `at` is where `input` sits in the GraphQL arguments, so that refused fields are reported at their full path. */
export async function provisionExperiencePlatform(
  adobe: ExperiencePlatformClient,
  input: ExperiencePlatformProvisioningInput,
  at: InputPath,
  options: ExperiencePlatformProvisionOptions = {},
): Promise<ProvisioningResponse> {
  const pathOf = options.pathOfProperty ?? inputPathOfProperty;
  const body = toProvisioningRequest(input, at, pathOf);
  return adobe.provision(body, options.reprovision ?? null).catch(rethrowAtInput(at, pathOf));
}

/** What a status read acts with: Adobe's credentials are the partner's, so the ledger tells what the caller made. */
export interface ExperiencePlatformScope {
  caller: Caller;
  adobe: ExperiencePlatformClient;
  ledger: Ledger;
}

/** A request that a provisioning the caller sees (visibility.ts) stored at Adobe; null for any other, as Webex's. */
export async function requestStatus(
  { caller, adobe, ledger }: ExperiencePlatformScope,
  imsOrgId: string,
  requestId: string,
): Promise<OrgStatusResponse | null> {
  // The organization goes out as a header: refused here rather than sent malformed.
  const problem = imsOrgIdProblemOf(imsOrgId);
  if (problem) throw badUserInput(problem, [{ path: ['imsOrgId'], messages: [problem] }]);
  // The names the provisioning steps record the request by (steps.ts, adobeAnswer).
  const upstreamIds = { storedRequestId: requestId, imsOrgId };
  if (!(await ledger.stepRecorded(caller.tenant, scopeOf(caller), 'EXPERIENCE_PLATFORM', upstreamIds))) return null;
  return adobe.getProvisioningStatus(requestId, imsOrgId);
}

/** How the request a provisioning stored stands now, while Adobe asked to be polled; null once there is nothing to poll. */
export async function statusOfProvisioning(
  adobe: ExperiencePlatformClient,
  provisioning: ProvisioningResponse,
): Promise<OrgStatusResponse | null> {
  const stored = provisioning.storedRequest;
  if (provisioning.pollRequired !== true || !stored?.id) return null;
  return adobe.getProvisioningStatus(stored.id, stored.imsOrgId);
}

/** The connection string is a credential to the customer's data: shown to a CSP only. */
export function connectionStringFor(caller: Caller, provisioning: ProvisioningResponse): string | null {
  if (isReseller(caller)) throw forbidden('Only a CSP may read the Adobe Experience Platform connection string');
  return provisioning.connectionString ?? null;
}
