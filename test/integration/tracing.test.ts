import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.js';
import { eventually } from '../support/eventually.js';
import { provisionEverywhereInput } from '../support/fixtures.js';
import { scrape, sumOf } from '../support/prometheus-text.js';
import { startServerProcess } from '../support/server-process.js';
import { graphql, signToken, startTestStack, TEST_JWT_SECRET, type TestStack } from '../support/stack.js';

/** A span as OTLP/JSON spells it (ids in hex, attributes as typed values). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}

interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

/** An OTLP/HTTP receiver on loopback: what the exporter POSTs to /v1/traces, kept as sent. */
async function startOtlpReceiver(): Promise<{ url: string; exports: OtlpExport[]; close(): Promise<void> }> {
  const exports: OtlpExport[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        exports.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

const PROVISION = `mutation Provision($input: ProvisionCustomerInput!) {
  provisionCustomer(input: $input) {
    customer { id }
    wholesale { ... on WholesaleCustomer { id } }
    failures { provider code }
  }
}`;

const WHOLESALE = `query Wholesale($id: ID!) { wholesaleCustomer(id: $id) { id } }`;

/** OTEL_* as an operator would set them; the SDK reads them from the process's environment. */
const OTEL_ENVIRONMENT = [
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_BSP_SCHEDULE_DELAY',
];

describe('traces, with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing | null;
  let stack: TestStack;
  let wholesaleId: string;
  const saved = Object.fromEntries(OTEL_ENVIRONMENT.map((name) => [name, process.env[name]]));

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = `${receiver.url}/v1/traces`;
    process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] = 'http/json';
    process.env['OTEL_BSP_SCHEDULE_DELAY'] = '50';
    tracing = await startTracing();
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
    await tracing?.shutdown();
    await receiver?.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("sends a span per operation, a child span per provider call, and the trace's traceparent to the providers", async () => {
    expect(tracing).not.toBeNull();
    // The caller's own trace: the operation's span is its child.
    const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const token = await signToken();
    const response = await graphql<{ provisionCustomer: { wholesale: { id: string } } }>(
      stack.server.url,
      PROVISION,
      { input: provisionEverywhereInput() },
      { token, headers: { traceparent: `00-${callerTraceId}-${callerSpanId}-01` } },
    );
    expect(response.errors).toBeUndefined();
    wholesaleId = response.data!.provisionCustomer.wholesale.id;

    const spansOf = () =>
      receiver.exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
    const spans = await eventually(
      async () => spansOf(),
      (all) => all.some((span) => span.name === 'graphql.operation Provision'),
    );
    const operation = spans.find((span) => span.name === 'graphql.operation Provision');
    expect(operation).toBeDefined();
    expect(operation).toMatchObject({ traceId: callerTraceId, parentSpanId: callerSpanId, kind: 2 });
    expect(attribute(operation!, 'graphql.operation.name')).toBe('Provision');
    expect(attribute(operation!, 'graphql.operation.type')).toBe('mutation');
    const service = receiver.exports[0]!.resourceSpans[0]!.resource.attributes.find((a) => a.key === 'service.name');
    expect(service?.value.stringValue).toBe('provisioning-graph');

    // Every provider call is the operation's child, named by its route, never by the ids in its path.
    const upstream = spans.filter((span) => span.parentSpanId === operation!.spanId);
    const providers = new Set(upstream.map((span) => attribute(span, 'provisioning_graph.provider')));
    expect([...providers].sort()).toEqual(['CLOUDCOCKPIT', 'EXPERIENCE_PLATFORM', 'NET3', 'WEBEX_WHOLESALE']);
    for (const span of upstream) {
      expect(span.traceId).toBe(callerTraceId);
      expect(span.kind).toBe(3);
      expect(attribute(span, 'http.request.method')).toMatch(/^(GET|POST)$/);
      expect(attribute(span, 'http.response.status_code')).toBeGreaterThanOrEqual(200);
      expect(String(attribute(span, 'url.template'))).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    }
    expect(upstream.map((span) => span.name)).toContain('POST v1/Customers/{id}/provider-instances');

    // Each provider received the traceparent of its call's span.
    for (const [name, emulator] of Object.entries(stack.emulators)) {
      const parents = emulator.calls.map((call) => call.headers['traceparent']);
      expect(parents.length, name).toBeGreaterThan(0);
      for (const parent of parents) {
        const [, traceId, spanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(parent ?? '') ?? [];
        expect(traceId, name).toBe(callerTraceId);
        expect(
          upstream.map((span) => span.spanId),
          name,
        ).toContain(spanId);
      }
    }
  });

  it('records the retries of a call, and the error of one that failed', async () => {
    const token = await signToken();
    const webex = stack.emulators.webex;
    const traceOf = async (traceId: string) => {
      const headers = { traceparent: `00-${traceId}-00f067aa0ba902b7-01` };
      await graphql(stack.server.url, WHOLESALE, { id: wholesaleId }, { token, headers });
      return eventually(
        async () =>
          receiver.exports
            .flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)))
            .filter((span) => span.traceId === traceId),
        (spans) => spans.length >= 2,
      );
    };

    // Two 503s, then the answer: the policy's two retries.
    webex.faults.script({ method: 'GET', fault: { kind: 'refuse', status: 503 }, times: 2 });
    const retried = await traceOf('11111111111111111111111111111111');
    const call = retried.find((span) => span.name === 'GET v1/wholesale/customers/{id}');
    expect(call && attribute(call, 'http.request.resend_count')).toBe(2);
    expect(call && attribute(call, 'http.response.status_code')).toBe(200);
    expect(call?.status?.code ?? 0).toBe(0);

    // Three: the read fails with the last of them.
    webex.faults.script({ method: 'GET', fault: { kind: 'refuse', status: 503 }, times: 3 });
    const failed = await traceOf('22222222222222222222222222222222');
    const failedCall = failed.find((span) => span.name === 'GET v1/wholesale/customers/{id}');
    expect(failedCall && attribute(failedCall, 'http.response.status_code')).toBe(503);
    expect(failedCall && attribute(failedCall, 'error.type')).toBe('http_error');
    expect(failedCall?.status?.code).toBe(2);
    const operation = failed.find((span) => span.name === 'graphql.operation Wholesale');
    expect(operation && attribute(operation, 'graphql.error.codes')).toEqual({
      values: [{ stringValue: 'UPSTREAM_ERROR' }],
    });
  });
});

describe('the server started by npm start, with OTEL_* and METRICS_TOKEN set', () => {
  it('sends its spans under OTEL_SERVICE_NAME, and counts its provider calls in /metrics', async () => {
    const receiver = await startOtlpReceiver();
    const metricsToken = 'a-metrics-token-for-the-process';
    const server = await startServerProcess({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      PORT: '0',
      DATA_DIR: 'memory://',
      JWT_SECRET: TEST_JWT_SECRET,
      METRICS_TOKEN: metricsToken,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: 'graph-under-test',
    });
    try {
      const token = await signToken({ tenant: 'sandbox.local' });
      const read = await graphql(server.url, 'query Customers { customers(first: 1) { totalCount } }', {}, { token });
      expect(read.errors).toBeUndefined();

      const spans = await eventually(
        async () => receiver.exports.flatMap((e) => e.resourceSpans),
        (resources) =>
          resources.some((r) => r.scopeSpans.some((s) => s.spans.some((span) => span.name === 'GET v1/Customers'))),
      );
      const names = spans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => span.name)));
      expect(names).toEqual(expect.arrayContaining(['graphql.operation Customers', 'GET v1/Customers']));
      const services = spans.map((r) => r.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue);
      expect(new Set(services)).toEqual(new Set(['graph-under-test']));

      await expect(scrape(server.url)).rejects.toThrow('/metrics answered 401');
      const metrics = await scrape(server.url, { authorization: `Bearer ${metricsToken}` });
      expect(
        sumOf(metrics, 'provisioning_graph_upstream_request_duration_seconds_count', { provider: 'CLOUDCOCKPIT' }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
      await receiver.close();
    }
  });
});
