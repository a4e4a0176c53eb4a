import net from 'node:net';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { HttpConnectionManager } from '@meshkit/filters';
import type { HttpConnectionManagerConfig } from '@meshkit/filters';
import { peerSpiffeId, verifyClientSpiffeId } from '@meshkit/identity';
import type { AllowedSpiffeIds } from '@meshkit/identity';
import type { RouteTable } from '@meshkit/router';
import { ListenerBindError } from '../errors.js';
import type { ListenerSpec } from '../xds/listener-translator.js';

type Server = net.Server | tls.Server;

/** One bound listener: its socket server and the connection manager behind it. */
export interface ActiveListener {
  readonly spec: ListenerSpec;
  readonly hcm: HttpConnectionManager;
  readonly server: Server;
  /** Resolves when the socket is bound; rejects with ListenerBindError when it cannot be. */
  readonly bound: Promise<void>;
}

const peerIds = new WeakMap<Socket, string | null>();

/** The SPIFFE ID a downstream proved, computed once per connection. */
function cachedPeerIdentity(socket: Socket): string | null {
  let id = peerIds.get(socket);
  if (id === undefined) {
    id = peerSpiffeId(socket as TLSSocket);
    peerIds.set(socket, id);
  }
  return id;
}

function sameSocket(a: ListenerSpec, b: ListenerSpec): boolean {
  return a.host === b.host && a.port === b.port && (a.tls === undefined) === (b.tls === undefined);
}

/**
 * Owns the proxy's listening sockets. An update keeps a listener's socket when its address is
 * unchanged and swaps its config in place (new streams see it, in-flight streams keep theirs);
 * removed listeners stop accepting and let open connections finish.
 */
export class ListenerManager {
  private readonly active = new Map<string, ActiveListener>();
  private readonly allowedClients = new WeakMap<Server, AllowedSpiffeIds | undefined>();

  constructor(private readonly log: (message: string) => void) {}

  get listeners(): readonly ActiveListener[] {
    return [...this.active.values()];
  }

  /** Applies the complete set of listeners (state of the world). */
  apply(specs: readonly ListenerSpec[], routeTable: (name: string) => RouteTable | null): Promise<void> {
    const wanted = new Set(specs.map((s) => s.name));
    for (const [name, listener] of this.active) {
      if (!wanted.has(name)) void this.remove(name, listener);
    }
    const binds: Promise<void>[] = [];
    for (const spec of specs) {
      const config = this.hcmConfig(spec, routeTable);
      const current = this.active.get(spec.name);
      if (current !== undefined && sameSocket(current.spec, spec)) {
        current.hcm.update(config);
        if (spec.tls !== undefined) {
          (current.server as tls.Server).setSecureContext(spec.tls.options);
          this.allowedClients.set(current.server, spec.tls.allowedClients);
        }
        this.active.set(spec.name, { ...current, spec });
        continue;
      }
      if (current !== undefined) void this.remove(spec.name, current);
      const listener = this.create(spec, new HttpConnectionManager(config));
      this.active.set(spec.name, listener);
      binds.push(listener.bound);
    }
    return Promise.all(binds).then(() => undefined);
  }

  /** Stops accepting everywhere; open connections finish, idle ones close. */
  async close(): Promise<void> {
    const closing = [...this.active].map(([name, listener]) => this.remove(name, listener));
    await Promise.all(closing);
  }

  private hcmConfig(spec: ListenerSpec, routeTable: (name: string) => RouteTable | null): HttpConnectionManagerConfig {
    const routes = spec.hcm.routes;
    return {
      statPrefix: spec.hcm.statPrefix,
      trafficDirection: spec.trafficDirection,
      filters: spec.hcm.filters,
      routeTable: routes.kind === 'inline' ? () => routes.table : () => routeTable(routes.name),
      peerIdentity: cachedPeerIdentity,
      ...spec.hcm.connection,
      ...(spec.hcm.serverName === undefined ? {} : { serverName: spec.hcm.serverName }),
    };
  }

  private create(spec: ListenerSpec, hcm: HttpConnectionManager): ActiveListener {
    let server: Server;
    if (spec.tls === undefined) {
      server = net.createServer((socket) => hcm.acceptConnection(socket));
    } else {
      const tlsServer = tls.createServer(spec.tls.options, (socket: TLSSocket) => {
        const allowed = this.allowedClients.get(tlsServer);
        const verdict = allowed === undefined ? undefined : verifyClientSpiffeId(socket, allowed);
        if (verdict?.ok === false) {
          this.log(`listener ${spec.name}: rejected client ${socket.remoteAddress ?? ''}: ${verdict.error.message}`);
          socket.destroy();
          return;
        }
        hcm.acceptConnection(socket);
      });
      // A failed handshake concerns one client, never the listener.
      tlsServer.on('tlsClientError', (_error, socket: TLSSocket) => socket.destroy());
      this.allowedClients.set(tlsServer, spec.tls.allowedClients);
      server = tlsServer;
    }
    const bound = new Promise<void>((resolve, reject) => {
      server.once('error', (error: Error) => {
        // A listener that never bound is not active: /listeners must not show it as serving.
        if (this.active.get(spec.name)?.server === server) this.active.delete(spec.name);
        reject(new ListenerBindError(spec.name, `${spec.host}:${spec.port}`, error.message, { cause: error }));
      });
      server.listen({ host: spec.host, port: spec.port }, () => resolve());
    });
    // apply() hands the failure to its caller; this keeps a listener nobody awaits from crashing the process.
    bound.catch(() => undefined);
    return { spec, hcm, server, bound };
  }

  /** Stops accepting, drains the listener's connections, and resolves when they are gone. */
  private remove(name: string, listener: ActiveListener): Promise<void> {
    this.active.delete(name);
    return new Promise((resolve) => {
      listener.server.close(() => resolve());
      listener.hcm.drainConnections();
    });
  }
}
