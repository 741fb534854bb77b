import type { IncomingHttpHeaders } from 'node:http';
import { Metrics } from '../src/telemetry/metrics.js';
import {
  describeOperation,
  describeUpstreamCall,
  injectTraceContext,
  inOperationSpan,
  inUpstreamSpan,
  startTracing,
} from '../src/telemetry/tracing.js';

/**
 * What the telemetry adds to one read (an operation with one provider call), in CPU time per request, against the
 * same promise chain without it: `npx tsx bench/telemetry-overhead.ts`. Tracing is off unless OTEL_* asks for it, as
 * in production; `--traced` starts the SDK with an exporter to a closed port (spans made and batched, never sent).
 */

const ITERATIONS = 200_000;
const ROUNDS = 7;
const headers: IncomingHttpHeaders = { 'content-type': 'application/json', authorization: 'Bearer x' };
const path = 'v1/wholesale/customers/Y2lzY29zcGFyazovL3VzL1dIT0xFU0FMRV9DVVNUT01FUi8x';

const answer = () => Promise.resolve({ status: 200 });

async function bare(): Promise<void> {
  const outgoing: Record<string, string> = {};
  await (async () => {
    await answer();
    return outgoing;
  })();
}

async function traced(): Promise<void> {
  await inOperationSpan(headers, async () => {
    await inUpstreamSpan({ provider: 'WEBEX_WHOLESALE', method: 'GET', path }, async (span) => {
      const outgoing: Record<string, string> = {};
      injectTraceContext(outgoing);
      const { status } = await answer();
      describeUpstreamCall(span, status, 0);
      return outgoing;
    });
    describeOperation('Wholesale', 'query', undefined, false);
  });
}

function measured(metrics: Metrics): () => Promise<void> {
  return async () => {
    await bare();
    metrics.observeUpstreamCall('WEBEX_WHOLESALE', 200, 'success', 0.001);
    metrics.observeOperation(metrics.operationLabel('Wholesale'), 'query', 'success', 0.002);
  };
}

async function nanosecondsPerCall(run: () => Promise<void>): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.cpuUsage();
    for (let i = 0; i < ITERATIONS; i++) await run();
    const { user, system } = process.cpuUsage(started);
    rounds.push(((user + system) * 1000) / ITERATIONS);
  }
  rounds.sort((a, b) => a - b);
  return rounds[Math.floor(ROUNDS / 2)]!;
}

if (process.argv.includes('--traced')) {
  process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ??= 'http://127.0.0.1:9/v1/traces';
  await startTracing();
}
const metrics = new Metrics({ processMetrics: false });
// Warm-up: the JIT, and the metrics' label children made once.
for (const run of [bare, traced, measured(metrics)]) for (let i = 0; i < ITERATIONS; i++) await run();

const base = await nanosecondsPerCall(bare);
const withSpans = await nanosecondsPerCall(traced);
const withMetrics = await nanosecondsPerCall(measured(metrics));
const tracing = process.argv.includes('--traced') ? 'on' : 'off';
process.stdout.write(
  `CPU per request, median of ${ROUNDS} rounds of ${ITERATIONS}:\n` +
    `  bare promise chain                 ${base.toFixed(0)} ns\n` +
    `  + operation and upstream spans     ${withSpans.toFixed(0)} ns (+${(withSpans - base).toFixed(0)} ns; tracing ${tracing})\n` +
    `  + operation and upstream metrics   ${withMetrics.toFixed(0)} ns (+${(withMetrics - base).toFixed(0)} ns)\n`,
);
process.exit(0);
