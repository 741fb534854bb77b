import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_POOL, type Fault, type RandomFaults } from '../../../emulators/toolkit/faults.js';
import type { RunningEmulator } from '../../../emulators/toolkit/server.js';
import { startCloudCockpitEmulator } from '../../../emulators/cloudcockpit/emulator.js';
import { startExperiencePlatformEmulator } from '../../../emulators/experience-platform/emulator.js';
import { startNet3Emulator } from '../../../emulators/net3/emulator.js';
import { startWebexEmulator } from '../../../emulators/webex/emulator.js';
import { callEmulator, type EmulatorCallOptions, type EmulatorReply } from '../../support/emulator-call.js';

/** Faults act the same in every emulator (one middleware); Net3's is the one with the shortest valid body. */
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startNet3Emulator();
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.faults.clear();
  emulator.faults.injected.length = 0;
});

/** Provisions a fresh Net3 customer; resolves to its id and the reply, or the error when no reply came. */
async function provision(signal?: AbortSignal): Promise<{ customerId: string; reply: EmulatorReply | Error }> {
  const customerId = randomUUID();
  const body = {
    customer: { customerId, customerName: 'Contoso Pizza' },
    contacts: [{ firstName: 'Ana', lastName: 'Silva', email: 'ana@contoso.example', roles: ['Primary'] }],
  };
  return { customerId, reply: await send('/provisioning/customer', { body, ...(signal ? { signal } : {}) }) };
}

async function send(path: string, options: EmulatorCallOptions = {}): Promise<EmulatorReply | Error> {
  try {
    return await callEmulator(`${emulator.url}${path}`, { ...options, headers: { Authorization: 'Bearer any-key' } });
  } catch (error) {
    return error as Error;
  }
}

function replied(reply: EmulatorReply | Error): EmulatorReply {
  if (reply instanceof Error) throw new Error(`expected a reply, the request failed: ${reply.message}`);
  return reply;
}

/** A body that is there but does not parse as JSON (callEmulator leaves `json` undefined then). */
function notJson({ text, json }: EmulatorReply): boolean {
  return text !== '' && json === undefined;
}

describe('each fault', () => {
  it('without a fault, serves the request and counts the creation', async () => {
    const { customerId, reply } = await provision();
    expect(replied(reply).status).toBe(200);
    expect(emulator.created.get(customerId)).toBe(1);
    expect(emulator.faults.injected).toEqual([]);
  });

  it('refuse: answers the status before processing, with Retry-After when given (423 and 429: 1 by default)', async () => {
    const cases: [Fault, string | null][] = [
      [{ kind: 'refuse', status: 503 }, null],
      [{ kind: 'refuse', status: 500, retryAfterSeconds: 3 }, '3'],
      [{ kind: 'refuse', status: 429 }, '1'],
      [{ kind: 'refuse', status: 423, retryAfterSeconds: 7 }, '7'],
    ];
    for (const [fault, retryAfter] of cases) {
      emulator.faults.script({ fault });
      const { customerId, reply } = await provision();
      const answer = replied(reply);
      expect(answer.status).toBe((fault as { status: number }).status);
      expect(answer.headers.get('retry-after')).toBe(retryAfter);
      expect(notJson(answer)).toBe(true);
      expect(emulator.created.has(customerId)).toBe(false);
    }
  });

  it.each([500, 502] as const)('lose as %i: the record is created, the client gets a bare %i', async (as) => {
    emulator.faults.script({ fault: { kind: 'lose', as } });
    const { customerId, reply } = await provision();
    const { status, headers, text } = replied(reply);
    expect(status).toBe(as);
    expect(headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).not.toMatch(/responseStatus|Contoso/);
    expect(emulator.created.get(customerId)).toBe(1);
  });

  it('lose as a drop: the record is created, the connection is reset', async () => {
    emulator.faults.script({ fault: { kind: 'lose', as: 'drop' } });
    const { customerId, reply } = await provision();
    expect(reply).toBeInstanceOf(Error);
    expect(emulator.created.get(customerId)).toBe(1);
  });

  it('drop: the connection is reset before processing, nothing is created (the request is still recorded)', async () => {
    emulator.faults.script({ fault: { kind: 'drop' } });
    const before = emulator.calls.length;
    const { customerId, reply } = await provision();
    expect(reply).toBeInstanceOf(Error);
    expect(emulator.created.has(customerId)).toBe(false);
    expect(emulator.calls).toHaveLength(before + 1);
  });

  it('hang: never answers and creates nothing, until the client gives up', async () => {
    emulator.faults.script({ fault: { kind: 'hang' } });
    const { customerId, reply } = await provision(AbortSignal.timeout(200));
    expect(reply).toMatchObject({ name: 'TimeoutError' });
    expect(emulator.created.has(customerId)).toBe(false);
  });

  it("malformed: the record is created, the answer has the handler's status and a body that is not JSON", async () => {
    emulator.faults.script({ fault: { kind: 'malformed' } });
    const { customerId, reply } = await provision();
    const answer = replied(reply);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.text).toMatch(/^\{"customer"/);
    expect(notJson(answer)).toBe(true);
    expect(emulator.created.get(customerId)).toBe(1);
  });

  it('latency: waits, then serves normally', async () => {
    emulator.faults.script({ fault: { kind: 'latency', ms: 150 } });
    const startedAt = Date.now();
    const { customerId, reply } = await provision();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(150);
    expect(replied(reply).status).toBe(200);
    expect(emulator.created.get(customerId)).toBe(1);
  });
});

describe('scripted faults', () => {
  it('strike only the requests whose method and path match, as many times as said, in order, and are listed', async () => {
    const refuse: Fault = { kind: 'refuse', status: 503 };
    const lose: Fault = { kind: 'lose', as: 502 };
    emulator.faults.script(
      { method: 'get', path: '/provisioning/customer', fault: refuse, times: 2 },
      { path: /^\/provisioning\//, fault: lose },
    );
    // POST does not match the first rule, but the second.
    expect(replied((await provision()).reply).status).toBe(502);
    expect(replied((await provision()).reply).status).toBe(200);
    // Net3 has no GET: 404 once the faults are spent.
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(replied(await send('/provisioning/customer')).status);
    expect(statuses).toEqual([503, 503, 404]);
    expect(emulator.faults.injected).toEqual([
      { method: 'POST', path: '/provisioning/customer', fault: lose },
      { method: 'GET', path: '/provisioning/customer', fault: refuse },
      { method: 'GET', path: '/provisioning/customer', fault: refuse },
    ]);
  });

  it('are dropped by clear()', async () => {
    emulator.faults.script({ fault: { kind: 'refuse', status: 503 }, times: 5 });
    emulator.faults.clear();
    expect(replied((await provision()).reply).status).toBe(200);
  });

  it('come before random ones', async () => {
    emulator.faults.random({ rate: 1, seed: 1, pool: [{ kind: 'refuse', status: 429 }] });
    emulator.faults.script({ fault: { kind: 'refuse', status: 500 } });
    expect(replied((await provision()).reply).status).toBe(500);
    expect(replied((await provision()).reply).status).toBe(429);
  });
});

describe('every emulator', () => {
  it.each([
    ['CloudCockpit', startCloudCockpitEmulator],
    ['Adobe Experience Platform', startExperiencePlatformEmulator],
    ['Net3', startNet3Emulator],
    ['Webex', startWebexEmulator],
  ])('%s injects faults into requests it has recorded, before authentication', async (_, start) => {
    const running = await start();
    try {
      running.faults.script({ fault: { kind: 'refuse', status: 503 } });
      const response = await fetch(`${running.url}/any/path`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(503);
      expect(running.calls).toEqual([expect.objectContaining({ method: 'POST', path: '/any/path', body: {} })]);
      expect(running.faults.injected).toHaveLength(1);
      expect(running.created.size).toBe(0);
    } finally {
      await running.close();
    }
  });
});

describe('random faults', () => {
  /** What `requests` GETs meet under these random faults: each one's status, or 'reset'. */
  async function outcomesUnder(faults: RandomFaults, requests: number): Promise<(number | 'reset')[]> {
    emulator.faults.injected.length = 0;
    emulator.faults.random(faults);
    const outcomes: (number | 'reset')[] = [];
    for (let i = 0; i < requests; i++) {
      const reply = await send(`/provisioning/customer?i=${i}`);
      outcomes.push(reply instanceof Error ? 'reset' : reply.status);
    }
    return outcomes;
  }

  it('are reproducible: the same seed gives the same faults, on the same requests', async () => {
    const first = await outcomesUnder({ rate: 0.3, seed: 42 }, 60);
    const firstInjected = [...emulator.faults.injected];
    const again = await outcomesUnder({ rate: 0.3, seed: 42 }, 60);
    expect(again).toEqual(first);
    expect(emulator.faults.injected).toEqual(firstInjected);
    expect(await outcomesUnder({ rate: 0.3, seed: 43 }, 60)).not.toEqual(first);
  });

  it('strike about `rate` of the requests, half before processing and half after, from the default pool', async () => {
    const outcomes = await outcomesUnder({ rate: 0.2, seed: 7 }, 400);
    const { injected } = emulator.faults;
    expect(injected.length).toBeGreaterThanOrEqual(55);
    expect(injected.length).toBeLessThanOrEqual(105);
    expect(outcomes.filter((outcome) => outcome !== 404)).toHaveLength(injected.length);
    const after = injected.filter(({ fault }) => fault.kind === 'lose').length;
    expect(after / injected.length).toBeGreaterThan(0.3);
    expect(after / injected.length).toBeLessThan(0.7);
    for (const { fault } of injected) expect(DEFAULT_FAULT_POOL).toContainEqual(fault);
  });

  it('stop with random(null)', async () => {
    emulator.faults.random({ rate: 1, seed: 1 });
    emulator.faults.random(null);
    expect(replied((await provision()).reply).status).toBe(200);
  });

  it('refuse a rate outside 0..1', () => {
    expect(() => emulator.faults.random({ rate: 1.5, seed: 1 })).toThrow(/rate/);
  });
});
