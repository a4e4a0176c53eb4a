import type { HttpFilterRegistry, NetworkFilterRegistry } from '@meshkit/filters';
import type { RouteTable } from '@meshkit/router';
import { Cluster, ClusterManager } from '@meshkit/upstream';
import type { Endpoint } from '@meshkit/upstream';
import { clusterOptions } from '../xds/cluster-options.js';
import { translateCluster } from '../xds/cluster-translator.js';
import type { ClusterSpec } from '../xds/cluster-translator.js';
import type { FieldOrigin } from '../xds/fields.js';
import { translateClusterLoadAssignment } from '../xds/endpoint-translator.js';
import { translateListener } from '../xds/listener-translator.js';
import type { ListenerSpec, RouteSource } from '../xds/listener-translator.js';
import { translateRouteConfiguration } from '../xds/route-translator.js';
import type { SecretSource } from '../xds/transport-socket.js';
import { FirstArrivals } from './first-arrivals.js';
import { ListenerManager } from './listener-manager.js';
import { ResourceError } from '../errors.js';
import type { Log } from '../log.js';

export interface ResourceRecord {
  readonly version: string;
  readonly resource: unknown;
  /** From the bootstrap (`static_resources`) rather than from xDS. */
  readonly isStatic: boolean;
}

/** Refuses an update naming two resources alike: which one would win is undefined, so neither does. */
function refuseDuplicates(kind: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new ResourceError(`${kind} ${name}`, 'name', 'two resources in the update have this name');
    seen.add(name);
  }
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
  /**
   * Whether ADS will bring route configs. Then static listeners warm for theirs too (Envoy's
   * server initialization waits for them); without it nothing would ever come.
   */
  routesFromAds = false;
  /** Route configs listeners (and updates to them) warm for. */
  private readonly routeArrivals = new FirstArrivals();
  /** Endpoint assignments new EDS clusters warm for, by EDS resource name. */
  private readonly assignmentArrivals = new FirstArrivals();
  private staticListeners: readonly unknown[] = [];
  private staticListenerOrigin: ((index: number) => FieldOrigin) | undefined;
  /** What was applied, by type, for /config_dump. */
  readonly applied = {
    clusters: new Map<string, ResourceRecord>(),
    /** CDS clusters still warming: they take over from the active one of their name once warm. */
    warmingClusters: new Map<string, ResourceRecord>(),
    listeners: new Map<string, ResourceRecord>(),
    routes: new Map<string, ResourceRecord>(),
    endpoints: new Map<string, ResourceRecord>(),
  };

  constructor(
    private readonly secrets: SecretSource,
    private readonly httpFilters: HttpFilterRegistry,
    log: Log,
    private readonly networkFilters?: NetworkFilterRegistry,
  ) {
    this.listenerManager = new ListenerManager(log);
  }

  routeTable = (name: string): RouteTable | null => this.routeTables.get(name) ?? null;

  /**
   * Applies clusters; `dynamic` updates are the complete set (clusters missing from it go).
   * `placeOf` names where a static cluster sits in the bootstrap, for errors.
   */
  applyClusters(resources: readonly unknown[], version: string, origin: 'static' | 'dynamic', placeOf?: (index: number) => FieldOrigin): void {
    const specs = resources.map((r, i) => translateCluster(r, this.secrets, placeOf?.(i)));
    refuseDuplicates('Cluster', specs.map((s) => s.name));
    const wanted = new Set(specs.map((s) => s.name));
    if (origin === 'dynamic') {
      const clash = specs.find((s) => this.staticClusters.has(s.name));
      if (clash !== undefined) throw new ResourceError(`Cluster ${clash.name}`, 'name', 'a static cluster of the bootstrap has this name');
    }
    const built = this.buildChangedClusters(specs, placeOf);
    if (origin === 'dynamic') {
      for (const name of [...this.clusterSpecs.keys()]) {
        if (this.staticClusters.has(name) || wanted.has(name)) continue;
        this.clusterSpecs.delete(name);
        this.applied.clusters.delete(name);
        this.applied.warmingClusters.delete(name);
        this.clusters.remove(name);
      }
    }
    for (const spec of specs) {
      const record: ResourceRecord = { version, resource: spec.source, isStatic: origin === 'static' };
      const cluster = built.get(spec.name);
      if (cluster === undefined) {
        // Unchanged: only the version moves, wherever the cluster is.
        (this.applied.warmingClusters.has(spec.name) ? this.applied.warmingClusters : this.applied.clusters).set(spec.name, record);
        continue;
      }
      this.clusterSpecs.set(spec.name, spec);
      if (origin === 'static') {
        // Static clusters warm before the listeners start (the proxy waits for them).
        this.staticClusters.add(spec.name);
        this.applied.clusters.set(spec.name, record);
        this.clusters.set(spec.name, cluster);
      } else {
        this.applied.warmingClusters.set(spec.name, record);
        void this.clusters.setWhenWarm(spec.name, cluster, this.firstAssignment(spec)).then((tookOver) => tookOver && this.markActive(spec.name));
      }
    }
  }

  /**
   * For an EDS cluster with no assignment yet: settles when EDS delivers one, or when
   * `initial_fetch_timeout` ends (then it serves with none, as Envoy's does).
   */
  private firstAssignment(spec: ClusterSpec): Promise<void> | undefined {
    const edsName = spec.edsServiceName;
    if (edsName === undefined || this.lastEndpoints.has(edsName)) return undefined;
    return this.assignmentArrivals.wait(edsName, spec.edsInitialFetchTimeoutMs);
  }

  private markActive(name: string): void {
    const record = this.applied.warmingClusters.get(name);
    if (record === undefined) return;
    this.applied.warmingClusters.delete(name);
    this.applied.clusters.set(name, record);
  }

  /**
   * A new `Cluster` for each spec that changed, built before anything is swapped in: if upstream
   * refuses one (say, two endpoints alike), the others are destroyed and the update is NACKed whole.
   */
  private buildChangedClusters(specs: readonly ClusterSpec[], placeOf?: (index: number) => FieldOrigin): Map<string, Cluster> {
    const built = new Map<string, Cluster>();
    specs.forEach((spec, i) => {
      const current = this.clusterSpecs.get(spec.name);
      if (current !== undefined && sameJson(current.source, spec.source)) return;
      try {
        const cluster = new Cluster(clusterOptions(spec));
        built.set(spec.name, cluster);
        // A changed EDS cluster keeps serving the endpoints it had until EDS says otherwise.
        const endpoints = spec.type === 'EDS' ? this.lastEndpoints.get(spec.edsServiceName ?? spec.name) : spec.endpoints;
        if (endpoints !== undefined) cluster.setEndpoints(endpoints);
      } catch (error) {
        for (const cluster of built.values()) void cluster.destroy().catch(() => undefined);
        const field = (error as { code?: unknown }).code === 'MESHKIT_UPSTREAM_INVALID_ENDPOINT' ? 'load_assignment' : '';
        const place = placeOf?.(i);
        const reason = (error as Error).message;
        if (place === undefined) throw new ResourceError(`Cluster ${spec.name}`, field || '(root)', reason, { cause: error });
        throw place.makeError(place.resource, [place.path, field].filter(Boolean).join('.') || '(root)', reason, error);
      }
    });
    return built;
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
      this.applied.endpoints.set(clusterName, {
        version,
        resource: resources[assignments.findIndex((a) => a.clusterName === clusterName)],
        isStatic: false,
      });
      for (const spec of this.clusterSpecs.values()) {
        if (spec.edsServiceName !== clusterName) continue;
        this.clusters.get(spec.name)?.setEndpoints(endpoints);
        this.clusters.warming(spec.name)?.setEndpoints(endpoints);
      }
      this.assignmentArrivals.arrived(clusterName);
    }
  }

  /**
   * Applies listeners: `static` ones (from the bootstrap) stay; a `dynamic` update is the complete
   * LDS set. Resolves when new sockets are bound.
   */
  applyListeners(
    resources: readonly unknown[],
    version: string,
    origin: 'static' | 'dynamic' = 'dynamic',
    placeOf?: (index: number) => FieldOrigin,
  ): Promise<void> {
    if (origin === 'static') {
      this.staticListeners = resources;
      this.staticListenerOrigin = placeOf;
    }
    // Static listeners are applied before CDS has said anything, so only LDS ones are held to the cluster list.
    const context = { secrets: this.secrets, httpFilters: this.httpFilters, networkFilters: this.networkFilters };
    const checked = { ...context, clusterNames: new Set(this.clusterSpecs.keys()) };
    const statics = this.staticListeners.map((r, i) => translateListener(r, context, this.staticListenerOrigin?.(i)));
    const specs: ListenerSpec[] = origin === 'static' ? statics : [...statics, ...resources.map((r) => translateListener(r, checked))];
    refuseDuplicates('Listener', specs.map((s) => s.name));
    this.applied.listeners.clear();
    specs.forEach((spec, i) => {
      const isStatic = i < statics.length;
      this.applied.listeners.set(spec.name, { version: isStatic ? 'static' : version, resource: spec.source, isStatic });
    });
    // Listeners warm until the route configs they name arrive.
    const warming = origin === 'dynamic' || this.routesFromAds ? (spec: ListenerSpec) => this.routesArrived(spec) : undefined;
    return this.listenerManager.apply(specs, this.routeTable, warming);
  }

  /**
   * Settles once every RDS route config `spec` names has arrived, each waited for at most its
   * `initial_fetch_timeout` (Envoy's); undefined when nothing is missing.
   */
  private routesArrived(spec: ListenerSpec): Promise<void> | undefined {
    const missing = rdsSources(spec).filter((source) => !this.routeTables.has(source.name));
    if (missing.length === 0) return undefined;
    return Promise.all(missing.map((source) => this.routeArrivals.wait(source.name, source.initialFetchTimeoutMs))).then(() => undefined);
  }

  /** The RDS resource names the current listeners, and the updates warming for them, need. */
  routeResourceNames(): string[] {
    const names = new Set<string>();
    for (const { spec, pendingSpec } of this.listenerManager.listeners) {
      for (const source of [...rdsSources(spec), ...(pendingSpec === undefined ? [] : rdsSources(pendingSpec))]) names.add(source.name);
    }
    return [...names].sort();
  }

  applyRoutes(resources: readonly unknown[], version: string): void {
    const clusters = new Set(this.clusterSpecs.keys());
    const compiled = resources.map((r) => ({ ...translateRouteConfiguration(r, undefined, clusters), resource: r }));
    refuseDuplicates('RouteConfiguration', compiled.map((c) => c.name));
    for (const { name, table, resource } of compiled) {
      this.routeTables.set(name, table);
      this.applied.routes.set(name, { version, resource, isStatic: false });
    }
    for (const { name } of compiled) this.routeArrivals.arrived(name);
  }

  async close(): Promise<void> {
    await this.listenerManager.close();
    await this.clusters.close();
  }
}

/** The RDS route configs a listener's connection managers name. */
function rdsSources(spec: ListenerSpec): Extract<RouteSource, { kind: 'rds' }>[] {
  const sources: Extract<RouteSource, { kind: 'rds' }>[] = [];
  for (const chain of [...spec.filterChains, ...(spec.defaultFilterChain === undefined ? [] : [spec.defaultFilterChain])]) {
    if (chain.terminal.kind === 'hcm' && chain.terminal.hcm.routes.kind === 'rds') sources.push(chain.terminal.hcm.routes);
  }
  return sources;
}
