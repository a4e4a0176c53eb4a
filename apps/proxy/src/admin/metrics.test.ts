import { HttpConnectionManager, newCodecStats } from '@meshkit/filters';
import { ClusterManager } from '@meshkit/upstream';
import { describe, expect, it } from 'vitest';
import { envoyStatsText, ProxyMetrics } from './metrics.js';

function manager(statPrefix: string): HttpConnectionManager {
  return new HttpConnectionManager({ statPrefix, trafficDirection: 'INBOUND', filters: [], routeTable: () => null });
}

describe('envoyStatsText', () => {
  it('gives two connection managers with one stat_prefix one series, their sum, as Envoy shares the stats', () => {
    const [first, second, other] = [manager('ingress'), manager('ingress'), manager('admin')];
    first.stats.downstream_rq_total = 2;
    second.stats.downstream_rq_total = 3;
    other.stats.downstream_rq_total = 7;
    const lines = envoyStatsText(new ClusterManager(), [first, second, other], new Map(), newCodecStats()).split('\n');
    expect(lines.filter((line) => line.startsWith('envoy_http_downstream_rq_total{'))).toEqual([
      'envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="ingress"} 5',
      'envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="admin"} 7',
    ]);
  });
});

describe('ProxyMetrics.prometheusText', () => {
  it('is empty before anything is recorded, and ends in a newline after', async () => {
    const metrics = new ProxyMetrics();
    expect(await metrics.prometheusText()).toBe('');
    metrics.meter.createCounter('istio_requests_total').add(1, { response_code: '200' });
    const text = await metrics.prometheusText();
    expect(text).toContain('istio_requests_total{response_code="200"} 1');
    expect(text.endsWith('\n')).toBe(true);
    await metrics.shutdown();
  });
});

