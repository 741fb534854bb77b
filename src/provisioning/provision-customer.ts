import { GraphQLError } from 'graphql';
import type { RequestContext } from '../context.js';
import { ErrorCode, UpstreamError, type FieldError, type ProviderName } from '../errors.js';
import type { ProvisionCustomerInput } from '../generated/graphql.js';
import type { CustomerViewModel, ProviderCustomer } from '../providers/cloudcockpit/wire.js';
import { experiencePlatformInputFromCanonical, sectionPathOfProperty } from '../providers/experience-platform/mapping.js';
import type { ProvisioningResponse } from '../providers/experience-platform/wire.js';
import { net3InputFromCanonical, net3SectionPathOfProperty } from '../providers/net3/mapping.js';
import type { ProvisionCustomerModelResponse } from '../providers/net3/wire.js';
import { wholesaleInputFromCanonical } from '../providers/webex/mapping.js';
import type { WholesaleCustomer } from '../providers/webex/wire.js';
import { addCloudCockpitProviderInstance, createCloudCockpitCustomer } from '../resolvers/customers.js';
import { provisionExperiencePlatform } from '../resolvers/experience-platform.js';
import { provisionNet3Customer } from '../resolvers/net3.js';
import { provisionWholesaleCustomer } from '../resolvers/webex.js';

/** Why one provider's part failed, as the schema's `ProviderFailure` shows it. */
export interface ProviderFailureRecord {
  __typename: 'ProviderFailure';
  provider: ProviderName;
  httpStatus: number | null;
  code: string;
  message: string;
  correlationId: string;
  retryAfterSeconds: number | null;
  fieldErrors: { path: string[]; messages: string[] }[];
}

/** A provider's result, or why it failed. */
export type Outcome<T> = T | ProviderFailureRecord;

export interface ProvisionCustomerResult {
  customer: CustomerViewModel;
  providerInstances: Outcome<ProviderCustomer>[];
  experiencePlatform: Outcome<ProvisioningResponse> | null;
  net3: Outcome<ProvisionCustomerModelResponse> | null;
  wholesale: Outcome<WholesaleCustomer> | null;
}

export function isFailure(outcome: unknown): outcome is ProviderFailureRecord {
  return (outcome as ProviderFailureRecord | null)?.__typename === 'ProviderFailure';
}

/**
 * Onboards a customer everywhere its input names. CloudCockpit's customer comes first: the other providers
 * copy its names and address and key their records by its id. Then every other call starts at once; each
 * settles on its own, so one provider failing neither fails nor undoes the others.
 */
export async function provisionCustomer(context: RequestContext, input: ProvisionCustomerInput): Promise<ProvisionCustomerResult> {
  const customer = await createCloudCockpitCustomer(context, input.customer, ['input', 'customer']);
  const { experiencePlatform, net3, wholesale } = input;

  const [providerInstances, experiencePlatformOutcome, net3Outcome, wholesaleOutcome] = await Promise.all([
    Promise.all(
      (input.providerInstances ?? []).map((entry, index) =>
        settle(context, 'CLOUDCOCKPIT', () =>
          addCloudCockpitProviderInstance(context, customer.id, entry, input.customer.resellerId, ['input', 'providerInstances', index]),
        ),
      ),
    ),
    experiencePlatform
      ? settle(context, 'EXPERIENCE_PLATFORM', () =>
          provisionExperiencePlatform(
            context,
            experiencePlatformInputFromCanonical(customer, experiencePlatform),
            ['input', 'experiencePlatform'],
            { reprovision: experiencePlatform.reprovision, pathOfProperty: sectionPathOfProperty },
          ),
        )
      : null,
    net3
      ? settle(context, 'NET3', () =>
          provisionNet3Customer(context, net3InputFromCanonical(customer, net3), ['input', 'net3'], net3SectionPathOfProperty),
        )
      : null,
    wholesale
      ? settle(context, 'WEBEX_WHOLESALE', () =>
          provisionWholesaleCustomer(context, wholesaleInputFromCanonical(customer, wholesale), ['input', 'wholesale']),
        )
      : null,
  ]);

  return {
    customer,
    providerInstances,
    experiencePlatform: experiencePlatformOutcome,
    net3: net3Outcome,
    wholesale: wholesaleOutcome,
  };
}

/** Runs one provider's part; its failure becomes a {@link ProviderFailureRecord} instead of an error. */
async function settle<T>(context: RequestContext, provider: ProviderName, run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return await run();
  } catch (error) {
    const failure = failureOf(context, provider, error);
    context.logger.warn(
      { provider, code: failure.code, httpStatus: failure.httpStatus, ...(failure.code === ErrorCode.INTERNAL ? { err: error } : {}) },
      'provisioning step failed',
    );
    return failure;
  }
}

function failureOf(context: RequestContext, provider: ProviderName, error: unknown): ProviderFailureRecord {
  const common = { __typename: 'ProviderFailure' as const, provider, retryAfterSeconds: null };
  if (error instanceof UpstreamError) {
    return {
      ...common,
      httpStatus: error.failure.httpStatus,
      code: String(error.extensions.code),
      message: error.message,
      correlationId: error.failure.correlationId,
      retryAfterSeconds: error.failure.retryAfterSeconds ?? null,
      fieldErrors: fieldErrorsOf(error),
    };
  }
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string') {
    // Refused here before anything was sent (bad input, a role the caller lacks).
    return {
      ...common,
      httpStatus: null,
      code: error.extensions.code,
      message: error.message,
      correlationId: context.correlationId,
      fieldErrors: fieldErrorsOf(error),
    };
  }
  // A bug of ours: say so without its details, which go to the log.
  return {
    ...common,
    httpStatus: null,
    code: ErrorCode.INTERNAL,
    message: 'An unexpected error occurred',
    correlationId: context.correlationId,
    fieldErrors: [],
  };
}

function fieldErrorsOf(error: GraphQLError): ProviderFailureRecord['fieldErrors'] {
  const fieldErrors = (error.extensions.fieldErrors ?? []) as FieldError[];
  return fieldErrors.map(({ path, messages }) => ({ path: path.map(String), messages }));
}
