import { createServer as createNetServer } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';

/** Everything a controller-API handler saw for one request. */
export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  statusText: string | undefined;
  body: Buffer;
  trailers: IncomingHttpHeaders | null;
  error: Error | null;
  /** How many times each callback ran. */
  calls: Record<string, number>;
  upgrade: { status: number; headers: IncomingHttpHeaders; socket: Duplex } | null;
}

export interface Hooks {
  onStart?(controller: Dispatcher.DispatchController): void;
  onData?(controller: Dispatcher.DispatchController, chunk: Buffer, exchange: Exchange): void;
}

/** Dispatches one request with the controller API and resolves once its last callback ran. */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, hooks: Hooks = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const seen: Exchange = { status: 0, headers: {}, statusText: undefined, body: Buffer.alloc(0), trailers: null, error: null, calls: {}, upgrade: null };
    const chunks: Buffer[] = [];
    const count = (name: string): void => {
      seen.calls[name] = (seen.calls[name] ?? 0) + 1;
    };
    const finish = (): void => {
      seen.body = Buffer.concat(chunks);
      // Let any stray callback land before the caller counts them.
      setImmediate(() => resolve(seen));
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        count('start');
        hooks.onStart?.(controller);
      },
      onResponseStart(_controller, status, headers, statusText) {
        count('headers');
        seen.status = status;
        seen.headers = headers;
        seen.statusText = statusText;
      },
      onResponseData(controller, chunk) {
        count('data');
        chunks.push(chunk);
        hooks.onData?.(controller, chunk, seen);
      },
      onResponseEnd(_controller, trailers) {
        count('end');
        seen.trailers = trailers;
        finish();
      },
      onResponseError(_controller, error) {
        count('error');
        seen.error = error;
        finish();
      },
      onRequestUpgrade(_controller, status, headers, socket) {
        count('upgrade');
        seen.upgrade = { status, headers, socket };
        finish();
      },
    };
    dispatcher.dispatch(options, handler);
  });
}

/** A raw TCP server for upstreams that misbehave; `onSocket` sees every accepted connection. */
export async function rawServer(onSocket: (socket: Socket, index: number) => void): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => socket.destroy());
    onSocket(socket, sockets.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

/** Calls `onRequest` with each complete request head (up to the blank line) a raw socket receives. */
export function onHeads(socket: Socket, onRequest: (head: string, index: number) => void): void {
  let buffered = '';
  let index = 0;
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
      const head = buffered.slice(0, end + 4);
      buffered = buffered.slice(end + 4);
      onRequest(head, index++);
    }
  });
}
