import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type DocumentNode } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client } from 'graphql-ws';
import { filter, firstValueFrom, map, takeWhile, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CustomerDocument,
  ProvisionCustomerDocument,
  ProvisioningUpdatedDocument,
  type ProvisionCustomerInput,
  type ProvisioningProgressFragment,
} from '../../examples/client/generated/graphql.js';
import { PersistedQueryManifest } from '../../src/persisted-queries.js';
import { eventually } from '../support/eventually.js';
import { signToken, startTestStack, type TestStack } from '../support/stack.js';

/*
 * Issue 12, "For the teams that use it": what a frontend does, with Apollo Client 4 (core, no React) and the typed
 * documents of examples/client/generated/, against a real stack that enforces their persisted-query manifest.
 */

const MANIFEST_PATH = new URL('../../examples/client/generated/persisted-documents.json', import.meta.url).pathname;
/** How long the Webex emulator keeps a customer `provisioning`: long enough to be seen, short for a test. */
const WEBEX_PROVISIONING_MS = 1_500;

/** The client preset puts the manifest's id in each document's `__meta__`; Apollo's extension takes its bare hex. */
function persistedHashOf(document: DocumentNode): string {
  const { hash } = (document as DocumentNode & { __meta__: { hash: string } }).__meta__;
  return hash.replace(/^sha256:/, '');
}

/** A provisionCustomer input with a Webex Wholesale section only, typed as a frontend writes it. */
function webexOnboardingInput(): ProvisionCustomerInput {
  return {
    customer: {
      companyName: 'Contoso Pizza',
      country: 'PT',
      addressLine1: 'Rua Augusta 100',
      city: 'Lisboa',
      state: 'Lisboa',
      zip: '1100-053',
      firstName: 'Ana',
      lastName: 'Silva',
      email: 'ana.silva@contoso.example',
      phone: '+351911111111',
    },
    wholesale: {
      provisioningId: 'ZjViMzYxODctYzhkZC00NzI3LThiMmYtZjljNDQ3ZjI5MDQ2',
      packages: ['WEBEX_MEETINGS'],
      provisioningParameters: { meetings: { timezone: 'Europe/Lisbon' } },
    },
  };
}

const wholesaleStepOf = (provisioning: ProvisioningProgressFragment) =>
  provisioning.steps.find((step) => step.name === 'wholesale');

describe('a frontend on Apollo Client, over the typed documents and their persisted queries', () => {
  let stack: TestStack;
  let client: ApolloClient;
  let wsClient: Client | null = null;

  beforeAll(async () => {
    stack = await startTestStack({
      persistedQueries: await PersistedQueryManifest.load(MANIFEST_PATH),
      webexProvisioningDelayMs: WEBEX_PROVISIONING_MS,
      worker: { intervalMs: 50 },
    });
    const token = await signToken();
    const http = new HttpLink({ uri: stack.server.url, headers: { authorization: `Bearer ${token}` } });
    // Subscriptions over graphql-ws on the same path, with the same JWT on connection_init; the rest over HTTP.
    wsClient = createClient({
      url: stack.server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: true,
    });
    const isSubscription = ({ query }: ApolloLink.Operation) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    };
    client = new ApolloClient({
      cache: new InMemoryCache(),
      // Each document goes by its manifest hash alone: the server enforces the manifest, and a query costs no text.
      link: ApolloLink.from([
        new PersistedQueryLink({ generateHash: persistedHashOf }),
        ApolloLink.split(isSubscription, new GraphQLWsLink(wsClient), http),
      ]),
    });
  });
  afterAll(async () => {
    client?.stop();
    await wsClient?.dispose();
    await stack?.close();
  });

  async function provisionWithWebex() {
    const { data } = await client.mutate({
      mutation: ProvisionCustomerDocument,
      variables: { input: webexOnboardingInput() },
    });
    expect(data!.provisionCustomer.failures).toEqual([]);
    return data!.provisionCustomer;
  }

  const readCustomer = async (id: string) =>
    (await client.query({ query: CustomerDocument, variables: { id }, fetchPolicy: 'network-only' })).data!.customer!;

  it('provisions a customer with a Webex section, and reads it back until Webex has provisioned it', async () => {
    const provisioned = await provisionWithWebex();
    const customerId = provisioned.customer.id;
    expect(provisioned.wholesale).toMatchObject({ __typename: 'WholesaleCustomer', status: 'PROVISIONING' });
    expect(wholesaleStepOf(provisioned.provisioning)?.status).toBe('IN_PROGRESS');
    expect(provisioned.provisioning).toMatchObject({ customerId, status: 'WAITING' });

    const first = await readCustomer(customerId);
    expect(first).toMatchObject({ id: customerId, companyName: provisioned.customer.companyName });
    expect(first.provisionings.map((p) => p.id)).toEqual([provisioned.provisioning.id]);
    expect(first.wholesale).toMatchObject({ id: (provisioned.wholesale as { id: string }).id });

    // While Webex works, the customer's Webex status is read live; the background worker follows Webex until its step
    // succeeds. The same read, later, shows both done without anyone provisioning again.
    const done = await eventually(
      () => readCustomer(customerId),
      (customer) => customer.wholesale?.status === 'PROVISIONED' && customer.provisionings[0]?.status === 'SUCCEEDED',
    );
    expect(done.wholesale?.status).toBe('PROVISIONED');
    expect(done.provisionings[0]).toMatchObject({ status: 'SUCCEEDED' });
    expect(wholesaleStepOf(done.provisionings[0]!)?.status).toBe('SUCCEEDED');
    expect(done.entitlements).toContainEqual({
      __typename: 'WholesalePackage',
      provider: 'WEBEX_WHOLESALE',
      name: 'webex_meetings',
    });
    // The typed result is the cache's too: what a screen would re-render from.
    const cached = client.readQuery({ query: CustomerDocument, variables: { id: customerId } });
    expect(cached?.customer?.wholesale?.status).toBe('PROVISIONED');
  });

  it('subscribes to the provisioning and sees the Webex step go from PROVISIONING to PROVISIONED', async () => {
    const provisioned = await provisionWithWebex();
    // Under enforcement the subscription too goes by its manifest hash: GraphQLWsLink sends the PersistedQueryLink's
    // extension with Apollo Client's own printing of the document, and the server runs the manifest's.
    const updates = client
      .subscribe({ query: ProvisioningUpdatedDocument, variables: { id: provisioned.provisioning.id } })
      .pipe(
        map(({ data, error }) => {
          if (error) throw error;
          return data!.provisioningUpdated;
        }),
        // Its current state first, then each change, until the provisioning is final.
        takeWhile((provisioning) => provisioning.status === 'RUNNING' || provisioning.status === 'WAITING', true),
        map((provisioning) => wholesaleStepOf(provisioning)?.wholesaleCustomer?.status),
        filter((status) => status !== undefined),
        toArray(),
      );
    const statuses = await firstValueFrom(updates);
    expect(statuses[0]).toBe('PROVISIONING');
    expect(statuses.at(-1)).toBe('PROVISIONED');
    expect(new Set(statuses)).toEqual(new Set(['PROVISIONING', 'PROVISIONED']));
    const customer = await readCustomer(provisioned.customer.id);
    expect(customer.wholesale?.status).toBe('PROVISIONED');
  });
});
