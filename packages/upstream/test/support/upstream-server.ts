import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real upstream on 127.0.0.x that counts the requests and TCP connections it receives. */
export interface UpstreamServer {
  readonly port: number;
  readonly requests: number;
  readonly connections: number;
  /** The most requests any single connection has carried. */
  readonly maxRequestsOnOneConnection: number;
  close(): Promise<void>;
}

export interface UpstreamServerOptions {
  readonly tls?: { readonly key: string; readonly cert: string };
  /** Loopback address to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
}

export async function startUpstream(name: string, handler?: Handler, options: UpstreamServerOptions = {}): Promise<UpstreamServer> {
  let requests = 0;
  let connections = 0;
  let maxPerConnection = 0;
  const perConnection = new WeakMap<object, number>();
  const respond: Handler =
    handler ??
    ((_req, res) => {
      res.end(name);
    });
  const onRequest: Handler = (req, res) => {
    requests++;
    const onThisConnection = (perConnection.get(req.socket) ?? 0) + 1;
    perConnection.set(req.socket, onThisConnection);
    maxPerConnection = Math.max(maxPerConnection, onThisConnection);
    respond(req, res);
  };
  const server: Server = options.tls === undefined ? createHttpServer(onRequest) : createHttpsServer(options.tls, onRequest);
  // Count accepted sockets on both kinds of server (a TLS server reports the plain socket here too).
  server.on(options.tls === undefined ? 'connection' : 'secureConnection', () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    get maxRequestsOnOneConnection() {
      return maxPerConnection;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * One upstream per loopback address, all on the same port (what a DNS cluster needs: every
 * resolved address shares the configured port). Retries a few ports if one is taken on some address.
 */
export async function startUpstreamsOnOnePort(hosts: readonly string[], handler?: (host: string) => Handler): Promise<UpstreamServer[]> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [first = '127.0.0.1', ...rest] = hosts;
    const started = [await startUpstream(first, handler?.(first), { host: first })];
    try {
      for (const host of rest) started.push(await startUpstream(host, handler?.(host), { host, port: started[0]?.port ?? 0 }));
      return started;
    } catch {
      await Promise.all(started.map((server) => server.close()));
    }
  }
  throw new Error(`no port free on all of ${hosts.join(', ')}`);
}
