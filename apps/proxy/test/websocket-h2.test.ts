import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { edgeBootstrap } from './support/header-echo.js';
import { closeServer, listenOnLoopback } from './support/upstreams.js';

/** Every wait in this file is bounded by this, so a broken tunnel fails the case instead of hanging it. */
const WAIT_MS = 5_000;

/** One masked client frame (RFC 6455 §5.2) with a payload under 126 bytes. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}

/** Reads whole unmasked server frames (payloads under 126 bytes) off a stream. */
function serverFrames(stream: http2.ClientHttp2Stream): () => Promise<{ opcode: number; payload: Buffer }> {
  let held = Buffer.alloc(0);
  const waiting: Array<() => void> = [];
  stream.on('data', (chunk: Buffer) => {
    held = Buffer.concat([held, chunk]);
    waiting.splice(0).forEach((wake) => wake());
  });
  return async () => {
    const deadline = AbortSignal.timeout(WAIT_MS);
    while (held.length < 2 || held.length < 2 + ((held[1] ?? 0) & 0x7f)) {
      if (deadline.aborted) throw new Error('no whole frame in time');
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    const length = (held[1] ?? 0) & 0x7f;
    const frame = { opcode: (held[0] ?? 0) & 0x0f, payload: held.subarray(2, 2 + length) };
    held = held.subarray(2 + length);
    return frame;
  };
}

describe('WebSocket over HTTP/2 (RFC 8441 extended CONNECT) to an HTTP/1.1 ws server (built proxy)', () => {
  const handshakes: http.IncomingHttpHeaders[] = [];
  let server: http.Server;
  let wss: WebSocketServer;
  let upstreamPort: number;
  const proxies: ProxyProcess[] = [];

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.writeHead(426).end());
    wss = new WebSocketServer({ server });
    wss.on('connection', (socket, req) => {
      handshakes.push(req.headers);
      socket.on('message', (data: RawData, isBinary: boolean) => socket.send(data, { binary: isBinary }));
    });
    upstreamPort = await listenOnLoopback(server);
  });
  afterAll(async () => {
    for (const proxy of proxies) proxy.kill();
    await Promise.all(proxies.map((proxy) => proxy.exited));
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await closeServer(server);
  });

  /** Starts a proxy and opens an h2c session to it, settings received. */
  async function session(http2Options: Record<string, unknown>, upgrades: string[]): Promise<http2.ClientHttp2Session> {
    const hcmExtra = { http2_protocol_options: http2Options, upgrade_configs: upgrades.map((upgrade_type) => ({ upgrade_type })) };
    const proxy = await spawnProxy(['--config-yaml', JSON.stringify(edgeBootstrap(upstreamPort, hcmExtra)), '--log-level', 'warn']);
    proxies.push(proxy);
    const listener = await (await fetch(`http://${proxy.admin}/listeners`)).text();
    const client = http2.connect(`http://${listener.trim().split('::')[1] ?? ''}`);
    await once(client, 'remoteSettings', { signal: AbortSignal.timeout(WAIT_MS) });
    return client;
  }

  const CONNECT = { ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': '/chat', 'sec-websocket-version': '13' };

  it('opens the tunnel with 200 and echoes frames both ways; upstream saw an HTTP/1.1 handshake with a key', async () => {
    const client = await session({ allow_connect: true }, ['websocket']);
    try {
      expect(client.remoteSettings.enableConnectProtocol).toBe(true);
      const stream = client.request(CONNECT, { endStream: false });
      const [headers] = (await once(stream, 'response', { signal: AbortSignal.timeout(WAIT_MS) })) as [http2.IncomingHttpHeaders];
      expect(headers[':status']).toBe(200);
      expect(headers['sec-websocket-accept']).toBeUndefined();
      const nextFrame = serverFrames(stream);
      stream.write(clientFrame(0x1, Buffer.from('hello over h2')));
      expect(await nextFrame()).toEqual({ opcode: 0x1, payload: Buffer.from('hello over h2') });
      stream.write(clientFrame(0x2, Buffer.from([1, 2, 3])));
      expect(await nextFrame()).toEqual({ opcode: 0x2, payload: Buffer.from([1, 2, 3]) });
      // A close frame with code 1000 comes back as the server's own close.
      stream.write(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
      const close = await nextFrame();
      expect(close.opcode).toBe(0x8);
      expect(close.payload.readUInt16BE(0)).toBe(1000);
      const handshake = handshakes.at(-1) ?? {};
      expect(handshake.upgrade).toBe('websocket');
      expect(handshake['sec-websocket-key']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(handshake['sec-websocket-version']).toBe('13');
      stream.close();
    } finally {
      client.close();
    }
  });

  it('closes the upstream connection when the client resets the stream', async () => {
    const client = await session({ allow_connect: true }, ['websocket']);
    try {
      const stream = client.request(CONNECT, { endStream: false });
      await once(stream, 'response', { signal: AbortSignal.timeout(WAIT_MS) });
      const nextFrame = serverFrames(stream);
      stream.write(clientFrame(0x1, Buffer.from('still there?')));
      await nextFrame();
      const upstreamSide = [...wss.clients].at(-1);
      expect(upstreamSide).toBeDefined();
      const closed = once(upstreamSide as NonNullable<typeof upstreamSide>, 'close', { signal: AbortSignal.timeout(WAIT_MS) });
      stream.close(http2.constants.NGHTTP2_CANCEL);
      const [code] = (await closed) as [number];
      expect(code).toBe(1006); // the TCP connection went away without a close frame
    } finally {
      client.close();
    }
  });

  it('answers 403 when no upgrade_configs entry allows websocket', async () => {
    const client = await session({ allow_connect: true }, []);
    try {
      const stream = client.request(CONNECT, { endStream: false });
      const [headers] = (await once(stream, 'response', { signal: AbortSignal.timeout(WAIT_MS) })) as [http2.IncomingHttpHeaders];
      expect(headers[':status']).toBe(403);
    } finally {
      client.close();
    }
  });

  it('does not offer extended CONNECT without allow_connect', async () => {
    const client = await session({}, ['websocket']);
    try {
      expect(client.remoteSettings.enableConnectProtocol).toBe(false);
    } finally {
      client.close();
    }
  });
});
