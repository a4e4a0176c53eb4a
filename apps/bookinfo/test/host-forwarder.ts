import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the forwarder received, as the sidecar would have seen it. */
export interface ForwardedCall {
  readonly host: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * A stand-in for a sidecar's outbound listener: one address that sends each request on to
 * the service its Host header names, and answers 503 when it knows no such service (as an
 * Envoy with no healthy upstream does). It records every request, so tests can see exactly
 * what the apps sent.
 */
export class HostForwarder {
  readonly calls: ForwardedCall[] = [];
  readonly #routes = new Map<string, URL>();
  readonly #delays = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #server = createServer((req, res) => {
    const host = req.headers.host ?? '';
    this.calls.push({ host, path: req.url ?? '', headers: req.headers });
    const target = this.#routes.get(host);
    if (target === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no healthy upstream');
      return;
    }
    const forward = (): void => {
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('upstream connect error');
      });
      req.pipe(upstream);
    };
    const delay = this.#delays.get(host);
    if (delay === undefined) return forward();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      forward();
    }, delay);
    this.#timers.add(timer);
  });

  url = '';

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  /** Sends requests for `host` (e.g. `reviews:9080`) to `target`; `undefined` removes the route. */
  route(host: string, target: string | undefined): void {
    if (target === undefined) this.#routes.delete(host);
    else this.#routes.set(host, new URL(target));
  }

  /** Holds requests for `host` for `ms` before forwarding them; `undefined` stops. */
  delay(host: string, ms: number | undefined): void {
    if (ms === undefined) this.#delays.delete(host);
    else this.#delays.set(host, ms);
  }

  callsTo(host: string): ForwardedCall[] {
    return this.calls.filter((call) => call.host === host);
  }

  reset(): void {
    this.calls.length = 0;
    this.#routes.clear();
    this.#delays.clear();
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}
