import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import http2 from 'node:http2';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { promisify } from 'node:util';
import { compileRouteConfig } from '@meshkit/router';
import type { HeaderAppendAction } from '@meshkit/router';
import { Cluster, ClusterManager } from '@meshkit/upstream';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseFlag } from '../src/index.js';
import { clusters, endpoint, router } from './support/mesh.js';
import { Closer, delay, listen, readBody, startApp, waitFor } from './support/net.js';
import { client, routesTo, startProxy } from './support/proxy.js';

const run = promisify(execFile);
const closer = new Closer();
afterEach(() => closer.closeAll());

const toApp = [{ name: 'to-app', match: { prefix: '/' }, route: { cluster: 'app' } }];

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('router filter: typed config', () => {
  it('adds none of its own x-envoy-* headers with suppress_envoy_headers', async () => {
    const app = await startApp('app', closer);
    const routes = routesTo([{ match: { prefix: '/old/' }, route: { cluster: 'app', prefixRewrite: '/new/' } }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }), { suppress_envoy_headers: true })], routes }, closer);
    const response = await client(closer)(`${proxy.origin}/old/x`);
    expect(response.status).toBe(200);
    expect(response.headers['x-envoy-upstream-service-time']).toBeUndefined();
    expect(app.seen[0]?.url).toBe('/new/x');
    expect(app.seen[0]?.headers['x-envoy-original-path']).toBeUndefined();
  });

  it('refuses router fields it would otherwise ignore, naming them', () => {
    const manager = clusters(closer, {});
    expect(() => router(manager, { start_child_span: true })).toThrow('start_child_span: only false is supported by this router');
    expect(() => router(manager, { upstream_log: [] })).toThrow('upstream_log: is not supported by this router');
    expect(() => router(manager, { suppress_envoy_headers: 'yes' })).toThrow('suppress_envoy_headers: expected true or false');
    expect(() => router(manager, { dynamic_stats: true, start_child_span: false })).not.toThrow();
  });
});

describe('router filter: success path', () => {
  it('forwards the request and response with bodies both ways and records the stream', async () => {
    const app = await startApp('app', closer, (req, res, body) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-app': 'yes' }).end(JSON.stringify({ got: body.toString() }));
    });
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes: routesTo(toApp) }, closer);
    const response = await client(closer)(`${proxy.origin}/items?x=1`, {
      method: 'POST',
      headers: { host: 'reviews:9080', 'content-type': 'text/plain' },
      body: 'ping',
    });
    expect(response.status).toBe(201);
    expect(JSON.parse(response.text)).toEqual({ got: 'ping' });
    expect(response.headers['x-app']).toBe('yes');
    expect(response.headers['server']).toBe('meshkit');
    expect(Number(response.headers['x-envoy-upstream-service-time'])).toBeGreaterThanOrEqual(0);
    const seen = app.seen[0];
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/items?x=1');
    expect(seen?.headers['host']).toBe('reviews:9080');
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(seen?.headers ?? {}).some((name) => name.startsWith(':'))).toBe(false);
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    const info = proxy.streams[0];
    expect(info?.upstreamCluster).toBe('app');
    expect(info?.upstreamHost).toBe(`127.0.0.1:${app.port}`);
    expect(info?.routeName).toBe('to-app');
    expect(info?.virtualHostName).toBe('all');
    expect(info?.bytesReceived).toBe(4);
    expect(info?.bytesSent).toBe(response.body.length);
    expect(info?.responseFlagsString()).toBe('-');
  });

  it('forwards request trailers of a chunked request to an HTTP/1.1 upstream', async () => {
    let trailers: Record<string, string | undefined> = {};
    const app = await startApp('app', closer, (req, res, body) => {
      trailers = req.trailers;
      res.writeHead(200).end(body);
    });
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes: routesTo(toApp) }, closer);
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(proxy.port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.endsWith('0\r\n\r\n')) socket.end();
      });
      socket.once('close', () => resolve(text));
      socket.write('POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: abc\r\nConnection: x\r\n\r\n');
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(raw).toContain('5\r\nhello\r\n');
    expect(trailers['x-checksum']).toBe('abc');
    // Hop-by-hop fields are no more forwarded as trailers than as headers.
    expect(trailers['connection']).toBeUndefined();
  });

  it('streams multi-megabyte bodies both ways intact', async () => {
    const size = 8 * 1024 * 1024;
    const app = await startApp('app', closer, (_req, res, body) => {
      res.writeHead(200, { 'x-upload-sha': sha(body) });
      // Answer with a different large body, written with back-pressure.
      const out = Buffer.alloc(size, 7);
      let offset = 0;
      const writeMore = (): void => {
        while (offset < out.length) {
          const chunk = out.subarray(offset, offset + 64 * 1024);
          offset += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', writeMore);
        }
        res.end();
      };
      writeMore();
    });
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes: routesTo(toApp) }, closer);
    const upload = Buffer.alloc(size);
    for (let i = 0; i < upload.length; i += 4096) upload.writeUInt32BE(i, i);
    const response = await client(closer)(`${proxy.origin}/upload`, { method: 'PUT', body: upload });
    expect(response.status).toBe(200);
    expect(response.headers['x-upload-sha']).toBe(sha(upload));
    expect(response.body.length).toBe(size);
    expect(response.body.equals(Buffer.alloc(size, 7))).toBe(true);
  });

  it('applies prefix rewrite, keeping the query string', async () => {
    const app = await startApp('app', closer);
    const routes = routesTo([{ match: { prefix: '/api/' }, route: { cluster: 'app', prefixRewrite: '/v1/' } }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes }, closer);
    const response = await client(closer)(`${proxy.origin}/api/users?id=7`);
    expect(response.status).toBe(200);
    expect(app.seen[0]?.url).toBe('/v1/users?id=7');
  });

  it('spreads requests over weighted clusters in proportion', async () => {
    const a = await startApp('a', closer);
    const b = await startApp('b', closer);
    const routes = routesTo([{ match: { prefix: '/' }, route: { weightedClusters: { clusters: [{ name: 'a', weight: 75 }, { name: 'b', weight: 25 }] } } }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { a: [endpoint(a.port)], b: [endpoint(b.port)] }))], routes }, closer);
    const send = client(closer);
    for (let i = 0; i < 200; i++) expect((await send(`${proxy.origin}/`)).status).toBe(200);
    // 75/25 over 200 picks: far outside these bounds only with negligible probability.
    expect(a.seen.length + b.seen.length).toBe(200);
    expect(a.seen.length).toBeGreaterThan(120);
    expect(b.seen.length).toBeGreaterThan(25);
  });

  it('answers a direct response without any upstream', async () => {
    const routes = routesTo([{ match: { path: '/health' }, directResponse: { status: 200, body: 'ok' } }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, {}))], routes }, closer);
    const response = await client(closer)(`${proxy.origin}/health`);
    expect(response.status).toBe(200);
    expect(response.text).toBe('ok');
    expect(response.headers['content-type']).toBe('text/plain');
    expect(response.headers['content-length']).toBe('2');
  });
});

describe('router filter: local replies', () => {
  it('answers 404 NR when no route matches', async () => {
    const routes = routesTo([{ match: { path: '/only' }, route: { cluster: 'app' } }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, {}))], routes }, closer);
    const response = await client(closer)(`${proxy.origin}/other`);
    expect(response.status).toBe(404);
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('NR');
    expect(proxy.streams[0]?.responseCodeDetails).toBe('route_not_found');
  });

  it('answers 404 NR when there is no route table at all', async () => {
    const proxy = await startProxy({ filters: [router(clusters(closer, {}))], routes: null }, closer);
    expect((await client(closer)(`${proxy.origin}/`)).status).toBe(404);
  });

  it('answers 503 NC for a cluster nobody defined', async () => {
    const proxy = await startProxy({ filters: [router(clusters(closer, {}))], routes: routesTo(toApp) }, closer);
    const response = await client(closer)(`${proxy.origin}/`);
    expect(response.status).toBe(503);
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('NC');
  });

  it('answers 503 UH "no healthy upstream" with no endpoints, or only unhealthy ones and panic routing off', async () => {
    const manager = clusters(closer, { app: [] });
    // With Envoy's default 50% panic threshold an all-unhealthy cluster still routes; 0 turns that off.
    const sick = new Cluster({ name: 'sick', panicThresholdPercent: 0 });
    sick.setEndpoints([{ address: '127.0.0.1', port: 1, healthy: false }]);
    manager.set('sick', sick);
    const routes = routesTo([
      { match: { prefix: '/sick' }, route: { cluster: 'sick' } },
      { match: { prefix: '/' }, route: { cluster: 'app' } },
    ]);
    const proxy = await startProxy({ filters: [router(manager)], routes }, closer);
    const send = client(closer);
    for (const path of ['/', '/sick']) {
      const response = await send(`${proxy.origin}${path}`);
      expect(response.status).toBe(503);
      expect(response.text).toBe('no healthy upstream');
    }
    await waitFor(() => proxy.streams.every((s) => s.endTime !== undefined));
    expect(proxy.streams.map((s) => s.responseFlagsString())).toEqual(['UH', 'UH']);
  });

  it("answers 503 UF with Envoy's body when the connection is refused", async () => {
    const port = await closedPort();
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(port)] }))], routes: routesTo(toApp) }, closer);
    const response = await client(closer)(`${proxy.origin}/`);
    expect(response.status).toBe(503);
    expect(response.text).toBe(
      'upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: delayed connect error: 111',
    );
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('UF');
  });

  it('answers 504 UT when the upstream is slower than the route timeout, and gives up on it', async () => {
    let upstreamSawClose = false;
    const app = await listen((req, res) => {
      res.once('close', () => (upstreamSawClose = !res.writableFinished));
      req.resume();
    }, closer);
    const routes = routesTo([{ match: { prefix: '/' }, route: { cluster: 'app', timeoutMs: 150 } }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes }, closer);
    const started = Date.now();
    const response = await client(closer)(`${proxy.origin}/`);
    expect(response.status).toBe(504);
    expect(response.text).toBe('upstream request timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    await waitFor(() => upstreamSawClose);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('UT');
  });

  it('times out while the upstream is still connecting (TLS handshake that never completes)', async () => {
    // Accepts TCP but never speaks TLS: undici has no request controller yet when the timer fires.
    const sockets = new Set<Socket>();
    const silent = createNetServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closer.add(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const manager = clusters(closer, {});
    const tlsCluster = new Cluster({ name: 'app', tls: { rejectUnauthorized: false }, connectTimeoutMs: 10_000 });
    tlsCluster.setEndpoints([endpoint((silent.address() as AddressInfo).port)]);
    manager.set('app', tlsCluster);
    const routes = routesTo([{ match: { prefix: '/' }, route: { cluster: 'app', timeoutMs: 200 } }]);
    const proxy = await startProxy({ filters: [router(manager)], routes }, closer);
    const started = Date.now();
    const response = await client(closer)(`${proxy.origin}/`);
    expect(response.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('resets the downstream with UT when the route timeout passes mid-body (it covers the whole response)', async () => {
    const app = await listen((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part;');
    }, closer);
    const routes = routesTo([{ match: { prefix: '/' }, route: { cluster: 'app', timeoutMs: 200 } }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes }, closer);
    await expect(client(closer)(`${proxy.origin}/`, { bodyTimeout: 5000 })).rejects.toThrow();
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('UT');
    expect(proxy.hcm.stats.downstream_rq_tx_reset).toBe(1);
  });

  it('answers 503 UC when the upstream resets before headers', async () => {
    const app = await listen((req) => req.socket.destroy(), closer);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes: routesTo(toApp) }, closer);
    const response = await client(closer)(`${proxy.origin}/`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(503);
    expect(response.text).toBe('upstream connect error or disconnect/reset before headers. reset reason: connection termination');
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('UC');
  });

  it.each([
    ['something that is not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n\r\n'],
    ['an HTTP/1.0 response with Transfer-Encoding', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
    ['conflicting Content-Length values on a 204', 'HTTP/1.1 204 No Content\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
  ])('answers 502 UPE when the upstream answers with %s', async (_what, answer) => {
    const garbage = createNetServer((socket) => socket.once('data', () => socket.end(answer)));
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    closer.add(() => new Promise<void>((resolve) => garbage.close(() => resolve())));
    const port = (garbage.address() as AddressInfo).port;
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(port)] }))], routes: routesTo(toApp) }, closer);
    const response = await client(closer)(`${proxy.origin}/`);
    expect(response.status).toBe(502);
    expect(response.text).toBe('upstream connect error or disconnect/reset before headers. reset reason: protocol error');
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('UPE');
  });

  it('resets the downstream connection when the upstream resets mid-body', async () => {
    const app = await listen((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-length': '100' });
      res.write('only some of it');
      setTimeout(() => req.socket.destroy(), 50);
    }, closer);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes: routesTo(toApp) }, closer);
    await expect(client(closer)(`${proxy.origin}/`)).rejects.toThrow();
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.responseCode).toBe(200);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('UC');
    expect(proxy.hcm.stats.downstream_rq_tx_reset).toBe(1);
    expect(proxy.hcm.stats.downstream_rq_rx_reset).toBe(0);
  });
});

describe('router filter: retries', () => {
  /** An h2c upstream that resets its first `refusals` streams with `code` (by default REFUSED_STREAM), then answers. */
  async function refusingH2Upstream(refusals: number, code: number = http2.constants.NGHTTP2_REFUSED_STREAM): Promise<{ port: number; streams: () => number }> {
    let streams = 0;
    const server = http2.createServer();
    server.on('stream', (stream) => {
      streams++;
      stream.on('error', () => undefined);
      if (streams <= refusals) stream.close(code);
      else {
        stream.respond({ ':status': 200 });
        stream.end(`stream ${streams}`);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closer.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { port: (server.address() as AddressInfo).port, streams: () => streams };
  }

  function h2Cluster(port: number): ClusterManager {
    const manager = new ClusterManager();
    const cluster = new Cluster({ name: 'app', protocol: 'http2', connectTimeoutMs: 2000 });
    cluster.setEndpoints([endpoint(port)]);
    manager.set('app', cluster);
    closer.add(() => cluster.destroy());
    return manager;
  }

  const retryingOn = (retryOn: string) => [{ name: 'retrying', match: { prefix: '/' }, route: { cluster: 'app', retryPolicy: { retryOn, numRetries: 1, retryBackOff: { baseIntervalMs: 1 } } } }];

  it('retries a stream an HTTP/2 upstream refused under refused-stream', async () => {
    const upstream = await refusingH2Upstream(1);
    const proxy = await startProxy({ filters: [router(h2Cluster(upstream.port))], routes: routesTo(retryingOn('refused-stream')) }, closer);
    const response = await client(closer)(`${proxy.origin}/`);
    expect(response).toMatchObject({ status: 200, text: 'stream 2' });
    expect(upstream.streams()).toBe(2);
  });

  it('does not retry a refused stream under connect-failure alone', async () => {
    const upstream = await refusingH2Upstream(1);
    const proxy = await startProxy({ filters: [router(h2Cluster(upstream.port))], routes: routesTo(retryingOn('connect-failure')) }, closer);
    const response = await client(closer)(`${proxy.origin}/`);
    expect(response).toMatchObject({ status: 503, text: 'upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset' });
    expect(upstream.streams()).toBe(1);
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('UR');
  });

  it("answers an HTTP/2 upstream's reset as Envoy's remote reset (503 UR), retried under reset", async () => {
    const upstream = await refusingH2Upstream(2, http2.constants.NGHTTP2_CANCEL);
    const proxy = await startProxy({ filters: [router(h2Cluster(upstream.port))], routes: routesTo(retryingOn('reset')) }, closer);
    const response = await client(closer)(`${proxy.origin}/`);
    expect(response).toMatchObject({ status: 503, text: 'upstream connect error or disconnect/reset before headers. reset reason: remote reset' });
    expect(upstream.streams()).toBe(2);
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('UR,URX');
  });
});

describe('router filter: headers', () => {
  it('strips hop-by-hop headers both ways, including those the Connection header names, and keeps te: trailers', async () => {
    const app = await startApp('app', closer, (_req, res) => {
      res.setHeader('connection', 'x-app-hop');
      res.setHeader('x-app-hop', 'secret');
      res.setHeader('keep-alive', 'timeout=5');
      res.setHeader('proxy-connection', 'keep-alive');
      res.setHeader('x-app-end', 'kept');
      res.end('done');
    });
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes: routesTo(toApp) }, closer);
    const { stdout } = await run('curl', [
      '-sS', '-D', '-', '--max-time', '10',
      '-H', 'Connection: x-client-hop, keep-alive',
      '-H', 'x-client-hop: secret',
      '-H', 'Keep-Alive: timeout=5',
      '-H', 'Proxy-Connection: keep-alive',
      '-H', 'TE: trailers, deflate',
      '-H', 'x-end-to-end: kept',
      `${proxy.origin}/hop`,
    ]);
    const seen = app.seen[0]?.headers ?? {};
    expect(seen['x-end-to-end']).toBe('kept');
    expect(seen['x-client-hop']).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen['proxy-connection']).toBeUndefined();
    expect(seen['te']).toBe('trailers');
    // What curl received from the proxy.
    const head = stdout.slice(0, stdout.indexOf('\r\n\r\n')).toLowerCase();
    expect(head).toContain('x-app-end: kept');
    expect(head).not.toContain('x-app-hop');
    expect(head).not.toContain('proxy-connection');
    expect(head).not.toContain('keep-alive: timeout=5');
    expect(stdout.endsWith('done')).toBe(true);
  });

  it('drops te unless it asks for trailers', async () => {
    const app = await startApp('app', closer);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes: routesTo(toApp) }, closer);
    await run('curl', ['-sS', '--max-time', '10', '-H', 'TE: gzip', `${proxy.origin}/`]);
    expect(app.seen[0]?.headers['te']).toBeUndefined();
  });

  it('sends no body for HEAD, 204 and 304, and the connection stays usable', async () => {
    const app = await startApp('app', closer, (req, res) => {
      if (req.url === '/204') return void res.writeHead(204).end();
      if (req.url === '/304') return void res.writeHead(304, { etag: '"v1"' }).end();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '11' }).end(req.method === 'HEAD' ? undefined : 'hello world');
    });
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes: routesTo(toApp) }, closer);
    // One curl, one connection, four requests: any stray body byte would corrupt the next one.
    const { stdout } = await run('curl', [
      '-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{num_connects}\\n',
      '-I', `${proxy.origin}/head`, '--next',
      '-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{num_connects}\\n', `${proxy.origin}/204`, '--next',
      '-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{num_connects}\\n', `${proxy.origin}/304`, '--next',
      '-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{num_connects}\\n', `${proxy.origin}/get`,
    ]);
    expect(stdout.trim().split('\n')).toEqual(['200 0 1', '204 0 0', '304 0 0', '200 11 0']);
    expect(app.seen.map((r) => r.method)).toEqual(['HEAD', 'GET', 'GET', 'GET']);
  });
});

describe('router filter: downstream disconnect', () => {
  it('aborts the upstream request when the client goes away mid-request, and sets DC', async () => {
    let upstreamClosed = false;
    let upstreamGotBytes = 0;
    const app = await listen((req, res) => {
      req.on('data', (chunk: Buffer) => (upstreamGotBytes += chunk.length));
      res.once('close', () => (upstreamClosed = true));
    }, closer);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes: routesTo(toApp) }, closer);
    const req = httpRequest(`${proxy.origin}/upload`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
    req.on('error', () => {});
    req.write('first chunk');
    await waitFor(() => upstreamGotBytes > 0);
    req.destroy();
    await waitFor(() => upstreamClosed);
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.hasResponseFlag(ResponseFlag.DownstreamConnectionTermination)).toBe(true);
    expect(proxy.hcm.stats.downstream_rq_rx_reset).toBe(1);
  });

  it('aborts the upstream request when the client goes away while waiting for the response', async () => {
    let upstreamClosed = false;
    const app = await listen((req, res) => {
      void readBody(req);
      res.once('close', () => (upstreamClosed = true));
    }, closer);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes: routesTo(toApp) }, closer);
    const req = httpRequest(`${proxy.origin}/`);
    req.on('error', () => {});
    req.end();
    await waitFor(() => proxy.streams.length === 1);
    await delay(50);
    req.destroy();
    await waitFor(() => upstreamClosed);
    await waitFor(() => proxy.streams[0]?.endTime !== undefined);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('DC');
  });
});

describe('router filter: route actions', () => {
  it('answers a redirect with its status and Location, adds the route response headers, and calls no upstream', async () => {
    const routes = routesTo([
      { match: { prefix: '/old/' }, redirect: { httpsRedirect: true, prefixRewrite: '/new/' }, responseHeadersToAdd: [{ header: { key: 'x-redirected', value: 'yes' } }] },
      { match: { prefix: '/moved' }, redirect: { hostRedirect: 'elsewhere.test', portRedirect: 8080, responseCode: 'TEMPORARY_REDIRECT', stripQuery: true } },
    ]);
    const proxy = await startProxy({ filters: [router(clusters(closer, {}))], routes }, closer);
    const send = client(closer);
    const moved = await send(`${proxy.origin}/old/a?x=1`, { headers: { host: 'shop.test:80' } });
    expect(moved.status).toBe(301);
    // http's default port goes when the scheme changes, as in Envoy.
    expect(moved.headers['location']).toBe('https://shop.test/new/a?x=1');
    expect(moved.headers['x-redirected']).toBe('yes');
    expect(moved.text).toBe('');
    const temporary = await send(`${proxy.origin}/moved/x?y=2`, { method: 'POST', body: 'kept?', headers: { host: 'shop.test' } });
    expect(temporary.status).toBe(307);
    expect(temporary.headers['location']).toBe('http://elsewhere.test:8080/moved/x');
    await waitFor(() => proxy.streams.every((s) => s.endTime !== undefined));
    expect(proxy.streams.map((s) => [s.responseCode, s.responseCodeDetails, s.upstreamCluster])).toEqual([
      [301, 'direct_response', ''],
      [307, 'direct_response', ''],
    ]);
  });

  it('mutates the request the upstream sees, with each append action, after removing what the route removes', async () => {
    const app = await startApp('app', closer);
    const add = (key: string, appendAction: HeaderAppendAction, value = 'route') => ({ header: { key, value }, appendAction });
    const routes = routesTo([
      {
        match: { prefix: '/' },
        route: { cluster: 'app' },
        requestHeadersToRemove: ['x-secret', 'x-append'],
        requestHeadersToAdd: [
          add('x-append', 'APPEND_IF_EXISTS_OR_ADD'),
          add('x-multi', 'APPEND_IF_EXISTS_OR_ADD'),
          add('x-if-absent', 'ADD_IF_ABSENT'),
          add('x-if-absent-new', 'ADD_IF_ABSENT'),
          add('x-overwrite', 'OVERWRITE_IF_EXISTS_OR_ADD'),
          add('x-overwrite-new', 'OVERWRITE_IF_EXISTS_OR_ADD'),
          add('x-if-exists', 'OVERWRITE_IF_EXISTS'),
          add('x-if-exists-new', 'OVERWRITE_IF_EXISTS'),
          { header: { key: 'x-empty', value: '' }, keepEmptyValue: true },
          { header: { key: 'x-dropped-empty', value: '' } },
        ],
      },
    ]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes }, closer);
    const sent = { 'x-secret': 's', 'x-append': 'client', 'x-multi': 'client', 'x-if-absent': 'client', 'x-overwrite': 'client', 'x-if-exists': 'client' };
    expect((await client(closer)(`${proxy.origin}/`, { headers: sent })).status).toBe(200);
    const seen = app.seen[0]?.headers ?? {};
    expect(seen['x-secret']).toBeUndefined();
    expect(seen['x-append']).toBe('route'); // removed first, then added
    expect(seen['x-multi']).toBe('client, route');
    expect(seen['x-if-absent']).toBe('client');
    expect(seen['x-if-absent-new']).toBe('route');
    expect(seen['x-overwrite']).toBe('route');
    expect(seen['x-overwrite-new']).toBe('route');
    expect(seen['x-if-exists']).toBe('route');
    expect(seen['x-if-exists-new']).toBeUndefined();
    expect(seen['x-empty']).toBe('');
    expect('x-dropped-empty' in seen).toBe(false);
  });

  it("applies route config, virtual host and route request mutations in Envoy's order, the weighted cluster's first", async () => {
    const app = await startApp('app', closer);
    const level = (value: string) => ({ requestHeadersToAdd: [{ header: { key: 'x-level', value }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' as const }, { header: { key: 'x-trail', value } }] });
    const routes = compileRouteConfig({
      name: 'levels',
      ...level('config'),
      virtualHosts: [
        {
          name: 'all',
          domains: ['*'],
          ...level('vhost'),
          routes: [{ match: { prefix: '/' }, ...level('route'), route: { weightedClusters: { clusters: [{ name: 'app', weight: 1, ...level('cluster') }] } } }],
        },
      ],
    });
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes }, closer);
    expect((await client(closer)(`${proxy.origin}/`)).status).toBe(200);
    // Envoy's default: the least specific level is applied last, so its overwrite wins.
    expect(app.seen[0]?.headers['x-level']).toBe('config');
    expect(app.seen[0]?.headers['x-trail']).toBe('cluster, route, vhost, config');
  });

  it('mutates the response the client sees, with each append action, and local replies too', async () => {
    const app = await startApp('app', closer, (_req, res) => {
      res.writeHead(200, { 'x-app-append': 'app', 'x-app-absent': 'app', 'x-app-overwrite': 'app', 'x-app-if-exists': 'app', 'x-app-secret': 's' }).end('ok');
    });
    const responseMutations = {
      responseHeadersToRemove: ['x-app-secret'],
      responseHeadersToAdd: [
        { header: { key: 'x-app-append', value: 'route' } },
        { header: { key: 'x-app-absent', value: 'route' }, appendAction: 'ADD_IF_ABSENT' as const },
        { header: { key: 'x-route-absent', value: 'route' }, appendAction: 'ADD_IF_ABSENT' as const },
        { header: { key: 'x-app-overwrite', value: 'route' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' as const },
        { header: { key: 'x-app-if-exists', value: 'route' }, appendAction: 'OVERWRITE_IF_EXISTS' as const },
        { header: { key: 'x-route-if-exists', value: 'route' }, appendAction: 'OVERWRITE_IF_EXISTS' as const },
      ],
    };
    const routes = routesTo([
      { match: { prefix: '/nowhere' }, route: { cluster: 'missing' }, ...responseMutations },
      { match: { prefix: '/' }, route: { cluster: 'app' }, ...responseMutations },
    ]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes }, closer);
    const send = client(closer);
    const response = await send(`${proxy.origin}/`);
    expect(response.status).toBe(200);
    expect(response.text).toBe('ok');
    expect(response.headers['x-app-append']).toEqual(['app', 'route']);
    expect(response.headers['x-app-absent']).toBe('app');
    expect(response.headers['x-route-absent']).toBe('route');
    expect(response.headers['x-app-overwrite']).toBe('route');
    expect(response.headers['x-app-if-exists']).toBe('route');
    expect(response.headers['x-route-if-exists']).toBeUndefined();
    expect(response.headers['x-app-secret']).toBeUndefined();
    expect(Number(response.headers['x-envoy-upstream-service-time'])).toBeGreaterThanOrEqual(0);
    // The router's own 503 NC is finalized with the route's response headers, as Envoy's are.
    const missing = await send(`${proxy.origin}/nowhere`);
    expect(missing.status).toBe(503);
    expect(missing.headers['x-route-absent']).toBe('route');
  });

  it('finalizes its upstream-failure replies (503 UF) with the route response headers too', async () => {
    const routes = routesTo([{ match: { prefix: '/' }, route: { cluster: 'app' }, responseHeadersToAdd: [{ header: { key: 'x-route', value: 'yes' } }] }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(await closedPort())] }))], routes }, closer);
    const failed = await client(closer)(`${proxy.origin}/`);
    expect(failed.status).toBe(503);
    expect(failed.headers['x-route']).toBe('yes');
  });

  it('sends host_rewrite_literal, or the endpoint hostname for auto_host_rewrite, as the upstream Host', async () => {
    const app = await startApp('app', closer);
    const named = await startApp('named', closer);
    const routes = routesTo([
      { match: { prefix: '/literal' }, route: { cluster: 'app', hostRewriteLiteral: 'rewritten.test' } },
      { match: { prefix: '/auto-named' }, route: { cluster: 'named', autoHostRewrite: true } },
      { match: { prefix: '/auto' }, route: { cluster: 'app', autoHostRewrite: true } },
    ]);
    const manager = clusters(closer, { app: [endpoint(app.port)], named: [{ ...endpoint(named.port), hostname: 'named.internal' }] });
    const proxy = await startProxy({ filters: [router(manager)], routes }, closer);
    const send = client(closer);
    for (const path of ['/literal', '/auto']) expect((await send(`${proxy.origin}${path}`, { headers: { host: 'client.test' } })).status).toBe(200);
    expect((await send(`${proxy.origin}/auto-named`, { headers: { host: 'client.test' } })).status).toBe(200);
    expect(app.seen.map((r) => r.headers['host'])).toEqual(['rewritten.test', 'client.test']);
    expect(named.seen[0]?.headers['host']).toBe('named.internal');
  });

  it('routes by cluster_header, and answers 503 NC when the header is missing, empty or names no cluster', async () => {
    const a = await startApp('a', closer);
    const b = await startApp('b', closer);
    const routes = routesTo([{ match: { prefix: '/' }, route: { clusterHeader: 'x-target' } }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { a: [endpoint(a.port)], b: [endpoint(b.port)] }))], routes }, closer);
    const send = client(closer);
    expect((await send(`${proxy.origin}/`, { headers: { 'x-target': 'b' } })).text).toBe('hello from b');
    expect((await send(`${proxy.origin}/`, { headers: { 'x-target': 'a' } })).text).toBe('hello from a');
    for (const headers of [{}, { 'x-target': '' }, { 'x-target': 'nope' }]) expect((await send(`${proxy.origin}/`, { headers })).status).toBe(503);
    await waitFor(() => proxy.streams.length === 5 && proxy.streams.every((s) => s.endTime !== undefined));
    expect(proxy.streams.map((s) => [s.upstreamCluster, s.responseFlagsString()])).toEqual([
      ['b', '-'],
      ['a', '-'],
      ['', 'NC'],
      ['', 'NC'],
      ['nope', 'NC'],
    ]);
  });

  it('applies regex_rewrite to the path, keeping the query, and keeps the original in x-envoy-original-path', async () => {
    const app = await startApp('app', closer);
    const routes = routesTo([{ match: { prefix: '/service/' }, route: { cluster: 'app', regexRewrite: { pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' } } }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes }, closer);
    expect((await client(closer)(`${proxy.origin}/service/foo/v1/api?x=1`)).status).toBe(200);
    expect(app.seen[0]?.url).toBe('/v1/api/instance/foo?x=1');
    expect(app.seen[0]?.headers['x-envoy-original-path']).toBe('/service/foo/v1/api?x=1');
  });

  it('hands the hash policy key to a RING_HASH cluster: one header value always reaches one endpoint', async () => {
    const a = await startApp('a', closer);
    const b = await startApp('b', closer);
    const manager = clusters(closer, {});
    const ring = new Cluster({ name: 'ring', lbPolicy: 'RING_HASH', connectTimeoutMs: 2000 });
    ring.setEndpoints([endpoint(a.port), endpoint(b.port)]);
    manager.set('ring', ring);
    const routes = routesTo([{ match: { prefix: '/' }, route: { cluster: 'ring', hashPolicy: [{ header: { headerName: 'x-user' } }] } }]);
    const proxy = await startProxy({ filters: [router(manager)], routes }, closer);
    const send = client(closer);
    const answeredBy = new Map<string, Set<string>>();
    for (let round = 0; round < 3; round++) {
      for (let user = 0; user < 16; user++) {
        const response = await send(`${proxy.origin}/`, { headers: { 'x-user': `user-${user}` } });
        const seen = answeredBy.get(`user-${user}`) ?? new Set<string>();
        seen.add(response.text);
        answeredBy.set(`user-${user}`, seen);
      }
    }
    expect([...answeredBy.values()].every((apps) => apps.size === 1)).toBe(true);
    // 16 keys on a two-endpoint ring land on both (all on one: about 2 in 65 536).
    expect(new Set([...answeredBy.values()].flatMap((apps) => [...apps])).size).toBe(2);
  });
});
