import type { AddProviderInstanceInput, CreateCustomerInput } from '../../generated/graphql.js';
import { requireCustomer, succeeded, type StepKind, type StepScope } from '../../provisioning/step-kind.js';
import { actingResellerId } from '../../auth.js';
import { addProviderInstance, createCustomer, customerRequestOf, type CloudCockpitScope } from './operations.js';
import { providerCustomerOf, toAddProviderInstanceRequest, wireGuid } from './mapping.js';

/** The input of a CloudCockpit provider-instance step: the instance, and the reseller a CSP acted for. */
export type ProviderInstanceStepInput = AddProviderInstanceInput & { resellerId?: string | null };

const cloudCockpitScope = ({ caller, providers, logger }: StepScope): CloudCockpitScope => ({
  caller,
  cloudCockpit: providers.cloudCockpit,
  logger,
});

export const customerStep: StepKind<CreateCustomerInput & { id: string }> = {
  provider: 'CLOUDCOCKPIT',
  check(scope, input, _customer, at) {
    customerRequestOf(scope.caller, input, at);
  },
  async run(scope, input, _customer, at) {
    const customer = await createCustomer(cloudCockpitScope(scope), input, at);
    return succeeded(customer, { customerId: customer.id });
  },
  async reconcile(scope, input) {
    // The id is made before the first call, so the customer is found by it if CloudCockpit created it.
    const customer = await scope.providers.cloudCockpit.getCustomer(input.id);
    return customer ? succeeded(customer, { customerId: customer.id }) : null;
  },
};

export const providerInstanceStep: StepKind<ProviderInstanceStepInput> = {
  provider: 'CLOUDCOCKPIT',
  check(scope, { resellerId, ...input }, _customer, at) {
    actingResellerId(scope.caller, resellerId);
    toAddProviderInstanceRequest(input, at);
  },
  async run(scope, { resellerId, ...input }, customer, at) {
    const { id } = requireCustomer(customer);
    const instance = await addProviderInstance(cloudCockpitScope(scope), id, input, resellerId, at);
    return succeeded(instance, { customerId: id, providerInstanceId: wireGuid(input.providerInstanceId) });
  },
  async reconcile(scope, input, customer) {
    const { id } = requireCustomer(customer);
    const current = await scope.providers.cloudCockpit.getCustomer(id);
    const instance = providerCustomerOf(current, input.providerInstanceId);
    return instance
      ? succeeded(instance, { customerId: id, providerInstanceId: wireGuid(input.providerInstanceId) })
      : null;
  },
};
