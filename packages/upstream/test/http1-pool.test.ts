import { once } from 'node:events';
import { connect } from 'node:net';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Readable, Writable } from 'node:stream';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Http1ParseError } from '@meshkit/core/http1';
import { Http1Pool } from '../src/http1/http1-pool.js';
import { Cluster } from '../src/index.js';
import { CertFactory } from './support/certs.js';
import { exchange, onHeads, rawServer } from './support/dispatch-client.js';
import { closedPort } from './support/upstream-server.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { Http1PoolOptions } from '../src/http1/http1-pool.js';

const servers: (Server | NetServer)[] = [];
const pools: Http1Pool[] = [];
const rawSockets: Socket[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.destroy()));
  for (const socket of rawSockets.splice(0)) socket.destroy();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          if ('closeAllConnections' in server) server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A node:http upstream that records the socket of every request. */
async function upstream(handler: Handler): Promise<{ origin: string; port: number; server: Server; sockets: Set<unknown>; requests: number }> {
  const sockets = new Set<unknown>();
  const state = { origin: '', port: 0, server: createServer(), sockets, requests: 0 };
  state.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    sockets.add(req.socket);
    handler(req, res);
  });
  servers.push(state.server);
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  state.origin = `http://127.0.0.1:${state.port}`;
  return state;
}

function pool(origin: string, options: Http1PoolOptions = {}): Http1Pool {
  const made = new Http1Pool(origin, options);
  pools.push(made);
  return made;
}

async function raw(onSocket: (socket: Socket, index: number) => void): Promise<{ origin: string; sockets: Socket[] }> {
  const made = await rawServer((socket, index) => {
    rawSockets.push(socket);
    onSocket(socket, index);
  });
  servers.push(made.server);
  return { origin: `http://127.0.0.1:${made.port}`, sockets: made.sockets };
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Http1Pool keep-alive', () => {
  it('carries 100 sequential requests on one connection', async () => {
    const server = await upstream((req, res) => res.end(`hello ${req.url}`));
    const target = pool(server.origin);
    for (let i = 0; i < 100; i++) {
      const result = await exchange(target, { method: 'GET', path: `/${i}` });
      expect(result.error).toBeNull();
      expect(result.status).toBe(200);
      expect(result.body.toString()).toBe(`hello /${i}`);
    }
    expect(server.requests).toBe(100);
    expect(server.sockets.size).toBe(1);
    expect(target.stats).toMatchObject({ connected: 1, free: 1, queued: 0, running: 0 });
  });

  it('works through undici request() (legacy handler shape) with bodies and headers', async () => {
    const server = await upstream((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.setHeader('x-seen', `${req.method} ${String(req.headers['x-test'] ?? '')} ${req.headers['content-length'] ?? '-'} ${body}`);
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.end('ok');
      });
    });
    const target = pool(server.origin);
    const response = await target.request({ method: 'POST', path: '/x', headers: { 'x-test': 'yes' }, body: 'payload' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-seen']).toBe('POST yes 7 payload');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(await response.body.text()).toBe('ok');
  });
});

describe('Http1Pool under undici APIs', () => {
  it('serves fetch() with a streamed body, stream() and pipeline()', async () => {
    const server = await upstream((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => res.end(`${req.method ?? ''}:${body}`));
    });
    const target = pool(server.origin);
    const { fetch } = await import('undici');
    const fetched = await fetch(`${server.origin}/f`, { method: 'POST', body: new Blob(['from fetch']).stream(), duplex: 'half', dispatcher: target });
    expect(await fetched.text()).toBe('POST:from fetch');

    const chunks: Buffer[] = [];
    await target.stream({ method: 'PUT', path: '/s', body: 'streamed' }, () => new Writable({ write: (chunk: Buffer, _enc, done) => (chunks.push(chunk), done()) }));
    expect(Buffer.concat(chunks).toString()).toBe('PUT:streamed');

    const piped: Buffer[] = [];
    await pipelinePromise(
      Readable.from(['piped']),
      target.pipeline({ method: 'POST', path: '/p' }, ({ body }) => body),
      new Writable({ write: (chunk: Buffer, _enc, done) => (piped.push(chunk), done()) }),
    );
    expect(Buffer.concat(piped).toString()).toBe('POST:piped');
    expect(server.sockets.size).toBe(1);
  });
});

describe('Http1Pool connections', () => {
  it('never pipelines: a connection carries the next request only after the previous response', async () => {
    let violations = 0;
    const { origin, sockets } = await raw((socket) => {
      let outstanding = 0;
      onHeads(socket, () => {
        if (outstanding > 0) violations++;
        outstanding++;
        setTimeout(() => {
          outstanding--;
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        }, 2);
      });
    });
    const target = pool(origin, { connections: 2 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => exchange(target, { method: 'GET', path: `/${i}` })));
    expect(results.every((result) => result.status === 200 && result.body.toString() === 'ok')).toBe(true);
    expect(violations).toBe(0);
    expect(sockets.length).toBe(2);
  });

  it('opens at most `connections` and queues the rest in FIFO order', async () => {
    const arrived: string[] = [];
    const held: ServerResponse[] = [];
    const server = await upstream((req, res) => {
      arrived.push(req.url ?? '');
      held.push(res);
    });
    const target = pool(server.origin, { connections: 2 });
    const results = Array.from({ length: 6 }, (_, i) => exchange(target, { method: 'GET', path: `/${i}` }));
    for (let i = 0; i < 100 && arrived.length < 2; i++) await delay(5);
    expect(arrived).toEqual(['/0', '/1']);
    expect(target.stats).toMatchObject({ connected: 2, free: 0, queued: 4, running: 2 });
    for (let round = 0; round < 20 && held.length > 0; round++) {
      for (const res of held.splice(0)) res.end('done');
      await delay(10);
    }
    const done = await Promise.all(results);
    expect(done.map((result) => result.body.toString())).toEqual(Array(6).fill('done'));
    expect(arrived).toEqual(['/0', '/1', '/2', '/3', '/4', '/5']);
    expect(server.sockets.size).toBe(2);
  });

  it('reuses the most recently freed connection first', async () => {
    const server = await upstream((req, res) => {
      const port = (req.socket.remotePort ?? 0).toString();
      setTimeout(() => res.end(port), req.url === '/slow' ? 30 : 0);
    });
    const target = pool(server.origin);
    const [slow, fast] = await Promise.all([exchange(target, { method: 'GET', path: '/slow' }), exchange(target, { method: 'GET', path: '/fast' })]);
    // The slow one finished last, so it is on top of the idle stack.
    const next = await exchange(target, { method: 'GET', path: '/' });
    expect(next.body.toString()).toBe(slow.body.toString());
    expect(next.body.toString()).not.toBe(fast.body.toString());
  });

  it('closes connections idle for longer than keepAliveTimeout', async () => {
    const server = await upstream((_req, res) => res.end('x'));
    let disconnects = 0;
    // node:http hints `Keep-Alive: timeout=5`; undici semantics let a hint set the idle time up to keepAliveMaxTimeout.
    const target = pool(server.origin, { keepAliveTimeout: 50, keepAliveMaxTimeout: 50, observer: { onDisconnect: () => disconnects++ } });
    await exchange(target, { method: 'GET', path: '/' });
    expect(target.stats.connected).toBe(1);
    for (let i = 0; i < 50 && target.stats.connected > 0; i++) await delay(10);
    expect(target.stats.connected).toBe(0);
    expect(disconnects).toBe(1);
    await exchange(target, { method: 'GET', path: '/' });
    expect(server.sockets.size).toBe(2);
  });

  it('honours a shorter Keep-Alive: timeout hint from the server (less the threshold)', async () => {
    const server = await upstream((_req, res) => {
      res.setHeader('keep-alive', 'timeout=1');
      res.end('x');
    });
    const target = pool(server.origin, { keepAliveTimeout: 60_000, keepAliveTimeoutThreshold: 900 });
    await exchange(target, { method: 'GET', path: '/' });
    for (let i = 0; i < 100 && target.stats.connected > 0; i++) await delay(10);
    expect(target.stats.connected).toBe(0);
  });

  it('closes after maxRequestsPerConnection requests, after `reset: true`, and after Connection: close', async () => {
    const server = await upstream((req, res) => {
      if (req.url === '/close') res.setHeader('connection', 'close');
      res.end(req.headers.connection ?? '-');
    });
    const limited = pool(server.origin, { maxRequestsPerConnection: 2 });
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) seen.push((await exchange(limited, { method: 'GET', path: '/' })).body.toString());
    expect(seen).toEqual(['-', 'close', '-', 'close']);
    expect(server.sockets.size).toBe(2);

    const plain = pool(server.origin);
    expect((await exchange(plain, { method: 'GET', path: '/', reset: true })).body.toString()).toBe('close');
    expect(plain.stats.connected).toBe(0);
    await exchange(plain, { method: 'GET', path: '/close' });
    expect(plain.stats.connected).toBe(0);
    await exchange(plain, { method: 'GET', path: '/' });
    expect(plain.stats.connected).toBe(1);
    expect(server.sockets.size).toBe(5);
  });

  it('does not reuse a connection after an HTTP/1.0 response, or a close-delimited one', async () => {
    const { origin, sockets } = await raw((socket, index) => {
      onHeads(socket, () => {
        if (index === 0) socket.write('HTTP/1.0 200 OK\r\ncontent-length: 3\r\n\r\none');
        else socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close');
      });
    });
    const target = pool(origin);
    const first = await exchange(target, { method: 'GET', path: '/' });
    expect(first.body.toString()).toBe('one');
    const second = await exchange(target, { method: 'GET', path: '/' });
    expect(second.error).toBeNull();
    expect(second.body.toString()).toBe('until close');
    expect(sockets.length).toBe(2);
  });
});

describe('Http1Pool request bodies', () => {
  it('streams a 64 MiB upload chunked with bounded buffering', async () => {
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let produced = 0;
    let received = 0;
    let maxAhead = 0;
    const server = await upstream((req, res) => {
      let sinceBreak = 0;
      req.on('data', (data: Buffer) => {
        received += data.length;
        sinceBreak += data.length;
        // A slow reader now and then: the client must stop producing meanwhile.
        if (sinceBreak >= 8 * 1024 * 1024) {
          sinceBreak = 0;
          req.pause();
          setTimeout(() => req.resume(), 30);
        }
      });
      req.on('end', () => res.end(`${received} ${req.headers['transfer-encoding'] ?? '-'}`));
    });
    const body = new Readable({
      read() {
        maxAhead = Math.max(maxAhead, produced - received);
        if (produced >= total) {
          this.push(null);
          return;
        }
        produced += chunk.length;
        this.push(chunk);
      },
    });
    const target = pool(server.origin);
    const result = await exchange(target, { method: 'PUT', path: '/upload', body });
    expect(result.error).toBeNull();
    expect(result.body.toString()).toBe(`${total} chunked`);
    // Socket and kernel buffers only; nowhere near the whole body.
    expect(maxAhead).toBeLessThan(16 * 1024 * 1024);
  });

  it('sends a stream of a declared Content-Length as is, and fails one that comes up short', async () => {
    const server = await upstream((req, res) => {
      let body = '';
      req.on('data', (data: Buffer) => (body += data.toString()));
      req.on('end', () => res.end(`${req.headers['content-length'] ?? '-'} ${req.headers['transfer-encoding'] ?? '-'} ${body}`));
      req.on('error', () => {});
    });
    const target = pool(server.origin);
    const exact = await exchange(target, { method: 'POST', path: '/', headers: { 'content-length': '6' }, body: Readable.from(['abc', 'def']) });
    expect(exact.body.toString()).toBe('6 - abcdef');
    const short = await exchange(target, { method: 'POST', path: '/', headers: { 'content-length': '10' }, body: Readable.from(['abc']) });
    expect(short.error).toMatchObject({ code: 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' });
    expect(short.calls.error).toBe(1);
  });

  it('sends request trailers from the body stream, and content-length: 0 for an empty POST', async () => {
    const server = await upstream((req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ trailers: req.trailers, length: req.headers['content-length'] ?? null })));
    });
    const target = pool(server.origin);
    const body = Object.assign(Readable.from([Buffer.from('grpc frame')]), { trailers: null as Record<string, string> | null });
    body.on('end', () => {});
    body.trailers = { 'grpc-status': '0', 'x-checksum': 'abc' };
    const result = await exchange(target, { method: 'POST', path: '/svc/Method', body });
    expect(JSON.parse(result.body.toString())).toEqual({ trailers: { 'grpc-status': '0', 'x-checksum': 'abc' }, length: null });
    const empty = await exchange(target, { method: 'POST', path: '/', body: null });
    expect(JSON.parse(empty.body.toString())).toEqual({ trailers: {}, length: '0' });
  });

  it('writes the head as one string: request line, host first, then fields, then framing', async () => {
    const heads: string[] = [];
    const { origin } = await raw((socket) => {
      socket.on('data', (chunk: Buffer) => heads.push(chunk.toString('latin1')));
      onHeads(socket, () => socket.write('HTTP/1.1 204 No Content\r\n\r\n'));
    });
    const target = pool(origin);
    await exchange(target, { method: 'GET', path: '/a?b=c', headers: { 'x-one': '1', 'x-many': ['a', 'b'], bad: 'evil\r\ninjected: yes', 'x-a: b': 'c', 'bad name': 'd', connection: 'keep-alive', 'transfer-encoding': 'chunked' } });
    expect(heads[0]).toBe(`GET /a?b=c HTTP/1.1\r\nhost: ${origin.slice('http://'.length)}\r\nx-one: 1\r\nx-many: a\r\nx-many: b\r\n\r\n`);
    // Names the connection owns are known in any case; others of the same length are not mistaken for them.
    await exchange(target, { method: 'PUT', path: '/', headers: ['Host', 'example.test', 'x-flat', '1', 'Keep-Alive', 'timeout=5', 'User-Agent', 'ua'], body: Buffer.from('xyz') });
    expect(heads.at(-1)).toBe('PUT / HTTP/1.1\r\nhost: example.test\r\nx-flat: 1\r\nUser-Agent: ua\r\ncontent-length: 3\r\n\r\nxyz');
    await exchange(target, { method: 'DELETE', path: '/', headers: new Map([['x-pair', 'v'], ['Content-Length', '0']]) });
    expect(heads.at(-1)).toBe(`DELETE / HTTP/1.1\r\nhost: ${origin.slice('http://'.length)}\r\nx-pair: v\r\ncontent-length: 0\r\n\r\n`);
    // An empty Host is valid (a target URI without an authority) and goes out as given, as undici sends it.
    await exchange(target, { method: 'GET', path: '/', headers: { host: '' } });
    expect(heads.at(-1)).toBe('GET / HTTP/1.1\r\nhost: \r\n\r\n');
  });

  it('refuses a path that could split the request line', async () => {
    const server = await upstream((_req, res) => res.end());
    const target = pool(server.origin);
    const result = await exchange(target, { method: 'GET', path: '/a b\r\nx: y' });
    expect(result.error).toMatchObject({ code: 'UND_ERR_INVALID_ARG' });
    expect(server.requests).toBe(0);
  });
});

describe('Http1Pool responses', () => {
  it('pauses a Content-Length body while the handler is paused, and resumes it', async () => {
    const size = 4 * 1024 * 1024;
    const server = await upstream((_req, res) => {
      res.setHeader('content-length', size);
      res.end(Buffer.alloc(size, 1));
    });
    const target = pool(server.origin);
    let pausedAt = -1;
    let deliveredWhilePaused = 0;
    const result = await exchange(
      target,
      { method: 'GET', path: '/' },
      {
        onData(controller, _chunk, seen) {
          if (pausedAt === -1) {
            pausedAt = seen.calls.data ?? 0;
            controller.pause();
            setTimeout(() => {
              deliveredWhilePaused = (seen.calls.data ?? 0) - pausedAt;
              controller.resume();
            }, 100);
          }
        },
      },
    );
    expect(deliveredWhilePaused).toBe(0);
    expect(result.body.length).toBe(size);
    expect(result.calls.end).toBe(1);
  });

  it('holds chunked data and the end while paused, delivering both on resume', async () => {
    const { origin } = await raw((socket) => {
      onHeads(socket, () => {
        // One write: every chunk and the terminator arrive in a single read.
        socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n3\r\nghi\r\n0\r\n\r\n');
      });
    });
    const target = pool(origin);
    let delivered = -1;
    let ended = false;
    const result = await exchange(
      target,
      { method: 'GET', path: '/' },
      {
        onData(controller, _chunk, seen) {
          if (seen.calls.data !== 1) return;
          controller.pause();
          setTimeout(() => {
            delivered = seen.calls.data ?? 0;
            ended = seen.calls.end === 1;
            controller.resume();
          }, 30);
        },
      },
    );
    expect(delivered).toBe(1);
    expect(ended).toBe(false);
    expect(result.body.toString()).toBe('abcdefghi');
    expect(result.calls.end).toBe(1);
  });

  it('delivers chunked response trailers to onResponseEnd', async () => {
    const server = await upstream((_req, res) => {
      res.setHeader('trailer', 'grpc-status');
      res.write('part');
      res.addTrailers({ 'grpc-status': '0', 'grpc-message': 'fine' });
      res.end();
    });
    const target = pool(server.origin);
    const result = await exchange(target, { method: 'POST', path: '/', body: 'x' });
    expect(result.body.toString()).toBe('part');
    expect(result.trailers).toEqual({ 'grpc-status': '0', 'grpc-message': 'fine' });
    const plain = await exchange(target, { method: 'GET', path: '/' });
    expect(plain.trailers).toEqual({ 'grpc-status': '0', 'grpc-message': 'fine' });
    expect(server.sockets.size).toBe(1);
  });

  it('reads no body for HEAD, 204 and 304, and keeps the connection', async () => {
    const server = await upstream((req, res) => {
      if (req.url === '/204') res.statusCode = 204;
      else if (req.url === '/304') res.statusCode = 304;
      // A 204 has no body to measure: Envoy's codec refuses a length other than 0 in it.
      if (res.statusCode !== 204) res.setHeader('content-length', '5');
      res.end(req.method === 'HEAD' || res.statusCode !== 200 ? undefined : 'hello');
    });
    const target = pool(server.origin);
    const head = await exchange(target, { method: 'HEAD', path: '/' });
    expect(head).toMatchObject({ status: 200, error: null });
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe('5');
    expect((await exchange(target, { method: 'GET', path: '/204' })).status).toBe(204);
    expect((await exchange(target, { method: 'GET', path: '/304' })).status).toBe(304);
    const after = await exchange(target, { method: 'GET', path: '/' });
    expect(after.body.toString()).toBe('hello');
    expect(server.sockets.size).toBe(1);
  });

  it('skips 1xx informational heads', async () => {
    const { origin } = await raw((socket) => {
      onHeads(socket, () => {
        socket.write('HTTP/1.1 100 Continue\r\n\r\n');
        setTimeout(() => socket.write('HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok'), 5);
      });
    });
    const target = pool(origin);
    const result = await exchange(target, { method: 'GET', path: '/' });
    expect(result).toMatchObject({ status: 201, statusText: 'Created', error: null });
    expect(result.calls.headers).toBe(1);
    expect(result.headers.link).toBeUndefined();
    expect(result.body.toString()).toBe('ok');
  });

  it('drops a connection whose server sends bytes nobody asked for', async () => {
    const { origin, sockets } = await raw((socket) => {
      onHeads(socket, () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nevil'));
    });
    const target = pool(origin);
    expect((await exchange(target, { method: 'GET', path: '/' })).body.toString()).toBe('ok');
    expect(target.stats.connected).toBe(0);
    expect((await exchange(target, { method: 'GET', path: '/' })).body.toString()).toBe('ok');
    expect(sockets.length).toBe(2);
  });
});

describe('Http1Pool upgrades', () => {
  it('hands the socket over on 101, with bytes sent right after the head, and raw bytes both ways', async () => {
    const server = await upstream((_req, res) => res.end('plain'));
    server.server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: ${req.headers.upgrade ?? ''}\r\n\r\nearly-bytes`);
      socket.on('data', (data: Buffer) => socket.write(`echo:${data.toString()}`));
      socket.on('end', () => socket.end());
    });
    const target = pool(server.origin);
    const result = await exchange(target, { method: 'GET', path: '/ws', upgrade: 'websocket' });
    expect(result.upgrade).toMatchObject({ status: 101, headers: { upgrade: 'websocket' } });
    expect(result.calls).toEqual({ start: 1, upgrade: 1 });
    const socket = result.upgrade?.socket as Socket;
    const received: string[] = [];
    socket.on('data', (data: Buffer) => received.push(data.toString()));
    for (let i = 0; i < 100 && received.join('') !== 'early-bytes'; i++) await delay(5);
    expect(received.join('')).toBe('early-bytes');
    socket.write('ping');
    for (let i = 0; i < 100 && !received.join('').endsWith('echo:ping'); i++) await delay(5);
    expect(received.join('')).toBe('early-bytesecho:ping');
    expect(target.stats.connected).toBe(0);
    socket.destroy();
    // The pool goes on with fresh connections.
    expect((await exchange(target, { method: 'GET', path: '/' })).body.toString()).toBe('plain');
  });

  it('delivers a non-101 answer to an upgrade request as an ordinary response', async () => {
    const heads: string[] = [];
    const { origin } = await raw((socket) => {
      onHeads(socket, (head) => {
        heads.push(head);
        socket.write('HTTP/1.1 426 Upgrade Required\r\ncontent-length: 4\r\n\r\nnope');
      });
    });
    const target = pool(origin);
    const result = await exchange(target, { method: 'GET', path: '/ws', upgrade: 'websocket' });
    expect(result).toMatchObject({ status: 426, error: null, upgrade: null });
    expect(result.body.toString()).toBe('nope');
    expect(heads[0]).toContain('\r\nconnection: upgrade\r\nupgrade: websocket\r\n');
  });

  it('fails a 101 to a request that asked for no upgrade', async () => {
    const { origin } = await raw((socket) => onHeads(socket, () => socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\n')));
    const target = pool(origin);
    const result = await exchange(target, { method: 'GET', path: '/' });
    expect(result.error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(result.calls.error).toBe(1);
  });
});

describe('Http1Pool failures', () => {
  it('reports a refused connection once, with its errno code, and counts it', async () => {
    const failures: Error[] = [];
    const target = pool(`http://127.0.0.1:${await closedPort()}`, { observer: { onConnectError: (error) => failures.push(error) } });
    const result = await exchange(target, { method: 'GET', path: '/' });
    expect(result.error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(result.calls).toEqual({ error: 1 });
    expect(failures).toHaveLength(1);
    expect(target.stats).toMatchObject({ connected: 0, connecting: 0, queued: 0 });
  });

  it('gives each queued request its own connect attempt, failing one per failed connect', async () => {
    const target = pool(`http://127.0.0.1:${await closedPort()}`, { connections: 1 });
    const results = await Promise.all(Array.from({ length: 3 }, () => exchange(target, { method: 'GET', path: '/' })));
    expect(results.map((result) => (result.error as { code?: string } | null)?.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
  });

  it('fails with UND_ERR_CONNECT_TIMEOUT when the TLS handshake never completes', async () => {
    const { origin } = await raw(() => {}); // accepts TCP, never answers the ClientHello
    const target = pool(origin.replace('http:', 'https:'), { connect: { timeout: 100 } });
    const started = Date.now();
    const result = await exchange(target, { method: 'GET', path: '/' });
    expect(result.error).toMatchObject({ code: 'UND_ERR_CONNECT_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a reset mid-response after the response started', async () => {
    const { origin } = await raw((socket) => {
      onHeads(socket, () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-some');
        setTimeout(() => socket.resetAndDestroy(), 10);
      });
    });
    const target = pool(origin);
    const result = await exchange(target, { method: 'GET', path: '/' });
    expect(result.status).toBe(200);
    expect(result.body.toString()).toBe('only-some');
    expect(result.calls).toMatchObject({ start: 1, headers: 1, error: 1 });
    expect(result.calls.end).toBeUndefined();
    expect(result.error).toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|UND_ERR_SOCKET)$/) as unknown });
  });

  it('reports an upstream that closes mid-body as UND_ERR_SOCKET, once', async () => {
    const { origin } = await raw((socket) => {
      onHeads(socket, () => socket.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel'));
    });
    const target = pool(origin);
    const result = await exchange(target, { method: 'GET', path: '/' });
    expect(result.calls).toEqual({ start: 1, headers: 1, data: 1, error: 1 });
    expect(result.body.toString()).toBe('hel');
    expect(result.error).toMatchObject({ code: 'UND_ERR_SOCKET' });
  });

  it('fails a malformed status line with Http1ParseError and drops the connection', async () => {
    const { origin } = await raw((socket) => onHeads(socket, () => socket.write('HTPT/1.1 200 OK\r\n\r\n')));
    const target = pool(origin);
    const result = await exchange(target, { method: 'GET', path: '/' });
    expect(result.error).toBeInstanceOf(Http1ParseError);
    expect(result.calls).toEqual({ start: 1, error: 1 });
    expect(target.stats.connected).toBe(0);
  });

  it('retries an idempotent request once on a fresh connection when a reused one is closed under it', async () => {
    // The first connection answers once, then closes as the next request arrives (the keep-alive race).
    const { origin, sockets } = await raw((socket, index) => {
      onHeads(socket, (_head, n) => {
        if (index === 0 && n === 1) socket.destroy();
        else socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n${index}`);
      });
    });
    const target = pool(origin);
    expect((await exchange(target, { method: 'GET', path: '/' })).body.toString()).toBe('0');
    const retried = await exchange(target, { method: 'GET', path: '/' });
    expect(retried.error).toBeNull();
    expect(retried.body.toString()).toBe('1');
    expect(retried.calls).toEqual({ start: 1, headers: 1, data: 1, end: 1 });
    expect(sockets.length).toBe(2);
  });

  it('does not retry a POST, or a request whose connection was fresh', async () => {
    const { origin } = await raw((socket, index) => {
      onHeads(socket, (_head, n) => {
        if ((index === 0 && n === 1) || index === 1) socket.destroy();
        else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx');
      });
    });
    const target = pool(origin);
    await exchange(target, { method: 'GET', path: '/' });
    const post = await exchange(target, { method: 'POST', path: '/', body: 'x' });
    expect(post.error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    const fresh = await exchange(target, { method: 'GET', path: '/' });
    expect(fresh.error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(fresh.calls.error).toBe(1);
  });

  it('fails with UND_ERR_HEADERS_TIMEOUT when no response head comes', async () => {
    const { origin } = await raw(() => {});
    const target = pool(origin, { headersTimeout: 200 });
    const result = await exchange(target, { method: 'GET', path: '/' });
    expect(result.error).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(result.calls.error).toBe(1);
  });
});

describe('Http1Pool aborts and shutdown', () => {
  it('aborted in onRequestStart (the router abandoned it while connecting): nothing is sent, the connection is kept', async () => {
    const server = await upstream((_req, res) => res.end('x'));
    const target = pool(server.origin);
    const reason = new Error('upstream request timeout');
    const result = await exchange(target, { method: 'GET', path: '/' }, { onStart: (controller) => controller.abort(reason) });
    expect(result.error).toBe(reason);
    expect(result.calls).toEqual({ start: 1, error: 1 });
    expect(server.requests).toBe(0);
    expect(target.stats).toMatchObject({ connected: 1, free: 1 });
    expect((await exchange(target, { method: 'GET', path: '/' })).body.toString()).toBe('x');
    expect(server.sockets.size).toBe(1);
  });

  it('destroy() fails a request still waiting for its connection', async () => {
    const { origin } = await raw(() => {}); // the TLS handshake hangs
    const target = pool(origin.replace('http:', 'https:'));
    const pending = exchange(target, { method: 'GET', path: '/' });
    await delay(20);
    expect(target.stats.connecting).toBe(1);
    await target.destroy();
    const result = await pending;
    expect(result.error).toMatchObject({ code: 'UND_ERR_DESTROYED' });
    expect(result.calls).toEqual({ error: 1 });
  });

  it('aborted while streaming: one error with the reason, the connection closed', async () => {
    const server = await upstream((req, res) => {
      if (req.url === '/short') {
        res.end('short');
        return;
      }
      res.write('first');
      const timer = setInterval(() => res.write('more'), 5);
      res.on('close', () => clearInterval(timer));
    });
    const target = pool(server.origin);
    const reason = new Error('downstream reset');
    const result = await exchange(target, { method: 'GET', path: '/' }, { onData: (controller) => controller.abort(reason) });
    expect(result.error).toBe(reason);
    expect(result.calls).toEqual({ start: 1, headers: 1, data: 1, error: 1 });
    expect(target.stats.connected).toBe(0);
    expect((await exchange(target, { method: 'GET', path: '/short' })).body.toString()).toBe('short');
  });

  it('close() lets running and queued requests finish, then refuses new ones', async () => {
    const held: ServerResponse[] = [];
    const server = await upstream((_req, res) => held.push(res));
    const target = pool(server.origin, { connections: 1 });
    const first = exchange(target, { method: 'GET', path: '/1' });
    const second = exchange(target, { method: 'GET', path: '/2' });
    for (let i = 0; i < 100 && held.length === 0; i++) await delay(5);
    let closed = false;
    const closing = target.close().then(() => (closed = true));
    expect(target.closed).toBe(true);
    const refused = await exchange(target, { method: 'GET', path: '/3' });
    expect(refused.error).toMatchObject({ code: 'UND_ERR_CLOSED' });
    held.shift()?.end('one');
    for (let i = 0; i < 100 && held.length === 0; i++) await delay(5);
    expect(closed).toBe(false);
    held.shift()?.end('two');
    expect((await first).body.toString()).toBe('one');
    expect((await second).body.toString()).toBe('two');
    await closing;
    expect(target.destroyed).toBe(true);
    expect(target.stats.connected).toBe(0);
  });
});

describe('Http1Pool over TLS', () => {
  const certs = new CertFactory();
  let tlsServer: Server;
  let port = 0;
  let ca = '';

  beforeAll(async () => {
    const cert = await certs.make('upstream.test');
    ca = cert.cert;
    tlsServer = createHttpsServer({ key: cert.key, cert: cert.cert }, (req, res) => res.end(`secure ${req.headers.host ?? ''}`));
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    port = (tlsServer.address() as AddressInfo).port;
  });

  afterAll(async () => {
    tlsServer.closeAllConnections();
    await new Promise((resolve) => tlsServer.close(resolve));
    await certs.cleanup();
  });

  it('verifies the server against the CA and servername, and reuses the connection', async () => {
    let connects = 0;
    const target = pool(`https://127.0.0.1:${port}`, { connect: { ca, servername: 'upstream.test' }, observer: { onConnect: () => connects++ } });
    for (let i = 0; i < 3; i++) {
      const result = await exchange(target, { method: 'GET', path: '/', headers: { host: `svc-${i}` } });
      expect(result.body.toString()).toBe(`secure svc-${i}`);
    }
    expect(connects).toBe(1);
  });

  it('aborted while the TLS handshake is still going: the abort lands at onRequestStart, nothing is sent', async () => {
    // A relay that holds the client's bytes for 150 ms, so the handshake takes that long.
    let upstreamBytes = 0;
    const { origin } = await raw((socket) => {
      const backend = connect(port, '127.0.0.1');
      rawSockets.push(backend);
      backend.on('error', () => socket.destroy());
      socket.on('data', (data: Buffer) => setTimeout(() => backend.write(data), 150));
      backend.on('data', (data: Buffer) => socket.write(data));
    });
    tlsServer.on('request', () => upstreamBytes++);
    const target = pool(origin.replace('http:', 'https:'), { connect: { ca, servername: 'upstream.test' } });
    // The router's UpstreamStream: an abort before the controller exists waits for onRequestStart.
    let controller: Dispatcher.DispatchController | null = null;
    let pendingAbort: Error | null = null;
    const reason = new Error('upstream request timeout');
    const pending = exchange(
      target,
      { method: 'GET', path: '/' },
      {
        onStart(given) {
          controller = given;
          if (pendingAbort !== null) given.abort(pendingAbort);
        },
      },
    );
    await delay(30);
    expect(target.stats.connecting).toBe(1);
    expect(controller).toBeNull();
    pendingAbort = reason;
    const result = await pending;
    expect(result.error).toBe(reason);
    expect(result.calls).toEqual({ start: 1, error: 1 });
    expect(target.stats).toMatchObject({ connected: 1, free: 1 });
    await delay(200);
    expect(upstreamBytes).toBe(0);
  });

  it('fails the connect on a certificate that does not match', async () => {
    const target = pool(`https://127.0.0.1:${port}`, { connect: { ca, servername: 'other.test' } });
    const result = await exchange(target, { method: 'GET', path: '/' });
    expect(result.error).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describe('Http1Pool framing of hostile responses', () => {
  it('refuses a response with both Transfer-Encoding and Content-Length, as Envoy does, unless allowChunkedLength', async () => {
    const { origin, sockets } = await raw((socket) => {
      onHeads(socket, () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'));
    });
    expect((await exchange(pool(origin), { method: 'GET', path: '/' })).error).toBeInstanceOf(Http1ParseError);
    const lenient = pool(origin, { allowChunkedLength: true });
    const result = await exchange(lenient, { method: 'GET', path: '/' });
    expect(result.body.toString()).toBe('hello');
    expect(result.headers['content-length']).toBeUndefined();
    // Read as chunked, the response ended where it should: the connection is reused.
    await exchange(lenient, { method: 'GET', path: '/' });
    expect(sockets.length).toBe(2);
  });

  it('refuses a control character in the reason phrase', async () => {
    const { origin } = await raw((socket) => onHeads(socket, () => socket.write('HTTP/1.1 200 O\rK\r\ncontent-length: 0\r\n\r\n')));
    const result = await exchange(pool(origin), { method: 'GET', path: '/' });
    expect(result.error).toBeInstanceOf(Http1ParseError);
  });

  it('hands over the connection on a 2xx to CONNECT (undici connect())', async () => {
    const heads: string[] = [];
    const { origin } = await raw((socket) => {
      onHeads(socket, (head) => {
        heads.push(head);
        socket.removeAllListeners('data');
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        socket.on('data', (data: Buffer) => socket.write(`tunnel:${data.toString()}`));
      });
    });
    const target = pool(origin);
    const { socket, statusCode } = await target.connect({ origin, path: 'backend.test:443' });
    expect(statusCode).toBe(200);
    expect(heads[0]).toMatch(/^CONNECT backend\.test:443 HTTP\/1\.1\r\n/);
    socket.write('hi');
    const [reply] = (await once(socket, 'data')) as [Buffer];
    expect(reply.toString()).toBe('tunnel:hi');
    socket.destroy();
  });
});

describe('EndpointPool on the HTTP/1.1 pool', () => {
  const clusters: Cluster[] = [];
  afterEach(async () => {
    await Promise.all(clusters.splice(0).map((cluster) => cluster.destroy()));
  });

  function cluster(port: number, options: Partial<ConstructorParameters<typeof Cluster>[0]> = {}): Cluster {
    const made = new Cluster({ name: 'h1', ...options });
    made.setEndpoints([{ address: '127.0.0.1', port }]);
    clusters.push(made);
    return made;
  }

  it('counts connections, requests and an upgraded connection leaving the pool', async () => {
    const server = await upstream((_req, res) => res.end('x'));
    server.server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      socket.end('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n');
    });
    const target = cluster(server.port);
    const pool = target.poolFor({ address: '127.0.0.1', port: server.port });
    for (let i = 0; i < 3; i++) expect((await exchange(pool, { method: 'GET', path: '/' })).status).toBe(200);
    expect(target.stats).toMatchObject({ upstream_cx_total: 1, upstream_cx_active: 1, upstream_rq_total: 3, upstream_rq_2xx: 3, upstream_rq_active: 0, upstream_rq_pending_active: 0 });
    const upgraded = await exchange(pool, { method: 'GET', path: '/ws', upgrade: 'websocket' });
    expect(upgraded.upgrade?.status).toBe(101);
    upgraded.upgrade?.socket.destroy();
    // The upgrade took the idle keep-alive connection, which left the pool with it.
    expect(target.stats).toMatchObject({ upstream_cx_total: 1, upstream_cx_active: 0, upstream_rq_total: 4, upstream_rq_active: 0 });
    expect(pool.stats).toMatchObject({ connected: 0, free: 0 });
  });

  it('counts a connect timeout as upstream_cx_connect_fail and upstream_cx_connect_timeout', async () => {
    const { origin } = await raw(() => {});
    const port = Number(new URL(origin).port);
    const target = cluster(port, { tls: { rejectUnauthorized: false }, connectTimeoutMs: 100 });
    const result = await exchange(target.poolFor({ address: '127.0.0.1', port }), { method: 'GET', path: '/' });
    expect(result.error).toMatchObject({ code: 'UND_ERR_CONNECT_TIMEOUT' });
    expect(target.stats).toMatchObject({ upstream_cx_connect_fail: 1, upstream_cx_connect_timeout: 1, upstream_cx_total: 0, upstream_rq_active: 0 });
  });
});
