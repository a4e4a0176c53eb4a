import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';

/** The client connection preface every HTTP/2 connection starts with (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Envoy's codec AUTO on cleartext: reads until the first bytes match or rule out the HTTP/2
 * preface, puts them back with `unshift`, and tells which codec to run. Decides as soon as one
 * byte differs, so an HTTP/1.1 request line never waits for 24 bytes. A connection that closes
 * first is never handed to a codec.
 */
export function sniffHttp2Preface(socket: Socket, decide: (isHttp2: boolean) => void): void {
  let held: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
    const compared = Math.min(held.length, H2_PREFACE.length);
    const matches = held.subarray(0, compared).equals(H2_PREFACE.subarray(0, compared));
    if (matches && compared < H2_PREFACE.length) return;
    socket.removeListener('data', onData);
    socket.removeListener('close', onClose);
    socket.pause();
    socket.unshift(held);
    decide(matches);
  };
  const onClose = (): void => {
    socket.removeListener('data', onData);
  };
  socket.on('data', onData);
  socket.once('close', onClose);
}
