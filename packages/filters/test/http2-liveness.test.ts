import { Buffer } from 'node:buffer';
import http2 from 'node:http2';
import type { ServerHttp2Session } from 'node:http2';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchSessionLiveness } from '../src/codec/http2-liveness.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
/** A frame header announcing 1.4 MB on stream 0: beyond any frame size, so nghttp2 ends the session. */
const OVERSIZED_FRAME = Buffer.from([0x15, 0x88, 0x13, 0xc5, 0x89, 0xf4, 0xa5, 0xf1, 0xbc]);
const FAST_PROBE = { intervalMs: 100, timeoutMs: 100 };

const servers: http2.Http2Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A node:http2 server whose sessions are watched as the connection manager watches them. */
async function watchedServer(idleTimeoutMs: number): Promise<{ port: number; sessions: ServerHttp2Session[] }> {
  const sessions: ServerHttp2Session[] = [];
  const server = http2.createServer();
  server.on('session', (session) => {
    sessions.push(session);
    watchSessionLiveness(session, undefined, idleTimeoutMs, FAST_PROBE);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, sessions };
}

const closed = (session: ServerHttp2Session): Promise<void> => new Promise((resolve) => (session.destroyed ? resolve() : session.once('close', () => resolve())));

describe('watchSessionLiveness without connection_keepalive (node:http2, raw socket)', () => {
  it('destroys a session nghttp2 ended with its own GOAWAY once the peer is gone, instead of at idle_timeout', async () => {
    const { port, sessions } = await watchedServer(3_600_000);
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    let received = Buffer.alloc(0);
    client.on('data', (data: Buffer) => (received = Buffer.concat([received, data])));
    client.write(Buffer.concat([PREFACE, EMPTY_SETTINGS, OVERSIZED_FRAME]));
    // nghttp2's GOAWAY (type 7) arrives; node 20 then stops reading the socket and keeps the session.
    await expect.poll(() => received.includes(Buffer.from([0x07, 0x00, 0x00, 0x00, 0x00, 0x00])), { timeout: 2000 }).toBe(true);
    client.destroy();
    const session = sessions[0] as ServerHttp2Session;
    await closed(session);
    expect(session.destroyed).toBe(true);
  });

  it('keeps a healthy idle session, which answers the PINGs, until idle_timeout closes it', async () => {
    const { port, sessions } = await watchedServer(600);
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', () => undefined);
    let pings = 0;
    client.on('ping', () => pings++);
    await expect.poll(() => sessions.length).toBe(1);
    const session = sessions[0] as ServerHttp2Session;
    const started = performance.now();
    await closed(session);
    // Several PINGs were answered meanwhile, and only the idle timeout ended the session.
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    client.destroy();
  });
});
