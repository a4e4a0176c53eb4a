import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface TestUpstream {
  readonly name: string;
  readonly port: number;
  /** Requests this upstream answered. */
  readonly seen: { method: string; url: string; host: string }[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, on a port the system picks, and returns that port. */
export async function listenOnLoopback(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes a server and waits for it, dropping the keep-alive connections a test left open. */
export function closeServer(server: http.Server | https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** An upstream that answers every request with its own name and what it received, as JSON. */
export async function startUpstream(name: string, tls?: { cert: string; key: string }): Promise<TestUpstream> {
  const seen: TestUpstream['seen'] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '' });
      const body = JSON.stringify({ upstream: name, url: req.url, host: req.headers.host });
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
      res.end(body);
    });
  };
  const server = tls === undefined ? http.createServer(handler) : https.createServer(tls, handler);
  return {
    name,
    port: await listenOnLoopback(server),
    seen,
    close: () => closeServer(server),
  };
}
