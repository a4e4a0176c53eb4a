import { describe, expect, it } from 'vitest';
import { mergePlainStats, mergePrometheusText } from './stats-merge.js';

describe('mergePlainStats', () => {
  const worker0 = [
    'cluster.a.circuit_breakers.default.cx_open: 0',
    'cluster.a.circuit_breakers.default.remaining_cx: 7',
    'cluster.a.membership_change: 2',
    'cluster.a.membership_total: 3',
    'cluster.a.upstream_rq_total: 5',
    'http.in.downstream_rq_active: 1',
    'listener.127.0.0.1_80.worker_0.downstream_cx_total: 4',
    'server.live: 1',
    '',
  ].join('\n');
  const worker1 = [
    'cluster.a.circuit_breakers.default.cx_open: 1',
    'cluster.a.circuit_breakers.default.remaining_cx: 0',
    'cluster.a.membership_change: 2',
    'cluster.a.membership_total: 3',
    'cluster.a.upstream_rq_total: 6',
    'http.in.downstream_rq_active: 2',
    'listener.127.0.0.1_80.worker_1.downstream_cx_total: 1',
    'server.live: 1',
    '',
  ].join('\n');

  it('adds counters and activity up, and takes shared state once', () => {
    expect(mergePlainStats([worker0, worker1], { 'server.live': 0, 'server.concurrency': 2 }, undefined)).toBe(
      [
        'cluster.a.circuit_breakers.default.cx_open: 1',
        'cluster.a.circuit_breakers.default.remaining_cx: 0',
        'cluster.a.membership_change: 2',
        'cluster.a.membership_total: 3',
        'cluster.a.upstream_rq_total: 11',
        'http.in.downstream_rq_active: 3',
        'listener.127.0.0.1_80.worker_0.downstream_cx_total: 4',
        'listener.127.0.0.1_80.worker_1.downstream_cx_total: 1',
        'server.concurrency: 2',
        'server.live: 0',
        '',
      ].join('\n'),
    );
  });

  it('keeps only what the filter matches, its own stats included', () => {
    expect(mergePlainStats([worker0, worker1], { 'server.concurrency': 2 }, /rq_total|concurrency/)).toBe('cluster.a.upstream_rq_total: 11\nserver.concurrency: 2\n');
  });
});

describe('mergePrometheusText', () => {
  const worker = (requests: number, healthy: number, bucket: number): string =>
    [
      '# HELP istio_requests_total Total requests.',
      '# TYPE istio_requests_total counter',
      `istio_requests_total{response_code="200"} ${requests}`,
      '# TYPE istio_request_duration_milliseconds histogram',
      `istio_request_duration_milliseconds_bucket{le="5"} ${bucket}`,
      `istio_request_duration_milliseconds_bucket{le="+Inf"} ${bucket + 1}`,
      `istio_request_duration_milliseconds_sum ${bucket * 1.5}`,
      `istio_request_duration_milliseconds_count ${bucket + 1}`,
      '# TYPE envoy_cluster_membership_healthy gauge',
      `envoy_cluster_membership_healthy{envoy_cluster_name="a"} ${healthy}`,
      '',
    ].join('\n');

  it('writes each family once and combines each series across workers', () => {
    const second = `${worker(1, 2, 3)}# TYPE envoy_cluster_upstream_cx_active gauge\nenvoy_cluster_upstream_cx_active{envoy_cluster_name="a"} 1\n`;
    expect(mergePrometheusText([worker(4, 2, 1), second])).toBe(
      [
        '# HELP istio_requests_total Total requests.',
        '# TYPE istio_requests_total counter',
        'istio_requests_total{response_code="200"} 5',
        '# TYPE istio_request_duration_milliseconds histogram',
        'istio_request_duration_milliseconds_bucket{le="5"} 4',
        'istio_request_duration_milliseconds_bucket{le="+Inf"} 6',
        'istio_request_duration_milliseconds_sum 6',
        'istio_request_duration_milliseconds_count 6',
        '# TYPE envoy_cluster_membership_healthy gauge',
        'envoy_cluster_membership_healthy{envoy_cluster_name="a"} 2',
        '# TYPE envoy_cluster_upstream_cx_active gauge',
        'envoy_cluster_upstream_cx_active{envoy_cluster_name="a"} 1',
        '',
      ].join('\n'),
    );
  });

  it('reads and writes infinite values', () => {
    const text = '# TYPE g gauge\ng +Inf\n';
    expect(mergePrometheusText([text, text])).toBe(text);
  });

  it("takes the caller's own families in place of the workers'", () => {
    const worker = '# TYPE c counter\nc 1\n# TYPE envoy_server_live gauge\nenvoy_server_live 1\n';
    expect(mergePrometheusText([worker, worker], '# TYPE envoy_server_live gauge\nenvoy_server_live 0\n')).toBe(
      '# TYPE c counter\nc 2\n# TYPE envoy_server_live gauge\nenvoy_server_live 0\n',
    );
  });

  it('is empty when no worker has a metric', () => {
    expect(mergePrometheusText(['', ''])).toBe('');
  });
});
