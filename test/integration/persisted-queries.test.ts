import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { print, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { createClient, type SubscribePayload } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomersDocument, ProvisioningUpdatedDocument } from '../../examples/client/generated/graphql.js';
import { PersistedQueryManifest, persistedQueryHash } from '../../src/persisted-queries.js';
import { customerInput } from '../support/fixtures.js';
import { postGraphQL, signToken, startTestStack, type GraphQLResponse, type TestStack } from '../support/stack.js';

/*
 * Issue 12: PERSISTED_QUERIES=enforce runs only the operations of the client preset's manifest, by hash (Apollo's
 * `extensions.persistedQuery`) or by text, and refuses any other before it runs, never registering it.
 */

const MANIFEST_PATH = new URL('../../examples/client/generated/persisted-documents.json', import.meta.url).pathname;
/** Ad hoc: in no manifest. */
const AD_HOC = 'query AdHoc { provisionings(first: 5) { totalCount } }';
const persisted = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });
/** The manifest's hash the client preset put in a generated document, bare as Apollo's extension takes it. */
const persistedHashOf = (document: DocumentNode) =>
  (document as DocumentNode & { __meta__: { hash: string } }).__meta__.hash.replace(/^sha256:/, '');

let manifest: PersistedQueryManifest;
/** The generated Customers document, as its manifest entry spells it (what a client sends by text). */
let customersText: string;
let customersHash: string;

beforeAll(async () => {
  manifest = await PersistedQueryManifest.load(MANIFEST_PATH);
  customersHash = persistedHashOf(CustomersDocument);
  customersText = manifest.documentOf(customersHash)!;
});

describe('the persisted-query manifest', () => {
  it('holds every generated operation, by the SHA-256 of its text, bare or prefixed', () => {
    expect(manifest.size).toBe(7);
    expect(persistedQueryHash(customersText)).toBe(customersHash);
    expect(manifest.documentOf(customersHash)).toBe(customersText);
    expect(manifest.documentOf(`sha256:${customersHash}`)).toBe(customersText);
  });

  it('names the document to run, by hash or text, for a transport that is not HTTP (graphql-ws)', () => {
    expect(manifest.documentFor({ query: customersText })).toBe(customersText);
    expect(manifest.documentFor({ sha256Hash: customersHash })).toBe(customersText);
    // By its hash, whatever text comes with it (Apollo Client prints its own): the manifest's text is what runs.
    expect(manifest.documentFor({ query: print(CustomersDocument), sha256Hash: customersHash })).toBe(customersText);
    expect(manifest.isAllowedDocument({ query: customersText })).toBe(true);
    // The same operation printed otherwise, alone, is another document.
    expect(manifest.isAllowedDocument({ query: print(CustomersDocument) })).toBe(false);
    expect(manifest.isAllowedDocument({ query: AD_HOC })).toBe(false);
    expect(manifest.isAllowedDocument({ query: customersText, sha256Hash: persistedQueryHash(AD_HOC) })).toBe(false);
    expect(manifest.isAllowedDocument({})).toBe(false);
  });

  it('is refused at start-up when an id is not the hash of its document', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'manifest-'));
    try {
      const forged = join(directory, 'forged.json');
      await writeFile(forged, JSON.stringify({ [`sha256:${customersHash}`]: AD_HOC }));
      await expect(PersistedQueryManifest.load(forged)).rejects.toThrow(/is not the SHA-256 of its document/);
      const list = join(directory, 'list.json');
      await writeFile(list, JSON.stringify([customersText]));
      await expect(PersistedQueryManifest.load(list)).rejects.toThrow(/not a persisted-document manifest/);
    } finally {
      await rm(directory, { recursive: true });
    }
  });
});

describe('PERSISTED_QUERIES=enforce', () => {
  let stack: TestStack;
  let token: string;
  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postGraphQL(stack.server.url, body, { token, headers });
  const upstreamCalls = () => Object.values(stack.emulators).reduce((sum, emulator) => sum + emulator.calls.length, 0);

  beforeAll(async () => {
    stack = await startTestStack({ persistedQueries: manifest });
    token = await signToken();
  });
  afterAll(() => stack?.close());

  it('runs a manifest operation by its hash alone, by its text, and by both', async () => {
    const variables = { first: 5 };
    const byHash = await post({ extensions: persisted(customersHash), variables });
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data).toMatchObject({ customers: { __typename: 'CustomerConnection', source: 'CLOUDCOCKPIT' } });

    const byText = await post({ query: customersText, variables });
    expect(byText.errors).toBeUndefined();
    expect(byText.data).toEqual(byHash.data);

    const byBoth = await post({ query: customersText, extensions: persisted(customersHash), variables });
    expect(byBoth.errors).toBeUndefined();
    expect(byBoth.data).toEqual(byHash.data);
  });

  it('refuses any other operation with PERSISTED_QUERY_NOT_ALLOWED before it runs', async () => {
    const callsBefore = upstreamCalls();
    const adHoc = await post({ query: 'query { customers(first: 5) { totalCount } }' });
    expect(adHoc.status).toBe(400);
    expect(adHoc.data).toBeUndefined();
    expect(adHoc.errors?.map((e) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    // A refused request is still answered as every other: with its correlation id.
    expect(adHoc.extensions?.correlationId).toBe(adHoc.headers.get('x-correlation-id'));
    // The manifest's operation printed otherwise (as Apollo Client's HttpLink would) is not the manifest's text.
    const reprinted = await post({ query: print(CustomersDocument), variables: { first: 5 } });
    expect(reprinted.errors?.map((e) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(upstreamCalls()).toBe(callsBefore);
  });

  it('refuses an ad-hoc mutation before anything is recorded, even with an Idempotency-Key', async () => {
    const operations = () => stack.ledger.database.query('SELECT 1 FROM provisioning_operations');
    const before = (await operations()).length;
    const callsBefore = upstreamCalls();
    const refused = await post(
      {
        query: 'mutation($input: ProvisionCustomerInput!) { provisionCustomer(input: $input) { customer { id } } }',
        variables: { input: { customer: customerInput() } },
      },
      { 'idempotency-key': 'adhoc-provision-1' },
    );
    expect(refused.errors?.map((e) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect((await operations()).length).toBe(before);
    expect(upstreamCalls()).toBe(callsBefore);
  });

  it('serves over graphql-ws only the manifest subscriptions, by hash or text', async () => {
    const subscriptionHash = persistedHashOf(ProvisioningUpdatedDocument);
    const subscriptionText = manifest.documentOf(subscriptionHash)!;
    const ws = createClient({
      url: stack.server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    /** The first answer to a subscription: its first event, or its error. */
    const firstAnswer = (payload: SubscribePayload) =>
      new Promise<unknown>((resolve) => {
        const stop = ws.subscribe(payload, {
          next: (result) => {
            stop();
            resolve(result);
          },
          error: resolve,
          complete: () => resolve('complete'),
        });
      });
    try {
      const variables = { id: randomUUID() };
      // Ad hoc: refused as over HTTP. A manifest subscription runs: here NOT_FOUND, for no such provisioning.
      const adHoc = `subscription { provisioningUpdated(id: "${variables.id}") { id status } }`;
      const codesOf = (answer: unknown) => (answer as GraphQLFormattedError[]).map((e) => e.extensions?.code);
      expect(codesOf(await firstAnswer({ query: adHoc }))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
      const byText = await firstAnswer({ query: subscriptionText, variables });
      const byHash = await firstAnswer({ query: '', variables, extensions: persisted(subscriptionHash) });
      for (const answer of [byText, byHash]) {
        expect((answer as GraphQLResponse).errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
      }
    } finally {
      await ws.dispose();
    }
  });

  it('registers no new hash: an APQ registration is refused, and its hash stays unknown', async () => {
    const registration = await post({ query: AD_HOC, extensions: persisted(persistedQueryHash(AD_HOC)) });
    expect(registration.errors?.map((e) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    const byHash = await post({ extensions: persisted(persistedQueryHash(AD_HOC)) });
    expect(byHash.errors?.map((e) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });
});

describe('without PERSISTED_QUERIES', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack();
    token = await signToken();
  });
  afterAll(() => stack?.close());

  it('runs any operation, and registers automatic persisted queries as before', async () => {
    const post = (body: Record<string, unknown>) => postGraphQL(stack.server.url, body, { token });
    const adHoc = await post({ query: AD_HOC });
    expect(adHoc.errors).toBeUndefined();
    expect(adHoc.data).toEqual({ provisionings: { totalCount: 0 } });

    const hash = persistedQueryHash(AD_HOC);
    expect((await post({ extensions: persisted(hash) })).errors?.[0]?.extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    expect((await post({ query: AD_HOC, extensions: persisted(hash) })).errors).toBeUndefined();
    expect((await post({ extensions: persisted(hash) })).data).toEqual(adHoc.data);
  });
});
