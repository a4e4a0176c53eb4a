import { request as httpRequest } from 'node:http';
import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import type { HeaderMap, StreamInfo } from '../src/index.js';
import { echo, recorder } from './support/filters.js';
import { clusters, endpoint, router } from './support/mesh.js';
import { Closer, listen, waitFor } from './support/net.js';
import { client, hcmConfig, routesTo, startAcceptingProxy, startProxy } from './support/proxy.js';

const closer = new Closer();
afterEach(() => closer.closeAll());

/** Captures a copy of the request headers as the first filter sees them. */
function captureHeaders(into: HeaderMap[]): ReturnType<typeof recorder> {
  return recorder('capture', [], () => ({ onRequestHeaders: (headers) => (into.push({ ...headers }), 'continue') }));
}

describe('HttpConnectionManager', () => {
  it("records Envoy's trusted client address as the stream's downstream remote address", async () => {
    const proxy = await startProxy({ filters: [echo()] }, closer);
    const send = client(closer);
    await send(`${proxy.origin}/direct`);
    // Not an edge listener: the last x-forwarded-for entry is the client, as Envoy reads it.
    await send(`${proxy.origin}/forwarded`, { headers: { 'x-forwarded-for': '203.0.113.7, 198.51.100.2' } });
    await waitFor(() => proxy.streams.length === 2);
    expect(proxy.streams[0]?.downstreamRemoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy.streams[1]?.downstreamRemoteAddress).toBe('198.51.100.2:0');
  });

  it('gives filters pseudo-headers with host as :authority', async () => {
    const seen: HeaderMap[] = [];
    const proxy = await startProxy({ filters: [captureHeaders(seen), echo()] }, closer);
    await client(closer)(`${proxy.origin}/a/b?c=d`, { method: 'PUT', headers: { host: 'example.com:8080' }, body: 'x' });
    expect(seen[0]).toMatchObject({ ':method': 'PUT', ':path': '/a/b?c=d', ':authority': 'example.com:8080', ':scheme': 'http' });
    expect(seen[0]?.['host']).toBeUndefined();
  });

  it('generates x-request-id when absent, keeps it when present, and sets x-forwarded-proto only when absent', async () => {
    const seen: HeaderMap[] = [];
    const proxy = await startProxy({ filters: [captureHeaders(seen), echo()] }, closer);
    const send = client(closer);
    await send(`${proxy.origin}/`);
    await send(`${proxy.origin}/`, { headers: { 'x-request-id': 'given-id-1', 'x-forwarded-proto': 'https' } });
    expect(seen[0]?.['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(seen[0]?.['x-forwarded-proto']).toBe('http');
    expect(proxy.streams[0]?.requestId).toBe(seen[0]?.['x-request-id']);
    expect(seen[1]?.['x-request-id']).toBe('given-id-1');
    expect(seen[1]?.['x-forwarded-proto']).toBe('https');
    expect(proxy.streams[1]?.requestId).toBe('given-id-1');
  });

  it('sets the server header, replacing the upstream one', async () => {
    const app = await listen((_req, res) => res.writeHead(200, { server: 'app-server/1.0' }).end('ok'), closer);
    const routes = routesTo([{ match: { prefix: '/' }, route: { cluster: 'app' } }]);
    const filters = [router(clusters(closer, { app: [endpoint(app.port)] }))];
    const named = await startProxy({ filters, routes, serverName: 'istio-envoy' }, closer);
    const unnamed = await startProxy({ filters, routes }, closer);
    const send = client(closer);
    expect((await send(`${named.origin}/`)).headers['server']).toBe('istio-envoy');
    expect((await send(`${unnamed.origin}/`)).headers['server']).toBe('meshkit');
  });

  it('server_header_transformation: APPEND_IF_ABSENT names only a response without a server, PASS_THROUGH never, on both protocols', async () => {
    const app = await listen((req, res) => res.writeHead(200, req.url === '/own' ? { server: 'app-server/1.0' } : {}).end('ok'), closer);
    const routes = routesTo([{ match: { prefix: '/' }, route: { cluster: 'app' } }]);
    const filters = [router(clusters(closer, { app: [endpoint(app.port)] }))];
    const send = client(closer);
    /** The `server` of `path`'s response over HTTP/1.1 and over HTTP/2, from a proxy under `transformation`. */
    const servers = async (transformation: 'APPEND_IF_ABSENT' | 'PASS_THROUGH', path: string): Promise<unknown[]> => {
      const proxy = await startAcceptingProxy({ filters, routes, serverName: 'edge' }, closer, { serverHeaderTransformation: transformation });
      const session = http2.connect(proxy.origin);
      closer.add(() => {
        session.destroy();
        return Promise.resolve();
      });
      const h2 = await new Promise<unknown>((resolve, reject) => {
        const stream = session.request({ ':path': path });
        stream.once('response', (headers) => resolve(headers['server']));
        stream.once('error', reject);
        stream.resume();
      });
      return [(await send(`${proxy.origin}${path}`)).headers['server'], h2];
    };
    expect(await servers('APPEND_IF_ABSENT', '/own')).toEqual(['app-server/1.0', 'app-server/1.0']);
    expect(await servers('APPEND_IF_ABSENT', '/bare')).toEqual(['edge', 'edge']);
    expect(await servers('PASS_THROUGH', '/own')).toEqual(['app-server/1.0', 'app-server/1.0']);
    expect(await servers('PASS_THROUGH', '/bare')).toEqual([undefined, undefined]);
  });

  it('counts requests by class, active streams and downstream resets', async () => {
    let release: (() => void) | undefined;
    const gate = recorder('gate', [], (ctx) => ({
      onRequestHeaders: (headers) => {
        if (headers[':path'] === '/held') {
          release = () => ctx.respond(200, 'released');
          return 'stop';
        }
        if (headers[':path'] === '/hang') return 'stop';
        return 'continue';
      },
    }));
    const routes = routesTo([
      { match: { path: '/ok' }, directResponse: { status: 200, body: 'ok' } },
      { match: { path: '/missing' }, directResponse: { status: 404 } },
      { match: { path: '/broken' }, directResponse: { status: 503 } },
    ]);
    const proxy = await startProxy({ filters: [gate, router(clusters(closer, {}))], routes }, closer);
    const stats = proxy.hcm.stats;
    const send = client(closer);
    for (const [path, status] of [['/ok', 200], ['/ok', 200], ['/missing', 404], ['/nowhere', 404], ['/broken', 503]] as const) {
      expect((await send(`${proxy.origin}${path}`)).status).toBe(status);
    }
    const held = send(`${proxy.origin}/held`);
    await waitFor(() => release !== undefined);
    expect(stats.downstream_rq_active).toBe(1);
    release?.();
    expect((await held).text).toBe('released');
    const hung = httpRequest(`${proxy.origin}/hang`);
    hung.on('error', () => {});
    hung.end();
    await waitFor(() => proxy.streams.length === 7);
    hung.destroy();
    await waitFor(() => stats.downstream_rq_active === 0);
    expect({ ...stats }).toMatchObject({
      downstream_rq_total: 7,
      downstream_rq_active: 0,
      downstream_rq_2xx: 3,
      downstream_rq_4xx: 2,
      downstream_rq_5xx: 1,
      downstream_rq_rx_reset: 1,
      downstream_rq_tx_reset: 0,
    });
  });

  it('swaps the route table with update(): new streams use it, an in-flight stream keeps its own', async () => {
    const streams: StreamInfo[] = [];
    let resumeHeld: (() => void) | undefined;
    const holdFirst = recorder('hold', [], (ctx) => ({
      onRequestHeaders: (headers) => {
        if (headers[':path'] !== '/first') return 'continue';
        resumeHeld = () => ctx.resume();
        return 'stop';
      },
    }));
    const manager = clusters(closer, {});
    const tableWith = (body: string) => routesTo([{ match: { prefix: '/' }, directResponse: { status: 200, body } }]);
    const proxy = await startProxy({ filters: [holdFirst, router(manager)], routes: tableWith('old table') }, closer);
    const send = client(closer);
    const first = send(`${proxy.origin}/first`);
    await waitFor(() => resumeHeld !== undefined);
    proxy.hcm.update(hcmConfig({ filters: [holdFirst, router(manager)], routes: tableWith('new table') }, streams));
    expect((await send(`${proxy.origin}/second`)).text).toBe('new table');
    resumeHeld?.();
    expect((await first).text).toBe('old table');
  });

  it('streams the request body to a real upstream as it arrives', async () => {
    let upstreamBytes = 0;
    const app = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => {
        upstreamBytes += chunk.length;
        chunks.push(chunk);
      });
      req.on('end', () => res.end(Buffer.concat(chunks)));
    }, closer);
    const routes = routesTo([{ match: { prefix: '/' }, route: { cluster: 'app' } }]);
    const proxy = await startProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes }, closer);
    const result = new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${proxy.origin}/stream`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.write('first;');
      // The second chunk is only sent once the upstream has the first: nothing is buffered whole.
      waitFor(() => upstreamBytes === 6).then(
        () => req.end('second'),
        (error: unknown) => reject(error as Error),
      );
    });
    expect(await result).toBe('first;second');
  });
});
