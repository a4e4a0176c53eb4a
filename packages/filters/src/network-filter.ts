/**
 * The L4 filter API (Envoy's `Network::ReadFilter`/`WriteFilter`): a listener's filter chain runs
 * these over each accepted connection. Dependency-free, like the HTTP filter API, so a custom
 * network filter pulls in nothing else.
 */

/** `'stop'` ends iteration: the filter consumed the data, or (from `onNewConnection`) waits. */
export type NetworkFilterStatus = 'continue' | 'stop';

/** Facts about one downstream connection, known when it is accepted. */
export interface NetworkConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  /** The port the connection arrived on (Envoy's `destination_port`). */
  readonly localPort: number;
  /** The SPIFFE ID the downstream proved with its client certificate, when the chain terminates mTLS. */
  readonly peerSpiffeId: string | null;
  /** SNI from the ClientHello, `''` when there was none (or the connection is plaintext). */
  readonly requestedServerName: string;
  /** Envoy's response flags for the connection (`UF`, `UH`, …), set by the filter that failed it. */
  readonly responseFlags: string[];
}

/** How a network filter acts on its connection. Each filter instance has its own context. */
export interface NetworkFilterContext {
  readonly connection: NetworkConnectionInfo;
  /**
   * Sends bytes toward the downstream through the `onWrite` of the filters before this one;
   * `endStream` half-closes the downstream's read side. `false` means the socket's buffer is
   * full: wait for `onDownstreamDrain` (back-pressure).
   */
  write(data: Buffer, endStream: boolean): boolean;
  /** Resumes iteration after this filter returned `'stop'` from `onNewConnection`. */
  continueReading(): void;
  /** Stops or restarts reading from the downstream (back-pressure toward it). */
  setReadPaused(paused: boolean): void;
  /** Calls `listener` once when the downstream can take more bytes. */
  onDownstreamDrain(listener: () => void): void;
  /** Closes the downstream: `'flush'` sends what is buffered first, `'now'` resets it. */
  close(how: 'flush' | 'now', flag?: string): void;
}

/**
 * One instance per connection; every callback is optional and synchronous. Read callbacks run
 * in chain order, `onWrite` in reverse order.
 */
export interface NetworkFilter {
  /** The connection was accepted. Return `'stop'` to hold reading until `ctx.continueReading()`. */
  onNewConnection?(): NetworkFilterStatus;
  /** Bytes from the downstream; `endStream` when it half-closed (they may be empty then). */
  onData?(data: Buffer, endStream: boolean): NetworkFilterStatus;
  /** Bytes on their way to the downstream. `'stop'` drops them. */
  onWrite?(data: Buffer, endStream: boolean): NetworkFilterStatus;
  /** The connection is gone: `'remote'` when the downstream closed or failed it, `'local'` when a filter did. */
  onClose?(initiator: 'remote' | 'local'): void;
}

/** Facts about where a network filter chain runs, given to factories when they compile config. */
export interface NetworkFilterFactoryContext {
  readonly listenerName: string;
}

/** Counters a compiled filter keeps across its connections, shown by the admin `/stats` as `<prefix><name>`. */
export interface NetworkFilterStats {
  readonly prefix: string;
  readonly counters: Readonly<Record<string, number>>;
}

/** A network filter's config compiled once; makes one filter per connection. */
export interface CompiledNetworkFilter {
  readonly name: string;
  create(ctx: NetworkFilterContext): NetworkFilter;
  readonly stats?: NetworkFilterStats;
}

/** Turns a network filter's typed config (proto type name without `type.googleapis.com/`) into a `CompiledNetworkFilter`. */
export interface NetworkFilterFactory {
  readonly typeName: string;
  compile(config: Readonly<Record<string, unknown>>, context: NetworkFilterFactoryContext): CompiledNetworkFilter;
}
