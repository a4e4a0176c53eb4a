import type { HttpFilterRegistry } from '@meshkit/filters';
import type { RouteTable } from '@meshkit/router';
import { Cluster, ClusterManager } from '@meshkit/upstream';
import type { Endpoint } from '@meshkit/upstream';
import { translateCluster } from '../xds/cluster-translator.js';
import type { ClusterSpec } from '../xds/cluster-translator.js';
import { translateClusterLoadAssignment } from '../xds/endpoint-translator.js';
import { translateListener } from '../xds/listener-translator.js';
import type { ListenerSpec } from '../xds/listener-translator.js';
import { translateRouteConfiguration } from '../xds/route-translator.js';
import type { SecretSource } from '../xds/transport-socket.js';
import { ListenerManager } from './listener-manager.js';

export interface ResourceRecord {
  readonly version: string;
  readonly resource: unknown;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The proxy's live configuration. Each `apply*` translates the whole update first and throws
 * (NACK) before touching anything if one resource is bad; only then is the new state swapped in.
 */
export class ProxyRuntime {
  readonly clusters = new ClusterManager();
  readonly listenerManager: ListenerManager;
  private readonly clusterSpecs = new Map<string, ClusterSpec>();
  private readonly staticClusters = new Set<string>();
  private readonly routeTables = new Map<string, RouteTable>();
  private readonly lastEndpoints = new Map<string, readonly Endpoint[]>();
  private staticListeners: readonly unknown[] = [];
  /** What was applied, by type, for /config_dump. */
  readonly applied = {
    clusters: new Map<string, ResourceRecord>(),
    listeners: new Map<string, ResourceRecord>(),
    routes: new Map<string, ResourceRecord>(),
    endpoints: new Map<string, ResourceRecord>(),
  };

  constructor(
    private readonly secrets: SecretSource,
    private readonly httpFilters: HttpFilterRegistry,
    log: (message: string) => void,
  ) {
    this.listenerManager = new ListenerManager(log);
  }

  routeTable = (name: string): RouteTable | null => this.routeTables.get(name) ?? null;

  /** Applies clusters; `dynamic` updates are the complete set (clusters missing from it go). */
  applyClusters(resources: readonly unknown[], version: string, origin: 'static' | 'dynamic'): void {
    const specs = resources.map((r) => translateCluster(r, this.secrets));
    const wanted = new Set(specs.map((s) => s.name));
    if (origin === 'dynamic') {
      for (const name of [...this.clusterSpecs.keys()]) {
        if (this.staticClusters.has(name) || wanted.has(name)) continue;
        this.clusterSpecs.delete(name);
        this.applied.clusters.delete(name);
        this.clusters.remove(name);
      }
    }
    for (const spec of specs) {
      if (origin === 'static') this.staticClusters.add(spec.name);
      this.applied.clusters.set(spec.name, { version, resource: spec.source });
      const current = this.clusterSpecs.get(spec.name);
      if (current !== undefined && sameJson(current.source, spec.source)) continue;
      const cluster = new Cluster({
        name: spec.name,
        connectTimeoutMs: spec.connectTimeoutMs,
        ...(spec.tls === undefined ? {} : { tls: spec.tls }),
      });
      // A changed EDS cluster keeps serving the endpoints it had until EDS says otherwise.
      const endpoints = spec.type === 'STATIC' ? spec.endpoints : this.lastEndpoints.get(spec.edsServiceName ?? spec.name);
      if (endpoints !== undefined) cluster.setEndpoints(endpoints);
      this.clusterSpecs.set(spec.name, spec);
      this.clusters.set(spec.name, cluster);
    }
  }

  /** The EDS resource names the current clusters need. */
  edsResourceNames(): string[] {
    const names = new Set<string>();
    for (const spec of this.clusterSpecs.values()) if (spec.edsServiceName !== undefined) names.add(spec.edsServiceName);
    return [...names].sort();
  }

  applyEndpoints(resources: readonly unknown[], version: string): void {
    const assignments = resources.map(translateClusterLoadAssignment);
    for (const { clusterName, endpoints } of assignments) {
      this.lastEndpoints.set(clusterName, endpoints);
      this.applied.endpoints.set(clusterName, { version, resource: resources[assignments.findIndex((a) => a.clusterName === clusterName)] });
      for (const spec of this.clusterSpecs.values()) {
        if (spec.edsServiceName === clusterName) this.clusters.get(spec.name)?.setEndpoints(endpoints);
      }
    }
  }

  /**
   * Applies listeners: `static` ones (from the bootstrap) stay; a `dynamic` update is the complete
   * LDS set. Resolves when new sockets are bound.
   */
  applyListeners(resources: readonly unknown[], version: string, origin: 'static' | 'dynamic' = 'dynamic'): Promise<void> {
    if (origin === 'static') this.staticListeners = resources;
    const all = origin === 'static' ? resources : [...this.staticListeners, ...resources];
    const specs: ListenerSpec[] = all.map((r) => translateListener(r, { secrets: this.secrets, httpFilters: this.httpFilters }));
    this.applied.listeners.clear();
    for (const spec of specs) this.applied.listeners.set(spec.name, { version, resource: spec.source });
    return this.listenerManager.apply(specs, this.routeTable);
  }

  /** The RDS resource names the current listeners need. */
  routeResourceNames(): string[] {
    const names = new Set<string>();
    for (const { spec } of this.listenerManager.listeners) if (spec.hcm.routes.kind === 'rds') names.add(spec.hcm.routes.name);
    return [...names].sort();
  }

  applyRoutes(resources: readonly unknown[], version: string): void {
    const compiled = resources.map((r) => ({ ...translateRouteConfiguration(r), resource: r }));
    for (const { name, table, resource } of compiled) {
      this.routeTables.set(name, table);
      this.applied.routes.set(name, { version, resource });
    }
  }

  async close(): Promise<void> {
    await this.listenerManager.close();
    await this.clusters.close();
  }
}
