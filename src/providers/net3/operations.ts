import { isReseller, type Caller } from '../../auth.js';
import { forbidden, rethrowAtInput, type InputPath } from '../../errors.js';
import type { Net3ProvisioningInput } from '../../generated/graphql.js';
import type { Net3Client } from './client.js';
import { net3InputPathOfProperty, provisionedCustomer, toProvisionCustomerModel } from './mapping.js';
import type { ProvisionCustomerModel, ProvisionCustomerModelResponse } from './wire.js';

export interface Net3Scope {
  caller: Caller;
  net3: Net3Client;
  /** Net3 records the caller's address as `requesterIP`. */
  clientIp: string | null;
}

/** What provisionNet3Customer sends Net3; throws what it refuses to send. */
export function net3RequestOf(
  { caller, clientIp }: Pick<Net3Scope, 'caller' | 'clientIp'>,
  input: Net3ProvisioningInput,
  at: InputPath,
): ProvisionCustomerModel {
  // Net3's reseller flag makes the customer a reseller of Net3 services: a CSP decision, not a reseller's.
  if (input.customer.isReseller && isReseller(caller)) {
    throw forbidden('Only a CSP can onboard a reseller at Net3');
  }
  return toProvisionCustomerModel(input, { clientIp, now: new Date() }, at);
}

/**
 * `at` is where `input` sits in the mutation's arguments; `pathOf` places a field Net3 names (`Contacts[0].Email`)
 * under it, and the fan-out passes `net3SectionPathOfProperty`.
 */
export async function provisionNet3Customer(
  scope: Net3Scope,
  input: Net3ProvisioningInput,
  at: InputPath,
  pathOf: (property: string) => InputPath = net3InputPathOfProperty,
): Promise<ProvisionCustomerModelResponse> {
  const body = net3RequestOf(scope, input, at);
  const { net3 } = scope;
  const answer = await net3.provisionCustomer(body).catch(rethrowAtInput(at, pathOf));
  return provisionedCustomer(body, answer);
}
