import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { curl } from './support/clients.js';
import { makeCertificates } from './support/certs.js';
import type { TestCertificates } from './support/certs.js';
import { spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, HCM_TYPE, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { closeServer, startUpstream } from './support/upstreams.js';
import type { TestUpstream } from './support/upstreams.js';

const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
/** Every wait in this file is bounded by this, so a broken tunnel fails the case instead of hanging it. */
const WAIT_MS = 5_000;

/** Resolves with the arguments of the next `event`, or rejects after WAIT_MS. */
function next(emitter: EventEmitter, event: string): Promise<unknown[]> {
  return once(emitter, event, { signal: AbortSignal.timeout(WAIT_MS) });
}

/** A WebSocket upstream that echoes every message, and closes with 1001 when told `close-please`. */
async function startEchoServer(): Promise<{ port: number; connections: WebSocket[]; handshakes: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ server });
  const connections: WebSocket[] = [];
  const handshakes: http.IncomingHttpHeaders[] = [];
  wss.on('connection', (socket, req) => {
    connections.push(socket);
    handshakes.push(req.headers);
    // binaryType is the default 'nodebuffer', so every message arrives as one Buffer.
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary && (data as Buffer).toString() === 'close-please') socket.close(1001, 'server going away');
      else socket.send(data, { binary: isBinary });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    handshakes,
    close: async () => {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeServer(server);
    },
  };
}

/** A plain HTTP upstream that answers every request, upgrades included, with 404. */
async function startRefusingServer(): Promise<{ port: number; close(): Promise<void> }> {
  const notFound = 'HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 10\r\nconnection: close\r\n\r\nno socket\n';
  const server = http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no socket\n'));
  server.on('upgrade', (_req, socket) => socket.end(notFound));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server) };
}

/** `/http/…` → an ordinary HTTP upstream, `/refuse…` → the refusing server, anything else → the echo server. */
const ROUTES = {
  name: 'local',
  virtual_hosts: [
    {
      name: 'all',
      domains: ['*'],
      routes: [
        { match: { prefix: '/http/' }, route: { cluster: 'plain' } },
        { match: { prefix: '/refuse' }, route: { cluster: 'refuser' } },
        { match: { prefix: '/' }, route: { cluster: 'echo' } },
      ],
    },
  ],
};

function listener(name: string, options: { websocket: boolean; tls?: TestCertificates }): Record<string, unknown> {
  const hcm = {
    '@type': HCM_TYPE,
    stat_prefix: name,
    route_config: ROUTES,
    http_filters: [ROUTER_FILTER],
    ...(options.websocket ? { upgrade_configs: [{ upgrade_type: 'websocket' }] } : {}),
  };
  const tls = options.tls;
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [
      {
        filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }],
        ...(tls === undefined
          ? {}
          : {
              transport_socket: {
                name: 'envoy.transport_sockets.tls',
                typed_config: {
                  '@type': DOWNSTREAM_TLS,
                  common_tls_context: { tls_certificates: [{ certificate_chain: { inline_string: tls.serverCert }, private_key: { inline_string: tls.serverKey } }] },
                },
              },
            }),
      },
    ],
  };
}

/** Opens a client through the proxy, failing after WAIT_MS. */
async function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const client = new WebSocket(url, options);
  clients.push(client);
  await next(client, 'open');
  return client;
}

/** The status of the non-101 answer a handshake gets (`unexpected-response`), failing if it opens. */
async function refusedStatus(url: string): Promise<number> {
  const client = new WebSocket(url);
  clients.push(client);
  // Aborting the handshake below makes ws report an error; the status is what this test reads.
  client.on('error', () => undefined);
  const [req, res] = (await Promise.race([
    next(client, 'unexpected-response'),
    next(client, 'open').then(() => Promise.reject(new Error(`${url} opened a WebSocket`))),
  ])) as [http.ClientRequest, http.IncomingMessage];
  res.resume();
  req.destroy();
  return res.statusCode ?? 0;
}

/** Sends one message and resolves with the next one the client receives. */
async function roundTrip(client: WebSocket, data: string | Buffer): Promise<{ data: Buffer; isBinary: boolean }> {
  const reply = next(client, 'message');
  client.send(data);
  const [received, isBinary] = (await reply) as [Buffer, boolean];
  return { data: received, isBinary };
}

const clients: WebSocket[] = [];
let certs: TestCertificates;
let echo: Awaited<ReturnType<typeof startEchoServer>>;
let refuser: Awaited<ReturnType<typeof startRefusingServer>>;
let plain: TestUpstream;
let proxy: ProxyProcess;
const ports = new Map<string, number>();

beforeAll(async () => {
  certs = makeCertificates();
  echo = await startEchoServer();
  refuser = await startRefusingServer();
  plain = await startUpstream('plain');
  const bootstrap = bootstrapWith('ws-edge', {
    listeners: [listener('ws', { websocket: true }), listener('wss', { websocket: true, tls: certs }), listener('nows', { websocket: false })],
    clusters: [staticCluster('echo', echo.port), staticCluster('refuser', refuser.port), staticCluster('plain', plain.port)],
  });
  proxy = await spawnProxy(['--config-yaml', JSON.stringify(bootstrap), '--log-level', 'warn']);
  // `/listeners` lists `name::host:port` per line.
  for (const line of (await curl(`http://${proxy.admin}/listeners`)).body.trim().split('\n')) {
    const [name = '', address = ''] = line.split('::');
    ports.set(name, Number(address.slice(address.lastIndexOf(':') + 1)));
  }
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  // Whatever the case did, the proxy must still be running and serving plain HTTP.
  expect(proxy.child.exitCode, proxy.stderr()).toBeNull();
  const ordinary = await curl(`http://127.0.0.1:${ports.get('ws') ?? 0}/http/after`);
  expect(ordinary.status).toBe(200);
  expect(JSON.parse(ordinary.body)).toMatchObject({ upstream: 'plain', url: '/http/after' });
});

afterAll(async () => {
  proxy?.kill();
  await proxy?.exited;
  await Promise.all([echo?.close(), refuser?.close(), plain?.close()]);
  certs?.remove();
});

describe('WebSocket through the built proxy (ws client and server)', () => {
  const ws = (path = '/echo'): string => `ws://127.0.0.1:${ports.get('ws') ?? 0}${path}`;

  it('echoes text and binary messages and a 1 MiB message intact', async () => {
    const client = await connect(ws());
    // The handshake went through the proxy's filter chain: it stamped a request id on it.
    const handshake = echo.handshakes.at(-1);
    expect(handshake).toMatchObject({ upgrade: 'websocket', 'x-forwarded-proto': 'http' });
    expect(handshake?.['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(await roundTrip(client, 'hello through the proxy')).toEqual({ data: Buffer.from('hello through the proxy'), isBinary: false });
    const binary = Buffer.from([0, 1, 2, 253, 254, 255]);
    expect(await roundTrip(client, binary)).toEqual({ data: binary, isBinary: true });
    const big = randomBytes(1024 * 1024);
    const echoed = await roundTrip(client, big);
    expect(echoed.isBinary).toBe(true);
    expect(echoed.data.length).toBe(big.length);
    expect(echoed.data.equals(big)).toBe(true);
  });

  it('carries pings both ways and their pongs', async () => {
    const client = await connect(ws());
    const pong = next(client, 'pong');
    client.ping(Buffer.from('from-client'));
    expect(((await pong)[0] as Buffer).toString()).toBe('from-client');

    const server = echo.connections.at(-1);
    if (server === undefined) throw new Error('the echo server saw no connection');
    const ping = next(client, 'ping');
    const serverPong = next(server, 'pong');
    server.ping(Buffer.from('from-server'));
    expect(((await ping)[0] as Buffer).toString()).toBe('from-server');
    expect(((await serverPong)[0] as Buffer).toString()).toBe('from-server');
  });

  it('delivers a client close (4001 and its reason) and completes the close handshake on both ends', async () => {
    const client = await connect(ws());
    const server = echo.connections.at(-1);
    if (server === undefined) throw new Error('the echo server saw no connection');
    const serverClosed = next(server, 'close');
    const clientClosed = next(client, 'close');
    client.close(4001, 'client is done');
    const [serverCode, serverReason] = (await serverClosed) as [number, Buffer];
    expect([serverCode, serverReason.toString()]).toEqual([4001, 'client is done']);
    // 1006 here would mean the client never got the server's close frame back.
    const [clientCode, clientReason] = (await clientClosed) as [number, Buffer];
    expect([clientCode, clientReason.toString()]).toEqual([4001, 'client is done']);
    expect(client.readyState).toBe(WebSocket.CLOSED);
    expect(server.readyState).toBe(WebSocket.CLOSED);
  });

  it('delivers a server close (1001) to the client', async () => {
    const client = await connect(ws());
    const server = echo.connections.at(-1);
    if (server === undefined) throw new Error('the echo server saw no connection');
    const serverClosed = next(server, 'close');
    const clientClosed = next(client, 'close');
    client.send('close-please');
    const [clientCode, clientReason] = (await clientClosed) as [number, Buffer];
    expect([clientCode, clientReason.toString()]).toEqual([1001, 'server going away']);
    expect(((await serverClosed) as [number])[0]).toBe(1001);
  });

  it('tears down the other side when either end drops its connection without a close frame', async () => {
    const client = await connect(ws());
    const server = echo.connections.at(-1);
    if (server === undefined) throw new Error('the echo server saw no connection');
    const serverClosed = next(server, 'close');
    client.terminate();
    expect(((await serverClosed) as [number])[0]).toBe(1006);

    const second = await connect(ws());
    const upstreamSide = echo.connections.at(-1);
    if (upstreamSide === undefined || upstreamSide === server) throw new Error('the echo server saw no second connection');
    const clientClosed = next(second, 'close');
    upstreamSide.terminate();
    expect(((await clientClosed) as [number])[0]).toBe(1006);
  });

  it('keeps 20 concurrent sockets apart', async () => {
    const many = await Promise.all(Array.from({ length: 20 }, () => connect(ws())));
    const replies = await Promise.all(many.map((client, i) => roundTrip(client, `socket ${i}`)));
    expect(replies.map((reply) => reply.data.toString())).toEqual(many.map((_c, i) => `socket ${i}`));
  });

  it('echoes through a TLS listener (wss, client trusting the test CA)', async () => {
    const client = await connect(`wss://localhost:${ports.get('wss') ?? 0}/secure`, { ca: certs.caCert });
    expect(echo.handshakes.at(-1)).toMatchObject({ 'x-forwarded-proto': 'https' });
    expect(await roundTrip(client, 'over tls')).toEqual({ data: Buffer.from('over tls'), isBinary: false });
    const binary = randomBytes(64 * 1024);
    expect((await roundTrip(client, binary)).data.equals(binary)).toBe(true);
    const clientClosed = next(client, 'close');
    client.close(1000, 'bye');
    expect(((await clientClosed) as [number])[0]).toBe(1000);
    const secure = await curl(`https://localhost:${ports.get('wss') ?? 0}/http/tls`, '--cacert', certs.caCertFile);
    expect(secure.status).toBe(200);
  });

  it('answers 403 to an upgrade on a connection manager without a websocket upgrade_config', async () => {
    expect(await refusedStatus(`ws://127.0.0.1:${ports.get('nows') ?? 0}/echo`)).toBe(403);
    const ordinary = await curl(`http://127.0.0.1:${ports.get('nows') ?? 0}/http/nows`);
    expect(ordinary.status).toBe(200);
  });

  it("passes on the upstream's 404 when it refuses the upgrade", async () => {
    expect(await refusedStatus(ws('/refuse'))).toBe(404);
  });
});
