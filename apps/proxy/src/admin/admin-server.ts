import { Buffer } from 'node:buffer';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminSource } from './admin-source.js';

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Envoy's admin API, on its own (loopback by default) address. */
export async function startAdminServer(host: string, port: number, source: AdminSource): Promise<{ server: http.Server; address: AddressInfo }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    void handle(url, req.method ?? 'GET', res, source).catch((error: unknown) => send(res, 500, `${(error as Error).message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, resolve);
  });
  return { server, address: server.address() as AddressInfo };
}

/** Stops the admin server: no new connections, idle keep-alive ones closed; resolves once all are gone. */
export function closeAdminServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

async function handle(url: URL, method: string, res: http.ServerResponse, source: AdminSource): Promise<void> {
  switch (url.pathname) {
    case '/ready': {
      const status = await source.readiness();
      send(res, status === 'LIVE' ? 200 : 503, `${status}\n`);
      return;
    }
    case '/config_dump': {
      const dump = await source.configDump(url.searchParams.has('include_eds'));
      send(res, 200, `${JSON.stringify(dump, null, 2)}\n`, 'application/json');
      return;
    }
    case '/stats/prometheus':
      send(res, 200, await source.prometheusText(), 'text/plain; version=0.0.4; charset=utf-8');
      return;
    case '/clusters':
      send(res, 200, await source.clustersText());
      return;
    case '/listeners': {
      const listeners = await source.listeners();
      if (url.searchParams.get('format') === 'json') {
        const statuses = listeners.map((l) => ({ name: l.name, local_address: { socket_address: { address: l.address, port_value: l.port } } }));
        send(res, 200, `${JSON.stringify({ listener_statuses: statuses }, null, 2)}\n`, 'application/json');
        return;
      }
      send(res, 200, listeners.map((l) => `${l.name}::${l.address}:${l.port}\n`).join(''));
      return;
    }
    case '/stats': {
      const filter = url.searchParams.get('filter') ?? undefined;
      try {
        if (filter !== undefined) new RegExp(filter);
      } catch {
        send(res, 400, `invalid regex for filter: ${filter ?? ''}\n`);
        return;
      }
      send(res, 200, await source.statsText(filter));
      return;
    }
    case '/healthcheck/fail':
    case '/healthcheck/ok':
      if (method !== 'POST') {
        send(res, 405, 'use POST\n');
        return;
      }
      await source.setHealthCheckFailed(url.pathname === '/healthcheck/fail');
      send(res, 200, 'OK\n');
      return;
    case '/drain_listeners':
      if (method !== 'POST') {
        send(res, 405, 'use POST\n');
        return;
      }
      await source.drainListeners(url.searchParams.has('inboundonly'), url.searchParams.has('graceful'));
      send(res, 200, 'OK\n');
      return;
    case '/quitquitquit':
      if (method !== 'POST') {
        send(res, 405, 'use POST\n');
        return;
      }
      send(res, 200, 'OK\n');
      source.quit();
      return;
    default:
      send(res, 404, `unknown admin path ${url.pathname}\n`);
  }
}
