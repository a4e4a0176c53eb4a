import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { routesTo, startAcceptingProxy } from './support/proxy.js';
import { clusters, endpoint, router } from './support/mesh.js';
import { Closer, waitFor } from './support/net.js';

const closer = new Closer();
afterEach(() => closer.closeAll());

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const acceptFor = (key: string): string => createHash('sha1').update(key + WS_GUID).digest('base64');

/**
 * An upstream that accepts WebSocket handshakes (RFC 6455 §4.2.2) on `/ws` and then echoes every
 * byte; any other upgrade path is refused with 400. Frames are opaque to the proxy, so echoing
 * bytes is enough to prove the tunnel.
 */
async function startEchoUpstream(): Promise<{ port: number; open: Set<Socket> }> {
  const open = new Set<Socket>();
  const server = http.createServer((_req, res) => res.writeHead(200).end('plain'));
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    if (req.url !== '/ws') {
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 6\r\nconnection: close\r\n\r\nno ws\n');
      return;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const key = String(req.headers['sec-websocket-key']);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${acceptFor(key)}\r\n\r\n`);
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closer.add(
    () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { port: (server.address() as AddressInfo).port, open };
}

/** A raw client: sends the handshake, returns the response head and the socket after it. */
function handshake(port: number, path: string, key: string): Promise<{ head: string; socket: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    closer.add(() => Promise.resolve(socket.destroy()).then(() => undefined));
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.removeListener('data', onData);
      socket.pause();
      resolve({ head: buffered.subarray(0, end).toString('latin1'), socket, rest: buffered.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: chat.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
}

async function proxyTo(port: number, upgradeTypes: string[] = ['websocket']): Promise<Awaited<ReturnType<typeof startAcceptingProxy>>> {
  const routes = routesTo([{ match: { prefix: '/' }, route: { cluster: 'chat' } }]);
  return startAcceptingProxy({ filters: [router(clusters(closer, { chat: [endpoint(port)] }))], routes }, closer, { upgradeTypes });
}

describe('WebSocket upgrades (upgrade_configs: websocket)', () => {
  it('forwards the handshake, answers 101 from upstream and tunnels bytes both ways with back-pressure', async () => {
    const upstream = await startEchoUpstream();
    const proxy = await proxyTo(upstream.port);
    const key = randomBytes(16).toString('base64');
    const { head, socket, rest } = await handshake(proxy.port, '/ws', key);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
    expect(head.toLowerCase()).toContain(`sec-websocket-accept: ${acceptFor(key).toLowerCase()}`);
    expect(head.toLowerCase()).toContain('upgrade: websocket');

    // 8 MiB out and back: more than any socket buffer, so both directions must pause and resume.
    const payload = randomBytes(8 * 1024 * 1024);
    const received: Buffer[] = [rest];
    let length = rest.length;
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      length += chunk.length;
    });
    socket.resume();
    socket.write(payload);
    await waitFor(() => length >= payload.length, 20_000);
    expect(Buffer.concat(received).equals(payload)).toBe(true);
    expect(proxy.streams[0]?.protocol).toBe('HTTP/1.1');

    socket.end();
    await waitFor(() => upstream.open.size === 0 && proxy.hcm.activeConnections === 0);
    expect(proxy.hcm.stats.downstream_rq_active).toBe(0);
  });

  it('passes an upstream refusal back as a plain response and closes', async () => {
    const upstream = await startEchoUpstream();
    const proxy = await proxyTo(upstream.port);
    const { head, socket } = await handshake(proxy.port, '/not-ws', randomBytes(16).toString('base64'));
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    await waitFor(() => proxy.streams[0]?.responseCode === 400);
  });

  it('keeps an open tunnel through a drain (it is closed only when the drain time ends)', async () => {
    const upstream = await startEchoUpstream();
    const proxy = await proxyTo(upstream.port);
    const { socket, rest } = await handshake(proxy.port, '/ws', randomBytes(16).toString('base64'));
    await waitFor(() => upstream.open.size === 1);
    proxy.hcm.drainConnections();
    let echoed = rest.toString('latin1');
    socket.on('data', (chunk: Buffer) => (echoed += chunk.toString('latin1')));
    socket.resume();
    socket.write('still here');
    await waitFor(() => echoed === 'still here');
    expect(upstream.open.size).toBe(1);
    expect(proxy.hcm.activeConnections).toBe(1);
  });

  it('closes the upstream side when the client goes away mid-tunnel', async () => {
    const upstream = await startEchoUpstream();
    const proxy = await proxyTo(upstream.port);
    const { socket } = await handshake(proxy.port, '/ws', randomBytes(16).toString('base64'));
    await waitFor(() => upstream.open.size === 1);
    socket.destroy();
    await waitFor(() => upstream.open.size === 0 && proxy.hcm.activeConnections === 0);
  });

  it('refuses the upgrade with 403 when upgrade_configs does not allow it', async () => {
    const upstream = await startEchoUpstream();
    const proxy = await proxyTo(upstream.port, []);
    const { head } = await handshake(proxy.port, '/ws', randomBytes(16).toString('base64'));
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect(upstream.open.size).toBe(0);
  });
});
