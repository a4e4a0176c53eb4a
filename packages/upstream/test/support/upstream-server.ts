import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real upstream on 127.0.0.1 that counts the requests and TCP connections it receives. */
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
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
