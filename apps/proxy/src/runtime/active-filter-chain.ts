import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { HttpConnectionManager, NetworkFilterManager } from '@meshkit/filters';
import type { CompiledNetworkFilter, HttpConnectionManagerConfig, NetworkConnectionInfo } from '@meshkit/filters';
import { peerSpiffeId, verifyClientSpiffeId } from '@meshkit/identity';
import type { Log } from '../log.js';
import type { FilterChainSpec } from '../xds/filter-chain-translator.js';

const peerIds = new WeakMap<Socket, string | null>();

/** The SPIFFE ID a downstream proved, computed once per connection. */
export function cachedPeerIdentity(socket: Socket): string | null {
  let id = peerIds.get(socket);
  if (id === undefined) {
    id = 'encrypted' in socket ? peerSpiffeId(socket as TLSSocket) : null;
    peerIds.set(socket, id);
  }
  return id;
}

/**
 * One filter chain of a bound listener: terminates TLS with the chain's own context, then gives
 * the connection to the chain's network filters and its terminal filter (an HTTP connection
 * manager, kept across config updates, or a TCP proxy session per connection).
 */
export class ActiveFilterChain {
  readonly hcm: HttpConnectionManager | undefined;
  private tlsServer: tls.Server | undefined;

  constructor(
    public spec: FilterChainSpec,
    private readonly listenerName: string,
    hcmConfig: HttpConnectionManagerConfig | undefined,
    private readonly log: Log,
  ) {
    this.hcm = hcmConfig === undefined ? undefined : new HttpConnectionManager(hcmConfig);
    this.tlsServer = this.makeTlsServer(spec);
  }

  /** True when `spec` can replace this chain's config in place (same kind of terminal filter). */
  canTake(spec: FilterChainSpec): boolean {
    return spec.terminal.kind === this.spec.terminal.kind;
  }

  /** Swaps the chain's config: new connections see it, open ones keep what they started with. */
  update(spec: FilterChainSpec, hcmConfig: HttpConnectionManagerConfig | undefined): void {
    this.spec = spec;
    if (hcmConfig !== undefined) this.hcm?.update(hcmConfig);
    this.tlsServer = this.makeTlsServer(spec);
  }

  /** Idle HTTP connections close now, busy ones after their response; TCP sessions run on. */
  drain(): void {
    this.hcm?.drainConnections();
  }

  /** True when this chain's connections go straight to its HTTP connection manager, in cleartext. */
  get takesPlainHttp(): boolean {
    return this.tlsServer === undefined && this.goesStraightToHcm;
  }

  /** An HTTP connection manager with no network filter before it. */
  private get goesStraightToHcm(): boolean {
    return this.spec.terminal.kind === 'hcm' && this.spec.networkFilters.length === 0;
  }

  /** Takes an accepted connection; `serverName` is the SNI the tls_inspector read, if any. */
  accept(socket: Socket, serverName: string): void {
    if (this.tlsServer === undefined) {
      this.run(socket, serverName);
      return;
    }
    // The TLS socket takes its half-open mode from the raw one. A TCP proxy wants it (a client's
    // FIN travels upstream while the answer still comes back); HTTP must not have it, or a client
    // that leaves mid-handshake is never noticed: a half-open TLS socket waits for our FIN.
    socket.allowHalfOpen = this.spec.terminal.kind === 'tcp_proxy';
    // The chain's TLS server never listens: it only runs handshakes on sockets handed to it.
    this.tlsServer.emit('connection', socket);
  }

  private makeTlsServer(spec: FilterChainSpec): tls.Server | undefined {
    const context = spec.tls;
    if (context === undefined) return undefined;
    const server = tls.createServer(context.options, (socket: TLSSocket) => {
      // A certificate the client need not have sent, but sent and it does not verify: Envoy fails the handshake.
      if (!socket.authorized && Buffer.isBuffer(socket.getPeerCertificate().raw)) {
        this.log(`listener ${this.listenerName}: rejected client ${socket.remoteAddress ?? ''}: ${String(socket.authorizationError)}`, 'debug');
        socket.destroy();
        return;
      }
      const allowed = context.allowedClients;
      const verdict = allowed === undefined ? undefined : verifyClientSpiffeId(socket, allowed);
      if (verdict?.ok === false) {
        this.log(`listener ${this.listenerName}: rejected client ${socket.remoteAddress ?? ''}: ${verdict.error.message}`, 'debug');
        socket.destroy();
        return;
      }
      this.run(socket, typeof socket.servername === 'string' ? socket.servername : '');
    });
    // A failed handshake concerns one client, never the listener.
    server.on('tlsClientError', (_error, socket: TLSSocket) => socket.destroy());
    return server;
  }

  private run(socket: Socket, serverName: string): void {
    const { terminal, networkFilters } = this.spec;
    const hcm = this.hcm;
    if (this.goesStraightToHcm && hcm !== undefined) {
      handToHcm(hcm, socket);
      return;
    }
    const info: NetworkConnectionInfo = {
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      peerSpiffeId: cachedPeerIdentity(socket),
      requestedServerName: serverName,
      responseFlags: [],
    };
    if (terminal.kind === 'hcm' && hcm !== undefined) {
      new NetworkFilterManager(socket, networkFilters, info, (s) => handToHcm(hcm, s)).start();
      return;
    }
    if (terminal.kind === 'tcp_proxy' && terminal.filter !== undefined) {
      const chain: CompiledNetworkFilter[] = [...networkFilters, terminal.filter];
      new NetworkFilterManager(socket, chain, info).start();
      return;
    }
    socket.destroy();
  }
}

function handToHcm(hcm: HttpConnectionManager, socket: Socket): void {
  // The listener accepts half-open for TCP proxying; the HTTP codecs expect a FIN to end the connection.
  socket.allowHalfOpen = false;
  hcm.acceptConnection(socket);
  // The tls_inspector and the network filters leave the socket paused with its first bytes unread.
  socket.resume();
}
