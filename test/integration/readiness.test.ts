import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import type { Database } from '../../src/ledger/database.js';
import type { ReadinessReport } from '../../src/readiness.js';
import { postgresBackend, type TestDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { graphql, recordWebexCustomers, signToken, startTestStack, type TestStack } from '../support/stack.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

async function readiness(stack: TestStack): Promise<{ status: number; report: ReadinessReport; text: string }> {
  const response = await fetch(new URL('/readyz', stack.server.url));
  const text = await response.text();
  return { status: response.status, report: JSON.parse(text) as ReadinessReport, text };
}

describe('/readyz on PGlite', () => {
  let stack: TestStack;
  let database: Database;

  beforeAll(async () => {
    const opened = await openLedger({ dataDir: 'memory://' });
    database = opened.database;
    // Webex unreachable, and one outage opens a circuit: a provider's outage, as every replica would see it.
    stack = await startTestStack({
      ledger: opened.ledger,
      urls: { webex: 'http://127.0.0.1:9' },
      policy: { breakerThreshold: 1, maxAttempts: 0 },
    });
  });
  afterAll(() => stack.close());

  it('is ready while the database answers, and reports each provider circuit', async () => {
    const { status, report } = await readiness(stack);
    expect(status).toBe(200);
    expect(report).toEqual({
      status: 'ready',
      checks: { database: { status: 'up' }, shutdown: { status: 'serving' } },
      circuits: {
        CLOUDCOCKPIT: { state: 'closed' },
        EXPERIENCE_PLATFORM: { state: 'closed' },
        NET3: { state: 'closed' },
        WEBEX_WHOLESALE: { state: 'closed' },
      },
    });
  });

  it("stays ready with a provider's circuit open, and says so", async () => {
    const webexCustomerId = 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8x';
    await recordWebexCustomers(stack.ledger, [webexCustomerId]);
    const answer = await graphql(
      stack.server.url,
      'query($id: ID!) { wholesaleCustomer(id: $id) { id } }',
      {
        id: webexCustomerId,
      },
      { token: await signToken() },
    );
    expect(answer.errors?.[0]?.extensions.code).toBe('UPSTREAM_ERROR');
    const { status, report } = await readiness(stack);
    expect(status).toBe(200);
    expect(report.circuits.WEBEX_WHOLESALE).toEqual({ state: 'open', retryAfterSeconds: expect.any(Number) });
    expect(report.circuits.NET3).toEqual({ state: 'closed' });
  });

  // PGlite runs inside the process: it is unreachable only once closed, which is what is tried here.
  it('is unready once the database is closed, saying which check failed', async () => {
    await database.close();
    const { status, report } = await readiness(stack);
    expect(status).toBe(503);
    expect(report.status).toBe('unready');
    expect(report.checks.database).toEqual({ status: 'down', reason: 'error' });
    // Liveness does not depend on the database: a restart would not bring it back.
    expect((await fetch(new URL('/healthz', stack.server.url))).status).toBe(200);
  });
});

describe.skipIf(!postgresBackend)('/readyz on PostgreSQL, reached through a proxy that stops', () => {
  let testDatabase: TestDatabase;
  let proxy: TcpProxy;
  let stack: TestStack;
  let database: Database;

  beforeAll(async () => {
    testDatabase = await postgresBackend!.create();
    const direct = new URL(testDatabase.url!);
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    const throughProxy = new URL(direct);
    throughProxy.hostname = '127.0.0.1';
    throughProxy.port = String(proxy.port);
    const opened = await openLedger({ databaseUrl: throughProxy.toString(), dataDir: '' });
    database = opened.database;
    stack = await startTestStack({ ledger: opened.ledger });
  });
  afterAll(async () => {
    await stack?.close();
    await database?.close();
    await testDatabase?.drop();
  });

  it('fails while the database is unreachable, without naming it, and recovers when it returns', async () => {
    expect((await readiness(stack)).status).toBe(200);

    await proxy.stop();
    const unready = await readiness(stack);
    expect(unready.status).toBe(503);
    expect(unready.report.checks.database).toEqual({
      status: 'down',
      reason: expect.stringMatching(/^(error|timeout)$/),
    });
    const direct = new URL(testDatabase.url!);
    for (const detail of [direct.hostname, String(proxy.port), direct.pathname.slice(1), direct.username]) {
      expect(unready.text).not.toContain(detail);
    }

    await proxy.resume();
    const back = await eventually(
      () => readiness(stack),
      (answer) => answer.status === 200,
    );
    expect(back.report.checks.database).toEqual({ status: 'up' });
  });
});
