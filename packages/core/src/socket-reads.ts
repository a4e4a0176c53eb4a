import { Buffer } from 'node:buffer';
import { Socket } from 'node:net';
import type { OnReadOpts, SocketConstructorOpts } from 'node:net';
import { Readable } from 'node:stream';

/** One read buffer for every socket read this way: each read is copied out before the next can land. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * `onread` options under which a socket emits each read as a 'data' event of its own copy. They
 * skip node's Readable machinery per read (the largest share of node's cost per read), while
 * readers still see a socket: 'data' and 'end' arrive, pause() and resume() hold and release the
 * data, and `unshift` works. The socket must also go through `readOnWhilePaused`. Nothing may use
 * read() or 'readable' on such a socket.
 */
export function sharedBufferReads(socket: () => Socket): OnReadOpts {
  return {
    buffer: READ_BUFFER,
    callback: (length: number, buffer: Uint8Array): boolean => {
      const owner = socket();
      const chunk = Buffer.from(buffer.subarray(0, length));
      if (owner.readableFlowing === true && owner.readableLength === 0) {
        owner.emit('data', chunk);
        return true;
      }
      // No reader yet, paused, or data held while paused not yet delivered: queued in the socket's
      // own buffer. A full buffer returns false, which stops the reads until the reader catches up.
      return owner.push(chunk);
    },
  };
}

/**
 * For a socket reading with `sharedBufferReads`: node's pause() would stop such a socket's reads
 * at once, and a socket that does not read never sees the peer's reset or FIN, so a client gone
 * while its request was paused would hold its connection forever. Paused, it reads on into its
 * own buffer instead, until that is full, as every other socket does.
 */
export function readOnWhilePaused(socket: Socket): Socket {
  socket.pause = pauseDeliveryOnly;
  return socket;
}

/** Readable's own pause(): the data stops, the reads go on. One function for every socket. */
function pauseDeliveryOnly(this: Socket): Socket {
  return Readable.prototype.pause.call(this) as Socket;
}

interface AcceptedSocketInternals {
  _handle: unknown;
}

/**
 * The connection a server accepted (created with `pauseOnConnect`, so nothing has been read)
 * moved to a socket that reads with `sharedBufferReads`: net.Server has no `onread`
 * option for the sockets it accepts. The new socket starts paused; `resume()` starts its reads.
 * The accepted socket gives up its handle and is destroyed when the new one closes, so the
 * server still counts the connection until then (`server.close()` waits for it). Where the
 * handle cannot be taken (data already read, or a node that keeps it elsewhere), the accepted
 * socket is returned as it is.
 */
export function adoptAcceptedSocket(accepted: Socket, options: { readonly noDelay: boolean }): Socket {
  const internals = accepted as unknown as AcceptedSocketInternals;
  const handle = internals._handle;
  if (handle === null || typeof handle !== 'object' || accepted.readableLength > 0 || accepted.destroyed) return accepted;
  internals._handle = null;
  // `handle` and `pauseOnCreate` are how net.Server itself builds the sockets it accepts.
  const adopted: Socket = new Socket({
    handle,
    pauseOnCreate: true,
    allowHalfOpen: accepted.allowHalfOpen,
    onread: sharedBufferReads(() => adopted),
  } as SocketConstructorOpts);
  readOnWhilePaused(adopted);
  if (options.noDelay) adopted.setNoDelay(true);
  adopted.once('close', () => accepted.destroy());
  return adopted;
}
