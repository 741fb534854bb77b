import { actingResellerId, canSee, isReseller, type Caller } from '../../auth.js';
import { isUuid } from '../../uuid.js';
import { notFound, rethrowAtInput, UpstreamError, type InputPath } from '../../errors.js';
import type { AddProviderInstanceInput, CreateCustomerInput } from '../../generated/graphql.js';
import type { Logger } from '../../logger.js';
import type { CloudCockpitClient } from './client.js';
import {
  inputPathOfProperty,
  resellerIdsOf,
  toAddProviderInstanceRequest,
  toCustomerViewModel,
  wireGuid,
} from './mapping.js';
import type { CustomerViewModel, ProviderCustomer } from './wire.js';

/** What a CloudCockpit operation acts with: the caller, their client, and where to say what went wrong. */
export interface CloudCockpitScope {
  caller: Caller;
  cloudCockpit: CloudCockpitClient;
  logger: Logger;
}

/** The customer as createCustomer sends it; throws what it refuses to send. */
export function customerRequestOf(caller: Caller, input: CreateCustomerInput, at: InputPath): CustomerViewModel {
  return toCustomerViewModel(input, actingResellerId(caller, input.resellerId), at);
}

/** Creates the customer in CloudCockpit and returns it as CloudCockpit then holds it. */
export async function createCustomer(
  scope: CloudCockpitScope,
  input: CreateCustomerInput,
  at: InputPath,
): Promise<CustomerViewModel> {
  const body = customerRequestOf(scope.caller, input, at);
  const id = await scope.cloudCockpit
    .createCustomer(body)
    .catch(rethrowAtInput(at, (property) => inputPathOfProperty(property, input)));
  const created = { ...body, id };
  // CloudCockpit's record is what was sent and the id it answered, but for the statuses of provider instances
  // created with it: only then is it read back, keeping a read off the fan-out's critical path.
  if (Object.keys(body.providerCustomers).length === 0) return created;
  return (await readBack(scope, () => scope.cloudCockpit.getCustomer(id))) ?? created;
}

/**
 * A provider instance CloudCockpit accepted for a customer, as it was sent. CloudCockpit creates the customer at the
 * provider asynchronously and its 201 carries no status: `status` and the like are read from its record when asked.
 */
export interface AcceptedProviderInstance extends ProviderCustomer {
  acceptedForCustomer: string;
}

/** A `ProviderInstance`: one of a CloudCockpit customer's as read, or one just accepted. */
export type ProviderInstanceModel = ProviderCustomer | AcceptedProviderInstance;

export function isAccepted(instance: ProviderInstanceModel): instance is AcceptedProviderInstance {
  return 'acceptedForCustomer' in instance;
}

/** Adds the customer to a provider instance; answers with the instance as accepted, without reading it back. */
export async function addProviderInstance(
  scope: CloudCockpitScope,
  customerId: string,
  input: AddProviderInstanceInput,
  resellerId: string | null | undefined,
  at: InputPath,
): Promise<AcceptedProviderInstance> {
  const { caller, cloudCockpit } = scope;
  const actingFor = actingResellerId(caller, resellerId);
  const customerMissing = () => notFound(`There is no customer ${customerId}`);
  if (!isUuid(customerId)) throw customerMissing();
  if (isReseller(caller)) {
    // The service token sees the whole tenant, so a reseller's reach is checked here.
    const customer = await cloudCockpit.getCustomer(customerId);
    if (!customer || !canSee(caller, resellerIdsOf(customer))) throw customerMissing();
  }
  const body = toAddProviderInstanceRequest(input, at);
  await cloudCockpit
    // The document: resellerId "should not be passed if a reseller performs the request".
    .addProviderInstance(customerId, body, isReseller(caller) ? null : actingFor)
    .catch(rethrowAtInput(at, (property) => inputPathOfProperty(property, input)));
  return { ...body, acceptedForCustomer: wireGuid(customerId) };
}

/**
 * A read right after a create that succeeded is no part of it: when it fails (a 429, a 5xx) the step must not fail,
 * or a retry would send the create again. Null then, and the caller answers with what it sent.
 */
export async function readBack<T>(scope: { logger: Logger }, read: () => Promise<T | null>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    scope.logger.warn(
      { provider: 'CLOUDCOCKPIT', httpStatus: error.httpStatus },
      'read-back after a create failed: answering with what was sent',
    );
    return null;
  }
}
