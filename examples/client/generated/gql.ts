/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Customers($first: Int, $after: String, $search: String) {\n  customers(first: $first, after: $after, search: $search) {\n    source\n    totalCount\n    nodes {\n      id\n      companyName\n      country\n      email\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery Customer($id: ID!) {\n  customer(id: $id) {\n    id\n    companyName\n    country\n    source\n    providerInstances {\n      providerInstanceId\n      status\n    }\n    experiencePlatform {\n      pollRequired\n      storedRequest {\n        id\n        imsOrgId\n      }\n    }\n    net3 {\n      customer {\n        customerId\n        localId\n      }\n    }\n    wholesale {\n      id\n      status\n      orgId\n    }\n    entitlements {\n      provider\n      name\n    }\n    provisionings {\n      ...ProvisioningProgress\n    }\n  }\n}": typeof types.CustomersDocument,
    "fragment ProvisioningProgress on Provisioning {\n  id\n  status\n  customerId\n  updatedAt\n  steps {\n    name\n    provider\n    status\n    attempts\n    outcomeUnknown\n    wholesaleCustomer {\n      id\n      status\n    }\n    failure {\n      code\n      message\n      correlationId\n    }\n  }\n}": typeof types.ProvisioningProgressFragmentDoc,
    "mutation ProvisionCustomer($input: ProvisionCustomerInput!) {\n  provisionCustomer(input: $input) {\n    customer {\n      id\n      companyName\n    }\n    experiencePlatform {\n      __typename\n      ... on ExperiencePlatformProvisioning {\n        pollRequired\n      }\n    }\n    net3 {\n      __typename\n      ... on Net3Provisioning {\n        customer {\n          localId\n        }\n      }\n    }\n    wholesale {\n      __typename\n      ... on WholesaleCustomer {\n        id\n        status\n      }\n    }\n    failures {\n      provider\n      httpStatus\n      code\n      message\n      correlationId\n    }\n    provisioning {\n      ...ProvisioningProgress\n    }\n  }\n}\n\nmutation RetryProvisioning($id: ID!) {\n  retryProvisioning(id: $id) {\n    ...ProvisioningProgress\n  }\n}\n\nsubscription ProvisioningUpdated($id: ID!) {\n  provisioningUpdated(id: $id) {\n    ...ProvisioningProgress\n  }\n}\n\nsubscription CustomerProvisioningUpdated($customerId: ID!) {\n  customerProvisioningUpdated(customerId: $customerId) {\n    ...ProvisioningProgress\n  }\n}": typeof types.ProvisionCustomerDocument,
    "query WholesaleCustomerStatus($id: ID!) {\n  wholesaleCustomer(id: $id) {\n    id\n    externalId\n    status\n    orgId\n    packageDetails {\n      name\n      status\n      warnings {\n        description\n      }\n    }\n  }\n}": typeof types.WholesaleCustomerStatusDocument,
};
const documents: Documents = {
    "query Customers($first: Int, $after: String, $search: String) {\n  customers(first: $first, after: $after, search: $search) {\n    source\n    totalCount\n    nodes {\n      id\n      companyName\n      country\n      email\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery Customer($id: ID!) {\n  customer(id: $id) {\n    id\n    companyName\n    country\n    source\n    providerInstances {\n      providerInstanceId\n      status\n    }\n    experiencePlatform {\n      pollRequired\n      storedRequest {\n        id\n        imsOrgId\n      }\n    }\n    net3 {\n      customer {\n        customerId\n        localId\n      }\n    }\n    wholesale {\n      id\n      status\n      orgId\n    }\n    entitlements {\n      provider\n      name\n    }\n    provisionings {\n      ...ProvisioningProgress\n    }\n  }\n}": types.CustomersDocument,
    "fragment ProvisioningProgress on Provisioning {\n  id\n  status\n  customerId\n  updatedAt\n  steps {\n    name\n    provider\n    status\n    attempts\n    outcomeUnknown\n    wholesaleCustomer {\n      id\n      status\n    }\n    failure {\n      code\n      message\n      correlationId\n    }\n  }\n}": types.ProvisioningProgressFragmentDoc,
    "mutation ProvisionCustomer($input: ProvisionCustomerInput!) {\n  provisionCustomer(input: $input) {\n    customer {\n      id\n      companyName\n    }\n    experiencePlatform {\n      __typename\n      ... on ExperiencePlatformProvisioning {\n        pollRequired\n      }\n    }\n    net3 {\n      __typename\n      ... on Net3Provisioning {\n        customer {\n          localId\n        }\n      }\n    }\n    wholesale {\n      __typename\n      ... on WholesaleCustomer {\n        id\n        status\n      }\n    }\n    failures {\n      provider\n      httpStatus\n      code\n      message\n      correlationId\n    }\n    provisioning {\n      ...ProvisioningProgress\n    }\n  }\n}\n\nmutation RetryProvisioning($id: ID!) {\n  retryProvisioning(id: $id) {\n    ...ProvisioningProgress\n  }\n}\n\nsubscription ProvisioningUpdated($id: ID!) {\n  provisioningUpdated(id: $id) {\n    ...ProvisioningProgress\n  }\n}\n\nsubscription CustomerProvisioningUpdated($customerId: ID!) {\n  customerProvisioningUpdated(customerId: $customerId) {\n    ...ProvisioningProgress\n  }\n}": types.ProvisionCustomerDocument,
    "query WholesaleCustomerStatus($id: ID!) {\n  wholesaleCustomer(id: $id) {\n    id\n    externalId\n    status\n    orgId\n    packageDetails {\n      name\n      status\n      warnings {\n        description\n      }\n    }\n  }\n}": types.WholesaleCustomerStatusDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Customers($first: Int, $after: String, $search: String) {\n  customers(first: $first, after: $after, search: $search) {\n    source\n    totalCount\n    nodes {\n      id\n      companyName\n      country\n      email\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery Customer($id: ID!) {\n  customer(id: $id) {\n    id\n    companyName\n    country\n    source\n    providerInstances {\n      providerInstanceId\n      status\n    }\n    experiencePlatform {\n      pollRequired\n      storedRequest {\n        id\n        imsOrgId\n      }\n    }\n    net3 {\n      customer {\n        customerId\n        localId\n      }\n    }\n    wholesale {\n      id\n      status\n      orgId\n    }\n    entitlements {\n      provider\n      name\n    }\n    provisionings {\n      ...ProvisioningProgress\n    }\n  }\n}"): (typeof documents)["query Customers($first: Int, $after: String, $search: String) {\n  customers(first: $first, after: $after, search: $search) {\n    source\n    totalCount\n    nodes {\n      id\n      companyName\n      country\n      email\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery Customer($id: ID!) {\n  customer(id: $id) {\n    id\n    companyName\n    country\n    source\n    providerInstances {\n      providerInstanceId\n      status\n    }\n    experiencePlatform {\n      pollRequired\n      storedRequest {\n        id\n        imsOrgId\n      }\n    }\n    net3 {\n      customer {\n        customerId\n        localId\n      }\n    }\n    wholesale {\n      id\n      status\n      orgId\n    }\n    entitlements {\n      provider\n      name\n    }\n    provisionings {\n      ...ProvisioningProgress\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ProvisioningProgress on Provisioning {\n  id\n  status\n  customerId\n  updatedAt\n  steps {\n    name\n    provider\n    status\n    attempts\n    outcomeUnknown\n    wholesaleCustomer {\n      id\n      status\n    }\n    failure {\n      code\n      message\n      correlationId\n    }\n  }\n}"): (typeof documents)["fragment ProvisioningProgress on Provisioning {\n  id\n  status\n  customerId\n  updatedAt\n  steps {\n    name\n    provider\n    status\n    attempts\n    outcomeUnknown\n    wholesaleCustomer {\n      id\n      status\n    }\n    failure {\n      code\n      message\n      correlationId\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ProvisionCustomer($input: ProvisionCustomerInput!) {\n  provisionCustomer(input: $input) {\n    customer {\n      id\n      companyName\n    }\n    experiencePlatform {\n      __typename\n      ... on ExperiencePlatformProvisioning {\n        pollRequired\n      }\n    }\n    net3 {\n      __typename\n      ... on Net3Provisioning {\n        customer {\n          localId\n        }\n      }\n    }\n    wholesale {\n      __typename\n      ... on WholesaleCustomer {\n        id\n        status\n      }\n    }\n    failures {\n      provider\n      httpStatus\n      code\n      message\n      correlationId\n    }\n    provisioning {\n      ...ProvisioningProgress\n    }\n  }\n}\n\nmutation RetryProvisioning($id: ID!) {\n  retryProvisioning(id: $id) {\n    ...ProvisioningProgress\n  }\n}\n\nsubscription ProvisioningUpdated($id: ID!) {\n  provisioningUpdated(id: $id) {\n    ...ProvisioningProgress\n  }\n}\n\nsubscription CustomerProvisioningUpdated($customerId: ID!) {\n  customerProvisioningUpdated(customerId: $customerId) {\n    ...ProvisioningProgress\n  }\n}"): (typeof documents)["mutation ProvisionCustomer($input: ProvisionCustomerInput!) {\n  provisionCustomer(input: $input) {\n    customer {\n      id\n      companyName\n    }\n    experiencePlatform {\n      __typename\n      ... on ExperiencePlatformProvisioning {\n        pollRequired\n      }\n    }\n    net3 {\n      __typename\n      ... on Net3Provisioning {\n        customer {\n          localId\n        }\n      }\n    }\n    wholesale {\n      __typename\n      ... on WholesaleCustomer {\n        id\n        status\n      }\n    }\n    failures {\n      provider\n      httpStatus\n      code\n      message\n      correlationId\n    }\n    provisioning {\n      ...ProvisioningProgress\n    }\n  }\n}\n\nmutation RetryProvisioning($id: ID!) {\n  retryProvisioning(id: $id) {\n    ...ProvisioningProgress\n  }\n}\n\nsubscription ProvisioningUpdated($id: ID!) {\n  provisioningUpdated(id: $id) {\n    ...ProvisioningProgress\n  }\n}\n\nsubscription CustomerProvisioningUpdated($customerId: ID!) {\n  customerProvisioningUpdated(customerId: $customerId) {\n    ...ProvisioningProgress\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query WholesaleCustomerStatus($id: ID!) {\n  wholesaleCustomer(id: $id) {\n    id\n    externalId\n    status\n    orgId\n    packageDetails {\n      name\n      status\n      warnings {\n        description\n      }\n    }\n  }\n}"): (typeof documents)["query WholesaleCustomerStatus($id: ID!) {\n  wholesaleCustomer(id: $id) {\n    id\n    externalId\n    status\n    orgId\n    packageDetails {\n      name\n      status\n      warnings {\n        description\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;