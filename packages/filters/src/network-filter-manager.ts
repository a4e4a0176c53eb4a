import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type { CompiledNetworkFilter, NetworkConnectionInfo, NetworkFilter, NetworkFilterContext } from './network-filter.js';

const EMPTY = Buffer.alloc(0);

/**
 * Runs one connection through a network filter chain (Envoy's `FilterManager` for L4).
 *
 * - With `handOff`, the chain is a prelude to a terminal filter that takes the socket itself (the
 *   HTTP connection manager): filters see `onNewConnection` only, and once all of them continue
 *   the socket is handed off.
 * - Without it, the manager reads the socket: bytes go through `onData` in order until a filter
 *   returns `'stop'` (a terminal filter such as tcp_proxy always does), and what filters write
 *   goes through the earlier filters' `onWrite` to the socket.
 *
 * The socket must allow half-open connections, so a downstream FIN reaches the filters as
 * `onData(…, true)` while the other direction keeps flowing.
 */
export class NetworkFilterManager {
  private readonly filters: NetworkFilter[] = [];
  /** Index of the filter `onNewConnection` is waiting on; -1 once every filter has run it. */
  private waitingOn = 0;
  private closedBy: 'remote' | 'local' | undefined;

  constructor(
    private readonly socket: Socket,
    chain: readonly CompiledNetworkFilter[],
    readonly connection: NetworkConnectionInfo,
    private readonly handOff?: (socket: Socket) => void,
  ) {
    // Contexts are made before any filter runs, so a filter may act from its constructor's callbacks.
    for (let i = 0; i < chain.length; i++) this.filters.push((chain[i] as CompiledNetworkFilter).create(this.contextFor(i)));
  }

  /** Starts the chain; call once, right after the connection is accepted. */
  start(): void {
    const socket = this.socket;
    socket.pause();
    socket.once('close', () => {
      const initiator = this.closedBy ?? 'remote';
      this.closedBy = initiator;
      for (const filter of this.filters) filter.onClose?.(initiator);
    });
    // A reset downstream ends the connection; 'close' follows and tells the filters.
    socket.on('error', () => socket.destroy());
    this.runNewConnection(0);
  }

  private runNewConnection(from: number): void {
    for (let i = from; i < this.filters.length; i++) {
      if (this.socket.destroyed) return;
      this.waitingOn = i;
      if ((this.filters[i] as NetworkFilter).onNewConnection?.() === 'stop') return;
    }
    this.waitingOn = -1;
    if (this.socket.destroyed) return;
    if (this.handOff !== undefined) {
      this.handOff(this.socket);
      return;
    }
    this.socket.on('data', (chunk: Buffer) => this.runData(chunk, false));
    this.socket.once('end', () => this.runData(EMPTY, true));
    this.socket.resume();
  }

  // HOT PATH: per chunk. No allocation beyond the chunk itself.
  private runData(data: Buffer, endStream: boolean): void {
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) {
      if ((filters[i] as NetworkFilter).onData?.(data, endStream) === 'stop') return;
    }
    // No terminal filter consumed the bytes: nothing can answer them, so the connection goes.
    if (endStream) this.close('flush');
  }

  private write(from: number, data: Buffer, endStream: boolean): boolean {
    for (let i = from - 1; i >= 0; i--) {
      if ((this.filters[i] as NetworkFilter).onWrite?.(data, endStream) === 'stop') return true;
    }
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return true;
    if (endStream) {
      socket.end(data);
      return true;
    }
    return socket.write(data);
  }

  private close(how: 'flush' | 'now', flag?: string): void {
    if (flag !== undefined && !this.connection.responseFlags.includes(flag)) this.connection.responseFlags.push(flag);
    this.closedBy ??= 'local';
    if (how === 'now') {
      this.socket.destroy();
      return;
    }
    // end() flushes what is buffered; destroySoon() then closes even if the downstream never sends FIN.
    this.socket.destroySoon();
  }

  private contextFor(index: number): NetworkFilterContext {
    const socket = this.socket;
    return {
      connection: this.connection,
      write: (data, endStream) => this.write(index, data, endStream),
      continueReading: () => {
        if (this.waitingOn === index) this.runNewConnection(index + 1);
      },
      setReadPaused: (paused) => {
        if (paused) socket.pause();
        else if (this.waitingOn === -1 && !socket.destroyed) socket.resume();
      },
      onDownstreamDrain: (listener) => socket.once('drain', listener),
      close: (how, flag) => this.close(how, flag),
    };
  }
}
