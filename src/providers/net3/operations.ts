import { isReseller, type Caller } from '../../auth.js';
import { forbidden, rethrowAtInput, type InputPath } from '../../errors.js';
import type { Net3ProvisioningInput } from '../../generated/graphql.js';
import type { Net3Client } from './client.js';
import { net3InputPathOfProperty, provisionedCustomer, toProvisionCustomerModel } from './mapping.js';
import type { ProvisionCustomerModelResponse } from './wire.js';

export interface Net3Scope {
  caller: Caller;
  net3: Net3Client;
  /** Net3 records the caller's address as `requesterIP`. */
  clientIp: string | null;
}

/**
 * `at` is where `input` sits in the mutation's arguments; `pathOf` places a field Net3 names (`Contacts[0].Email`)
 * under it, and the fan-out passes `net3SectionPathOfProperty`.
 */
export async function provisionNet3Customer(
  { caller, net3, clientIp }: Net3Scope,
  input: Net3ProvisioningInput,
  at: InputPath,
  pathOf: (property: string) => InputPath = net3InputPathOfProperty,
): Promise<ProvisionCustomerModelResponse> {
  // Net3's reseller flag makes the customer a reseller of Net3 services: a CSP decision, not a reseller's.
  if (input.customer.isReseller && isReseller(caller)) {
    throw forbidden('Only a CSP can onboard a reseller at Net3');
  }
  const body = toProvisionCustomerModel(input, { clientIp, now: new Date() }, at);
  const answer = await net3.provisionCustomer(body).catch(rethrowAtInput(at, pathOf));
  return provisionedCustomer(body, answer);
}
