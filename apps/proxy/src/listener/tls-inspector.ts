import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { MAX_CLIENT_HELLO_BYTES, parseClientHello } from './client-hello.js';

/** What the listener filters learned about a connection before a filter chain is chosen. */
export interface InspectedConnection {
  /** `tls` when the first bytes are a ClientHello, else `raw_buffer` (Envoy's transport protocol names). */
  readonly transportProtocol: 'tls' | 'raw_buffer';
  readonly serverName: string;
  readonly alpn: readonly string[];
}

export const RAW_BUFFER: InspectedConnection = { transportProtocol: 'raw_buffer', serverName: '', alpn: [] };

/**
 * Envoy's `envoy.filters.listener.tls_inspector`: reads the client's first bytes until they are a
 * whole ClientHello (or clearly are not one), then puts them back with `unshift`, so whoever reads
 * the socket next — the TLS server or the HTTP codec — sees every byte. Resolves `'timeout'` when
 * the client sent no whole ClientHello within `timeoutMs`, `null` when it went away.
 */
export function inspectTls(socket: Socket, timeoutMs: number): Promise<InspectedConnection | 'timeout' | null> {
  return new Promise((resolve) => {
    let seen: Buffer = Buffer.alloc(0);
    const finish = (result: InspectedConnection | 'timeout' | null): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onGone);
      socket.off('close', onGone);
      socket.off('error', onGone);
      socket.pause();
      if (seen.length > 0) socket.unshift(seen);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const hello = parseClientHello(seen);
      if (hello.kind === 'tls') finish({ transportProtocol: 'tls', serverName: hello.serverName, alpn: hello.alpn });
      else if (hello.kind === 'not-tls' || seen.length >= MAX_CLIENT_HELLO_BYTES) finish(RAW_BUFFER);
    };
    const onGone = (): void => finish(null);
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onGone);
    socket.once('close', onGone);
    socket.once('error', onGone);
  });
}
