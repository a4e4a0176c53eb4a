import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IstioMetrics } from '@meshkit/telemetry';
import { listen } from './net.js';
import type { Closer } from './net.js';

// The OpenTelemetry SDK and Prometheus exporter are devDependencies of @meshkit/telemetry, not
// of this package; they are loaded from there so these tests exercise the real exporter. The
// few members used are typed here.
type Meter = ConstructorParameters<typeof IstioMetrics>[0];

interface PrometheusExporter {
  getMetricsRequestHandler(request: IncomingMessage, response: ServerResponse): void;
}

interface MeterProvider {
  getMeter(name: string): NonNullable<Meter>;
  shutdown(): Promise<void>;
}

interface Sdk {
  PrometheusExporter: new (config: Record<string, unknown>) => PrometheusExporter;
  MeterProvider: new (config: { readers: PrometheusExporter[] }) => MeterProvider;
}

const telemetryRequire = createRequire(new URL('../../../telemetry/package.json', import.meta.url));

function loadSdk(): Sdk {
  const exporter = telemetryRequire('@opentelemetry/exporter-prometheus') as Pick<Sdk, 'PrometheusExporter'>;
  const metrics = telemetryRequire('@opentelemetry/sdk-metrics') as Pick<Sdk, 'MeterProvider'>;
  return { PrometheusExporter: exporter.PrometheusExporter, MeterProvider: metrics.MeterProvider };
}

/** Istio metrics on a real MeterProvider, scraped over HTTP from the real Prometheus exporter. */
export async function prometheusMetrics(closer: Closer): Promise<{ metrics: IstioMetrics; scrape: () => Promise<string> }> {
  const sdk = loadSdk();
  const exporter = new sdk.PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  const provider = new sdk.MeterProvider({ readers: [exporter] });
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
