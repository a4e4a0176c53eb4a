import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { errors } from 'undici';
import { readOnWhilePaused, sharedBufferReads } from '@meshkit/core';
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { buildConnector } from 'undici';

/** TLS settings (for an https origin) plus the connect timeout, as undici's `connect` option takes them. */
export type DialOptions = ConnectionOptions & {
  /** Milliseconds for TCP connect plus TLS handshake; default 10 000, 0 disables. */
  readonly timeout?: number | null;
  readonly keepAlive?: boolean | null;
  readonly keepAliveInitialDelay?: number | null;
};

/** Where to dial: the pool's origin. */
export interface DialTarget {
  readonly https: boolean;
  /** Without IPv6 brackets. */
  readonly hostname: string;
  readonly port: number;
  /** An HTTP/2 connection: ALPN offers h2 only, and node:http2 reads the socket itself. */
  readonly http2?: boolean;
}

export type DialCallback = (error: Error | null, socket: Socket | null) => void;

/** The TLS session of the last handshake, offered on the next one so reconnects can resume it. */
export interface SessionCache {
  session: Buffer | undefined;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens one connection to the origin: with undici's connector signature when `connect` is a
 * function (what a LOGICAL_DNS cluster installs), else TCP or TLS here with the connect timeout.
 * The callback runs once, with a connected (and for TLS, handshaken) socket or the error. Returns
 * a function that abandons the attempt silently (the callback is then never called).
 */
export function dial(target: DialTarget, connect: DialOptions | buildConnector.connector | undefined, cache: SessionCache, callback: DialCallback): () => void {
  if (typeof connect === 'function') return dialWith(connect, target, callback);
  const { timeout, keepAlive, keepAliveInitialDelay, ...tls } = connect ?? {};
  const { hostname, port } = target;
  let socket: Socket;
  if (target.https) {
    const servername = tls.servername ?? (isIP(hostname) === 0 ? hostname : undefined);
    const secure = tlsConnect({
      ...tls,
      ...(servername === undefined ? {} : { servername }),
      ...(cache.session === undefined ? {} : { session: cache.session }),
      // Each pool speaks one protocol: the server must not pick the other.
      ALPNProtocols: target.http2 === true ? ['h2'] : ['http/1.1'],
      host: hostname,
      port,
    });
    secure.on('session', (session: Buffer) => {
      cache.session = session;
    });
    socket = secure;
  } else if (target.http2 === true) {
    socket = netConnect({ host: hostname, port });
  } else {
    // Reads skip the Readable machinery (the largest share of node's cost per response).
    const plain: Socket = readOnWhilePaused(netConnect({ host: hostname, port, onread: sharedBufferReads(() => plain) }));
    socket = plain;
  }
  if (keepAlive !== false) socket.setKeepAlive(true, keepAliveInitialDelay ?? 60_000);
  socket.setNoDelay(true);

  let pending = true;
  const ms = timeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const finish = (error: Error | null, notify = true): void => {
    if (!pending) return;
    pending = false;
    if (timer !== null) clearTimeout(timer);
    socket.off(target.https ? 'secureConnect' : 'connect', onConnect);
    socket.off('error', finish);
    if (error === null) {
      callback(null, socket);
      return;
    }
    socket.destroy();
    if (notify) callback(error, null);
  };
  const onConnect = (): void => finish(null);
  const timer =
    ms > 0
      ? setTimeout(() => finish(new errors.ConnectTimeoutError(`Connect Timeout Error (attempted address: ${hostname}:${port}, timeout: ${ms}ms)`)), ms)
      : null;
  socket.once(target.https ? 'secureConnect' : 'connect', onConnect);
  socket.once('error', finish);
  return () => finish(new errors.SocketError('connect abandoned'), false);
}

function dialWith(connector: buildConnector.connector, target: DialTarget, callback: DialCallback): () => void {
  let pending = true;
  const { hostname, port } = target;
  const host = hostname.includes(':') ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  connector(
    { hostname, host, protocol: target.https ? 'https:' : 'http:', port: String(port) },
    (error: Error | null, socket: Socket | null) => {
      if (!pending) {
        socket?.destroy();
        return;
      }
      pending = false;
      callback(error, error === null ? socket : null);
    },
  );
  return () => {
    pending = false;
  };
}
