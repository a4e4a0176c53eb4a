import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { curl, firstListenerUrl } from './support/clients.js';
import { spawnProxy } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, httpProtocolOptions, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Server } from 'node:net';
import type { ProxyProcess } from './support/proxy-process.js';

/** Every wait in this file is bounded by this, so a broken path fails the case instead of hanging it. */
const WAIT_MS = 5_000;

/** What the upstream saw of one plain request. */
interface Seen {
  method: string | undefined;
  body: string;
  trailers: IncomingHttpHeaders | null;
}

/** RFC 6455 frames with payloads under 126 bytes: unmasks a client frame, builds an unmasked server frame. */
function readClientFrame(frame: Buffer): { opcode: number; payload: Buffer } {
  const length = (frame[1] ?? 0) & 0x7f;
  const mask = frame.subarray(2, 6);
  const payload = Buffer.from(frame.subarray(6, 6 + length).map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  return { opcode: (frame[0] ?? 0) & 0x0f, payload };
}

function serverFrame(opcode: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
}

/**
 * An h2c upstream that takes RFC 8441 WebSockets: a plain request is answered with what it carried
 * (method, body, trailers) as JSON; an extended CONNECT for `websocket` echoes each text message
 * as `echo:<text>` and answers a close with a close.
 */
function wsEcho(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, connects: IncomingHttpHeaders[]): void {
  connects.push(headers);
  stream.respond({ ':status': 200 });
  stream.on('data', (chunk: Buffer) => {
    const { opcode, payload } = readClientFrame(chunk);
    if (opcode === 0x8) stream.end(serverFrame(0x8, payload));
    else stream.write(serverFrame(0x1, Buffer.concat([Buffer.from('echo:'), payload])));
  });
}

describe('HTTP/2 upstreams (built proxy, node:http2 upstream pool)', () => {
  const seen: Seen[] = [];
  const connects: IncomingHttpHeaders[] = [];
  const sessions: http2.ServerHttp2Session[] = [];
  let upstream: http2.Http2Server;
  let proxy: ProxyProcess;
  let base: string;

  beforeAll(async () => {
    upstream = http2.createServer({ settings: { enableConnectProtocol: true } });
    upstream.on('session', (session) => sessions.push(session));
    upstream.on('stream', (stream, headers) => {
      if (headers[':method'] === 'CONNECT') {
        wsEcho(stream, headers, connects);
        return;
      }
      if (headers[':path'] === '/sized-with-trailers') {
        stream.respond({ ':status': 200, 'content-length': '5' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-digest': 'abc' }));
        stream.end('sized');
        return;
      }
      const record: Seen = { method: headers[':method'], body: '', trailers: null };
      stream.on('data', (chunk: Buffer) => (record.body += chunk.toString()));
      stream.on('trailers', (trailers: IncomingHttpHeaders) => (record.trailers = trailers));
      stream.on('end', () => {
        seen.push(record);
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end(JSON.stringify(record));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const h2 = httpProtocolOptions({ explicit_http_config: { http2_protocol_options: { initial_stream_window_size: 1_048_576, initial_connection_window_size: 4_194_304 } } });
    const routes = { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'h2up' } }] }] };
    const listener = hcmListener('edge', 0, {
      stat_prefix: 'edge',
      codec_type: 'AUTO',
      route_config: routes,
      http_filters: [ROUTER_FILTER],
      upgrade_configs: [{ upgrade_type: 'websocket' }],
      http2_protocol_options: { initial_stream_window_size: 2_097_152, initial_connection_window_size: 8_388_608 },
    });
    const bootstrap = bootstrapWith('h2-upstream', { listeners: [listener], clusters: [staticCluster('h2up', (upstream.address() as AddressInfo).port, h2)] });
    proxy = await spawnProxy(['--config-yaml', JSON.stringify(bootstrap), '--log-level', 'warn']);
    base = await firstListenerUrl(`http://${proxy.admin}`);
  });

  afterAll(async () => {
    proxy.kill();
    await proxy.exited;
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('forwards the trailers of a chunked HTTP/1.1 request as a trailing HEADERS frame', async () => {
    const { port } = new URL(base);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write('POST /upload HTTP/1.1\r\nhost: app\r\ntransfer-encoding: chunked\r\ntrailer: x-checksum\r\n\r\n5\r\nhello\r\n0\r\nx-checksum: 5d41\r\n\r\n');
    let response = '';
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
    const deadline = Date.now() + WAIT_MS;
    while (!response.includes('"trailers"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.destroy();
    expect(response.startsWith('HTTP/1.1 200')).toBe(true);
    const body = JSON.parse(response.slice(response.indexOf('{'), response.lastIndexOf('}') + 1)) as Seen;
    expect(body.body).toBe('hello');
    expect(body.trailers?.['x-checksum']).toBe('5d41');
  });

  it("forwards an HTTP/2 client's request trailers", async () => {
    const client = http2.connect(base);
    try {
      const stream = client.request({ ':method': 'POST', ':path': '/upload', 'content-type': 'application/grpc', te: 'trailers' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abcd', 'x-count': '2' }));
      stream.end('two parts');
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
      await once(stream, 'end', { signal: AbortSignal.timeout(WAIT_MS) });
      const body = JSON.parse(text) as Seen;
      expect(body.body).toBe('two parts');
      expect(body.trailers?.['x-checksum']).toBe('abcd');
      expect(body.trailers?.['x-count']).toBe('2');
    } finally {
      client.close();
    }
  });

  it('passes on trailers after a body of declared length to an HTTP/2 client', async () => {
    const client = http2.connect(base);
    try {
      const stream = client.request({ ':path': '/sized-with-trailers' });
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const [trailers] = (await once(stream, 'trailers', { signal: AbortSignal.timeout(WAIT_MS) })) as [IncomingHttpHeaders];
      expect(text).toBe('sized');
      expect(trailers['x-digest']).toBe('abc');
    } finally {
      client.close();
    }
  });

  it('offers the flow-control windows configured: the listener to its clients, the cluster to its upstream', async () => {
    const client = http2.connect(base);
    try {
      await once(client, 'remoteSettings', { signal: AbortSignal.timeout(WAIT_MS) });
      expect(client.remoteSettings.initialWindowSize).toBe(2_097_152);
      // The connection window arrives as a WINDOW_UPDATE just after the SETTINGS.
      const deadline = Date.now() + WAIT_MS;
      while ((client.state.remoteWindowSize ?? 0) < 8_388_608 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(client.state.remoteWindowSize).toBe(8_388_608);
    } finally {
      client.close();
    }
    const upstreamSession = sessions.at(-1);
    expect(upstreamSession?.remoteSettings.initialWindowSize).toBe(1_048_576);
    expect(upstreamSession?.state.remoteWindowSize).toBeGreaterThanOrEqual(4_194_304 - 65_535);
  });

  it('carries a WebSocket from a ws client to the HTTP/2 upstream as extended CONNECT', async () => {
    const socket = new WebSocket(`${base.replace('http:', 'ws:')}/chat`);
    await once(socket, 'open', { signal: AbortSignal.timeout(WAIT_MS) });
    socket.send('hi');
    const [message] = (await once(socket, 'message', { signal: AbortSignal.timeout(WAIT_MS) })) as [Buffer];
    expect(message.toString()).toBe('echo:hi');
    socket.close(1000, 'done');
    const [code] = (await once(socket, 'close', { signal: AbortSignal.timeout(WAIT_MS) })) as [number];
    expect(code).toBe(1000);
    const handshake = connects.at(-1);
    expect(handshake?.[':protocol']).toBe('websocket');
    expect(handshake?.[':path']).toBe('/chat');
  });
});

describe('a cluster with use_downstream_protocol_config (built proxy)', () => {
  let h1: http.Server;
  let h2: http2.Http2Server;
  let sniffer: Server;
  let proxy: ProxyProcess;
  let base: string;

  beforeAll(async () => {
    // One cleartext port for both protocols, told apart by HTTP/2's connection preface.
    const answer = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void => {
      res.end(`upstream saw HTTP/${req.httpVersion}`);
    };
    h1 = http.createServer(answer);
    h2 = http2.createServer(answer);
    sniffer = createServer((socket) => {
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        // node:http2's session reads the put-back bytes itself; node:http's parser needs the socket flowing.
        if (first.toString('latin1').startsWith('PRI * HTTP/2.0')) {
          h2.emit('connection', socket);
        } else {
          h1.emit('connection', socket);
          socket.resume();
        }
      });
    });
    await new Promise<void>((resolve) => sniffer.listen(0, '127.0.0.1', resolve));
    const either = httpProtocolOptions({ use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } });
    const routes = { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'either' } }] }] };
    const listener = hcmListener('edge', 0, { stat_prefix: 'edge', codec_type: 'AUTO', route_config: routes, http_filters: [ROUTER_FILTER] });
    const port = (sniffer.address() as AddressInfo).port;
    const bootstrap = bootstrapWith('downstream-protocol', { listeners: [listener], clusters: [staticCluster('either', port, either)] });
    proxy = await spawnProxy(['--config-yaml', JSON.stringify(bootstrap), '--log-level', 'warn']);
    base = await firstListenerUrl(`http://${proxy.admin}`);
  });

  afterAll(async () => {
    proxy.kill();
    await proxy.exited;
    await new Promise<void>((resolve) => sniffer.close(() => resolve()));
    h1.close();
    h2.close();
  });

  it('goes upstream over the protocol the client spoke (curl --http1.1, --http2-prior-knowledge)', async () => {
    expect(await curl(`${base}/`, '--http1.1')).toEqual({ status: 200, body: 'upstream saw HTTP/1.1' });
    expect(await curl(`${base}/`, '--http2-prior-knowledge')).toEqual({ status: 200, body: 'upstream saw HTTP/2.0' });
  });
});
