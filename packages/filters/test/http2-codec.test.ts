import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { Cluster, ClusterManager } from '@meshkit/upstream';
import { afterEach, describe, expect, it } from 'vitest';
import { answerLater, echo } from './support/filters.js';
import type { CompiledHttpFilter } from '../src/index.js';
import { clusters, endpoint, router } from './support/mesh.js';
import { routesTo, startAcceptingProxy } from './support/proxy.js';
import { Closer, listen, waitFor } from './support/net.js';

const run = promisify(execFile);
const closer = new Closer();
afterEach(() => closer.closeAll());

/** curl's view of one exchange: status, negotiated HTTP version, body. */
async function curl(url: string, ...args: string[]): Promise<{ status: number; version: string; body: string }> {
  const marker = '\n@@';
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', ...args, '-w', `${marker}%{http_code} %{http_version}`, url]);
  const at = stdout.lastIndexOf(marker);
  const [status, version] = stdout.slice(at + marker.length).split(' ');
  return { status: Number(status), version: version ?? '', body: stdout.slice(0, at) };
}

interface H2Response {
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly trailers: http2.IncomingHttpHeaders | undefined;
}

/** One request on a node:http2 client session; request trailers are sent when given. */
function h2Request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer, trailers?: http2.OutgoingHttpHeaders): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined, waitForTrailers: trailers !== undefined });
    if (trailers !== undefined) stream.once('wantTrailers', () => stream.sendTrailers(trailers));
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let responseTrailers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.once('response', (h: http2.IncomingHttpHeaders) => (responseHeaders = h));
    stream.once('trailers', (t: http2.IncomingHttpHeaders) => (responseTrailers = t));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve({ headers: responseHeaders, body: Buffer.concat(chunks), trailers: responseTrailers }));
    stream.once('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

function connect(origin: string): http2.ClientHttp2Session {
  const session = http2.connect(origin);
  session.on('error', () => undefined);
  closer.add(() => {
    session.destroy();
    return Promise.resolve();
  });
  return session;
}

describe('codec selection and the HTTP/2 codec', () => {
  it('speaks HTTP/2 to a client that sends the preface and HTTP/1.1 to one that does not, on one port', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer);
    const h2 = await curl(`${proxy.origin}/x`, '--http2-prior-knowledge', '--data-binary', 'over h2');
    const h1 = await curl(`${proxy.origin}/x`, '--data-binary', 'over h1');
    expect(h2).toEqual({ status: 200, version: '2', body: 'over h2' });
    expect(h1).toEqual({ status: 200, version: '1.1', body: 'over h1' });
    expect(proxy.streams.map((s) => s.protocol)).toEqual(['HTTP/2', 'HTTP/1.1']);
    expect(proxy.hcm.stats).toMatchObject({ downstream_cx_http1_total: 1, downstream_cx_http2_total: 1, downstream_rq_2xx: 2 });
  });

  it('gives filters native pseudo-headers and carries request trailers into response trailers', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo({ chunks: 8 })] }, closer);
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    const response = await h2Request(connect(proxy.origin), { ':method': 'POST', ':path': '/up?a=1', 'x-test': 'yes' }, body, { 'x-checksum': 'abc' });
    expect(response.headers[':status']).toBe(200);
    expect(response.body.equals(body)).toBe(true);
    expect(response.trailers?.['x-checksum']).toBe('abc');
    const seen = JSON.parse(String(response.headers['x-seen-headers'])) as Record<string, string>;
    expect(seen).toMatchObject({ ':method': 'POST', ':path': '/up?a=1', ':scheme': 'http', 'x-test': 'yes', 'x-forwarded-proto': 'http' });
    expect(seen[':authority']).toBe(`127.0.0.1:${proxy.port}`);
  });

  it('advertises max_concurrent_streams in its SETTINGS', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, { http2MaxConcurrentStreams: 7 });
    const session = connect(proxy.origin);
    await new Promise((resolve) => session.once('remoteSettings', resolve));
    expect(session.remoteSettings.maxConcurrentStreams).toBe(7);
  });

  it('honours codec_type: HTTP1 refuses the HTTP/2 preface, HTTP2 refuses an HTTP/1.1 request', async () => {
    const onlyH1 = await startAcceptingProxy({ filters: [echo()] }, closer, { codec: 'HTTP1' });
    const onlyH2 = await startAcceptingProxy({ filters: [echo()] }, closer, { codec: 'HTTP2' });
    await expect(curl(`${onlyH1.origin}/`, '--http2-prior-knowledge')).rejects.toThrow();
    await expect(curl(`${onlyH2.origin}/`, '--http1.1')).rejects.toThrow();
    expect((await curl(`${onlyH1.origin}/`, '--http1.1')).status).toBe(200);
    expect((await curl(`${onlyH2.origin}/`, '--http2-prior-knowledge')).version).toBe('2');
  });

  it('routes an HTTP/2 stream to an h2c upstream and forwards its response trailers', async () => {
    const upstream = http2.createServer();
    upstream.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-path': String(headers[':path']) }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'not here' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    closer.add(() => new Promise((resolve) => upstream.close(() => resolve())));
    const manager = new ClusterManager();
    const cluster = new Cluster({ name: 'grpc', protocol: 'http2' });
    cluster.setEndpoints([{ address: '127.0.0.1', port: (upstream.address() as AddressInfo).port }]);
    manager.set('grpc', cluster);
    closer.add(() => cluster.destroy());

    const proxy = await startAcceptingProxy({ filters: [router(manager)], routes: routesTo([{ match: { prefix: '/' }, route: { cluster: 'grpc' } }]) }, closer);
    const response = await h2Request(connect(proxy.origin), { ':method': 'POST', ':path': '/pkg.Svc/Get', 'content-type': 'application/grpc', te: 'trailers' }, Buffer.from([0, 0, 0, 0, 0]));
    expect(response.headers[':status']).toBe(200);
    expect(response.headers['x-path']).toBe('/pkg.Svc/Get');
    expect(response.trailers).toMatchObject({ 'grpc-status': '5', 'grpc-message': 'not here' });
    expect(cluster.stats.upstream_cx_http2_total).toBe(1);
  });

  it('answers a gRPC request the proxy cannot serve with HTTP 200 and grpc-status UNAVAILABLE', async () => {
    const manager = new ClusterManager();
    const cluster = new Cluster({ name: 'down', protocol: 'http2', connectTimeoutMs: 500 });
    cluster.setEndpoints([{ address: '127.0.0.1', port: 1 }]);
    manager.set('down', cluster);
    closer.add(() => cluster.destroy());
    const proxy = await startAcceptingProxy({ filters: [router(manager)], routes: routesTo([{ match: { prefix: '/' }, route: { cluster: 'down' } }]) }, closer);
    const session = connect(proxy.origin);
    const grpc = await h2Request(session, { ':method': 'POST', ':path': '/pkg.Svc/Get', 'content-type': 'application/grpc+proto' }, Buffer.from([0, 0, 0, 0, 0]));
    expect(grpc.headers[':status']).toBe(200);
    expect(grpc.headers['grpc-status']).toBe('14');
    expect(String(grpc.headers['grpc-message'])).toContain('upstream connect error');
    expect(grpc.body.length).toBe(0);
    const plain = await h2Request(session, { ':method': 'GET', ':path': '/' });
    expect(plain.headers[':status']).toBe(503);
    expect(plain.headers['grpc-status']).toBeUndefined();
  });

  it('resets streams the client abandons and keeps serving the session', async () => {
    const proxy = await startAcceptingProxy({ filters: [{ name: 'hang', create: () => ({ onRequestHeaders: () => 'stop' }) }] }, closer);
    const session = connect(proxy.origin);
    const stream = session.request({ ':path': '/hang' });
    stream.on('error', () => undefined);
    await waitFor(() => proxy.hcm.stats.downstream_rq_active === 1);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await waitFor(() => proxy.hcm.stats.downstream_rq_active === 0);
    expect(proxy.hcm.stats.downstream_rq_rx_reset).toBe(1);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('DC');
  });

  it('resets the HTTP/2 stream when the upstream dies mid-response (UC), and the session lives on', async () => {
    const app = await listen((req, res) => {
      if (req.url !== '/dies') {
        res.writeHead(200).end('ok');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial ');
      setTimeout(() => res.socket?.destroy(), 30);
    }, closer);
    const routes = routesTo([{ match: { prefix: '/' }, route: { cluster: 'app' } }]);
    const proxy = await startAcceptingProxy({ filters: [router(clusters(closer, { app: [endpoint(app.port)] }))], routes }, closer);
    const session = connect(proxy.origin);
    const failure = await h2Request(session, { ':path': '/dies' }).then(
      () => null,
      (error: Error) => error,
    );
    expect(failure?.message).toContain('NGHTTP2_INTERNAL_ERROR');
    await waitFor(() => proxy.hcm.stats.downstream_rq_tx_reset === 1);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('UC');
    const next = await h2Request(session, { ':path': '/fine' });
    expect(next.body.toString()).toBe('ok');
  });

  it('drains HTTP/2 sessions with a GOAWAY and lets the open stream finish', async () => {
    let release: (() => void) | undefined;
    const gate: CompiledHttpFilter = {
      name: 'test.gate',
      create: (ctx) => ({
        onRequestHeaders: () => {
          release = () => ctx.respond(200, 'finished after drain');
          return 'stop';
        },
      }),
    };
    const proxy = await startAcceptingProxy({ filters: [gate] }, closer);
    const session = connect(proxy.origin);
    const goaway = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)));
    const pending = h2Request(session, { ':path': '/held' });
    await waitFor(() => release !== undefined);
    proxy.hcm.drainConnections();
    expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    release?.();
    expect((await pending).body.toString()).toBe('finished after drain');
    await waitFor(() => proxy.hcm.activeConnections === 0);
  });
});

describe('max_requests_per_connection on HTTP/2', () => {
  it('answers the streams up to the limit and sends GOAWAY, counted once', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, { maxRequestsPerConnection: 3 });
    const session = connect(`http://127.0.0.1:${proxy.port}`);
    const goaway = new Promise((resolve) => session.once('goaway', resolve));
    const answers = await Promise.all([1, 2, 3].map(() => h2Request(session, { ':path': '/' })));
    expect(answers.map((answer) => answer.headers[':status'])).toEqual([200, 200, 200]);
    await goaway;
    expect(proxy.hcm.stats.downstream_cx_max_requests_reached).toBe(1);
  });
});

describe('max_connection_duration on HTTP/2', () => {
  it('sends GOAWAY when the duration is up; the stream open then finishes', async () => {
    const proxy = await startAcceptingProxy({ filters: [answerLater(400, 'late')] }, closer, { maxConnectionDurationMs: 200 });
    const session = connect(`http://127.0.0.1:${proxy.port}`);
    const goaway = new Promise((resolve) => session.once('goaway', resolve));
    const answer = await h2Request(session, { ':path': '/' });
    expect(answer.headers[':status']).toBe(200);
    expect(answer.body.toString()).toBe('late');
    await goaway;
    expect(proxy.hcm.stats.downstream_cx_max_duration_reached).toBe(1);
  });
});

describe('a fault while a stream is set up', () => {
  it('resets that HTTP/2 stream (INTERNAL_ERROR) instead of leaving it unanswered; the session lives on', async () => {
    let broken = true;
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, {
      routeTable: () => {
        if (broken) throw new Error('route table failed');
        return null;
      },
    });
    const session = connect(proxy.origin);
    await expect(h2Request(session, { ':path': '/' })).rejects.toMatchObject({ code: 'ERR_HTTP2_STREAM_ERROR' });
    expect(proxy.hcm.stats.downstream_rq_tx_reset).toBe(1);
    broken = false;
    expect((await h2Request(session, { ':path': '/' })).headers[':status']).toBe(200);
  });
});

describe('a fault while an HTTP/1.1 stream is set up', () => {
  it('answers 500 and closes, with or without a request body still to come', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, {
      routeTable: () => {
        throw new Error('route table failed');
      },
    });
    const get = await curl(`${proxy.origin}/`);
    expect(get.status).toBe(500);
    const post = await curl(`${proxy.origin}/upload`, '--data-binary', 'x'.repeat(100_000), '-H', 'expect:');
    expect(post.status).toBe(500);
  });
});

describe('headers_with_underscores_action on HTTP/2 streams', () => {
  it('REJECT_REQUEST resets a stream whose request has a name with `_`; the connection serves on', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, { headersWithUnderscoresAction: 'REJECT_REQUEST' });
    const session = connect(`http://127.0.0.1:${proxy.port}`);
    const refused = session.request({ ':path': '/', x_user: 'mallory' });
    refused.on('error', () => undefined);
    refused.resume();
    await new Promise((resolve) => refused.once('close', resolve));
    expect(refused.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR);
    expect((await h2Request(session, { ':path': '/', 'x-user': 'alice' })).headers[':status']).toBe(200);
    expect(proxy.hcm.codecStats.http2.requests_rejected_with_underscores_in_headers).toBe(1);
  });

  it('REJECT_REQUEST resets a stream whose trailers have such a name', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, { headersWithUnderscoresAction: 'REJECT_REQUEST' });
    const session = connect(`http://127.0.0.1:${proxy.port}`);
    const refused = session.request({ ':path': '/', ':method': 'POST' }, { waitForTrailers: true });
    refused.once('wantTrailers', () => refused.sendTrailers({ x_sig: '1' }));
    refused.on('error', () => undefined);
    refused.resume();
    refused.end('hi');
    await new Promise((resolve) => refused.once('close', resolve));
    expect(refused.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR);
    expect(proxy.hcm.codecStats.http2.requests_rejected_with_underscores_in_headers).toBe(1);
  });

  it('DROP_HEADER removes such fields before any filter sees them', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, { headersWithUnderscoresAction: 'DROP_HEADER' });
    const session = connect(`http://127.0.0.1:${proxy.port}`);
    const { headers } = await h2Request(session, { ':path': '/', x_user: 'mallory', 'x-user': 'alice' });
    const seen = JSON.parse(String(headers['x-seen-headers'])) as Record<string, string>;
    expect(seen['x_user']).toBeUndefined();
    expect(seen['x-user']).toBe('alice');
    expect(proxy.hcm.codecStats.http2.dropped_headers_with_underscores).toBe(1);
    const withTrailers = await h2Request(session, { ':path': '/', ':method': 'POST' }, Buffer.from('hi'), { x_sig: '1', 'x-ok': '2' });
    expect(withTrailers.trailers?.['x-ok']).toBe('2');
    expect(withTrailers.trailers?.['x_sig']).toBeUndefined();
    expect(proxy.hcm.codecStats.http2.dropped_headers_with_underscores).toBe(2);
  });
});


describe("Envoy's rapid-reset guard on HTTP/2 connections", () => {
  /** Answers at once, except a request for `/hold`, which it never answers: that stream ends only when the client resets it. */
  const holdsSome: CompiledHttpFilter = {
    name: 'test.holds_some',
    create: (ctx) => ({
      onRequestHeaders: (headers) => {
        if (headers[':path'] !== '/hold') ctx.respond(200, 'ok');
        return 'stop';
      },
    }),
  };

  /** Opens `count` streams for `/hold`, resetting each at once; stops early when the session closes. */
  async function openAndReset(session: http2.ClientHttp2Session, count: number): Promise<void> {
    for (let sent = 1; sent <= count && !session.closed && !session.destroyed; sent++) {
      const stream = session.request({ ':path': '/hold' });
      stream.on('error', () => undefined);
      stream.close(http2.constants.NGHTTP2_CANCEL);
      if (sent % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  it('aborts a connection once 250 of its streams were reset before any answer, and counts it', async () => {
    const proxy = await startAcceptingProxy({ filters: [holdsSome] }, closer);
    const session = connect(`http://127.0.0.1:${proxy.port}`);
    let closed = false;
    session.once('close', () => (closed = true));
    await openAndReset(session, 400);
    await waitFor(() => closed);
    expect(proxy.hcm.stats.downstream_rq_too_many_premature_resets).toBe(1);
    expect(proxy.hcm.stats.downstream_rq_rx_reset).toBeGreaterThanOrEqual(250);
    expect(proxy.hcm.stats.downstream_rq_rx_reset).toBeLessThan(400);
    // Other connections are served as before.
    expect((await h2Request(connect(`http://127.0.0.1:${proxy.port}`), { ':path': '/' })).headers[':status']).toBe(200);
  });

  it('leaves a connection alone while most of its streams are answered, resets among them', async () => {
    const proxy = await startAcceptingProxy({ filters: [holdsSome] }, closer);
    const session = connect(`http://127.0.0.1:${proxy.port}`);
    // 760 streams, 360 of them (47%) reset unanswered: past 500 streams, under half.
    for (let round = 0; round < 4; round++) {
      await Promise.all(Array.from({ length: 100 }, () => h2Request(session, { ':path': '/' })));
      await openAndReset(session, 90);
    }
    expect((await h2Request(session, { ':path': '/' })).headers[':status']).toBe(200);
    expect(proxy.hcm.stats.downstream_rq_rx_reset).toBe(360);
    expect(proxy.hcm.stats.downstream_rq_too_many_premature_resets).toBe(0);
  });
});
