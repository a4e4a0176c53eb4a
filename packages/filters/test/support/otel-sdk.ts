import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { IstioMetrics } from '@meshkit/telemetry';
import { listen } from './net.js';
import type { Closer } from './net.js';

/** Istio metrics on a real MeterProvider, scraped over HTTP from the real Prometheus exporter. */
export async function prometheusMetrics(closer: Closer): Promise<{ metrics: IstioMetrics; scrape: () => Promise<string> }> {
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  const provider = new MeterProvider({ readers: [exporter] });
  closer.add(() => provider.shutdown());
  const server = await listen((req, res) => exporter.getMetricsRequestHandler(req, res), closer);
  return {
    metrics: new IstioMetrics(provider.getMeter('meshkit-filters-test')),
    scrape: async () => {
      const response = await fetch(`${server.origin}/metrics`);
      return response.text();
    },
  };
}

/** The samples of one metric as label objects with their value. */
export function samples(text: string, metric: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    for (const match of line.slice(metric.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[match[1] as string] = match[2] as string;
    out.push({ labels, value: Number(line.slice(close + 1).trim()) });
  }
  return out;
}
