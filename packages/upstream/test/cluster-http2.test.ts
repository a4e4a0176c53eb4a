import { createSecureServer, createServer } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../src/index.js';
import { CertFactory } from './support/certs.js';
import type { Http2SecureServer, Http2Server, Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';

const clusters: Cluster[] = [];
const closers: (() => Promise<void>)[] = [];
const certs = new CertFactory();

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.destroy()));
  await Promise.all(closers.splice(0).map((close) => close()));
  await certs.cleanup();
});

/** Counts sessions and the most streams any one session had open at once. */
function instrument(server: Http2Server | Http2SecureServer, holdMs: number) {
  const open = new Map<ServerHttp2Session, number>();
  const seen = { sessions: 0, maxConcurrentOnOneSession: 0, versions: new Set<string>(), sni: new Set<string>() };
  server.on('session', () => seen.sessions++);
  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const session = req.stream.session as ServerHttp2Session;
    const now = (open.get(session) ?? 0) + 1;
    open.set(session, now);
    seen.maxConcurrentOnOneSession = Math.max(seen.maxConcurrentOnOneSession, now);
    seen.versions.add(req.httpVersion);
    const servername = (session.socket as { servername?: string }).servername;
    if (servername !== undefined) seen.sni.add(servername);
    setTimeout(() => {
      open.set(session, (open.get(session) ?? 1) - 1);
      res.end('h2');
    }, holdMs);
  });
  return seen;
}

async function listen(server: Http2Server | Http2SecureServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

async function burst(cluster: Cluster, count: number): Promise<string[]> {
  const endpoint = cluster.pick();
  if (endpoint === null) throw new Error('no endpoint');
  const pool = cluster.poolFor(endpoint);
  return Promise.all(
    Array.from({ length: count }, async () => {
      const res = await pool.request({ method: 'GET', path: '/' });
      return res.body.text();
    }),
  );
}

describe('HTTP/2 pools', () => {
  it('multiplexes h2c requests on one connection', async () => {
    const server = createServer();
    const seen = instrument(server, 30);
    const port = await listen(server);
    const cluster = new Cluster({ name: 'h2c', protocol: 'http2' });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.1', port }]);
    expect(await burst(cluster, 20)).toEqual(Array(20).fill('h2'));
    expect([...seen.versions]).toEqual(['2.0']);
    expect(seen.sessions).toBe(1);
    expect(seen.maxConcurrentOnOneSession).toBe(20);
    expect(cluster.stats.upstream_cx_http2_total).toBe(1);
    expect(cluster.stats.upstream_rq_2xx).toBe(20);
  });

  it('honours max concurrent streams: with every connection full another is opened', async () => {
    const server = createServer();
    const seen = instrument(server, 50);
    const port = await listen(server);
    const cluster = new Cluster({ name: 'h2c-limited', protocol: 'http2', http2: { maxConcurrentStreams: 2 } });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.1', port }]);
    expect(await burst(cluster, 6)).toHaveLength(6);
    expect(seen.maxConcurrentOnOneSession).toBe(2);
    expect(seen.sessions).toBe(3);
    expect(cluster.stats.upstream_cx_http2_total).toBe(3);
  });

  it('under max_connections, requests beyond the streams of the connections allowed wait for a free stream', async () => {
    const server = createServer();
    const seen = instrument(server, 50);
    const port = await listen(server);
    const cluster = new Cluster({ name: 'h2c-one', protocol: 'http2', http2: { maxConcurrentStreams: 2 }, circuitBreakers: { maxConnections: 1 } });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.1', port }]);
    expect(await burst(cluster, 6)).toEqual(Array(6).fill('h2'));
    expect(seen.maxConcurrentOnOneSession).toBe(2);
    expect(seen.sessions).toBe(1);
  });

  it('speaks h2 over TLS by ALPN with the pinned SNI', async () => {
    const { key, cert } = await certs.make('reviews.mesh.local');
    const server = createSecureServer({ key, cert, allowHTTP1: false });
    const seen = instrument(server, 10);
    const port = await listen(server);
    const cluster = new Cluster({ name: 'h2-tls', protocol: 'http2', tls: { ca: cert, servername: 'reviews.mesh.local' } });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.1', port }]);
    expect(await burst(cluster, 8)).toEqual(Array(8).fill('h2'));
    expect([...seen.versions]).toEqual(['2.0']);
    expect([...seen.sni]).toEqual(['reviews.mesh.local']);
    expect(seen.sessions).toBe(1);
  });

  it("with protocol 'downstream', speaks HTTP/2 for a caller that asks and HTTP/1.1 otherwise, each negotiated by ALPN", async () => {
    const { key, cert } = await certs.make('both.mesh.local');
    const server = createSecureServer({ key, cert, allowHTTP1: true });
    server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => res.end(req.httpVersion));
    const port = await listen(server);
    const cluster = new Cluster({ name: 'either', protocol: 'downstream', tls: { ca: cert, servername: 'both.mesh.local' } });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.1', port }]);
    const endpoint = cluster.pick();
    if (endpoint === null) throw new Error('no endpoint');
    const overH1 = await cluster.poolFor(endpoint).request({ method: 'GET', path: '/' });
    expect(await overH1.body.text()).toBe('1.1');
    const overH2 = await cluster.poolFor(endpoint, true).request({ method: 'GET', path: '/' });
    expect(await overH2.body.text()).toBe('2.0');
    expect(cluster.poolFor(endpoint, true)).not.toBe(cluster.poolFor(endpoint));
    expect(cluster.stats.upstream_cx_http2_total).toBe(1);
    expect(cluster.stats.upstream_cx_total).toBe(2);
  });
});
