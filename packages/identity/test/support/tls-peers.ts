import { once } from 'node:events';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { ConnectionOptions, TLSSocket, TlsOptions } from 'node:tls';

export interface RunningServer {
  readonly port: number;
  /** Errors from handshakes the server refused (e.g. a client without a valid certificate). */
  readonly handshakeErrors: Error[];
  /** Connections that completed the handshake. */
  readonly accepted: TLSSocket[];
  close(): Promise<void>;
}

/** A node:tls server on 127.0.0.1:0 that greets each accepted connection with `onAccept`'s reply. */
export async function startTlsServer(options: TlsOptions, onAccept: (socket: TLSSocket) => string | null): Promise<RunningServer> {
  const handshakeErrors: Error[] = [];
  const accepted: TLSSocket[] = [];
  const server = tls.createServer(options, (socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
    const reply = onAccept(socket);
    if (reply === null) socket.destroy();
    else socket.end(reply);
  });
  server.on('tlsClientError', (error) => handshakeErrors.push(error));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    handshakeErrors,
    accepted,
    close: () =>
      new Promise((resolve) => {
        for (const socket of accepted) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Exchange {
  /** What the server sent before closing, or null when nothing arrived. */
  readonly reply: string | null;
  /** The first error the client saw, if any. */
  readonly error: Error | null;
}

/** Connects, collects whatever the server sends until the connection ends, within `timeoutMs`. */
export function exchange(port: number, options: ConnectionOptions, timeoutMs = 5_000): Promise<Exchange> {
  return new Promise((resolve) => {
    let received = '';
    let firstError: Error | null = null;
    const socket = tls.connect({ ...options, host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(new Error('exchange timed out')), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', (error) => {
      firstError ??= error;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ reply: received === '' ? null : received, error: firstError });
    });
  });
}
