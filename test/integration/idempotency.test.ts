import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/auth.js';
import { requestFingerprint } from '../../src/idempotency.js';
import { AnswerEncryption, DEVELOPMENT_KEY_FILE } from '../../src/ledger/answer-encryption.js';
import type { Database } from '../../src/ledger/database.js';
import { IdempotencyStore } from '../../src/ledger/idempotency-store.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { migrate } from '../../src/ledger/migrations.js';
import { RequestBarrier, startBarrierProxy } from '../support/barrier-proxy.js';
import type { ForwardingProxy } from '../support/proxy.js';
import { pgliteBackend, testBackends, type TestBackend, type TestDatabase } from '../support/databases.js';
import { customerInput, provisionEverywhereInput } from '../support/fixtures.js';
import { startServerProcess } from '../support/server-process.js';
import {
  graphql,
  signToken,
  startTestStack,
  TEST_ANSWER_KEY,
  TEST_JWT_SECRET,
  type GraphQLResponse,
  type TestStack,
} from '../support/stack.js';

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id companyName }
    providerInstances { __typename ... on ProviderInstance { providerInstanceId status } ... on ProviderFailure { code } }
    experiencePlatform { __typename ... on ExperiencePlatformProvisioning { storedRequest { id } } ... on ProviderFailure { code } }
    net3 { __typename ... on Net3Provisioning { customer { customerId } } ... on ProviderFailure { code } }
    wholesale { __typename ... on WholesaleCustomer { id externalId status } ... on ProviderFailure { code } }
    failures { provider code }
  }
}`;

type Payload = {
  provisionCustomer: { customer: { id: string }; providerInstances: { status?: string }[]; failures: unknown[] };
};

/** As the test stacks seal their stored answers. */
const TEST_ENCRYPTION = new AnswerEncryption([TEST_ANSWER_KEY]);

const CSP: Caller = { subject: 'user-1', tenant: 'contoso.example', roles: ['csp'], resellerId: null };

/** Only the CloudCockpit customer: the lightest provisioning. */
function customerOnly(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { customer: customerInput(overrides) };
}

/** The same object with its keys written in reverse order, at every depth. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([name, item]) => [name, reversedKeys(item)]),
    );
  }
  return value;
}

/** How many creating calls (POST) each provider has received: what "provisioned" means upstream. */
function provisioningCalls(stack: TestStack) {
  const posts = (name: keyof TestStack['emulators']) =>
    stack.emulators[name].calls.filter((call) => call.method === 'POST').length;
  return {
    cloudCockpit: posts('cloudCockpit'),
    experiencePlatform: posts('experiencePlatform'),
    net3: posts('net3'),
    webex: posts('webex'),
  };
}

const newKey = () => `key-${randomUUID()}`;

function withKey(key: string, token: string) {
  return { token, headers: { 'Idempotency-Key': key } };
}

/** Waits, within a bound, until `probe` finds what it looks for. */
async function eventually<T>(probe: () => Promise<T | null | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found) return found;
    if (Date.now() > deadline) throw new Error('the expected state was not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function storedKeys(database: Database, key: string): Promise<number> {
  const [row] = await database.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM idempotency_keys WHERE key = $1',
    [key],
  );
  return row?.count ?? 0;
}

/** A ledger of its own on `backend`, for a stack to keep its keys and provisionings in. */
async function ledgerOn(backend: TestBackend): Promise<{ ledger: Ledger; target: TestDatabase }> {
  const target = await backend.create();
  await migrate(target.database);
  return { ledger: new Ledger(target.database, { owner: `idempotency-test-${randomUUID().slice(0, 8)}` }), target };
}

function errorOf(response: GraphQLResponse<unknown>) {
  expect(response.errors).toHaveLength(1);
  return response.errors![0]!;
}

describe('Idempotency-Key on mutations', () => {
  let stack: TestStack;
  let csp: string;

  beforeAll(async () => {
    stack = await startTestStack();
    csp = await signToken();
  });
  afterAll(() => stack.close());

  it('replays the stored response of a repeat, each provider having been reached once', async () => {
    const key = newKey();
    const input = provisionEverywhereInput();
    const before = provisioningCalls(stack);

    const first = await graphql<Payload>(stack.server.url, PROVISION, { input }, withKey(key, csp));
    expect(first.status).toBe(200);
    expect(first.data!.provisionCustomer.failures).toEqual([]);
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    // Read from CloudCockpit's record after the provisioning, since it is selected: the replay must answer it too.
    expect(first.data!.provisionCustomer.providerInstances).toEqual([expect.objectContaining({ status: 'SUCCESS' })]);
    const afterFirst = provisioningCalls(stack);
    // The customer and its provider instance at CloudCockpit, then one call at each other provider.
    expect(afterFirst).toEqual({
      cloudCockpit: before.cloudCockpit + 2,
      experiencePlatform: before.experiencePlatform + 1,
      net3: before.net3 + 1,
      webex: before.webex + 1,
    });

    // The same request, its variables written in another key order.
    const repeat = await graphql<Payload>(
      stack.server.url,
      PROVISION,
      { input: reversedKeys(input) },
      withKey(key, csp),
    );
    expect(repeat.status).toBe(200);
    expect(repeat.headers.get('Idempotent-Replayed')).toBe('true');
    expect(repeat.data).toEqual(first.data);
    expect(repeat.errors).toBeUndefined();
    expect(provisioningCalls(stack)).toEqual(afterFirst);

    const customerId = first.data!.provisionCustomer.customer.id;
    expect(await stack.ledger.operationsOfCustomers(CSP.tenant, [customerId])).toHaveLength(1);
  });

  it('refuses the same key with a different request: IDEMPOTENCY_KEY_REUSED, HTTP 422', async () => {
    const key = newKey();
    await graphql<Payload>(stack.server.url, PROVISION, { input: customerOnly() }, withKey(key, csp));
    const before = provisioningCalls(stack);

    const other = await graphql(
      stack.server.url,
      PROVISION,
      { input: customerOnly({ companyName: 'Fabrikam' }) },
      withKey(key, csp),
    );
    expect(other.status).toBe(422);
    expect(errorOf(other).extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(other.data).toBeUndefined();
    expect(provisioningCalls(stack)).toEqual(before);
  });

  it('stores a failed mutation too, so that its retry gets the same answer', async () => {
    const key = newKey();
    const input = customerOnly({ zip: '1'.repeat(31) });
    const first = await graphql(stack.server.url, PROVISION, { input }, withKey(key, csp));
    expect(first.data).toBeNull();
    expect(errorOf(first).extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'CLOUDCOCKPIT' });
    const before = provisioningCalls(stack);

    const repeat = await graphql(stack.server.url, PROVISION, { input }, withKey(key, csp));
    expect(repeat.status).toBe(first.status);
    expect(repeat.headers.get('Idempotent-Replayed')).toBe('true');
    expect(repeat.data).toBeNull();
    expect(repeat.errors).toEqual(first.errors);
    expect(provisioningCalls(stack)).toEqual(before);
  });

  it('keeps keys per tenant: the same key in another tenant runs anew', async () => {
    const key = newKey();
    const input = customerOnly();
    const mine = await graphql<Payload>(stack.server.url, PROVISION, { input }, withKey(key, csp));
    const before = provisioningCalls(stack);

    const otherTenant = await signToken({ tenant: 'fabrikam.example' });
    const theirs = await graphql<Payload>(stack.server.url, PROVISION, { input }, withKey(key, otherTenant));
    expect(theirs.status).toBe(200);
    expect(theirs.headers.get('Idempotent-Replayed')).toBeNull();
    expect(theirs.data!.provisionCustomer.customer.id).not.toBe(mine.data!.provisionCustomer.customer.id);
    expect(provisioningCalls(stack).cloudCockpit).toBe(before.cloudCockpit + 1);
  });

  it('never replays one caller’s answer to another caller of the tenant', async () => {
    const key = newKey();
    const input = customerOnly();
    await graphql(stack.server.url, PROVISION, { input }, withKey(key, csp));

    const colleague = await signToken({ sub: 'user-2' });
    const response = await graphql(stack.server.url, PROVISION, { input }, withKey(key, colleague));
    expect(response.status).toBe(422);
    expect(errorOf(response).extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('takes the IETF draft’s quoted key as the same key as the bare one', async () => {
    const input = customerOnly();
    const first = await graphql<Payload>(stack.server.url, PROVISION, { input }, withKey('"order \\"42\\""', csp));
    const repeat = await graphql<Payload>(stack.server.url, PROVISION, { input }, withKey('order "42"', csp));
    expect(repeat.headers.get('Idempotent-Replayed')).toBe('true');
    expect(repeat.data).toEqual(first.data);
  });

  it('runs every request without a key, as before', async () => {
    const input = customerOnly();
    const before = provisioningCalls(stack);
    const first = await graphql<Payload>(stack.server.url, PROVISION, { input }, { token: csp });
    const second = await graphql<Payload>(stack.server.url, PROVISION, { input }, { token: csp });
    expect(second.headers.get('Idempotent-Replayed')).toBeNull();
    expect(second.data!.provisionCustomer.customer.id).not.toBe(first.data!.provisionCustomer.customer.id);
    expect(provisioningCalls(stack).cloudCockpit).toBe(before.cloudCockpit + 2);
  });

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['not printable ASCII', 'tab\there'],
  ])('refuses a key that is %s on a mutation: BAD_REQUEST, HTTP 400', async (_, key) => {
    const before = provisioningCalls(stack);
    const response = await graphql(stack.server.url, PROVISION, { input: customerOnly() }, withKey(key, csp));
    expect(response.status).toBe(400);
    expect(errorOf(response).extensions).toMatchObject({ code: 'BAD_REQUEST' });
    expect(provisioningCalls(stack)).toEqual(before);
  });

  it('accepts a key of exactly 255 printable characters', async () => {
    const key = `${'~ '.repeat(127)}!`;
    expect(key).toHaveLength(255);
    const response = await graphql<Payload>(stack.server.url, PROVISION, { input: customerOnly() }, withKey(key, csp));
    expect(response.status).toBe(200);
    expect(await storedKeys(stack.ledger.database, key)).toBe(1);
  });

  it('ignores the header on queries, even a malformed one', async () => {
    const key = 'k'.repeat(300);
    const query = 'query { customers(first: 1) { totalCount } }';
    const response = await graphql(stack.server.url, query, {}, withKey(key, csp));
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(await storedKeys(stack.ledger.database, key)).toBe(0);
  });

  it('does not record a request refused before it ran: unauthenticated, or with invalid variables', async () => {
    const key = newKey();
    const anonymous = await graphql(
      stack.server.url,
      PROVISION,
      { input: customerOnly() },
      { headers: { 'Idempotency-Key': key } },
    );
    expect(errorOf(anonymous).extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await storedKeys(stack.ledger.database, key)).toBe(0);

    const invalid = await graphql(
      stack.server.url,
      PROVISION,
      { input: { customer: { companyName: 'No country' } } },
      withKey(key, csp),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.data).toBeUndefined();
    expect(await storedKeys(stack.ledger.database, key)).toBe(0);

    // The key is unused: a different, valid request with it runs.
    const valid = await graphql<Payload>(stack.server.url, PROVISION, { input: customerOnly() }, withKey(key, csp));
    expect(valid.status).toBe(200);
    expect(valid.data!.provisionCustomer.customer.id).toEqual(expect.any(String));
    expect(valid.headers.get('Idempotent-Replayed')).toBeNull();
  });

  it('does not store a retryProvisioning refused only because its provisioning is still running', async () => {
    const id = randomUUID();
    await stack.ledger.beginOperation(
      {
        id,
        tenant: CSP.tenant,
        caller: CSP,
        kind: 'provisionCustomer',
        customerId: randomUUID(),
        request: {},
        correlationId: randomUUID(),
      },
      [{ step: 'customer', provider: 'CLOUDCOCKPIT', position: 0, input: {} }],
    );
    const key = newKey();
    const retry = 'mutation($id: ID!) { retryProvisioning(id: $id) { id } }';
    const first = await graphql(stack.server.url, retry, { id }, withKey(key, csp));
    expect(errorOf(first).extensions).toMatchObject({ code: 'IN_PROGRESS' });
    // Stored, it would answer IN_PROGRESS for 24 hours, long after the step has finished.
    expect(await storedKeys(stack.ledger.database, key)).toBe(0);

    const repeat = await graphql(stack.server.url, retry, { id }, withKey(key, csp));
    expect(repeat.headers.get('Idempotent-Replayed')).toBeNull();
    expect(errorOf(repeat).extensions).toMatchObject({ code: 'IN_PROGRESS' });
  });
});

describe.each(testBackends)('Idempotency-Key while the first request is still running, on $name', (backend) => {
  let stack: TestStack;
  let target: TestDatabase;
  let proxy: ForwardingProxy;
  // CloudCockpit's proxy holds the first request's call until the test arrives as the second party.
  const cloudCockpitHeld = new RequestBarrier(2, 4_000);

  beforeAll(async () => {
    let ledger: Ledger;
    ({ ledger, target } = await ledgerOn(backend));
    stack = await startTestStack({
      ledger,
      urls: async ({ cloudCockpit }) => {
        proxy = await startBarrierProxy(cloudCockpit.url, cloudCockpitHeld);
        return { cloudCockpit: proxy.url };
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await proxy.close();
    await target.drop();
  });

  it('refuses a concurrent repeat with IDEMPOTENCY_KEY_IN_USE, HTTP 409, and provisions once', async () => {
    const token = await signToken();
    const key = newKey();
    const input = customerOnly();
    const store = new IdempotencyStore(stack.ledger.database, TEST_ENCRYPTION);

    const first = graphql<Payload>(stack.server.url, PROVISION, { input }, withKey(key, token));
    await eventually(async () => (await store.find(CSP.tenant, key))?.state === 'IN_PROGRESS');

    const concurrent = await graphql(stack.server.url, PROVISION, { input }, withKey(key, token));
    expect(concurrent.status).toBe(409);
    expect(errorOf(concurrent).extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });

    void cloudCockpitHeld.arrive();
    const answered = await first;
    expect(answered.status).toBe(200);
    expect(cloudCockpitHeld.filled).toBe(true);

    const later = await graphql<Payload>(stack.server.url, PROVISION, { input }, withKey(key, token));
    expect(later.headers.get('Idempotent-Replayed')).toBe('true');
    expect(later.data).toEqual(answered.data);
    expect(stack.emulators.cloudCockpit.calls.filter((call) => call.method === 'POST')).toHaveLength(1);
  });
});

describe('Idempotency-Key after its time', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // Keys expire at once, and expired keys are cleaned up after every request.
    stack = await startTestStack({ idempotency: { ttlMs: 0, cleanupIntervalMs: 0 } });
  });
  afterAll(() => stack.close());

  it('treats an expired key as never seen, and cleans it up', async () => {
    const token = await signToken();
    const key = newKey();
    const input = customerOnly();
    const first = await graphql<Payload>(stack.server.url, PROVISION, { input }, withKey(key, token));
    const repeat = await graphql<Payload>(stack.server.url, PROVISION, { input }, withKey(key, token));
    expect(repeat.status).toBe(200);
    expect(repeat.headers.get('Idempotent-Replayed')).toBeNull();
    expect(repeat.data!.provisionCustomer.customer.id).not.toBe(first.data!.provisionCustomer.customer.id);
    expect(await storedKeys(stack.ledger.database, key)).toBe(0);
  });
});

describe.each(testBackends)('Idempotency-Key held by a process that died, on $name', (backend) => {
  let stack: TestStack;
  let target: TestDatabase;
  let store: IdempotencyStore;

  beforeAll(async () => {
    let ledger: Ledger;
    ({ ledger, target } = await ledgerOn(backend));
    // Every IN_PROGRESS claim counts as abandoned at once, as one would once the ledger's lease has run out.
    stack = await startTestStack({ ledger, idempotency: { abandonedAfterMs: 0 } });
    store = new IdempotencyStore(stack.ledger.database, TEST_ENCRYPTION);
  });
  afterAll(async () => {
    await stack.close();
    await target.drop();
  });

  it('runs the request again when the dead one began nothing in the ledger, then replays that answer', async () => {
    const token = await signToken();
    const key = newKey();
    const input = customerOnly();
    // What a process killed before its first ledger write leaves behind: a claim, nothing else.
    const claim = await store.claim(
      CSP.tenant,
      key,
      requestFingerprint({ query: PROVISION, variables: { input } }, CSP),
      randomUUID(),
    );
    expect(claim.claimed).toBe(true);
    const before = provisioningCalls(stack);

    const retry = await graphql<Payload>(stack.server.url, PROVISION, { input }, withKey(key, token));
    expect(retry.status).toBe(200);
    expect(retry.headers.get('Idempotent-Replayed')).toBeNull();
    expect(provisioningCalls(stack).cloudCockpit).toBe(before.cloudCockpit + 1);

    const again = await graphql<Payload>(stack.server.url, PROVISION, { input }, withKey(key, token));
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.data).toEqual(retry.data);
  });

  it('leaves a provisioning the dead request began to the ledger, answering IDEMPOTENCY_KEY_IN_USE with its id', async () => {
    const token = await signToken();
    const key = newKey();
    const input = customerOnly();
    const correlationId = randomUUID();
    // What a process killed mid-provisioning leaves behind: its claim, and its operation written ahead.
    await store.claim(
      CSP.tenant,
      key,
      requestFingerprint({ query: PROVISION, variables: { input } }, CSP),
      correlationId,
    );
    const operationId = randomUUID();
    await stack.ledger.beginOperation(
      {
        id: operationId,
        tenant: CSP.tenant,
        caller: CSP,
        kind: 'provisionCustomer',
        customerId: randomUUID(),
        request: input,
        correlationId,
      },
      [{ step: 'customer', provider: 'CLOUDCOCKPIT', position: 0, input: input.customer }],
    );
    const before = provisioningCalls(stack);

    const retry = await graphql(stack.server.url, PROVISION, { input }, withKey(key, token));
    expect(retry.status).toBe(409);
    expect(errorOf(retry).extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE', provisioningIds: [operationId] });
    expect(provisioningCalls(stack)).toEqual(before);
  });
});

const PROVISION_ADOBE = `mutation ProvisionAdobe($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id companyName }
    experiencePlatform {
      __typename
      ... on ExperiencePlatformProvisioning { storedRequest { id } connectionString }
      ... on ProviderFailure { code }
    }
    failures { provider code }
  }
}`;

type AdobePayload = {
  provisionCustomer: {
    customer: { id: string; companyName: string };
    experiencePlatform: { connectionString?: string };
    failures: unknown[];
  };
};

/** A customer and its Adobe Experience Platform provisioning, whose answer carries a connection string. */
function withAdobe(): Record<string, unknown> {
  return { customer: customerInput(), experiencePlatform: provisionEverywhereInput().experiencePlatform };
}

/** The key's whole row, every column as the database holds it, as text. */
async function storedRow(database: Database, key: string): Promise<{ text: string; response: unknown }> {
  const [row] = await database.query<{ text: string; response: unknown }>(
    'SELECT row_to_json(k)::text AS text, k.response FROM idempotency_keys k WHERE key = $1',
    [key],
  );
  if (!row) throw new Error(`no row for ${key}`);
  return row;
}

/** The envelope's string with the first character of its ciphertext changed. */
function tampered(envelope: string): string {
  const parts = envelope.split(':');
  const ciphertext = Buffer.from(parts[4]!, 'base64url');
  ciphertext[0] = ciphertext[0]! ^ 0x01;
  parts[4] = ciphertext.toString('base64url');
  return parts.join(':');
}

describe('Idempotency-Key answers, encrypted at rest', () => {
  let stack: TestStack;
  let csp: string;
  let target: TestDatabase;
  let logs = '';

  beforeAll(async () => {
    let ledger: Ledger;
    // A ledger of the test's own, so that stacks with other keys can be started on it.
    ({ ledger, target } = await ledgerOn(pgliteBackend));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    stack = await startTestStack({ ledger, logs: sink });
    csp = await signToken();
  });
  afterAll(async () => {
    await stack.close();
    await target.drop();
  });

  /** Provisions with Adobe under a new key: the request, its first answer and the connection string in it. */
  async function provisionWithAdobe() {
    const key = newKey();
    const variables = { input: withAdobe() };
    const first = await graphql<AdobePayload>(stack.server.url, PROVISION_ADOBE, variables, withKey(key, csp));
    expect(first.status).toBe(200);
    expect(first.data!.provisionCustomer.failures).toEqual([]);
    const connectionString = first.data!.provisionCustomer.experiencePlatform.connectionString!;
    expect(connectionString).toEqual(expect.any(String));
    const repeat = (url = stack.server.url) =>
      graphql<AdobePayload>(url, PROVISION_ADOBE, variables, withKey(key, csp));
    return { key, first, connectionString, repeat };
  }

  it('keeps no connection string in the database, and replays it to the caller to the byte', async () => {
    const { key, first, connectionString, repeat } = await provisionWithAdobe();
    const row = await storedRow(stack.ledger.database, key);
    expect(row.response).toEqual({ $encrypted: expect.stringMatching(/^v1:[0-9a-f]{8}:/) });
    expect(row.text).not.toContain(connectionString);
    // The whole answer is sealed: nothing of the customer lies there either.
    expect(row.text).not.toContain(first.data!.provisionCustomer.customer.id);
    expect(row.text).not.toContain('Contoso Pizza');
    const before = provisioningCalls(stack);

    const replayed = await repeat();
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('Idempotent-Replayed')).toBe('true');
    expect(replayed.data!.provisionCustomer.experiencePlatform.connectionString).toBe(connectionString);
    // The same JSON text, fields in their first order (a jsonb column would have sorted them).
    expect(JSON.stringify(replayed.data)).toBe(JSON.stringify(first.data));
    expect(replayed.errors).toBeUndefined();
    expect(provisioningCalls(stack)).toEqual(before);
  });

  it('answers a tampered answer with IDEMPOTENCY_KEY_ANSWER_UNREADABLE, HTTP 500: not run again, nothing leaked', async () => {
    const { key, first, connectionString, repeat } = await provisionWithAdobe();
    const { response } = await storedRow(stack.ledger.database, key);
    await stack.ledger.database.query(
      `UPDATE idempotency_keys SET response = jsonb_build_object('$encrypted', $2::text) WHERE key = $1`,
      [key, tampered((response as { $encrypted: string }).$encrypted)],
    );
    const before = provisioningCalls(stack);
    const [operation] = await stack.ledger.operationsOfCustomers(CSP.tenant, [
      first.data!.provisionCustomer.customer.id,
    ]);

    const refused = await repeat();
    expect(refused.status).toBe(500);
    expect(refused.data).toBeUndefined();
    expect(errorOf(refused).extensions).toMatchObject({
      code: 'IDEMPOTENCY_KEY_ANSWER_UNREADABLE',
      // The provisioning it began, to follow instead.
      provisioningIds: [operation!.id],
    });
    expect(JSON.stringify(refused)).not.toContain(connectionString);
    expect(provisioningCalls(stack)).toEqual(before);

    const logged = logs.split('\n').filter((line) => line.includes('could not be decrypted'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ level: 50, reason: 'failed authentication' });
    expect(logs).not.toContain(connectionString);
    expect(logs).not.toContain(TEST_ANSWER_KEY.toString('base64'));
  });

  it('cannot read an answer without the key that sealed it, and reads it again once that key is listed after a new one', async () => {
    const { connectionString, repeat } = await provisionWithAdobe();
    const replacement = randomBytes(32);
    const withoutOldKey = await startTestStack({ ledger: stack.ledger, answerKeys: [replacement] });
    const rotated = await startTestStack({ ledger: stack.ledger, answerKeys: [replacement, TEST_ANSWER_KEY] });
    try {
      const refused = await repeat(withoutOldKey.server.url);
      expect(refused.status).toBe(500);
      expect(errorOf(refused).extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_ANSWER_UNREADABLE' });
      expect(JSON.stringify(refused)).not.toContain(connectionString);

      const replayed = await repeat(rotated.server.url);
      expect(replayed.headers.get('Idempotent-Replayed')).toBe('true');
      expect(replayed.data!.provisionCustomer.experiencePlatform.connectionString).toBe(connectionString);
      expect(provisioningCalls(withoutOldKey).experiencePlatform + provisioningCalls(rotated).experiencePlatform).toBe(
        0,
      );
    } finally {
      await withoutOldKey.close();
      await rotated.close();
    }
  });

  it('replays an answer stored in plaintext, before answers were encrypted', async () => {
    const key = newKey();
    const input = customerOnly();
    const body = {
      data: { provisionCustomer: { customer: { id: randomUUID(), companyName: 'Stored in plaintext' } } },
    };
    await stack.ledger.database.query(
      `INSERT INTO idempotency_keys (tenant, key, request_hash, state, http_status, response, claim_id, created_at, expires_at)
       VALUES ($1, $2, $3, 'COMPLETED', 200, $4::jsonb, $5, now(), now() + interval '1 day')`,
      [
        CSP.tenant,
        key,
        requestFingerprint({ query: PROVISION, variables: { input } }, CSP),
        JSON.stringify(body),
        randomUUID(),
      ],
    );
    const before = provisioningCalls(stack);

    const replayed = await graphql(stack.server.url, PROVISION, { input }, withKey(key, csp));
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('Idempotent-Replayed')).toBe('true');
    expect(replayed.data).toEqual(body.data);
    expect(provisioningCalls(stack)).toEqual(before);
  });
});

describe('Idempotency-Key answers across a restart, with the development key', { timeout: 120_000 }, () => {
  it('makes the key once in DATA_DIR, readable by its owner only, and replays with it after a restart', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'idempotency-restart-')), 'data');
    // No IDEMPOTENCY_ENCRYPTION_KEY and no provider URL: `npm start`'s embedded defaults.
    const env = { LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET };
    const keyFile = join(dataDir, DEVELOPMENT_KEY_FILE);
    const token = await signToken();
    const key = newKey();
    const variables = { input: customerOnly() };

    const first = await startServerProcess(env);
    let answered: GraphQLResponse<Payload>;
    try {
      answered = await graphql<Payload>(first.url, PROVISION, variables, withKey(key, token));
      expect(answered.status).toBe(200);
    } finally {
      first.child.kill('SIGTERM');
      await once(first.child, 'exit');
    }
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const madeKey = readFileSync(keyFile, 'utf8');
    expect(first.logs()).toContainEqual(expect.objectContaining({ keyFile, level: 40 }));
    expect(JSON.stringify(first.logs())).not.toContain(madeKey.trim());

    const restarted = await startServerProcess(env);
    try {
      const replayed = await graphql<Payload>(restarted.url, PROVISION, variables, withKey(key, token));
      expect(replayed.headers.get('Idempotent-Replayed')).toBe('true');
      expect(replayed.data).toEqual(answered.data);
    } finally {
      restarted.child.kill('SIGTERM');
      await once(restarted.child, 'exit');
    }
    expect(readFileSync(keyFile, 'utf8')).toBe(madeKey);
  });
});

describe.each(testBackends)('idempotency keys in the store on $name', (backend) => {
  let target: TestDatabase;
  let store: IdempotencyStore;

  beforeAll(async () => {
    target = await backend.create();
    await migrate(target.database);
    store = new IdempotencyStore(target.database, TEST_ENCRYPTION);
  });
  afterAll(() => target.drop());
  afterEach(async () => {
    await target.database.query('DELETE FROM idempotency_keys');
  });

  it('lets exactly one of many concurrent claims of a key win', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.claim('contoso.example', 'k1', 'hash-a', randomUUID())),
    );
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    for (const result of results.filter((r) => !r.claimed)) {
      expect(result).toMatchObject({
        claimed: false,
        existing: { state: 'IN_PROGRESS', requestHash: 'hash-a', abandoned: false },
      });
    }
  });

  it('keeps the completed response, and frees a released key', async () => {
    const first = await store.claim('contoso.example', 'k2', 'hash-a', randomUUID());
    if (!first.claimed) throw new Error('a new key is claimed');
    expect(await store.complete(first.claim, { httpStatus: 200, body: { data: { ok: true } } })).toBe(true);
    expect(await store.find('contoso.example', 'k2')).toEqual({
      state: 'COMPLETED',
      requestHash: 'hash-a',
      response: { httpStatus: 200, body: { data: { ok: true } } },
    });

    const other = await store.claim('contoso.example', 'k3', 'hash-b', randomUUID());
    if (!other.claimed) throw new Error('a new key is claimed');
    await store.release(other.claim);
    expect(await store.find('contoso.example', 'k3')).toBeNull();
    expect((await store.claim('contoso.example', 'k3', 'hash-c', randomUUID())).claimed).toBe(true);
  });

  it('does not open an answer copied into another key’s row: each answer is sealed to its row', async () => {
    const original = await store.claim('contoso.example', 'k9', 'hash-a', randomUUID());
    const other = await store.claim('contoso.example', 'k10', 'hash-a', randomUUID());
    if (!original.claimed || !other.claimed) throw new Error('a new key is claimed');
    await store.complete(original.claim, { httpStatus: 200, body: { data: { secret: 'of k9' } } });
    await store.complete(other.claim, { httpStatus: 200, body: { data: { secret: 'of k10' } } });
    await target.database.query(
      `UPDATE idempotency_keys SET response = (SELECT response FROM idempotency_keys WHERE key = 'k9') WHERE key = 'k10'`,
    );
    expect(await store.find('contoso.example', 'k9')).toMatchObject({ state: 'COMPLETED' });
    expect(await store.find('contoso.example', 'k10')).toMatchObject({
      state: 'UNREADABLE',
      requestHash: 'hash-a',
      error: { reason: 'failed authentication' },
    });
  });

  it('scopes a key to its tenant', async () => {
    expect((await store.claim('contoso.example', 'k4', 'hash-a', randomUUID())).claimed).toBe(true);
    expect((await store.claim('fabrikam.example', 'k4', 'hash-a', randomUUID())).claimed).toBe(true);
  });

  it('treats an expired key as unseen and deletes only expired keys', async () => {
    const shortLived = new IdempotencyStore(target.database, TEST_ENCRYPTION, { ttlMs: 0 });
    const expired = await shortLived.claim('contoso.example', 'k5', 'hash-a', randomUUID());
    if (!expired.claimed) throw new Error('a new key is claimed');
    await shortLived.complete(expired.claim, { httpStatus: 200, body: { data: {} } });
    await store.claim('contoso.example', 'k6', 'hash-a', randomUUID());

    expect(await store.find('contoso.example', 'k5')).toBeNull();
    expect(await store.deleteExpired()).toBe(1);
    expect(await store.find('contoso.example', 'k6')).toMatchObject({ state: 'IN_PROGRESS' });
    // Reclaiming an expired key overwrites it, whatever request it held.
    await shortLived.claim('contoso.example', 'k7', 'hash-a', randomUUID());
    expect(await store.claim('contoso.example', 'k7', 'hash-b', randomUUID())).toMatchObject({ claimed: true });
  });

  it('hands an abandoned claim to exactly one of several repeats, and the dead holder can no longer complete it', async () => {
    const dead = await store.claim('contoso.example', 'k8', 'hash-a', 'correlation-of-the-dead');
    if (!dead.claimed) throw new Error('a new key is claimed');
    expect(await store.find('contoso.example', 'k8')).toMatchObject({ state: 'IN_PROGRESS', abandoned: false });
    // Its holder died ten minutes ago: far beyond the lease.
    await target.database.query(
      `UPDATE idempotency_keys SET created_at = created_at - interval '10 minutes' WHERE key = 'k8'`,
    );
    expect(await store.find('contoso.example', 'k8')).toMatchObject({
      state: 'IN_PROGRESS',
      abandoned: true,
      correlationId: 'correlation-of-the-dead',
    });

    const takers = await Promise.all(
      Array.from({ length: 5 }, () => store.takeOver('contoso.example', 'k8', randomUUID())),
    );
    const winners = takers.filter((claim) => claim !== null);
    expect(winners).toHaveLength(1);
    expect(await store.find('contoso.example', 'k8')).toMatchObject({ abandoned: false });
    expect(await store.complete(dead.claim, { httpStatus: 200, body: {} })).toBe(false);
    expect(await store.complete(winners[0]!, { httpStatus: 200, body: { data: {} } })).toBe(true);
  });
});
