import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { endpointKey } from '../endpoint.js';
import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { ConnectionBudget } from '../circuit-breakers.js';
import type { ClusterStats } from '../cluster-stats.js';
import type { MutableRequestLoad } from '../counting-handler.js';
import type { Endpoint } from '../endpoint.js';

export interface TcpConnectOptions {
  /** Request hash for consistent-hashing balancers (e.g. from the downstream source address). */
  readonly hashKey?: bigint;
  /** TLS towards the upstream; default the cluster's `tls`. Pass `false` for plaintext on a TLS cluster. */
  readonly tls?: ConnectionOptions | false;
  /** Abandons the attempt (the result is a `UF` failure carrying the abort reason). */
  readonly signal?: AbortSignal;
  /**
   * Plaintext only: the upstream's FIN does not end our side, so a proxy can pass half-closes
   * through in each direction (the caller ends the socket). Default true.
   */
  readonly allowHalfOpen?: boolean;
}

/**
 * Why a TCP connect produced no connection, as Envoy's response flags for the TCP proxy:
 * `UH` no healthy upstream, `UO` the cluster's connection limit is reached, `UF` the connect
 * (or TLS handshake) failed or timed out.
 */
export type TcpConnectFailureFlag = 'UH' | 'UO' | 'UF';

export type TcpConnectResult =
  | { readonly ok: true; readonly socket: Socket | TLSSocket; readonly endpoint: Endpoint }
  | { readonly ok: false; readonly flag: TcpConnectFailureFlag; readonly endpoint: Endpoint | null; readonly error: Error | null };

/** What the connector needs from its cluster. */
export interface TcpConnectorContext {
  readonly stats: ClusterStats;
  /** The cluster's `max_connections`, shared with its HTTP pools. */
  readonly connections: ConnectionBudget;
  readonly connectTimeoutMs: number;
  readonly tls: ConnectionOptions | undefined;
  pick(hashKey: bigint | undefined): Endpoint | null;
  loadOf(key: string): MutableRequestLoad;
  /** The address to dial for a member (LOGICAL_DNS members dial their latest resolved address). */
  dialAddress(endpoint: Endpoint): string | null;
}

/**
 * Opens raw TCP (optionally TLS) connections to a cluster's members for the TCP proxy: one
 * balancer pick, the connect timeout, the cluster's `max_connections` breaker, and Envoy's
 * `upstream_cx_*` counters. Every outcome is a value; the socket is the caller's once returned.
 */
export class TcpConnector {
  readonly #context: TcpConnectorContext;
  readonly #open = new Set<Socket>();
  #destroyed = false;

  constructor(context: TcpConnectorContext) {
    this.#context = context;
  }

  connect(options: TcpConnectOptions = {}): Promise<TcpConnectResult> {
    const { stats, connections } = this.#context;
    // Taken before the attempt, so attempts in progress count and a burst cannot overshoot.
    if (!connections.take(false)) return Promise.resolve({ ok: false, flag: 'UO', endpoint: null, error: null });
    const endpoint = this.#context.pick(options.hashKey);
    if (endpoint === null) {
      connections.give();
      stats.upstream_cx_none_healthy++;
      return Promise.resolve({ ok: false, flag: 'UH', endpoint: null, error: null });
    }
    const address = this.#context.dialAddress(endpoint);
    if (address === null) {
      connections.give();
      stats.upstream_cx_connect_fail++;
      return Promise.resolve({ ok: false, flag: 'UF', endpoint, error: new Error(`${endpoint.address} has not resolved yet`) });
    }
    const tls = options.tls === false ? undefined : (options.tls ?? this.#context.tls);
    return this.#dial(endpoint, address, tls, options.signal, options.allowHalfOpen ?? true);
  }

  /** Destroys every connection this connector handed out that is still open. */
  destroyAll(): void {
    this.#destroyed = true;
    for (const socket of this.#open) socket.destroy();
  }

  #dial(endpoint: Endpoint, address: string, tls: ConnectionOptions | undefined, signal: AbortSignal | undefined, allowHalfOpen: boolean): Promise<TcpConnectResult> {
    const { stats, connectTimeoutMs } = this.#context;
    return new Promise<TcpConnectResult>((resolve) => {
      const socket =
        tls === undefined
          ? netConnect({ host: address, port: endpoint.port, allowHalfOpen })
          : tlsConnect({ ...tls, host: address, port: endpoint.port, ...(tls.servername === undefined && endpoint.hostname !== undefined ? { servername: endpoint.hostname } : {}) });
      let settled = false;
      const settle = (result: TcpConnectResult): void => {
        if (settled) return;
        settled = true;
        if (!result.ok) this.#context.connections.give();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const fail = (error: Error): void => {
        socket.destroy();
        stats.upstream_cx_connect_fail++;
        settle({ ok: false, flag: 'UF', endpoint, error });
      };
      const timer = setTimeout(() => {
        stats.upstream_cx_connect_timeout++;
        fail(new Error(`connect to ${endpointKey(endpoint)} timed out after ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      const onAbort = (): void => fail(signal?.reason instanceof Error ? signal.reason : new Error('connect aborted'));
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', fail);
      socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
        if (settled) return;
        // The cluster was destroyed while this connect was under way: nobody may use the socket.
        if (this.#destroyed) {
          fail(new Error('cluster destroyed while connecting'));
          return;
        }
        socket.off('error', fail);
        this.#track(socket, endpoint);
        settle({ ok: true, socket, endpoint });
      });
    });
  }

  #track(socket: Socket, endpoint: Endpoint): void {
    const { stats } = this.#context;
    const load = this.#context.loadOf(endpointKey(endpoint));
    stats.upstream_cx_total++;
    stats.upstream_cx_active++;
    load.active++;
    this.#open.add(socket);
    socket.once('close', () => {
      this.#open.delete(socket);
      this.#context.connections.give();
      stats.upstream_cx_active--;
      load.active--;
      stats.upstream_cx_rx_bytes_total += socket.bytesRead;
      stats.upstream_cx_tx_bytes_total += socket.bytesWritten;
    });
  }
}
