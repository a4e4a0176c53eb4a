import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HttpConnectionManager } from '../../src/index.js';
import type { HttpConnectionManagerConfig, StreamInfo } from '../../src/index.js';
import type { Closer } from './net.js';
import { hcmConfig } from './proxy.js';
import type { ProxyOptions } from './proxy.js';

export interface AcceptingProxy {
  readonly hcm: HttpConnectionManager;
  readonly port: number;
  readonly origin: string;
  readonly streams: StreamInfo[];
}

/**
 * A connection manager behind a plain TCP listener, as the proxy's listeners run it: every
 * connection goes through `acceptConnection`, so the codec is chosen the way it is in production.
 */
export async function startAcceptingProxy(
  options: ProxyOptions,
  closer: Closer,
  extra: Partial<HttpConnectionManagerConfig> = {},
): Promise<AcceptingProxy> {
  const streams: StreamInfo[] = [];
  const hcm = new HttpConnectionManager({ ...hcmConfig(options, streams), ...extra });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    hcm.acceptConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closer.add(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { hcm, port, origin: `http://127.0.0.1:${port}`, streams };
}
