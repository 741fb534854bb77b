import { UpstreamError } from '../../errors.js';
import type { Net3ProvisioningInput, Net3Section } from '../../generated/graphql.js';
import {
  recordedByAnotherStep,
  requireCustomer,
  succeeded,
  type StepAnswer,
  type StepKind,
  type StepScope,
} from '../../provisioning/step-kind.js';
import { net3InputFromCanonical, net3SectionPathOfProperty } from './mapping.js';
import { net3RequestOf, provisionNet3Customer, type Net3Scope } from './operations.js';

const net3Scope = ({ caller, providers, clientIp }: StepScope): Net3Scope => ({
  caller,
  net3: providers.net3,
  clientIp,
});

export const net3Step: StepKind<Net3Section> = {
  provider: 'NET3',
  async run(scope, section, customer, at) {
    const canonical = requireCustomer(customer);
    const input = net3InputFromCanonical(canonical, section);
    const response = await provisionNet3Customer(net3Scope(scope), input, at, net3SectionPathOfProperty);
    return succeeded(response, net3Ids(canonical.id, response.customer?.localId));
  },
  async reconcile(scope, section, customer) {
    // Its customerId is the CloudCockpit id: a call that already went through comes back as 409.
    return reconcileNet3(scope, requireCustomer(customer).id, () =>
      this.run(scope, section, customer, ['input', 'net3']),
    );
  },
};

export const net3CallStep: StepKind<Net3ProvisioningInput> = {
  provider: 'NET3',
  check(scope, input, _customer, at) {
    net3RequestOf(scope, input, at);
  },
  async run(scope, input, _customer, at) {
    const response = await provisionNet3Customer(net3Scope(scope), input, at);
    return succeeded(
      response,
      net3Ids(response.customer?.customerId ?? input.customer.customerId, response.customer?.localId),
    );
  },
  async reconcile(scope, input, customer) {
    // The recorded input carries the customerId the first call sent (withRequestFacts): a repeat comes back as 409.
    return reconcileNet3(scope, input.customer.customerId, () => this.run(scope, input, customer, ['input']));
  },
};

/**
 * Net3 has no read endpoint: the call is repeated with the customerId the first one sent, and a 409 is that
 * customer, recognised rather than duplicated, and recorded by its id; unless another step records that
 * customerId (a caller may choose it: another tenant's, or an earlier provisioning's), when the 409 is what it
 * says, a conflict.
 */
async function reconcileNet3(
  scope: StepScope,
  customerId: string | null | undefined,
  repeat: () => Promise<StepAnswer>,
): Promise<StepAnswer> {
  try {
    return await repeat();
  } catch (error) {
    if (!(error instanceof UpstreamError && error.httpStatus === 409)) throw error;
    if (!customerId || (await recordedByAnotherStep(scope, 'NET3', 'customerId', customerId))) throw error;
    return succeeded(null, net3Ids(customerId, null));
  }
}

/** What identifies a Net3 customer: the customerId it was provisioned with, and the localId Net3 gave it. */
function net3Ids(customerId: string | null | undefined, localId: number | null | undefined): Record<string, string> {
  const ids: Record<string, string> = {};
  if (customerId) ids.customerId = customerId;
  if (localId != null) ids.localId = String(localId);
  return ids;
}
