import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface TcpUpstream {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A raw TCP upstream: answers each line with `<name>:<LINE IN UPPER CASE>`, and on the client's
 * FIN sends `<name>:bye (<n> bytes)` and closes — so a test sees both relaying and half-close.
 */
export async function startTcpUpstream(name: string): Promise<TcpUpstream> {
  const sockets = new Set<Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let bytes = 0;
    let pending = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      bytes += Buffer.byteLength(chunk);
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        socket.write(`${name}:${pending.slice(0, nl).toUpperCase()}\n`);
        pending = pending.slice(nl + 1);
      }
    });
    socket.once('end', () => socket.end(`${name}:bye (${bytes} bytes)\n`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A raw client: sends `payload`, half-closes, and resolves with everything read until the close. */
export function tcpExchange(port: number, payload: string, localAddress = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = net.connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true });
    let text = '';
    client.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    client.once('error', reject);
    client.once('close', () => resolve(text));
    const timer = setTimeout(() => client.destroy(new Error(`no close after 10 s; read so far: ${text}`)), 10_000);
    client.once('close', () => clearTimeout(timer));
    client.end(payload);
  });
}
