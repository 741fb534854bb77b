import { describe, expect, it } from 'vitest';
import { Metrics, OTHER_OPERATION } from '../../src/telemetry/metrics.js';
import { routeTemplate, tracingRequested } from '../../src/telemetry/tracing.js';

describe('tracingRequested', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'false' }, true],
    [{ OTEL_SERVICE_NAME: 'provisioning-graph' }, false],
  ])('%j → %s', (env, expected) => {
    expect(tracingRequested(env)).toBe(expected);
  });
});

describe('routeTemplate', () => {
  it.each([
    ['v1/Customers', 'v1/Customers'],
    ['v1/Customers/3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'v1/Customers/{id}'],
    ['v1/Customers/3f2504e0-4f89-11d3-9a0c-0305e82c3301/provider-instances', 'v1/Customers/{id}/provider-instances'],
    ['v1/wholesale/customers/Y2lzY29zcGFyazovL3VzL1dIT0xFU0FMRV9DVVNUT01FUi8x', 'v1/wholesale/customers/{id}'],
    ['v1/wholesale/customers?externalId=abc&max=10', 'v1/wholesale/customers'],
    ['provisioning/status', 'provisioning/status'],
    ['/v1/customers/12345', '/v1/customers/{id}'],
  ])('%s → %s', (path, template) => {
    expect(routeTemplate(path)).toBe(template);
  });
});

describe('Metrics.operationLabel', () => {
  it('keeps the first names as sent, and counts unnamed operations, odd names and later names as `other`', () => {
    const metrics = new Metrics({ processMetrics: false, maxOperationNames: 2 });
    expect(metrics.operationLabel('Provision')).toBe('Provision');
    expect(metrics.operationLabel(undefined)).toBe(OTHER_OPERATION);
    expect(metrics.operationLabel('not a name')).toBe(OTHER_OPERATION);
    expect(metrics.operationLabel('Customers')).toBe('Customers');
    expect(metrics.operationLabel('Third')).toBe(OTHER_OPERATION);
    expect(metrics.operationLabel('Provision')).toBe('Provision');
  });
});
