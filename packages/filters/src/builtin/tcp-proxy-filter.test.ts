import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '@meshkit/upstream';
import { NetworkFilterManager } from '../network-filter-manager.js';
import type { CompiledNetworkFilter, NetworkConnectionInfo } from '../network-filter.js';
import { tcpProxyFilterFactory } from './tcp-proxy-filter.js';
import type { TcpProxyCounters } from './tcp-proxy-filter.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
const clusters: Cluster[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(clusters.splice(0).map((c) => c.destroy()));
});

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function clusterAt(name: string, port: number): Cluster {
  const cluster = new Cluster({ name, connectTimeoutMs: 1000 });
  cluster.setEndpoints([{ address: '127.0.0.1', port }]);
  clusters.push(cluster);
  return cluster;
}

/** A proxy listener running one tcp_proxy chain; `infos` collects each connection's info. */
async function proxyListener(filter: CompiledNetworkFilter, infos: NetworkConnectionInfo[] = []): Promise<number> {
  return listen((socket) => {
    const info: NetworkConnectionInfo = {
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      peerSpiffeId: null,
      requestedServerName: '',
      responseFlags: [],
    };
    infos.push(info);
    new NetworkFilterManager(socket, [filter], info).start();
  });
}

/** A raw client: writes `payload`, half-closes, and resolves with all it read until the proxy closed. */
function exchange(port: number, payload: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    sockets.push(client);
    const chunks: Buffer[] = [];
    client.on('data', (c: Buffer) => chunks.push(c));
    client.once('error', reject);
    client.once('close', () => resolve(Buffer.concat(chunks)));
    client.end(payload);
  });
}

const compile = (config: Record<string, unknown>, lookup: Map<string, Cluster>): CompiledNetworkFilter =>
  tcpProxyFilterFactory(lookup).compile(config, { listenerName: 'test' });

describe('tcp_proxy network filter', () => {
  it('relays bytes both ways and carries a half-close: the upstream answers after the downstream FIN', async () => {
    const upstreamPort = await listen((socket) => {
      const got: Buffer[] = [];
      socket.on('data', (c: Buffer) => got.push(c));
      // Answers only once the client's FIN arrived, on a connection whose other half is still open.
      socket.once('end', () => socket.end(`got:${Buffer.concat(got).toString()}`));
    });
    const filter = compile({ stat_prefix: 'echo', cluster: 'echo' }, new Map([['echo', clusterAt('echo', upstreamPort)]]));
    const port = await proxyListener(filter);
    expect((await exchange(port, 'hello world')).toString()).toBe('got:hello world');
    const counters = filter.stats?.counters as TcpProxyCounters;
    expect(counters.downstream_cx_total).toBe(1);
    expect(counters.downstream_cx_rx_bytes_total).toBe(11);
    expect(counters.downstream_cx_tx_bytes_total).toBe(15);
    expect(filter.stats?.prefix).toBe('tcp.echo.');
  });

  it('closes the downstream with flag UF when the upstream refuses the connection', async () => {
    const closedPort = await listen(() => {});
    await new Promise((resolve) => (servers.pop() as Server).close(resolve));
    const infos: NetworkConnectionInfo[] = [];
    const filter = compile({ stat_prefix: 'down', cluster: 'down' }, new Map([['down', clusterAt('down', closedPort)]]));
    const port = await proxyListener(filter, infos);
    expect((await exchange(port, 'anyone?')).length).toBe(0);
    expect(infos[0]?.responseFlags).toEqual(['UF']);
  });

  it('closes the downstream with flag NC when the cluster does not exist', async () => {
    const infos: NetworkConnectionInfo[] = [];
    const filter = compile({ stat_prefix: 'nc', cluster: 'missing' }, new Map());
    const port = await proxyListener(filter, infos);
    expect((await exchange(port, 'x')).length).toBe(0);
    expect(infos[0]?.responseFlags).toEqual(['NC']);
    expect((filter.stats?.counters as TcpProxyCounters).downstream_cx_no_route).toBe(1);
  });

  it('stops reading the downstream while the upstream does not read, and loses no byte', async () => {
    const total = 16 * 1024 * 1024;
    let upstreamSocket: Socket | undefined;
    let received = 0;
    const upstreamPort = await listen((socket) => {
      upstreamSocket = socket;
      socket.pause();
      socket.on('data', (c: Buffer) => (received += c.length));
      socket.once('end', () => socket.end(String(received)));
    });
    const filter = compile({ stat_prefix: 'bp', cluster: 'bp' }, new Map([['bp', clusterAt('bp', upstreamPort)]]));
    const port = await proxyListener(filter);
    const answer = exchange(port, Buffer.alloc(total, 7));
    const counters = filter.stats?.counters as TcpProxyCounters;
    for (let i = 0; i < 200 && counters.downstream_flow_control_paused_reading_total === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(counters.downstream_flow_control_paused_reading_total).toBeGreaterThan(0);
    // Paused means buffered bytes stay bounded well below what the client sent.
    expect(counters.downstream_cx_rx_bytes_total).toBeLessThan(total);
    upstreamSocket?.resume();
    expect((await answer).toString()).toBe(String(total));
    expect(counters.downstream_flow_control_resumed_reading_total).toBeGreaterThan(0);
  });

  it('closes both sides after idle_timeout without traffic', async () => {
    let upstreamClosed = false;
    // 'end': the test server allows half-open connections, so the proxy's close reaches it as a FIN.
    const upstreamPort = await listen((socket) => socket.once('end', () => (upstreamClosed = true)));
    const filter = compile({ stat_prefix: 'idle', cluster: 'idle', idle_timeout: '0.2s' }, new Map([['idle', clusterAt('idle', upstreamPort)]]));
    const port = await proxyListener(filter);
    const started = Date.now();
    const client = net.connect({ host: '127.0.0.1', port });
    sockets.push(client);
    await new Promise((resolve) => client.once('close', resolve));
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect((filter.stats?.counters as TcpProxyCounters).idle_timeout).toBe(1);
    for (let i = 0; i < 100 && !upstreamClosed; i++) await new Promise((r) => setTimeout(r, 10));
    expect(upstreamClosed).toBe(true);
  });

  it('spreads connections over weighted_clusters by weight', async () => {
    const portA = await listen((s) => s.end('a'));
    const portB = await listen((s) => s.end('b'));
    const lookup = new Map([
      ['a', clusterAt('a', portA)],
      ['b', clusterAt('b', portB)],
      ['never', clusterAt('never', 1)],
    ]);
    const filter = compile({ stat_prefix: 'w', weighted_clusters: { clusters: [{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }, { name: 'never', weight: 0 }] } }, lookup);
    const port = await proxyListener(filter);
    const answers = await Promise.all(Array.from({ length: 80 }, () => exchange(port, '')));
    const a = answers.filter((x) => x.toString() === 'a').length;
    expect(a + answers.filter((x) => x.toString() === 'b').length).toBe(80);
    expect(a).toBeGreaterThan(40);
    expect(a).toBeLessThan(75);
  });

  it('refuses configs it does not implement, by field', () => {
    const lookup = new Map<string, Cluster>();
    expect(() => compile({ stat_prefix: 'x' }, lookup)).toThrow(/cluster: exactly one of cluster and weighted_clusters/);
    expect(() => compile({ stat_prefix: 'x', cluster: 'a', max_connect_attempts: 2 }, lookup)).toThrow(/max_connect_attempts: is not supported/);
    expect(() => compile({ stat_prefix: 'x', cluster: 'a', idle_timeout: '10m' }, lookup)).toThrow(/idle_timeout: expected a duration/);
    expect(() => compile({ cluster: 'a' }, lookup)).toThrow(/stat_prefix/);
  });
});
