import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Meter } from '@opentelemetry/api';
import { codecStatEntries } from '@meshkit/filters';
import type { CodecStats, HttpConnectionManager } from '@meshkit/filters';
import type { ClusterManager } from '@meshkit/upstream';
import type { ListenerConnectionStats } from '../runtime/listener-manager.js';

/** The proxy's OpenTelemetry metrics (Istio's standard metrics), exposed in Prometheus text form. */
export class ProxyMetrics {
  private readonly exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  private readonly provider = new MeterProvider({ readers: [this.exporter] });
  private readonly serializer = new PrometheusSerializer('', false, undefined, true, true);

  get meter(): Meter {
    return this.provider.getMeter('meshkit-proxy');
  }

  /** The Istio metrics, each line ending in a newline (empty when none was recorded), so Envoy's stats can follow. */
  async prometheusText(): Promise<string> {
    const { resourceMetrics } = await this.exporter.collect();
    const text = this.serializer.serialize(resourceMetrics);
    // With nothing recorded the serializer writes only `# no registered metrics`, with no newline:
    // whatever followed it would be read as part of that comment.
    if (resourceMetrics.scopeMetrics.every((scope) => scope.metrics.every((metric) => metric.dataPoints.length === 0))) return '';
    return text.endsWith('\n') ? text : `${text}\n`;
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A counter or gauge per stat name, each with one sample per label (Envoy's tag extraction). */
function appendFamily(lines: string[], metric: string, type: 'counter' | 'gauge', samples: ReadonlyMap<string, number>): void {
  if (samples.size === 0) return;
  lines.push(`# TYPE ${metric} ${type}`);
  for (const [label, value] of samples) lines.push(`${metric}{${label}} ${value}`);
}

const GAUGES = new Set([
  'upstream_rq_active',
  'upstream_cx_active',
  'upstream_rq_pending_active',
  'membership_total',
  'membership_healthy',
  'downstream_rq_active',
  'downstream_cx_active',
]);

function statFamilies(
  lines: string[],
  prefix: string,
  labelName: string,
  sources: Iterable<[name: string, stats: Readonly<object>]>,
): void {
  const families = new Map<string, Map<string, number>>();
  for (const [name, stats] of sources) {
    const label = `${labelName}="${escapeLabel(name)}"`;
    for (const [stat, value] of Object.entries(stats)) {
      if (typeof value !== 'number') continue;
      let samples = families.get(stat);
      if (samples === undefined) families.set(stat, (samples = new Map<string, number>()));
      // Sources sharing a name (two managers with one stat_prefix) share the series, as in Envoy.
      samples.set(label, (samples.get(label) ?? 0) + value);
    }
  }
  for (const [stat, samples] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
    // Envoy's Prometheus names keep the stat's path with `_` for `.` (circuit_breakers.default.rq_open).
    const metric = `${prefix}${stat.replaceAll('.', '_')}`;
    appendFamily(lines, metric, GAUGES.has(stat) || stat.startsWith('circuit_breakers.') ? 'gauge' : 'counter', samples);
  }
}

/** Envoy's own stats in its Prometheus form (`envoy_cluster_upstream_rq_total{envoy_cluster_name=…}`). */
export function envoyStatsText(
  clusters: ClusterManager,
  connectionManagers: readonly HttpConnectionManager[],
  listenerStats: ReadonlyMap<string, ListenerConnectionStats>,
  codecStats: CodecStats,
): string {
  const lines: string[] = [];
  const clusterStats: [string, object][] = [];
  for (const name of clusters.names()) {
    const cluster = clusters.get(name);
    if (cluster !== undefined) clusterStats.push([cluster.statName, cluster.publishedStats()]);
  }
  statFamilies(lines, 'envoy_cluster_', 'envoy_cluster_name', clusterStats);
  statFamilies(lines, 'envoy_http_', 'envoy_http_conn_manager_prefix', connectionManagers.map((hcm) => [hcm.statPrefix, hcm.stats]));
  statFamilies(lines, 'envoy_listener_', 'envoy_listener_address', listenerStats);
  // The codecs' counters have no tag: one series each (`envoy_http1_dropped_headers_with_underscores`).
  for (const [name, value] of codecStatEntries(codecStats)) {
    const metric = `envoy_${name.replace('.', '_')}`;
    lines.push(`# TYPE ${metric} counter`, `${metric} ${value}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Envoy's `server.live` and `server.concurrency` gauges in Prometheus form. */
export function serverStatsText(live: boolean, concurrency: number): string {
  return `# TYPE envoy_server_live gauge\nenvoy_server_live ${live ? 1 : 0}\n# TYPE envoy_server_concurrency gauge\nenvoy_server_concurrency ${concurrency}\n`;
}
