import { execFile } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { parseClientHello } from './client-hello.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/**
 * Captures the first flight a real client sends: a server that reads until the bytes parse as a
 * whole ClientHello (or 64 KiB), then hangs up. `connect` starts the client against the port.
 */
async function captureClientHello(connect: (port: number) => void): Promise<Buffer> {
  let resolveHello: (hello: Buffer) => void = () => {};
  const hello = new Promise<Buffer>((resolve) => (resolveHello = resolve));
  const server = net.createServer((socket) => {
    let seen = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      if (parseClientHello(seen).kind !== 'incomplete' || seen.length > 65536) {
        resolveHello(seen);
        socket.destroy();
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  connect((server.address() as AddressInfo).port);
  return hello;
}

const runIgnoringFailure = (file: string, args: string[]): void => {
  // The handshake is cut short on purpose, so these clients exit with an error.
  execFile(file, args, { timeout: 10_000 }, () => {});
};

describe('parseClientHello on real ClientHellos', () => {
  it('reads SNI and ALPN from openssl s_client', async () => {
    const hello = await captureClientHello((port) =>
      runIgnoringFailure('sh', ['-c', `openssl s_client -connect 127.0.0.1:${port} -servername api.example.com -alpn h2,http/1.1 </dev/null`]),
    );
    expect(parseClientHello(hello)).toEqual({ kind: 'tls', serverName: 'api.example.com', alpn: ['h2', 'http/1.1'] });
  });

  it('reads SNI and ALPN from curl, TLS 1.2 only too', async () => {
    for (const extra of [[], ['--tls-max', '1.2']]) {
      const hello = await captureClientHello((port) =>
        runIgnoringFailure('curl', ['-sk', '--http1.1', ...extra, '--resolve', `Shop.Example.COM:${port}:127.0.0.1`, `https://Shop.Example.COM:${port}/`]),
      );
      // Host names compare lower-case, as DNS names do.
      expect(parseClientHello(hello)).toEqual({ kind: 'tls', serverName: 'shop.example.com', alpn: ['http/1.1'] });
    }
  });

  it('reads a node:tls ClientHello without SNI and without ALPN', async () => {
    const hello = await captureClientHello((port) => {
      // An IP address as host: node sends no SNI then, as RFC 6066 requires.
      const client = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      client.on('error', () => {});
    });
    expect(parseClientHello(hello)).toEqual({ kind: 'tls', serverName: '', alpn: [] });
  });

  it('asks for more bytes on every strict prefix, and gives the same answer when fed whole', async () => {
    const hello = await captureClientHello((port) => {
      const client = tls.connect({ host: '127.0.0.1', port, servername: 'a.b.example.com', ALPNProtocols: ['x-custom'], rejectUnauthorized: false });
      client.on('error', () => {});
    });
    const length = 5 + hello.readUInt16BE(3);
    for (let cut = 0; cut < length; cut++) expect(parseClientHello(hello.subarray(0, cut)).kind).toBe('incomplete');
    expect(parseClientHello(hello.subarray(0, length))).toEqual({ kind: 'tls', serverName: 'a.b.example.com', alpn: ['x-custom'] });
  });

  it('says not-tls for plaintext and for corrupted hellos, and never throws', async () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n')).kind).toBe('not-tls');
    expect(parseClientHello(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n')).kind).toBe('not-tls');
    expect(parseClientHello(Buffer.from([0x16, 0x02, 0x00])).kind).toBe('not-tls');
    const hello = await captureClientHello((port) => {
      const client = tls.connect({ host: '127.0.0.1', port, servername: 'fuzz.example.com', rejectUnauthorized: false });
      client.on('error', () => {});
    });
    // Inner lengths that overrun their vectors must read as not-tls, not as an exception.
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const copy = Buffer.from(hello);
      for (let k = 0; k < 3; k++) copy[9 + (random() % (copy.length - 9))] = random() % 256;
      expect(['tls', 'not-tls', 'incomplete']).toContain(parseClientHello(copy).kind);
    }
  });
});
