import { Buffer } from 'node:buffer';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkloadIdentity } from '@meshkit/identity';
import type { HealthCheckState } from '../filters/health-check-filter.js';
import type { ProxyRuntime } from '../runtime/proxy-runtime.js';
import { clustersText } from './clusters-text.js';
import { configDump } from './config-dump.js';
import { envoyStatsText } from './metrics.js';
import { envoyStatsPlainText } from './stats-text.js';
import type { ProxyMetrics } from './metrics.js';

export interface AdminState {
  /** The bootstrap document as written (sensitive fields are redacted when shown). */
  readonly bootstrap: unknown;
  readonly runtime: ProxyRuntime;
  readonly metrics: ProxyMetrics;
  identity(): WorkloadIdentity | undefined;
  isReady(): boolean;
  isDraining(): boolean;
  quit(): void;
  /** `/healthcheck/fail` and `/healthcheck/ok` flip this; the health_check filter reads it. */
  readonly health: HealthCheckState;
  /** `/drain_listeners`: stops the chosen listeners, after the drain time when `graceful`. */
  drainListeners(inboundOnly: boolean, graceful: boolean): void;
}

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Envoy's admin API, on its own (loopback by default) address. */
export async function startAdminServer(host: string, port: number, state: AdminState): Promise<{ server: http.Server; address: AddressInfo }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    void handle(url, req.method ?? 'GET', res, state).catch((error: unknown) => send(res, 500, `${(error as Error).message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, resolve);
  });
  return { server, address: server.address() as AddressInfo };
}

async function handle(url: URL, method: string, res: http.ServerResponse, state: AdminState): Promise<void> {
  switch (url.pathname) {
    case '/ready': {
      const status = state.isDraining() ? 'DRAINING' : state.isReady() ? 'LIVE' : 'PRE_INITIALIZING';
      send(res, status === 'LIVE' ? 200 : 503, `${status}\n`);
      return;
    }
    case '/config_dump': {
      const dump = configDump(state.bootstrap, state.runtime, state.identity(), url.searchParams.has('include_eds'));
      send(res, 200, `${JSON.stringify(dump, null, 2)}\n`, 'application/json');
      return;
    }
    case '/stats/prometheus': {
      const hcms = state.runtime.listenerManager.listeners.flatMap((l) => l.hcms);
      const text = (await state.metrics.prometheusText()) + envoyStatsText(state.runtime.clusters, hcms);
      send(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8');
      return;
    }
    case '/clusters':
      send(res, 200, clustersText(state.runtime));
      return;
    case '/listeners': {
      // The bound address, so a listener configured on port 0 shows the port it got.
      const listeners = state.runtime.listenerManager.listeners.map((l) => {
        const bound = l.server.address();
        return { name: l.spec.name, address: l.spec.host, port: typeof bound === 'object' && bound !== null ? bound.port : l.spec.port };
      });
      if (url.searchParams.get('format') === 'json') {
        const statuses = listeners.map((l) => ({ name: l.name, local_address: { socket_address: { address: l.address, port_value: l.port } } }));
        send(res, 200, `${JSON.stringify({ listener_statuses: statuses }, null, 2)}\n`, 'application/json');
        return;
      }
      send(res, 200, listeners.map((l) => `${l.name}::${l.address}:${l.port}\n`).join(''));
      return;
    }
    case '/stats': {
      const filter = url.searchParams.get('filter');
      let pattern: RegExp | undefined;
      try {
        pattern = filter === null ? undefined : new RegExp(filter);
      } catch {
        send(res, 400, `invalid regex for filter: ${filter ?? ''}\n`);
        return;
      }
      send(res, 200, envoyStatsPlainText(state.runtime, state.isReady() && !state.isDraining(), pattern));
      return;
    }
    case '/healthcheck/fail':
    case '/healthcheck/ok':
      if (method !== 'POST') {
        send(res, 405, 'use POST\n');
        return;
      }
      state.health.failed = url.pathname === '/healthcheck/fail';
      send(res, 200, 'OK\n');
      return;
    case '/drain_listeners':
      if (method !== 'POST') {
        send(res, 405, 'use POST\n');
        return;
      }
      state.drainListeners(url.searchParams.has('inboundonly'), url.searchParams.has('graceful'));
      send(res, 200, 'OK\n');
      return;
    case '/quitquitquit':
      if (method !== 'POST') {
        send(res, 405, 'use POST\n');
        return;
      }
      send(res, 200, 'OK\n');
      state.quit();
      return;
    default:
      send(res, 404, `unknown admin path ${url.pathname}\n`);
  }
}
