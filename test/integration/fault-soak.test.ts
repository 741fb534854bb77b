import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MICROSOFT_PROVIDER_INSTANCE_ID } from '../../emulators/cloudcockpit/emulator.js';
import { customerInput, microsoftData, providerInstanceInput, provisionEverywhereInput } from '../support/fixtures.js';
import { startForwardingProxy, type ForwardingProxy } from '../support/proxy.js';
import { graphql, signToken, startTestStack, type GraphQLResponse, type TestStack } from '../support/stack.js';

/**
 * Exactly once under faults: many provisionCustomer operations at once, against emulators that refuse, reset and
 * lose answers at random (after acting, for half of them), driven by clients that behave as mobile apps do: they
 * resend with the same Idempotency-Key, retry what failed and poll what is under way. In the end every operation
 * must have succeeded, and every provider must hold each record exactly once.
 *
 * `SOAK_N` operations (@default 20), `SOAK_SEED` for the faults, the business keys and the clients' choices
 * (@default 20240601); a failure prints both, to replay it. A replay has the same keys and each emulator the same
 * sequence of faults, but which request meets which fault still depends on the order ten clients' requests arrive in.
 *
 * The same soak runs with every provider policy on (retries, circuit breakers), and again with Net3 down (every
 * connection to it reset) for the first SOAK_OUTAGE_MS of the run, and for the whole run: then its circuit opens, the other providers'
 * steps finish, and once Net3 is back the clients' retryProvisioning completes each customer.
 */
const N = positiveInteger('SOAK_N', 20);
/** How long Net3 is down at the start of the run that has it down for a part (@default 4000 ms). */
const OUTAGE_MS = positiveInteger('SOAK_OUTAGE_MS', 4_000);
const SEED = positiveInteger('SOAK_SEED', 20240601);
const CONCURRENCY = 10;
const FAULT_RATE = 0.1;
/** How often a client "loses" our answer on purpose and resends its request with the same key. */
const LOST_ANSWER_RATE = 0.1;
/**
 * How long one operation may take before it counts as unfinished; generous against Retry-After and back-off, and a
 * client keeps retrying through an outage of Net3 as long as it lasts.
 */
const OPERATION_TIMEOUT_MS = 60_000 + OUTAGE_MS;
/** How long a client waits for one answer of ours before it takes the request as lost. */
const CLIENT_TIMEOUT_MS = 30_000;
/** A step that keeps failing with a code that no retry changes (CONFLICT, BAD_USER_INPUT …) this often is given up. */
const HOPELESS_FAILURES_IN_A_ROW = 3;
/** Failures a retry may cure: the provider's trouble (its circuit open too), a wait it asked for, a step not started for another's. */
const CURABLE_CODES = new Set([
  'UPSTREAM_ERROR',
  'UPSTREAM_BUSY',
  'UPSTREAM_UNAVAILABLE',
  'NOT_STARTED',
  'IN_PROGRESS',
]);

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${text}'`);
  return value;
}

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) { provisioning { id } }
}`;
const STEPS = 'id status steps { name status attempts failure { code httpStatus message retryAfterSeconds } }';
const PROVISIONING = `query Provisioning($id: ID!) { provisioning(id: $id) { ${STEPS} } }`;
const RETRY = `mutation Retry($id: ID!) { retryProvisioning(id: $id) { ${STEPS} } }`;

interface Step {
  name: string;
  status: string;
  attempts: number;
  failure: { code: string; httpStatus: number | null; message: string; retryAfterSeconds: number | null } | null;
}
interface Provisioning {
  id: string;
  status: string;
  steps: Step[];
}

/** One client's operation: its business keys, and where it ended. */
interface Operation {
  index: number;
  customerId: string;
  imsOrgId: string;
  idempotencyKey: string;
  provisioningId: string | null;
  last: Provisioning | null;
  /** Why it did not succeed, when it did not. */
  unfinished: string | null;
}

/** Bytes fixed by the seed and a label: the same for a replay, whatever order the clients run in. */
function seededBytes(label: string): Buffer {
  return createHash('sha256').update(`${SEED}:${label}`).digest();
}

/** A number in [0, 1) fixed by the seed and a label. */
function seededChance(label: string): number {
  return seededBytes(label).readUInt32BE(0) / 2 ** 32;
}

/** A version-4-shaped UUID fixed by the seed and a label, so that a replay's business keys are the same. */
function seededUuid(label: string): string {
  const hex = seededBytes(label).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Net3 unreachable: never, for the first `OUTAGE_MS` of the run, or until every operation has settled without it. */
type Outage = 'none' | 'part' | 'whole';

describe.each<{ outage: Outage }>([{ outage: 'none' }, { outage: 'part' }, { outage: 'whole' }])(
  'exactly once under faults (fault soak), Net3 down: $outage',
  ({ outage }) => {
    let stack: TestStack;
    let token: string;
    /** In front of Net3: resets every connection while Net3 is down. */
    let net3: ForwardingProxy;
    let net3Down = outage !== 'none';
    const tally = { retries: 0, replays: 0, resentAfterTransportError: 0, circuitOpen: 0 };
    /** What no answer of ours may ever be: a 500, an INTERNAL_SERVER_ERROR, a replay naming another provisioning. */
    const violations: string[] = [];

    beforeAll(async () => {
      stack = await startTestStack({
        faults: { rate: FAULT_RATE, seed: SEED },
        worker: { intervalMs: 50, initialBackoffMs: 100, maxBackoffMs: 1_000 },
        // Short enough for the circuit to probe Net3 again within the run.
        policy: { breakerHalfOpenAfterMs: 1_000 },
        urls: async (emulators) => {
          net3 = await startForwardingProxy(emulators.net3.url, { beforeForward: () => (net3Down ? 'drop' : 'pass') });
          return { net3: net3.url };
        },
      });
      token = await signToken();
    });
    afterAll(async () => {
      await stack?.close();
      await net3?.close();
    });

    /** One request to our API, sent again (as a mobile app does) while no answer comes back. */
    async function send<T>(
      query: string,
      variables: Record<string, unknown>,
      headers: Record<string, string> = {},
    ): Promise<GraphQLResponse<T>> {
      for (;;) {
        let response: GraphQLResponse<T>;
        try {
          response = await graphql<T>(stack.server.url, query, variables, {
            token,
            headers,
            signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
          });
        } catch (error) {
          if (error instanceof SyntaxError) {
            violations.push(`an answer that is not JSON to ${query.slice(0, 30)}…`);
            throw error;
          }
          tally.resentAfterTransportError += 1;
          await sleep(100);
          continue;
        }
        if (response.status >= 500)
          violations.push(`HTTP ${response.status} to ${query.slice(0, 30)}…: ${JSON.stringify(response.errors)}`);
        for (const error of response.errors ?? []) {
          if (error.extensions.code === 'INTERNAL_SERVER_ERROR')
            violations.push(`INTERNAL_SERVER_ERROR: ${error.message}`);
        }
        return response;
      }
    }

    /** provisionCustomer with the operation's key, until an answer names the provisioning. */
    async function provision(
      operation: Operation,
      input: Record<string, unknown>,
    ): Promise<{ id: string; replayed: boolean }> {
      for (;;) {
        const response = await send<{ provisionCustomer: { provisioning: { id: string } } }>(
          PROVISION,
          { input },
          { 'Idempotency-Key': operation.idempotencyKey },
        );
        const [error] = response.errors ?? [];
        if (error?.extensions.code === 'IDEMPOTENCY_KEY_IN_USE') {
          // Our first request is still running; or it was interrupted, and its provisioning goes on in the background.
          const [begun] = (error.extensions.provisioningIds as string[] | undefined) ?? [];
          if (begun) return { id: begun, replayed: false };
          await sleep(100);
          continue;
        }
        // A refused customer fails the whole mutation, whose error names the provisioning to retry.
        const id =
          response.data?.provisionCustomer.provisioning.id ?? (error?.extensions.provisioningId as string | undefined);
        if (!id)
          throw new Error(
            `#${operation.index}: provisionCustomer named no provisioning: ${JSON.stringify(response.errors)}`,
          );
        return { id, replayed: response.headers.get('idempotent-replayed') === 'true' };
      }
    }

    /** Every step done but Net3's, which failed: all an operation can reach while Net3 is down. */
    const settledWithoutNet3 = (provisioning: Provisioning) =>
      provisioning.steps.every((step) =>
        step.name === 'net3' ? step.status === 'FAILED' : step.status === 'SUCCEEDED',
      );

    /** Until SUCCEEDED; or, `untilNet3Fails`, until only Net3's step is left, failed. */
    async function runOperation(operation: Operation, untilNet3Fails = false): Promise<void> {
      const startedAt = Date.now();
      const everywhere = provisionEverywhereInput();
      const input = {
        ...everywhere,
        customer: customerInput({ id: operation.customerId }),
        providerInstances: [
          providerInstanceInput({
            microsoftCustomerData: microsoftData({ domain: `soak${operation.customerId.slice(0, 8)}` }),
          }),
        ],
        experiencePlatform: {
          ...(everywhere.experiencePlatform as object),
          imsOrgId: operation.imsOrgId,
          reprovision: true,
        },
      };
      const first = await provision(operation, input);
      operation.provisioningId = first.id;
      if (seededChance(`lose:${operation.index}`) < LOST_ANSWER_RATE) {
        tally.replays += 1;
        const again = await provision(operation, input);
        if (again.id !== first.id || !again.replayed) {
          violations.push(
            `#${operation.index}: a repeat with the same Idempotency-Key named ${again.id} (replayed: ${again.replayed}), not ${first.id}`,
          );
        }
      }

      const hopeless = new Map<string, number>();
      let retryRan = false;
      while (Date.now() - startedAt < OPERATION_TIMEOUT_MS) {
        const read = await send<{ provisioning: Provisioning | null }>(PROVISIONING, { id: first.id });
        const provisioning = read.data?.provisioning;
        if (!provisioning) {
          operation.unfinished = `provisioning(id) answered ${JSON.stringify(read.errors ?? null)}`;
          return;
        }
        operation.last = provisioning;
        if (provisioning.status === 'SUCCEEDED') return;
        const failed = provisioning.steps.filter((step) => step.status === 'FAILED');
        tally.circuitOpen += failed.filter((step) => step.failure?.code === 'UPSTREAM_UNAVAILABLE').length;
        if (untilNet3Fails && settledWithoutNet3(provisioning)) return;
        if (failed.length === 0) {
          // RUNNING or WAITING: the worker follows Webex and Adobe.
          await sleep(100);
          continue;
        }
        if (retryRan) {
          for (const step of provisioning.steps) {
            const code = step.status === 'FAILED' ? step.failure?.code : undefined;
            hopeless.set(step.name, code && !CURABLE_CODES.has(code) ? (hopeless.get(step.name) ?? 0) + 1 : 0);
          }
          if ([...hopeless.values()].some((count) => count >= HOPELESS_FAILURES_IN_A_ROW)) {
            operation.unfinished = `given up: a step failed the same way after ${HOPELESS_FAILURES_IN_A_ROW} retries in a row`;
            return;
          }
        }
        // As a provider's Retry-After asks, else a moment.
        await sleep(Math.max(100, ...failed.map((step) => (step.failure?.retryAfterSeconds ?? 0) * 1000)));
        tally.retries += 1;
        const retried = await send<{ retryProvisioning: Provisioning }>(RETRY, { id: first.id });
        // IN_PROGRESS: a step is still running (a concurrent request's, the worker's), and the retry ran nothing. A
        // customer failing again fails the whole retry, as it fails provisionCustomer: the next read shows it.
        retryRan = retried.errors?.[0]?.extensions.code !== 'IN_PROGRESS';
      }
      operation.unfinished = `not SUCCEEDED after ${OPERATION_TIMEOUT_MS / 1000} s`;
    }

    /** Every record each operation should have made, once, at its provider: `created` key by emulator. */
    function expectedRecords(operation: Operation): [keyof TestStack['emulators'], string][] {
      const { customerId, imsOrgId } = operation;
      return [
        ['cloudCockpit', `customer:${customerId}`],
        ['cloudCockpit', `providerInstance:${customerId}:${MICROSOFT_PROVIDER_INSTANCE_ID}`],
        ['experiencePlatform', `${imsOrgId}:rtcdp-prime`],
        ['net3', customerId],
        ['webex', customerId],
      ];
    }

    /** Each record the operation should have made, and how many times its provider made it. */
    function recordsOf(operation: Operation): { emulator: keyof TestStack['emulators']; key: string; count: number }[] {
      return expectedRecords(operation).map(([emulator, key]) => ({
        emulator,
        key,
        count: stack.emulators[emulator].created.get(key) ?? 0,
      }));
    }

    /** What went wrong with an operation, to read without a debugger: its records, its steps, the faults it met. */
    function describeOperation(operation: Operation): string {
      const unfinished =
        operation.last?.status === 'SUCCEEDED'
          ? []
          : [`\n    unfinished: ${operation.unfinished ?? operation.last?.status}`];
      const records = recordsOf(operation)
        .filter(({ count }) => count !== 1)
        .map(({ emulator, key, count }) => `\n    ${emulator} created ${key} ${count} times`);
      const steps = (operation.last?.steps ?? []).map((step) => {
        const failure = step.failure
          ? ` ${step.failure.code} ${step.failure.httpStatus ?? '-'} "${step.failure.message}"`
          : '';
        return `\n    step ${step.name}: ${step.status} after ${step.attempts} attempts${failure}`;
      });
      // The faults met on paths that name this customer (CloudCockpit's): in order, per path.
      const faults = Object.entries(stack.emulators).flatMap(([name, emulator]) =>
        emulator.faults.injected
          .filter(({ path }) => path.toLowerCase().includes(operation.customerId))
          .map(({ method, path, fault }) => `\n    fault: ${name} ${method} ${path} ${JSON.stringify(fault)}`),
      );
      return (
        `#${operation.index} provisioning ${operation.provisioningId} (customer ${operation.customerId}, ${operation.imsOrgId}): ` +
        `${operation.last?.status ?? 'never read'}${[...unfinished, ...records, ...steps, ...faults].join('')}`
      );
    }

    it(`provisions ${N} customers everywhere, each record exactly once`, { timeout: 120_000 + N * 3_000 }, async () => {
      const startedAt = Date.now();
      const operations: Operation[] = Array.from({ length: N }, (_, index) => ({
        index,
        customerId: seededUuid(`customer:${index}`),
        imsOrgId: `${seededBytes(`imsOrg:${index}`).toString('hex').slice(0, 24).toUpperCase()}@AdobeOrg`,
        idempotencyKey: seededUuid(`key:${index}`),
        provisioningId: null,
        last: null,
        unfinished: null,
      }));
      const run = async (untilNet3Fails: boolean) => {
        const queue = [...operations];
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            for (let operation = queue.shift(); operation; operation = queue.shift()) {
              await runOperation(operation, untilNet3Fails);
            }
          }),
        );
      };
      if (outage === 'part') setTimeout(() => (net3Down = false), OUTAGE_MS);
      if (outage === 'whole') {
        // Every operation as far as it goes without Net3; then Net3 is back, and the clients retry until done.
        await run(true);
        const stuck = operations.filter((operation) => !operation.last || !settledWithoutNet3(operation.last));
        expect(stuck.map(describeOperation), 'with Net3 down, every other step finishes').toEqual([]);
        expect(tally.circuitOpen, "Net3's circuit opened").toBeGreaterThan(0);
        expect(net3.exchanges.length, 'no call reached Net3 while it was down').toBe(0);
        net3Down = false;
        // Past the circuit's half-open delay: the first retry's call is its probe.
        await sleep(1_000);
      }
      await run(false);
      const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);

      const injected = Object.entries(stack.emulators).map(
        ([name, emulator]) => `${name} ${emulator.faults.injected.length}`,
      );
      console.log(
        `fault soak (Net3 down: ${outage}): N=${N} seed=${SEED}; faults injected: ${injected.join(', ')}; ` +
          `retries ${tally.retries}, replays ${tally.replays}, resent after a transport error ` +
          `${tally.resentAfterTransportError}, steps failed on an open circuit ${tally.circuitOpen}; ${seconds} s`,
      );

      const records = operations.flatMap(recordsOf);
      const outcome = {
        violations,
        unfinished: operations.filter((operation) => operation.last?.status !== 'SUCCEEDED').length,
        duplicated: records.filter(({ count }) => count > 1).length,
        missing: records.filter(({ count }) => count === 0).length,
      };
      const troubled = operations.filter(
        (operation) => operation.last?.status !== 'SUCCEEDED' || recordsOf(operation).some(({ count }) => count !== 1),
      );
      const report = [
        `Replay with SOAK_N=${N} SOAK_SEED=${SEED}.`,
        ...violations,
        ...troubled.map(describeOperation),
      ].join('\n');
      expect(outcome, report).toEqual({ violations: [], unfinished: 0, duplicated: 0, missing: 0 });
    });
  },
);
