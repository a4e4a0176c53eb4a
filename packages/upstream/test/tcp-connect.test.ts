import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, ClusterClosedError } from '../src/index.js';
import { CertFactory } from './support/certs.js';
import { closedPort } from './support/upstream-server.js';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { ClusterOptions, Endpoint, TcpConnectResult } from '../src/index.js';
import type { SelfSignedCert } from './support/certs.js';

/** A real echo server on 127.0.0.1 that can be killed, cutting its open connections. */
interface EchoServer {
  readonly endpoint: Endpoint;
  readonly accepted: number;
  kill(): Promise<void>;
}

const echoes: EchoServer[] = [];
const clusters: Cluster[] = [];
const sockets: Socket[] = [];
const certs = new CertFactory();
let cert: SelfSignedCert;

beforeAll(async () => {
  cert = await certs.make('echo.test');
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(clusters.splice(0).map((cluster) => cluster.destroy()));
  await Promise.all(echoes.splice(0).map((echo) => echo.kill()));
});

afterAll(async () => {
  await certs.cleanup();
});

async function startEcho(kind: 'tcp' | 'tls' | 'silent' = 'tcp'): Promise<EchoServer> {
  const open = new Set<Socket>();
  let accepted = 0;
  const onSocket = (socket: Socket): void => {
    accepted++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    // `silent` accepts and never speaks: a TLS client waits for a handshake that never comes.
    if (kind !== 'silent') socket.pipe(socket);
  };
  const server: Server = kind === 'tls' ? createTlsServer(cert, onSocket) : createServer(onSocket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let killed: Promise<void> | null = null;
  const echo: EchoServer = {
    endpoint: { address: '127.0.0.1', port },
    get accepted() {
      return accepted;
    },
    kill: () => {
      killed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      });
      return killed;
    },
  };
  echoes.push(echo);
  return echo;
}

function tcpCluster(endpoints: readonly Endpoint[], options: Partial<ClusterOptions> = {}): Cluster {
  const cluster = new Cluster({ name: 'tcp', ...options });
  cluster.setEndpoints(endpoints);
  clusters.push(cluster);
  return cluster;
}

function connected(result: TcpConnectResult): Socket {
  if (!result.ok) throw new Error(`expected a connection, got ${result.flag}: ${String(result.error)}`);
  sockets.push(result.socket);
  result.socket.on('error', () => result.socket.destroy());
  return result.socket;
}

/** Polls every 5 ms for at most 2 s: the server side of a connection lags the client's a little. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 2_000) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function roundTrip(socket: Socket, text: string): Promise<string> {
  socket.write(text);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  return chunk.toString();
}

describe('Cluster.connectTcp', () => {
  it('connects to members in balancer order, echoes bytes and counts connections and bytes', async () => {
    const [a, b] = await Promise.all([startEcho(), startEcho()]);
    const cluster = tcpCluster([a.endpoint, b.endpoint]);
    const first = await cluster.connectTcp();
    const second = await cluster.connectTcp();
    expect([first.ok && first.endpoint.port, second.ok && second.endpoint.port]).toEqual([a.endpoint.port, b.endpoint.port]);
    expect(await roundTrip(connected(first), 'ping')).toBe('ping');
    expect(await roundTrip(connected(second), 'pong!')).toBe('pong!');
    expect(cluster.stats.upstream_cx_total).toBe(2);
    expect(cluster.stats.upstream_cx_active).toBe(2);

    const closes = [first, second].map((result) => (result.ok ? once(result.socket, 'close') : Promise.reject(new Error('not connected'))));
    for (const result of [first, second]) if (result.ok) result.socket.end();
    await Promise.all(closes);
    expect(cluster.stats.upstream_cx_active).toBe(0);
    expect(cluster.stats.upstream_cx_tx_bytes_total).toBe(9);
    expect(cluster.stats.upstream_cx_rx_bytes_total).toBe(9);
  });

  it('reports an endpoint dying: its open connection closes, and new connects to it fail as UF values', async () => {
    const [alive, doomed] = await Promise.all([startEcho(), startEcho()]);
    const cluster = tcpCluster([alive.endpoint, doomed.endpoint]);
    connected(await cluster.connectTcp());
    const onDoomed = connected(await cluster.connectTcp());
    expect(await roundTrip(onDoomed, 'x')).toBe('x');

    const closed = once(onDoomed, 'close');
    onDoomed.on('end', () => onDoomed.end()); // what a proxy does with the upstream's FIN
    await doomed.kill();
    await closed;
    expect(cluster.stats.upstream_cx_active).toBe(1);

    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const result = await cluster.connectTcp();
      if (result.ok) {
        connected(result);
        outcomes.push(`ok:${result.endpoint.port}`);
      } else {
        outcomes.push(`${result.flag}:${result.endpoint?.port}`);
        expect((result.error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      }
    }
    const ok = `ok:${alive.endpoint.port}`;
    const failed = `UF:${doomed.endpoint.port}`;
    expect(outcomes).toEqual([ok, failed, ok, failed]);
    expect(cluster.stats.upstream_cx_connect_fail).toBe(2);
  });

  it('fails with UF and counts a timeout when the connect (here: the TLS handshake) outlasts connectTimeoutMs', async () => {
    const silent = await startEcho('silent');
    const cluster = tcpCluster([silent.endpoint], { connectTimeoutMs: 100 });
    const started = Date.now();
    const result = await cluster.connectTcp({ tls: { ca: cert.cert, servername: 'echo.test' } });
    expect(result).toMatchObject({ ok: false, flag: 'UF' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(cluster.stats.upstream_cx_connect_timeout).toBe(1);
    expect(cluster.stats.upstream_cx_connect_fail).toBe(1);
    expect(cluster.stats.upstream_cx_active).toBe(0);
  });

  it('speaks TLS with caller-supplied options and fails UF on an untrusted certificate', async () => {
    const secure = await startEcho('tls');
    const other = await certs.make('echo.test');
    const cluster = tcpCluster([secure.endpoint]);
    const good = await cluster.connectTcp({ tls: { ca: cert.cert, servername: 'echo.test' } });
    expect(await roundTrip(connected(good), 'sealed')).toBe('sealed');
    const bad = await cluster.connectTcp({ tls: { ca: other.cert, servername: 'echo.test' } });
    expect(bad).toMatchObject({ ok: false, flag: 'UF' });
    expect(cluster.stats.upstream_cx_connect_fail).toBe(1);
  });

  it('refuses with UO beyond circuitBreakers.maxConnections, and again accepts once one closes', async () => {
    const echo = await startEcho();
    const cluster = tcpCluster([echo.endpoint], { circuitBreakers: { maxConnections: 2 } });
    // Both attempts start before either connects: in-progress connects count against the limit.
    const [one, two, three] = await Promise.all([cluster.connectTcp(), cluster.connectTcp(), cluster.connectTcp()]);
    connected(one);
    const second = connected(two);
    expect(three).toEqual({ ok: false, flag: 'UO', endpoint: null, error: null });
    expect(cluster.stats.upstream_cx_overflow).toBe(1);
    await until(() => echo.accepted === 2);
    second.destroy();
    await once(second, 'close');
    connected(await cluster.connectTcp());
    await until(() => echo.accepted === 3);
    expect(cluster.stats.upstream_cx_overflow).toBe(1);
  });

  it('shares circuitBreakers.maxConnections with the HTTP pools, and gives back what a failed connect took', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let httpConnections = 0;
    const http = createHttpServer((_request, response) => void held.then(() => response.end('ok')));
    http.on('connection', () => httpConnections++);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const echo = await startEcho();
    const httpEndpoint = { address: '127.0.0.1', port: (http.address() as AddressInfo).port };
    try {
      const cluster = tcpCluster([echo.endpoint], { circuitBreakers: { maxConnections: 2 } });
      connected(await cluster.connectTcp());
      // One TCP connection and the pool's first leave no room: the second request waits for the first's connection.
      const pool = cluster.poolFor(httpEndpoint);
      const requests = [pool.request({ method: 'GET', path: '/a' }), pool.request({ method: 'GET', path: '/b' })];
      await until(() => httpConnections === 1 && cluster.stats.upstream_cx_overflow === 1);
      release();
      for (const response of await Promise.all(requests)) expect(await response.body.text()).toBe('ok');
      expect(httpConnections).toBe(1);
      expect(await cluster.connectTcp()).toEqual({ ok: false, flag: 'UO', endpoint: null, error: null });

      // A connect that fails must not keep its slot.
      const refusing = tcpCluster([{ address: '127.0.0.1', port: await closedPort() }], { circuitBreakers: { maxConnections: 1 } });
      expect(await refusing.connectTcp()).toMatchObject({ ok: false, flag: 'UF' });
      refusing.setEndpoints([echo.endpoint]);
      connected(await refusing.connectTcp());
    } finally {
      http.closeAllConnections();
      http.close();
    }
  });

  it('keeps our side writable after the upstream half-closes, so a proxy can pass the FIN through', async () => {
    let received = '';
    const server = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        if (received === 'first') socket.end('bye'); // upstream is done talking, still listening
      });
      socket.on('error', () => socket.destroy());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const closeServer = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
    try {
      const cluster = tcpCluster([{ address: '127.0.0.1', port: (server.address() as AddressInfo).port }]);
      const socket = connected(await cluster.connectTcp());
      socket.resume();
      socket.write('first');
      await once(socket, 'end');
      expect(socket.writable).toBe(true);
      socket.end('+more');
      await until(() => received === 'first+more');
    } finally {
      await closeServer();
    }
  });

  it('does not hand out a socket whose connect finished after destroy()', async () => {
    const echo = await startEcho();
    const cluster = tcpCluster([echo.endpoint]);
    const pending = cluster.connectTcp();
    await cluster.destroy();
    expect(await pending).toMatchObject({ ok: false, flag: 'UF' });
    expect(cluster.stats.upstream_cx_active).toBe(0);
  });

  it('answers UH when no member is healthy and refuses after close()', async () => {
    const cluster = tcpCluster([{ address: '127.0.0.1', port: 9, healthy: false }], { panicThresholdPercent: 0 });
    expect(await cluster.connectTcp()).toEqual({ ok: false, flag: 'UH', endpoint: null, error: null });
    expect(cluster.stats.upstream_cx_none_healthy).toBe(1);
    await cluster.close();
    await expect(cluster.connectTcp()).rejects.toThrow(ClusterClosedError);
  });
});
