import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { constants, createSecureServer, createServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { Readable } from 'node:stream';
import { buildConnector } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { Http2Pool } from '../src/http2/http2-pool.js';
import { CertFactory } from './support/certs.js';
import { exchange, rawServer } from './support/dispatch-client.js';
import { closedPort } from './support/upstream-server.js';
import type { Http2Server, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream, Settings } from 'node:http2';
import type { Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Http2PoolOptions } from '../src/http2/http2-pool.js';

const closers: (() => Promise<void>)[] = [];
const pools: Http2Pool[] = [];
const certs = new CertFactory();

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.destroy()));
  await Promise.all(closers.splice(0).map((close) => close()));
  await certs.cleanup();
});

type StreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

/** An h2c server that hands every stream to `handler` and keeps its sessions. */
async function h2c(handler: StreamHandler, settings: Settings = {}): Promise<{ origin: string; server: Http2Server; sessions: ServerHttp2Session[] }> {
  const server = createServer({ settings });
  const sessions: ServerHttp2Session[] = [];
  server.on('session', (session) => sessions.push(session));
  server.on('stream', handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sessions };
}

function pool(origin: string, options: Http2PoolOptions = {}): Http2Pool {
  const made = new Http2Pool(origin, options);
  pools.push(made);
  return made;
}

/** Polls `check` every 10 ms for up to 2 s; the caller's expectations say what failed. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** One HTTP/2 frame: a 9-byte header and its payload. */
function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/**
 * An upstream that speaks HTTP/2 by hand: it sends SETTINGS (and acknowledges the client's), then
 * `answer` once the client's first request is surely in. It never answers a PING.
 */
async function handFramed(answer: (socket: Socket) => void): Promise<{ origin: string; sockets: Socket[] }> {
  const raw = await rawServer((socket) => {
    socket.once('data', () => {
      socket.write(frame(4, 0, 0, Buffer.alloc(0))); // SETTINGS
      socket.write(frame(4, 1, 0, Buffer.alloc(0))); // SETTINGS ACK
      setTimeout(() => answer(socket), 30);
    });
  });
  closers.push(async () => {
    for (const socket of raw.sockets) socket.destroy();
    await new Promise<void>((resolve) => raw.server.close(() => resolve()));
  });
  return { origin: `http://127.0.0.1:${raw.port}`, sockets: raw.sockets };
}

async function closedSession(session: ServerHttp2Session | undefined): Promise<void> {
  if (session === undefined) throw new Error('no session');
  if (!session.destroyed) await once(session, 'close');
}

const ok: StreamHandler = (stream) => {
  stream.respond({ ':status': 200 });
  stream.end('ok');
};

describe('Http2Pool', () => {
  it('sends headers, body and request trailers, and hands back the response with its trailers', async () => {
    let received: { headers: IncomingHttpHeaders; body: string; trailers: IncomingHttpHeaders } | undefined;
    const { origin } = await h2c((stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('trailers', (trailers: IncomingHttpHeaders) => {
        received = { headers, body: Buffer.concat(chunks).toString(), trailers };
      });
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'fine' }));
        stream.end('reply');
      });
    });
    const body = Object.assign(Readable.from([Buffer.from('he'), Buffer.from('llo')]), { trailers: { 'x-checksum': 'abc', connection: 'close' } });
    const seen = await exchange(pool(origin), {
      method: 'POST',
      path: '/svc/Method',
      headers: { host: 'reviews:9080', 'content-type': 'application/grpc', te: 'trailers', connection: 'keep-alive', 'X-Mixed': 'Case' },
      body,
    });
    expect(seen.error).toBeNull();
    expect(seen.status).toBe(200);
    expect(seen.body.toString()).toBe('reply');
    expect(seen.trailers).toEqual({ 'grpc-status': '0', 'grpc-message': 'fine' });
    expect(received?.body).toBe('hello');
    expect(received?.trailers['x-checksum']).toBe('abc');
    expect(received?.trailers['connection']).toBeUndefined();
    expect(received?.headers[':authority']).toBe('reviews:9080');
    expect(received?.headers[':method']).toBe('POST');
    expect(received?.headers['x-mixed']).toBe('Case');
    expect(received?.headers['te']).toBe('trailers');
    expect(received?.headers['connection']).toBeUndefined();
  });

  it('sends a Buffer body with its length, and a request without body ends its stream with the headers', async () => {
    const seen: { length: string | undefined; body: string; method: string | undefined }[] = [];
    const { origin } = await h2c((stream, headers) => {
      let body = '';
      stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
      stream.on('end', () => {
        seen.push({ length: headers['content-length'], body, method: headers[':method'] });
        ok(stream, headers);
      });
    });
    const target = pool(origin);
    expect((await exchange(target, { method: 'PUT', path: '/a', body: Buffer.from('12345') })).status).toBe(200);
    expect((await exchange(target, { method: 'GET', path: '/b?x=1' })).status).toBe(200);
    expect(seen).toEqual([
      { length: '5', body: '12345', method: 'PUT' },
      { length: undefined, body: '', method: 'GET' },
    ]);
  });

  it("respects the server's SETTINGS_MAX_CONCURRENT_STREAMS and opens another connection when every one is full", async () => {
    let open = 0;
    let most = 0;
    const { origin, sessions } = await h2c(
      (stream) => {
        most = Math.max(most, ++open);
        // Long enough that no stream ends before the third connection is up.
        setTimeout(() => {
          open--;
          ok(stream, {});
        }, 200);
      },
      { maxConcurrentStreams: 3 },
    );
    const target = pool(origin);
    // Let the first connection learn the server's limit before the burst.
    expect((await exchange(target, { method: 'GET', path: '/' })).status).toBe(200);
    const results = await Promise.all(Array.from({ length: 9 }, () => exchange(target, { method: 'GET', path: '/' })));
    expect(results.map((r) => r.status)).toEqual(Array(9).fill(200));
    expect(sessions.length).toBe(3);
    expect(most).toBe(9);
  });

  it('with one connection allowed, requests wait for a free stream and drain follows', async () => {
    const { origin, sessions } = await h2c((stream) => setTimeout(() => ok(stream, {}), 30));
    const target = pool(origin, { connections: 1, maxConcurrentStreams: 2 });
    const drained = once(target, 'drain');
    const results = await Promise.all(Array.from({ length: 5 }, () => exchange(target, { method: 'GET', path: '/' })));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill(200));
    await drained;
    expect(sessions.length).toBe(1);
    expect(target.stats.queued).toBe(0);
  });

  it('closes a connection after maxRequestsPerConnection streams and after its idle timeout', async () => {
    const { origin, sessions } = await h2c(ok);
    const target = pool(origin, { maxRequestsPerConnection: 2, keepAliveTimeout: 100 });
    for (let i = 0; i < 3; i++) expect((await exchange(target, { method: 'GET', path: '/' })).status).toBe(200);
    expect(sessions.length).toBe(2);
    await closedSession(sessions[0]);
    await closedSession(sessions[1]);
    // The client's side of the close may land a moment after the server's.
    await until(() => target.stats.connected === 0);
  });

  it('after a GOAWAY, streams in flight finish and new requests go to a new connection', async () => {
    let slow: ServerHttp2Stream | undefined;
    const { origin, sessions } = await h2c((stream, headers) => {
      if (headers[':path'] === '/slow') slow = stream;
      else ok(stream, headers);
    });
    const target = pool(origin);
    const inFlight = exchange(target, { method: 'GET', path: '/slow' });
    while (slow === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    (sessions[0] as ServerHttp2Session).goaway(constants.NGHTTP2_NO_ERROR, slow.id);
    await until(() => target.stats.free === 0);
    expect((await exchange(target, { method: 'GET', path: '/next' })).status).toBe(200);
    slow.respond({ ':status': 200 });
    slow.end('late');
    const finished = await inFlight;
    expect(finished.body.toString()).toBe('late');
    expect(sessions.length).toBe(2);
  });

  it('reports a refused stream so retry policies can tell it apart', async () => {
    const { origin } = await h2c((stream) => {
      stream.on('error', () => {}); // the server's side of the reset
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
    });
    const seen = await exchange(pool(origin), { method: 'GET', path: '/' });
    expect((seen.error as { code?: string } | null)?.code).toBe('MESHKIT_UPSTREAM_REFUSED_STREAM');
  });

  it('a response cut short is an error, never a complete response: a reset, or the connection gone', async () => {
    // Hand-framed, since node:http2's own server ends a stream before it resets it: stream 1 gets
    // a 200 head and part of its body, then RST_STREAM INTERNAL_ERROR; the connection lives on.
    const raw = await handFramed((socket) => {
      socket.write(frame(1, 4, 1, Buffer.from([0x88]))); // HEADERS, END_HEADERS: `:status: 200` (static table 8)
      socket.write(frame(0, 0, 1, Buffer.from('half of it'))); // DATA, no END_STREAM
      socket.write(frame(3, 0, 1, Buffer.from([0, 0, 0, 2]))); // RST_STREAM INTERNAL_ERROR
    });
    const reset = await exchange(pool(raw.origin), { method: 'GET', path: '/' });
    expect(reset.status).toBe(200);
    expect(reset.body.toString()).toBe('half of it');
    expect(reset.calls['end']).toBeUndefined();
    expect((reset.error as { code?: string } | null)?.code).toBe('MESHKIT_UPSTREAM_REMOTE_RESET');

    const { origin } = await h2c((stream) => {
      stream.respond({ ':status': 200 });
      stream.write('half of it');
      setTimeout(() => stream.session?.destroy(), 30);
    });
    const gone = await exchange(pool(origin), { method: 'GET', path: '/' });
    expect(gone.body.toString()).toBe('half of it');
    expect(gone.calls['end']).toBeUndefined();
    expect((gone.error as { code?: string } | null)?.code).toBe('UND_ERR_SOCKET');
  });

  it('a connection nghttp2 ended on a protocol error is found dead by a PING once a request times out', async () => {
    // DATA on stream 0 is a connection error: nghttp2 sends GOAWAY and stops reading. Node 20
    // reports nothing, so without the PING the session and its streams would hang for good (the
    // request times out, its cancel sends the PING); Node 24 ends the session itself.
    const raw = await handFramed((socket) => socket.write(frame(0, 0, 0, Buffer.from('oops'))));
    let disconnects = 0;
    const target = pool(raw.origin, { headersTimeout: 200, keepalive: { intervalMs: 60_000, timeoutMs: 100 }, observer: { onDisconnect: () => disconnects++ } });
    const seen = await exchange(target, { method: 'GET', path: '/' });
    expect(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_SOCKET']).toContain((seen.error as { code?: string } | null)?.code);
    await until(() => disconnects === 1);
    expect(target.stats).toMatchObject({ connected: 0, running: 0 });
  });

  it('with connection_keepalive, a connection whose PING goes unanswered is closed', async () => {
    const raw = await handFramed(() => {});
    let disconnects = 0;
    const target = pool(raw.origin, { keepalive: { intervalMs: 100, timeoutMs: 100 }, observer: { onDisconnect: () => disconnects++ } });
    // The request is never answered; the PINGs find the connection dead and fail it.
    const seen = await exchange(target, { method: 'GET', path: '/' });
    expect((seen.error as { code?: string } | null)?.code).toBe('UND_ERR_SOCKET');
    await until(() => disconnects === 1);
    expect(target.stats.connected).toBe(0);
  });

  it('aborting a request cancels its stream, and the connection carries on', async () => {
    const cancelled: number[] = [];
    const { origin, sessions } = await h2c((stream, headers) => {
      if (headers[':path'] === '/hang') {
        stream.respond({ ':status': 200 });
        stream.write('part');
        stream.on('close', () => cancelled.push(stream.rstCode));
      } else ok(stream, headers);
    });
    const target = pool(origin);
    const seen = await exchange(target, { method: 'GET', path: '/hang' }, { onData: (controller) => controller.abort(new Error('client gone')) });
    expect(seen.error?.message).toBe('client gone');
    expect((await exchange(target, { method: 'GET', path: '/' })).status).toBe(200);
    await until(() => cancelled.length > 0);
    expect(cancelled).toEqual([constants.NGHTTP2_CANCEL]);
    expect(sessions.length).toBe(1);
  });

  it('holds the response back while paused (flow control) and resumes', async () => {
    const size = 4 * 1024 * 1024;
    const { origin } = await h2c((stream) => {
      stream.respond({ ':status': 200 });
      stream.end(Buffer.alloc(size, 7));
    });
    let pausedOnce = false;
    const seen = await exchange(
      pool(origin),
      { method: 'GET', path: '/' },
      {
        onData: (controller) => {
          if (pausedOnce) return;
          pausedOnce = true;
          controller.pause();
          setTimeout(() => controller.resume(), 50);
        },
      },
    );
    expect(seen.body.length).toBe(size);
  });

  it('fails a request whose response head does not come within headersTimeout', async () => {
    const { origin } = await h2c(() => {});
    const seen = await exchange(pool(origin, { headersTimeout: 80 }), { method: 'GET', path: '/' });
    expect((seen.error as { code?: string } | null)?.code).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  it('sends an Upgrade as extended CONNECT and reports the tunnel as the 101 of the HTTP/1.1 handshake', async () => {
    const { origin } = await h2c(
      (stream, headers) => {
        expect(headers[':method']).toBe('CONNECT');
        expect(headers[':protocol']).toBe('websocket');
        stream.respond({ ':status': 200 });
        stream.on('data', (chunk: Buffer) => stream.write(Buffer.concat([Buffer.from('echo:'), chunk])));
        stream.on('end', () => stream.end());
      },
      { enableConnectProtocol: true },
    );
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const seen = await exchange(pool(origin), { method: 'GET', path: '/chat', upgrade: 'websocket', headers: { 'sec-websocket-key': key, 'sec-websocket-version': '13' } });
    expect(seen.upgrade?.status).toBe(101);
    expect(seen.upgrade?.headers['upgrade']).toBe('websocket');
    expect(seen.upgrade?.headers['sec-websocket-accept']).toBe(createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'));
    const socket = seen.upgrade?.socket;
    if (socket === undefined) throw new Error('no tunnel');
    socket.write('hi');
    const [echoed] = (await once(socket, 'data')) as [Buffer];
    expect(echoed.toString()).toBe('echo:hi');
    socket.end();
  });

  it('fails an Upgrade the server cannot take as extended CONNECT', async () => {
    const { origin } = await h2c(ok);
    const seen = await exchange(pool(origin), { method: 'GET', path: '/chat', upgrade: 'websocket' });
    expect(seen.error?.message).toContain('SETTINGS_ENABLE_CONNECT_PROTOCOL');
  });

  it('speaks h2 over TLS by ALPN, and refuses a connection that negotiated http/1.1', async () => {
    const { key, cert } = await certs.make('reviews.mesh.local');
    const h2 = createSecureServer({ key, cert });
    h2.on('stream', ok);
    const h1: Server = createHttpsServer({ key, cert, ALPNProtocols: ['http/1.1'] }, (_req, res) => res.end('h1'));
    for (const server of [h2, h1]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    }
    const tls = { ca: cert, servername: 'reviews.mesh.local' };
    const secure = await exchange(pool(`https://127.0.0.1:${(h2.address() as AddressInfo).port}`, { connect: tls }), { method: 'GET', path: '/' });
    expect(secure.status).toBe(200);
    const h1Origin = `https://127.0.0.1:${(h1.address() as AddressInfo).port}`;
    // Offering h2 only, the handshake itself fails…
    const refused = await exchange(pool(h1Origin, { connect: tls }), { method: 'GET', path: '/' });
    expect(refused.error?.message).toContain('no application protocol');
    // …and a connector offering both (undici's, as LOGICAL_DNS clusters use) gets http/1.1, which is refused.
    const wrong = await exchange(pool(h1Origin, { connect: buildConnector({ ...tls, allowH2: true }) }), { method: 'GET', path: '/' });
    expect(wrong.error?.message).toContain('negotiated http/1.1');
  });

  it('fails the waiting request with the connect error and counts it', async () => {
    const errors: Error[] = [];
    const target = pool(`http://127.0.0.1:${await closedPort()}`, { observer: { onConnectError: (error) => errors.push(error) } });
    const seen = await exchange(target, { method: 'GET', path: '/' });
    expect((seen.error as { code?: string } | null)?.code).toBe('ECONNREFUSED');
    expect(errors).toHaveLength(1);
  });

  it('close() lets running requests finish, then closes the connections', async () => {
    const { origin, sessions } = await h2c((stream) => setTimeout(() => ok(stream, {}), 40));
    const target = pool(origin);
    const running = exchange(target, { method: 'GET', path: '/' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const closed = target.close();
    expect((await running).status).toBe(200);
    await closed;
    await closedSession(sessions[0]);
    // As undici's pools: once closed, a pool is destroyed.
    expect((await exchange(target, { method: 'GET', path: '/' })).error?.name).toBe('ClientDestroyedError');
  });
});
