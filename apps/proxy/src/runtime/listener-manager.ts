import net from 'node:net';
import type { Socket } from 'node:net';
import { newCodecStats } from '@meshkit/filters';
import type { HttpConnectionManager, HttpConnectionManagerConfig } from '@meshkit/filters';
import { adoptAcceptedSocket } from '@meshkit/core';
import type { RouteTable } from '@meshkit/router';
import { ListenerBindError } from '../errors.js';
import type { Log } from '../log.js';
import { selectFilterChain } from '../listener/filter-chain-match.js';
import { inspectTls, RAW_BUFFER } from '../listener/tls-inspector.js';
import type { InspectedConnection } from '../listener/tls-inspector.js';
import type { FilterChainSpec } from '../xds/filter-chain-translator.js';
import type { ListenerSpec } from '../xds/listener-translator.js';
import { ActiveFilterChain, cachedPeerIdentity } from './active-filter-chain.js';

type RouteLookup = (name: string) => RouteTable | null;
/** What a listener must wait for before it serves (its RDS route configs), or undefined for nothing. */
export type ListenerWarming = (spec: ListenerSpec) => Promise<void> | undefined;

/** Envoy's `listener.<address>.*` connection stats. */
export class ListenerConnectionStats {
  downstream_cx_total = 0;
  downstream_cx_destroy = 0;
  downstream_cx_active = 0;
  /** Connections closed because no filter chain matched them. */
  no_filter_chain_match = 0;
}

/** A listener address as Envoy names it in stats: `127.0.0.1_8080`, `[__1]_8080`. */
export function listenerStatName(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}_${port}`.replaceAll(':', '_');
}

/** One bound listener: its socket server and its filter chains. */
export class ActiveListener {
  readonly chains = new Map<string, ActiveFilterChain>();
  /** Every connection accepted and not yet closed, whatever chain (if any) has it. */
  readonly sockets = new Set<Socket>();
  /** Resolves when the socket is bound; rejects with ListenerBindError when it cannot be. */
  bound: Promise<void> = Promise.resolve();
  /** Not bound yet: waiting for its route configs (Envoy's listener warming). */
  warming = false;
  /** While warming: what the latest version waits for; a newer version replaces it. */
  warmUntil: Promise<void> = Promise.resolve();
  /** An update waiting for its route configs while this spec keeps serving. */
  pendingSpec: ListenerSpec | undefined;
  /** Its address's connection stats, found at its first connection. */
  stats: ListenerConnectionStats | undefined;

  constructor(
    public spec: ListenerSpec,
    readonly server: net.Server,
  ) {}

  /** The port it is bound to, which for a listener configured on port 0 is the one it got. */
  get boundPort(): number {
    const bound = this.server.address();
    return typeof bound === 'object' && bound !== null ? bound.port : this.spec.port;
  }

  /** The connection managers of this listener's HTTP chains, for stats. */
  get hcms(): HttpConnectionManager[] {
    return [...this.chains.values()].flatMap((c) => (c.hcm === undefined ? [] : [c.hcm]));
  }
}

/** Settles when the warm-up of a listener's latest version has ended (newer versions may come meanwhile). */
async function latestWarmUp(listener: ActiveListener): Promise<void> {
  let awaited: Promise<void>;
  do {
    awaited = listener.warmUntil;
    await awaited;
  } while (awaited !== listener.warmUntil);
}

/** Undoes `pauseOnConnect`: reading, holding data until a reader comes, as net.Server leaves a socket by default. */
function startReading(socket: Socket): Socket {
  (socket as { readableFlowing: boolean | null }).readableFlowing = null;
  socket.read(0);
  return socket;
}

function chainSpecs(spec: ListenerSpec): FilterChainSpec[] {
  return spec.defaultFilterChain === undefined ? [...spec.filterChains] : [...spec.filterChains, spec.defaultFilterChain];
}

/**
 * Owns the proxy's listening sockets. An update keeps a listener's socket when its address is
 * unchanged and swaps its chains' config in place (new connections and streams see it, in-flight
 * ones keep theirs); chains and listeners that go away stop accepting and let open connections finish.
 */
export class ListenerManager {
  private readonly active = new Map<string, ActiveListener>();
  private readonly removing = new Set<ActiveListener>();
  /** Listeners `/drain_listeners` stopped: they stay stopped whatever LDS says. */
  private readonly stopped = new Set<string>();
  /** By listener address, so they outlive the listeners that come and go on it (as Envoy's stats do). */
  readonly connectionStats = new Map<string, ListenerConnectionStats>();
  /** Envoy's `http1.*` and `http2.*` codec counters, shared by every connection manager. */
  readonly codecStats = newCodecStats();

  constructor(private readonly log: Log) {}

  get listeners(): readonly ActiveListener[] {
    return [...this.active.values()];
  }

  /**
   * Applies the complete set of listeners (state of the world). `warmUntil` says what a listener
   * waits for before it serves: a new one binds only then, and an update to one keeps the current
   * chains serving until then (Envoy's listener warming). Resolves when new sockets are bound.
   */
  apply(specs: readonly ListenerSpec[], routeTable: RouteLookup, warmUntil?: ListenerWarming): Promise<void> {
    const wanted = new Set(specs.map((s) => s.name));
    for (const [name, listener] of this.active) {
      if (!wanted.has(name)) void this.remove(name, listener);
    }
    const binds: Promise<void>[] = [];
    for (const spec of specs) {
      if (this.stopped.has(spec.name)) continue;
      const current = this.active.get(spec.name);
      const warm = warmUntil?.(spec);
      const sameAddress = current !== undefined && current.spec.host === spec.host && current.spec.port === spec.port;
      if (sameAddress && current.warming) {
        // It has served nothing yet: the newer version is what binds, once its own warm-up ends.
        current.spec = spec;
        current.warmUntil = warm ?? Promise.resolve();
        binds.push(current.bound);
        continue;
      }
      if (sameAddress) {
        current.pendingSpec = warm === undefined ? undefined : spec;
        if (warm === undefined) this.updateChains(current, spec, routeTable);
        else void warm.then(() => this.finishUpdate(current, spec, routeTable));
        continue;
      }
      if (current !== undefined) void this.remove(spec.name, current);
      binds.push(this.create(spec, routeTable, warm).bound);
    }
    return Promise.all(binds).then(() => undefined);
  }

  /** A warmed update takes over, unless a later one (or a removal) came first. */
  private finishUpdate(listener: ActiveListener, spec: ListenerSpec, routeTable: RouteLookup): void {
    if (listener.pendingSpec !== spec || this.active.get(spec.name) !== listener) return;
    listener.pendingSpec = undefined;
    this.updateChains(listener, spec, routeTable);
  }

  /** Stops accepting everywhere and drains; resolves when every connection is gone. */
  async close(): Promise<void> {
    const closing = [...this.active].map(([name, listener]) => this.remove(name, listener));
    await Promise.all(closing);
  }

  /**
   * The admin's `/drain_listeners`: the chosen listeners stop accepting (after `graceDelayMs`,
   * during which their connections are already told to close) and later LDS updates do not
   * re-open them. Open connections finish as in any drain.
   */
  drainListeners(inboundOnly: boolean, graceDelayMs: number): void {
    for (const [name, listener] of this.active) {
      if (inboundOnly && listener.spec.trafficDirection !== 'INBOUND') continue;
      this.stopped.add(name);
      if (graceDelayMs <= 0) {
        void this.remove(name, listener);
        continue;
      }
      for (const chain of listener.chains.values()) chain.drain();
      setTimeout(() => void this.remove(name, listener), graceDelayMs).unref();
    }
  }

  /** Destroys every connection still open, on live and removed listeners alike (the end of a drain). */
  destroyConnections(): void {
    for (const listener of [...this.active.values(), ...this.removing]) for (const socket of listener.sockets) socket.destroy();
  }

  private hcmConfig(spec: ListenerSpec, chain: FilterChainSpec, routeTable: RouteLookup): HttpConnectionManagerConfig | undefined {
    if (chain.terminal.kind !== 'hcm') return undefined;
    const hcm = chain.terminal.hcm;
    const routes = hcm.routes;
    return {
      statPrefix: hcm.statPrefix,
      trafficDirection: spec.trafficDirection,
      filters: hcm.filters,
      routeTable: routes.kind === 'inline' ? () => routes.table : () => routeTable(routes.name),
      peerIdentity: cachedPeerIdentity,
      codecStats: this.codecStats,
      ...hcm.connection,
      ...(hcm.serverName === undefined ? {} : { serverName: hcm.serverName }),
    };
  }

  private updateChains(listener: ActiveListener, spec: ListenerSpec, routeTable: RouteLookup): void {
    const next = new Map<string, ActiveFilterChain>();
    for (const chain of chainSpecs(spec)) {
      const current = listener.chains.get(chain.key);
      const config = this.hcmConfig(spec, chain, routeTable);
      if (current !== undefined && current.canTake(chain)) {
        current.update(chain, config);
        next.set(chain.key, current);
      } else {
        next.set(chain.key, new ActiveFilterChain(chain, spec.name, config, this.log));
      }
    }
    for (const [key, chain] of listener.chains) if (next.get(key) !== chain) chain.drain();
    listener.chains.clear();
    for (const [key, chain] of next) listener.chains.set(key, chain);
    listener.spec = spec;
  }

  private create(spec: ListenerSpec, routeTable: RouteLookup, warm: Promise<void> | undefined): ActiveListener {
    // Half-open, so a TCP proxy can carry a client's FIN upstream while the answer still flows back.
    // TCP_NODELAY as Envoy sets it: a response written in two ticks must not wait on a delayed ACK.
    // Paused on accept, so a connection's handle can move to a socket with cheaper reads (onConnection).
    const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true });
    const listener = new ActiveListener(spec, server);
    this.active.set(spec.name, listener);
    server.on('connection', (socket: Socket) => this.onConnection(listener, socket));
    const bind = (): Promise<void> => {
      listener.warming = false;
      // Removed (or replaced) while it warmed: it never binds.
      if (this.active.get(spec.name) !== listener) return Promise.resolve();
      const latest = listener.spec;
      for (const chain of chainSpecs(latest)) listener.chains.set(chain.key, new ActiveFilterChain(chain, latest.name, this.hcmConfig(latest, chain, routeTable), this.log));
      return new Promise<void>((resolve, reject) => {
        server.once('error', (error: Error) => {
          // A listener that never bound is not active: /listeners must not show it as serving.
          if (this.active.get(spec.name) === listener) this.active.delete(spec.name);
          reject(new ListenerBindError(spec.name, `${spec.host}:${spec.port}`, error.message, { cause: error }));
        });
        server.listen({ host: spec.host, port: spec.port }, () => resolve());
      });
    };
    listener.warming = warm !== undefined;
    if (warm !== undefined) listener.warmUntil = warm;
    listener.bound = warm === undefined ? bind() : latestWarmUp(listener).then(bind);
    // apply() hands the failure to its caller; this keeps a listener nobody awaits from crashing the process.
    listener.bound.catch(() => undefined);
    return listener;
  }

  private statsOf(listener: ActiveListener): ListenerConnectionStats {
    if (listener.stats === undefined) {
      const name = listenerStatName(listener.spec.host, listener.boundPort);
      let stats = this.connectionStats.get(name);
      if (stats === undefined) this.connectionStats.set(name, (stats = new ListenerConnectionStats()));
      listener.stats = stats;
    }
    return listener.stats;
  }

  private onConnection(listener: ActiveListener, accepted: Socket): void {
    this.statsOf(listener).downstream_cx_total++;
    if (!listener.spec.inspectTls) {
      const chain = this.chooseChain(listener, accepted, RAW_BUFFER);
      if (chain === undefined) return;
      // HOT PATH: cleartext HTTP reads skip node's Readable machinery (about a twentieth of the proxy's cost per request).
      // Adopted, it stays paused until the connection manager has its readers on.
      const socket = chain.takesPlainHttp ? adoptAcceptedSocket(accepted, { noDelay: true }) : startReading(accepted);
      this.track(listener, socket);
      chain.accept(socket, '');
      return;
    }
    startReading(accepted);
    this.track(listener, accepted);
    // Until a chain owns it, a reset from the client must not become an unhandled 'error'.
    const onError = (): void => void accepted.destroy();
    accepted.on('error', onError);
    void inspectTls(accepted, listener.spec.listenerFiltersTimeoutMs).then((inspected) => {
      accepted.off('error', onError);
      if (inspected === null || accepted.destroyed) {
        accepted.destroy();
        return;
      }
      if (inspected === 'timeout' && !listener.spec.continueOnListenerFiltersTimeout) {
        accepted.destroy();
        return;
      }
      const connection = inspected === 'timeout' ? RAW_BUFFER : inspected;
      this.chooseChain(listener, accepted, connection)?.accept(accepted, connection.serverName);
    });
  }

  private track(listener: ActiveListener, socket: Socket): void {
    listener.sockets.add(socket);
    const stats = this.statsOf(listener);
    stats.downstream_cx_active++;
    socket.once('close', () => {
      listener.sockets.delete(socket);
      stats.downstream_cx_active--;
      stats.downstream_cx_destroy++;
    });
  }

  /** The filter chain for a connection; when none matches, the connection is closed. */
  private chooseChain(listener: ActiveListener, socket: Socket, inspected: InspectedConnection): ActiveFilterChain | undefined {
    const chains = [...listener.chains.values()].filter((c) => c.spec.key !== 'default');
    const input = { ...inspected, destinationPort: socket.localPort ?? listener.spec.port };
    const chosen = selectFilterChain(chains.map((c) => ({ match: c.spec.match, chain: c })), input)?.chain ?? listener.chains.get('default');
    if (chosen === undefined) {
      this.statsOf(listener).no_filter_chain_match++;
      this.log(`listener ${listener.spec.name}: no filter chain matches a connection from ${socket.remoteAddress ?? ''} (sni '${inspected.serverName}')`, 'debug');
      socket.destroy();
    }
    return chosen;
  }

  /** Stops accepting, drains the listener's chains, and resolves when its connections are gone. */
  private remove(name: string, listener: ActiveListener): Promise<void> {
    if (this.active.get(name) === listener) this.active.delete(name);
    this.removing.add(listener);
    return new Promise((resolve) => {
      listener.server.close(() => {
        this.removing.delete(listener);
        resolve();
      });
      for (const chain of listener.chains.values()) chain.drain();
    });
  }
}
