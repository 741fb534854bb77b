import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import {
  customerInput,
  experiencePlatformInput,
  MICROSOFT_INSTANCE,
  net3ProvisioningInput,
  providerInstanceInput,
  provisionEverywhereInput,
  wholesaleCustomerInput,
} from '../support/fixtures.js';
import {
  startForwardingProxy,
  type ForwardingProxy,
  type ProxiedRequest,
  type ProxyDecision,
  type ProxyHooks,
} from '../support/proxy.js';
import {
  graphql,
  signToken,
  startTestStack,
  type GraphQLResponse,
  type TestStack,
  type TestStackOptions,
} from '../support/stack.js';

/**
 * Exactly once, whatever is lost: a provider acts on a call whose answer never arrives, and the look-up that should
 * then find its record is itself rate-limited (429). Nothing is known of what the provider did until a look-up
 * succeeds, so every retry must look again, and settle on the record the lost call made: never call again, never
 * fail as a conflict with its own record. Likewise a read-back that fails after a create succeeded does not fail the
 * create. Faults are scripted request by request on proxies in front of the emulators; what the providers made is
 * counted from what reached them.
 */

type ProviderKey = keyof TestStack['emulators'];
const PROVIDERS: ProviderKey[] = ['cloudCockpit', 'experiencePlatform', 'net3', 'webex'];

/** Requests of one provider, by method and path (with query string); `name` is how a failed assertion shows them. */
interface RequestPattern {
  name: string;
  provider: ProviderKey;
  method: string;
  path: RegExp;
}

const matches = (pattern: RequestPattern, provider: ProviderKey, request: ProxiedRequest) =>
  pattern.provider === provider && pattern.method === request.method && pattern.path.test(request.path);

/** The calls that make a record at a provider. */
const CREATE = {
  customer: {
    name: 'CloudCockpit POST /v1/Customers',
    provider: 'cloudCockpit',
    method: 'POST',
    path: /^\/v1\/Customers$/,
  },
  providerInstance: {
    name: 'CloudCockpit POST /v1/Customers/{id}/provider-instances',
    provider: 'cloudCockpit',
    method: 'POST',
    path: /^\/v1\/Customers\/[^/?]+\/provider-instances(\?|$)/,
  },
  experiencePlatform: {
    name: 'Adobe POST /provisioning/customer',
    provider: 'experiencePlatform',
    method: 'POST',
    path: /^\/provisioning\/customer(\?|$)/,
  },
  net3: {
    name: 'Net3 POST /provisioning/customer',
    provider: 'net3',
    method: 'POST',
    path: /^\/provisioning\/customer$/,
  },
  wholesale: {
    name: 'Webex POST /v1/wholesale/customers',
    provider: 'webex',
    method: 'POST',
    path: /^\/v1\/wholesale\/customers$/,
  },
} satisfies Record<string, RequestPattern>;

/**
 * What a retry asks first after a lost answer. Net3 has no read endpoint: its look-up is the repeated call, which Net3
 * refuses (409) when it already has the customer.
 */
const LOOK_UP = {
  customer: {
    name: 'CloudCockpit GET /v1/Customers/{id}',
    provider: 'cloudCockpit',
    method: 'GET',
    path: /^\/v1\/Customers\/[^/?]+$/,
  },
  experiencePlatform: {
    name: 'Adobe GET /provisioning/status',
    provider: 'experiencePlatform',
    method: 'GET',
    path: /^\/provisioning\/status/,
  },
  net3: CREATE.net3,
  wholesale: {
    name: 'Webex GET /v1/wholesale/customers?externalId=',
    provider: 'webex',
    method: 'GET',
    path: /^\/v1\/wholesale\/customers\?(.*&)?externalId=/,
  },
} satisfies Record<string, RequestPattern>;

/** Every record provisionEverywhereInput makes: one of each. */
const EVERY_CREATE = Object.values(CREATE);

/** One scripted fault: it strikes the first request matching `request` once armed (and once `after` has gone by). */
interface Fault {
  request: RequestPattern;
  after?: RequestPattern;
  /** `before`: the provider never sees the request. `after`: the provider acts, and its answer is lost or replaced. */
  stage: 'before' | 'after';
  decision: Exclude<ProxyDecision, 'pass'>;
}

/** The provider acts on the request, but its answer does not reach the API: the connection drops or hangs, or a 5xx stands in. */
const answerLost = (request: RequestPattern, as: 'drop' | 'hold' | number = 'drop'): Fault => ({
  request,
  stage: 'after',
  decision: typeof as === 'number' ? { respond: as } : as,
});

/** Refused before the provider sees it, as its rate limiter (429) or gateway (5xx) would. */
const refused = (
  request: RequestPattern,
  {
    status = 429,
    retryAfterSeconds,
    after,
  }: { status?: number; retryAfterSeconds?: number; after?: RequestPattern } = {},
): Fault => ({ request, after, stage: 'before', decision: { respond: status, retryAfterSeconds } });

/** Faults armed in order, each spent on the one request it strikes; what none strikes passes. */
class FaultScript {
  private armed: (Fault & { live: boolean })[] = [];
  private readonly struck = new WeakMap<ProxiedRequest, Fault>();

  arm(...faults: Fault[]): void {
    this.armed.push(...faults.map((fault) => ({ ...fault, live: fault.after === undefined })));
  }

  /** The faults that struck nothing yet: none, once the calls a test scripts were made. */
  unspent(): string[] {
    return this.armed.map((fault) => `${fault.request.name} (${fault.stage})`);
  }

  clear(): void {
    this.armed = [];
  }

  hooksFor(provider: ProviderKey): ProxyHooks {
    return {
      beforeForward: (request) => {
        const index = this.armed.findIndex((fault) => fault.live && matches(fault.request, provider, request));
        const [fault] = index === -1 ? [] : this.armed.splice(index, 1);
        for (const waiting of this.armed)
          if (waiting.after && matches(waiting.after, provider, request)) waiting.live = true;
        if (fault?.stage === 'after') this.struck.set(request, fault);
        return fault?.stage === 'before' ? fault.decision : 'pass';
      },
      afterAnswer: (request) => this.struck.get(request)?.decision ?? 'pass',
    };
  }
}

interface ScriptedStack {
  stack: TestStack;
  script: FaultScript;
  proxies: Record<ProviderKey, ForwardingProxy>;
  /** How many requests matching `pattern` reached the provider and were answered 2xx: the records it made. */
  created(pattern: RequestPattern): number;
  close(): Promise<void>;
}

/** A test stack whose every provider is reached through a proxy that the script's faults strike. */
async function startScriptedStack(options: TestStackOptions = {}): Promise<ScriptedStack> {
  const script = new FaultScript();
  const proxies = {} as Record<ProviderKey, ForwardingProxy>;
  const stack = await startTestStack({
    ...options,
    urls: async (emulators) => {
      for (const provider of PROVIDERS)
        proxies[provider] = await startForwardingProxy(emulators[provider].url, script.hooksFor(provider));
      return Object.fromEntries(PROVIDERS.map((provider) => [provider, proxies[provider].url]));
    },
  });
  return {
    stack,
    script,
    proxies,
    created: (pattern) =>
      proxies[pattern.provider].exchanges.filter(
        (e) => matches(pattern, pattern.provider, e) && e.status >= 200 && e.status < 300,
      ).length,
    async close() {
      await stack.close();
      await Promise.all(PROVIDERS.map((provider) => proxies[provider]?.close()));
    },
  };
}

/**
 * For the describe block it is called in: a scripted stack, started before its tests and closed after. Before each
 * test no fault is left armed, and only the test's own requests count.
 */
function withScriptedStack(options: TestStackOptions = {}): () => ScriptedStack {
  let scripted: ScriptedStack | undefined;
  beforeAll(async () => {
    scripted = await startScriptedStack(options);
  });
  afterAll(() => scripted?.close());
  beforeEach(() => {
    scripted!.script.clear();
    for (const provider of PROVIDERS) scripted!.proxies[provider].exchanges.length = 0;
  });
  return () => scripted!;
}

/** How many records each of `patterns` made, by name: what "exactly one of each" is asserted against. */
const createdBy = (scripted: ScriptedStack, patterns: RequestPattern[]) =>
  Object.fromEntries(patterns.map((pattern) => [pattern.name, scripted.created(pattern)]));
const oneOfEach = (patterns: RequestPattern[]) => Object.fromEntries(patterns.map((pattern) => [pattern.name, 1]));

type Step = {
  name: string;
  status: string;
  attempts: number;
  failure: { code: string; httpStatus: number | null; message: string } | null;
};
type Provisioning = { id: string; status: string; customerId: string | null; steps: Step[] };

const PROVISIONING_FIELDS = 'id status customerId steps { name status attempts failure { code httpStatus message } }';
const PROVISIONING = `query Provisioning($id: ID!) { provisioning(id: $id) { ${PROVISIONING_FIELDS} } }`;
const NEWEST = `query Newest { provisionings(first: 1) { nodes { ${PROVISIONING_FIELDS} } } }`;
const RETRY = `mutation Retry($id: ID!) { retryProvisioning(id: $id) { id } }`;

const PROVISION_CUSTOMER = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id companyName }
    providerInstances { __typename ... on ProviderInstance { providerInstanceId } }
    failures { provider code httpStatus }
    provisioning { ${PROVISIONING_FIELDS} }
  }
}`;
const CREATE_CUSTOMER = `mutation Create($input: CreateCustomerInput!) { createCustomer(input: $input) { id companyName } }`;
const ADD_PROVIDER_INSTANCE = `mutation Add($customerId: ID!, $input: AddProviderInstanceInput!) {
  addProviderInstance(customerId: $customerId, input: $input) { providerInstanceId }
}`;
const PROVISION_NET3 = `mutation Net3($input: Net3ProvisioningInput!) { provisionNet3Customer(input: $input) { customer { customerId } } }`;
const PROVISION_ADOBE = `mutation Adobe($input: ExperiencePlatformProvisioningInput!, $reprovision: Boolean) {
  provisionExperiencePlatform(input: $input, reprovision: $reprovision) { storedRequest { id } }
}`;
const PROVISION_WEBEX = `mutation Webex($input: WholesaleCustomerInput!) { provisionWholesaleCustomer(input: $input) { id } }`;

/** A caller of a tenant of its own, so that its newest provisioning is always the test's. */
interface Tenant {
  call<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  newestProvisioning(): Promise<Provisioning>;
  provisioning(id: string): Promise<Provisioning>;
  /** retryProvisioning, whatever it answers (a retry whose customer step fails again is an error). */
  retry(id: string): Promise<GraphQLResponse>;
}

async function newTenant(stack: TestStack): Promise<Tenant> {
  const token = await signToken({ tenant: `once-${randomUUID().slice(0, 8)}.example` });
  const call = <T>(query: string, variables: Record<string, unknown> = {}) =>
    graphql<T>(stack.server.url, query, variables, { token });
  return {
    call,
    newestProvisioning: async () =>
      (await call<{ provisionings: { nodes: Provisioning[] } }>(NEWEST)).data!.provisionings.nodes[0]!,
    provisioning: async (id) => (await call<{ provisioning: Provisioning }>(PROVISIONING, { id })).data!.provisioning,
    retry: (id) => call(RETRY, { id }),
  };
}

const stepNamed = (provisioning: Provisioning, name: string) => provisioning.steps.find((s) => s.name === name);
/** A step the provider has: done, or accepted and finishing later (Adobe, Webex). */
const SETTLED = /^(SUCCEEDED|IN_PROGRESS)$/;
/** A provisioning none of whose steps failed. */
const NOTHING_FAILED = /^(SUCCEEDED|WAITING)$/;
const INSTANCE_STEP = `providerInstance:${MICROSOFT_INSTANCE}`;

/** The step has its provider's record, nothing of the provisioning failed, and each of `creates` made exactly one. */
async function expectSettledOnce(
  scripted: ScriptedStack,
  tenant: Tenant,
  id: string,
  step: string,
  creates: RequestPattern[],
) {
  const settled = await tenant.provisioning(id);
  expect(stepNamed(settled, step)).toMatchObject({ status: expect.stringMatching(SETTLED), failure: null });
  expect(settled.status).toMatch(NOTHING_FAILED);
  expect(createdBy(scripted, creates)).toEqual(oneOfEach(creates));
}

/** provisionEverywhereInput with Adobe's `reprovision`: a repeat of the call would store a second request. */
function everywhereReprovisioningAdobe(): Record<string, unknown> {
  const input = provisionEverywhereInput();
  return { ...input, experiencePlatform: { ...(input.experiencePlatform as object), reprovision: true } };
}

/** One provisioning whose call to a provider is processed but whose answer is lost. */
interface LostAnswerCase {
  name: string;
  /** The ledger step of that call. */
  step: string;
  create: RequestPattern;
  lostAs: 'drop' | number;
  lookUp: RequestPattern;
  /** Sends the mutation, and whatever it needs first. */
  provision(tenant: Tenant): Promise<unknown>;
  /** The records the provisioning makes: one each by the end. */
  creates: RequestPattern[];
}

const fanOut = (
  label: string,
  step: string,
  create: RequestPattern,
  lostAs: LostAnswerCase['lostAs'],
  lookUp: RequestPattern,
): LostAnswerCase => ({
  name: `provisionCustomer › ${label}`,
  step,
  create,
  lostAs,
  lookUp,
  provision: (tenant) => tenant.call(PROVISION_CUSTOMER, { input: everywhereReprovisioningAdobe() }),
  creates: EVERY_CREATE,
});

/** A single-call mutation: by default its step bears its name, and it makes the one record of its call. */
const singleCall = (
  mutation: string,
  create: RequestPattern,
  lostAs: LostAnswerCase['lostAs'],
  lookUp: RequestPattern,
  provision: LostAnswerCase['provision'],
  { step = mutation, creates = [create] }: { step?: string; creates?: RequestPattern[] } = {},
): LostAnswerCase => ({ name: mutation, step, create, lostAs, lookUp, provision, creates });

// Adobe's calls carry reprovision: true, so that Adobe would take a repeat and store a second request.
const LOST_ANSWERS: LostAnswerCase[] = [
  fanOut('customer', 'customer', CREATE.customer, 'drop', LOOK_UP.customer),
  fanOut('providerInstance', INSTANCE_STEP, CREATE.providerInstance, 502, LOOK_UP.customer),
  fanOut('experiencePlatform', 'experiencePlatform', CREATE.experiencePlatform, 'drop', LOOK_UP.experiencePlatform),
  fanOut('net3', 'net3', CREATE.net3, 500, LOOK_UP.net3),
  fanOut('wholesale', 'wholesale', CREATE.wholesale, 'drop', LOOK_UP.wholesale),
  singleCall(
    'createCustomer',
    CREATE.customer,
    503,
    LOOK_UP.customer,
    (tenant) => tenant.call(CREATE_CUSTOMER, { input: customerInput() }),
    {
      step: 'customer',
    },
  ),
  singleCall(
    'addProviderInstance',
    CREATE.providerInstance,
    'drop',
    LOOK_UP.customer,
    async (tenant) => {
      const made = await tenant.call<{ createCustomer: { id: string } }>(CREATE_CUSTOMER, { input: customerInput() });
      expect(made.errors).toBeUndefined();
      return tenant.call(ADD_PROVIDER_INSTANCE, {
        customerId: made.data!.createCustomer.id,
        input: providerInstanceInput(),
      });
    },
    { step: INSTANCE_STEP, creates: [CREATE.customer, CREATE.providerInstance] },
  ),
  singleCall('provisionExperiencePlatform', CREATE.experiencePlatform, 'drop', LOOK_UP.experiencePlatform, (tenant) =>
    tenant.call(PROVISION_ADOBE, { input: experiencePlatformInput(), reprovision: true }),
  ),
  singleCall('provisionNet3Customer', CREATE.net3, 'drop', LOOK_UP.net3, (tenant) =>
    tenant.call(PROVISION_NET3, { input: net3ProvisioningInput() }),
  ),
  singleCall('provisionWholesaleCustomer', CREATE.wholesale, 500, LOOK_UP.wholesale, (tenant) =>
    tenant.call(PROVISION_WEBEX, { input: wholesaleCustomerInput() }),
  ),
];

describe('exactly once: an answer lost, then its look-up rate-limited (429), then retried again', () => {
  const current = withScriptedStack();

  it.each(LOST_ANSWERS)('$name: the second retry settles on the record the lost call made', async (row) => {
    const scripted = current();
    const { script } = scripted;
    const tenant = await newTenant(scripted.stack);
    script.arm(answerLost(row.create, row.lostAs));
    await row.provision(tenant);
    const { id } = await tenant.newestProvisioning();
    expect(script.unspent()).toEqual([]);
    expect(stepNamed(await tenant.provisioning(id), row.step)).toMatchObject({ status: 'FAILED' });

    // The first retry looks first, and is told to wait longer than a request waits: what the provider did is still
    // unknown.
    script.arm(refused(row.lookUp, { retryAfterSeconds: 30 }));
    await tenant.retry(id);
    expect(script.unspent()).toEqual([]);
    expect(stepNamed(await tenant.provisioning(id), row.step)).toMatchObject({ status: 'FAILED' });

    // So the next retry looks again, and settles on the record rather than making (or clashing with) another.
    await tenant.retry(id);
    await expectSettledOnce(scripted, tenant, id, row.step, row.creates);
  });
});

describe('exactly once, when the read after a CloudCockpit create fails', () => {
  const current = withScriptedStack();

  type ProvisionPayload = {
    customer: { id: string; companyName: string };
    providerInstances: { __typename: string; providerInstanceId?: string }[];
    failures: unknown[];
    provisioning: Provisioning;
  };

  /** provisionCustomer with every section, the customer's id chosen here; asserted to have fully succeeded. */
  async function provisionEverywhere(
    tenant: Tenant,
    query = PROVISION_CUSTOMER,
  ): Promise<ProvisionPayload & { sentId: string }> {
    const sentId = randomUUID();
    const input = provisionEverywhereInput({ customer: customerInput({ id: sentId }) });
    const response = await tenant.call<{ provisionCustomer: ProvisionPayload }>(query, { input });
    expect(response.errors).toBeUndefined();
    const payload = response.data!.provisionCustomer;
    expect(payload.failures).toEqual([]);
    expect(payload.provisioning.status).toMatch(NOTHING_FAILED);
    expect(createdBy(current(), EVERY_CREATE)).toEqual(oneOfEach(EVERY_CREATE));
    return { ...payload, sentId };
  }

  it('provisionCustomer reads nothing back from CloudCockpit while no provider instance status is selected', async () => {
    const scripted = current();
    const tenant = await newTenant(scripted.stack);
    // The customer is created without provider instances, so its record is what was sent; the instance's 201 has no
    // status. A refusal armed on any read after the create is left unspent.
    scripted.script.arm(refused(LOOK_UP.customer, { after: CREATE.customer }));
    const payload = await provisionEverywhere(tenant);
    expect(scripted.script.unspent()).toHaveLength(1);
    expect(payload.customer).toEqual({ id: payload.sentId, companyName: 'Contoso Pizza' });
    expect(stepNamed(payload.provisioning, 'customer')).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  });

  it('provisionCustomer: the read of the provider instance status answers 429; its step succeeds, the status unknown', async () => {
    const scripted = current();
    const tenant = await newTenant(scripted.stack);
    // Longer than a request waits: the read fails, and the status stays unknown.
    scripted.script.arm(refused(LOOK_UP.customer, { after: CREATE.providerInstance, retryAfterSeconds: 30 }));
    const payload = await provisionEverywhere(
      tenant,
      PROVISION_CUSTOMER.replace('{ providerInstanceId }', '{ providerInstanceId status }'),
    );
    expect(scripted.script.unspent()).toEqual([]);
    expect(payload.providerInstances).toEqual([
      { __typename: 'ProviderInstance', providerInstanceId: MICROSOFT_INSTANCE, status: null },
    ]);
    expect(stepNamed(payload.provisioning, INSTANCE_STEP)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  });

  it('createCustomer with a provider instance: the read-back of its status answers 503; the customer is returned as sent, with its id', async () => {
    const scripted = current();
    const tenant = await newTenant(scripted.stack);
    const id = randomUUID();
    scripted.script.arm(refused(LOOK_UP.customer, { status: 503, after: CREATE.customer }));
    const response = await tenant.call<{ createCustomer: { id: string; companyName: string } }>(CREATE_CUSTOMER, {
      // A customer without provider instances is not read back at all: CloudCockpit's record is what was sent.
      input: customerInput({ id, providerCustomers: [providerInstanceInput()] }),
    });
    expect(scripted.script.unspent()).toEqual([]);
    expect(response.errors).toBeUndefined();
    expect(response.data!.createCustomer).toEqual({ id, companyName: 'Contoso Pizza' });
    expect(stepNamed(await tenant.newestProvisioning(), 'customer')).toMatchObject({ status: 'SUCCEEDED' });
    expect(scripted.created(CREATE.customer)).toBe(1);
  });

  it('addProviderInstance: the read of its status answers 429; the instance is returned as sent', async () => {
    const scripted = current();
    const tenant = await newTenant(scripted.stack);
    const made = await tenant.call<{ createCustomer: { id: string } }>(CREATE_CUSTOMER, { input: customerInput() });
    expect(made.errors).toBeUndefined();
    // Longer than a request waits: the read fails, and the status stays unknown.
    scripted.script.arm(refused(LOOK_UP.customer, { after: CREATE.providerInstance, retryAfterSeconds: 30 }));
    const response = await tenant.call<{ addProviderInstance: { providerInstanceId: string } }>(
      ADD_PROVIDER_INSTANCE.replace('{ providerInstanceId }', '{ providerInstanceId status }'),
      { customerId: made.data!.createCustomer.id, input: providerInstanceInput() },
    );
    expect(scripted.script.unspent()).toEqual([]);
    expect(response.errors).toBeUndefined();
    expect(response.data!.addProviderInstance).toEqual({ providerInstanceId: MICROSOFT_INSTANCE, status: null });
    expect(stepNamed(await tenant.newestProvisioning(), INSTANCE_STEP)).toMatchObject({ status: 'SUCCEEDED' });
    expect(scripted.created(CREATE.providerInstance)).toBe(1);
  });
});

/**
 * The worker's recovery of a call still in flight when its lease ran out (a process that hangs or dies): leases far
 * shorter than the call's timeout, so that the worker takes the step over while its answer is held. Its look-ups are
 * then refused: fewer times than its bound on transient failures, or as many, when it gives the step up as FAILED
 * and a caller's retryProvisioning is what must find the record.
 */
describe('exactly once: a call in flight taken over by the worker, whose look-ups are rate-limited (429)', () => {
  const MAX_TRANSIENT_FAILURES = 3;
  const current = withScriptedStack({
    timeoutMs: 1_500,
    worker: {
      intervalMs: 20,
      initialBackoffMs: 20,
      maxBackoffMs: 40,
      maxTransientFailures: MAX_TRANSIENT_FAILURES,
      leaseMs: 600,
    },
  });

  /** Provisions everywhere with the `row`'s call held, and its look-ups refused `refusals` times; then settled, and retried. */
  async function recoveredAfterRefusals(
    row: { step: string; create: RequestPattern; lookUp: RequestPattern },
    refusals: number,
  ) {
    const scripted = current();
    const { script } = scripted;
    const tenant = await newTenant(scripted.stack);
    script.arm(answerLost(row.create, 'hold'), ...Array.from({ length: refusals }, () => refused(row.lookUp)));
    await tenant.call(PROVISION_CUSTOMER, { input: everywhereReprovisioningAdobe() });
    const { id } = await tenant.newestProvisioning();
    await eventually(
      () => tenant.provisioning(id),
      (provisioning) => provisioning.steps.every((s) => s.status !== 'PENDING'),
      10_000,
    );
    expect(script.unspent()).toEqual([]);

    // As a caller does with whatever is left FAILED: nothing, when the worker settled it.
    await tenant.retry(id);
    await expectSettledOnce(scripted, tenant, id, row.step, EVERY_CREATE);
  }

  describe.each([
    { name: 'customer', step: 'customer', create: CREATE.customer, lookUp: LOOK_UP.customer },
    {
      name: 'experiencePlatform',
      step: 'experiencePlatform',
      create: CREATE.experiencePlatform,
      lookUp: LOOK_UP.experiencePlatform,
    },
    { name: 'net3', step: 'net3', create: CREATE.net3, lookUp: LOOK_UP.net3 },
  ])('provisionCustomer › $name', (row) => {
    it('look-ups refused fewer times than the worker’s bound: the worker finds the record', () =>
      recoveredAfterRefusals(row, MAX_TRANSIENT_FAILURES - 1));

    it('look-ups refused until the worker gives up: the retry after it finds the record', () =>
      recoveredAfterRefusals(row, MAX_TRANSIENT_FAILURES));
  });
});
