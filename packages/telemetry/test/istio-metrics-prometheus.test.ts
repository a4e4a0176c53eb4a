import { createServer } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IstioMetrics, completeLabels } from '../src/index.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

let exporter: PrometheusExporter;
let provider: MeterProvider;
let server: Server;
let scrapeUrl: string;

beforeEach(async () => {
  exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  provider = new MeterProvider({ readers: [exporter] });
  // Serve the exporter's own handler over real HTTP, the way an app's admin port would.
  server = createServer((req, res) => exporter.getMetricsRequestHandler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scrapeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await provider.shutdown();
});

async function scrape(): Promise<string> {
  const response = await fetch(scrapeUrl);
  expect(response.status).toBe(200);
  return response.text();
}

const LABELS = completeLabels({
  reporter: 'destination',
  source_workload: 'productpage-v1',
  source_workload_namespace: 'default',
  source_principal: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
  source_app: 'productpage',
  source_version: 'v1',
  destination_workload: 'reviews-v2',
  destination_workload_namespace: 'default',
  destination_app: 'reviews',
  destination_version: 'v2',
  destination_service: 'reviews.default.svc.cluster.local',
  destination_service_name: 'reviews',
  destination_service_namespace: 'default',
  request_protocol: 'http',
  response_code: '200',
  connection_security_policy: 'mutual_tls',
});

const LABEL_TEXT = [
  'reporter="destination"',
  'source_workload="productpage-v1"',
  'source_workload_namespace="default"',
  'source_principal="spiffe://cluster.local/ns/default/sa/bookinfo-productpage"',
  'source_app="productpage"',
  'source_version="v1"',
  'source_canonical_service="unknown"',
  'source_canonical_revision="latest"',
  'source_cluster="unknown"',
  'destination_workload="reviews-v2"',
  'destination_workload_namespace="default"',
  'destination_principal="unknown"',
  'destination_app="reviews"',
  'destination_version="v2"',
  'destination_service="reviews.default.svc.cluster.local"',
  'destination_service_name="reviews"',
  'destination_service_namespace="default"',
  'destination_canonical_service="unknown"',
  'destination_canonical_revision="latest"',
  'destination_cluster="unknown"',
  'request_protocol="http"',
  'response_code="200"',
  'grpc_response_status=""',
  'response_flags="-"',
  'connection_security_policy="mutual_tls"',
].join(',');

describe('IstioMetrics through the Prometheus exporter', () => {
  it('exposes istio_requests_total with Istio labels and the exact count', async () => {
    const istio = new IstioMetrics(provider.getMeter('test'));
    for (let i = 0; i < 3; i++) istio.recordRequest(LABELS, { durationMs: 7, requestBytes: 0, responseBytes: 300 });
    istio.recordRequest({ ...LABELS, response_code: '503', response_flags: 'UF' }, { durationMs: 1, requestBytes: 0, responseBytes: 19 });

    const text = await scrape();
    const lines = text.split('\n');
    expect(lines).toContain('# TYPE istio_requests_total counter');
    expect(lines).toContain(`istio_requests_total{${LABEL_TEXT}} 3`);
    const failed = LABEL_TEXT.replace('response_code="200"', 'response_code="503"').replace('response_flags="-"', 'response_flags="UF"');
    expect(lines).toContain(`istio_requests_total{${failed}} 1`);
    expect(lines.filter((line) => line.startsWith('istio_requests_total{'))).toHaveLength(2);
    // Only the names an Istio dashboard queries: no scope labels, no target_info, no unit suffixes.
    expect(text).not.toMatch(/otel_scope|target_info|_milliseconds_milliseconds|_bytes_bytes|istio_requests_total_total/);
  });

  it('buckets durations on Istio bounds as a cumulative histogram', async () => {
    const istio = new IstioMetrics(provider.getMeter('test'));
    for (const durationMs of [0.3, 3, 3, 42, 700, 4_000_000]) {
      istio.recordRequest(LABELS, { durationMs, requestBytes: 10, responseBytes: 2_000 });
    }
    const lines = (await scrape()).split('\n');
    expect(lines).toContain('# TYPE istio_request_duration_milliseconds histogram');
    const bucket = (le: string): string | undefined =>
      lines.find((line) => line.startsWith(`istio_request_duration_milliseconds_bucket{${LABEL_TEXT},le="${le}"}`));
    const expected: [string, number][] = [
      ['0.5', 1], ['1', 1], ['5', 3], ['10', 3], ['25', 3], ['50', 4], ['100', 4], ['250', 4], ['500', 4],
      ['1000', 5], ['2500', 5], ['5000', 5], ['10000', 5], ['30000', 5], ['60000', 5], ['300000', 5],
      ['600000', 5], ['1800000', 5], ['3600000', 5], ['+Inf', 6],
    ];
    for (const [le, count] of expected) expect(bucket(le)).toBe(`istio_request_duration_milliseconds_bucket{${LABEL_TEXT},le="${le}"} ${count}`);
    expect(lines.filter((line) => line.startsWith('istio_request_duration_milliseconds_bucket{'))).toHaveLength(20);
    expect(lines).toContain(`istio_request_duration_milliseconds_count{${LABEL_TEXT}} 6`);
    expect(lines).toContain(`istio_request_duration_milliseconds_sum{${LABEL_TEXT}} 4000748.3`);
    expect(lines).toContain(`istio_request_bytes_sum{${LABEL_TEXT}} 60`);
    expect(lines).toContain(`istio_request_bytes_bucket{${LABEL_TEXT},le="10"} 6`);
    expect(lines).toContain(`istio_response_bytes_count{${LABEL_TEXT}} 6`);
    expect(lines).toContain(`istio_response_bytes_bucket{${LABEL_TEXT},le="1000"} 0`);
    expect(lines).toContain(`istio_response_bytes_bucket{${LABEL_TEXT},le="2500"} 6`);
  });

  it('uses Istio label order and drops properties that are not Istio labels', async () => {
    const istio = new IstioMetrics(provider.getMeter('test'));
    const shuffled = Object.fromEntries(Object.entries(LABELS).reverse()) as typeof LABELS;
    istio.recordRequest({ ...shuffled, user_id: 'u-123' } as typeof LABELS, { durationMs: 1, requestBytes: 1, responseBytes: 1 });
    const text = await scrape();
    expect(text.split('\n')).toContain(`istio_requests_total{${LABEL_TEXT}} 1`);
    expect(text).not.toContain('user_id');
  });

  it('records nothing and throws nothing without an SDK', () => {
    const istio = new IstioMetrics();
    expect(() => istio.recordRequest(LABELS, { durationMs: 1, requestBytes: 1, responseBytes: 1 })).not.toThrow();
  });
});
