import type { AddressInfo } from 'node:net';
import { HttpFilterRegistry, NetworkFilterRegistry, networkRbacFilterFactory } from '@meshkit/filters';
import type { HttpFilterFactory } from '@meshkit/filters';
import { istioStatsFilterFactory, metadataExchangeFilterFactory, routerFilterFactory, tcpProxyFilterFactory } from '@meshkit/filters/builtin';
import type { LocalPeer } from '@meshkit/filters/builtin';
import { IstioMetrics } from '@meshkit/telemetry';
import { AdsClient } from '@meshkit/xds';
import { closeAdminServer, startAdminServer } from './admin/admin-server.js';
import { localAdminSource } from './admin/admin-source.js';
import type { AdminSource } from './admin/admin-source.js';
import { ProxyMetrics } from './admin/metrics.js';
import { IdentityAgent } from './agent/identity-agent.js';
import { expectsIdentity, staticResourceOrigin } from './bootstrap/bootstrap.js';
import type { Bootstrap } from './bootstrap/bootstrap.js';
import { HealthCheckState, healthCheckFilterFactory } from './filters/health-check-filter.js';
import type { Log } from './log.js';
import { ProxyRuntime } from './runtime/proxy-runtime.js';
import { subscribeToAds } from './runtime/ads-subscriptions.js';

/** How long a drain lets open connections finish before closing them (Envoy's `--drain-time-s`; ours defaults to 5 s). */
export const DEFAULT_DRAIN_TIME_MS = 5000;

export interface ProxyOptions {
  /** Overrides `admin.address.socket_address.port_value` (0 picks a free port). */
  readonly adminPort?: number;
  readonly log?: Log;
  /** On `close()`: how long in-flight requests and connections get before they are closed. Default 5000. */
  readonly drainTimeMs?: number;
  /**
   * Custom HTTP filters, registered beside the built-in ones: a bootstrap or xDS `http_filters`
   * entry whose `@type` (or TypedStruct `type_url`) is a factory's `typeName` runs that filter.
   */
  readonly httpFilters?: readonly HttpFilterFactory[];
  /** False: no admin server of its own (a `--concurrency` worker, whose primary serves the admin API). Default true. */
  readonly serveAdmin?: boolean;
  /** Which `--concurrency` worker this proxy is, for its per-worker stats. Default 0. */
  readonly workerIndex?: number;
}

export interface RunningProxy {
  readonly adminAddress: AddressInfo | undefined;
  readonly runtime: ProxyRuntime;
  readonly identity: IdentityAgent | undefined;
  /** What the admin API shows and does, served or not. */
  readonly admin: AdminSource;
  /**
   * Resolves once the first configuration is applied and its listeners are bound; rejects when a
   * static listener that waited for its routes from ADS cannot bind.
   */
  readonly ready: Promise<void>;
  /** Resolves once the proxy has shut down, by `close()` or by the admin `POST /quitquitquit`. */
  readonly closed: Promise<void>;
  /**
   * Drains: stops accepting, lets in-flight requests finish (HTTP/1.1 with `connection: close`,
   * HTTP/2 with GOAWAY) for at most the drain time, closes what is left, then closes the
   * control-plane stream and the clusters.
   */
  close(): Promise<void>;
  /** True from the start of `close()`: the admin `/ready` then answers 503 DRAINING. */
  readonly draining: boolean;
}

const stringMap = (value: unknown): Record<string, string> =>
  typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])) : {};

function localPeerOf(bootstrap: Bootstrap): LocalPeer {
  const meta = bootstrap.node.metadata;
  const labels = stringMap(meta['LABELS']);
  const text = (key: string): string | undefined => (typeof meta[key] === 'string' ? meta[key] : undefined);
  return {
    nodeId: bootstrap.node.id,
    trustDomain: 'cluster.local',
    metadata: {
      workloadName: text('WORKLOAD_NAME') ?? bootstrap.node.id,
      namespace: text('NAMESPACE') ?? 'default',
      labels,
      ...(text('SERVICE_ACCOUNT') === undefined ? {} : { serviceAccount: text('SERVICE_ACCOUNT') as string }),
      ...(text('CLUSTER_ID') === undefined ? {} : { clusterId: text('CLUSTER_ID') as string }),
      ...(labels['app'] === undefined ? {} : { app: labels['app'] }),
      ...(labels['version'] === undefined ? {} : { version: labels['version'] }),
    },
  };
}

/** The address of the static cluster ADS goes through (also the CA's, as with istiod). */
function controlPlaneAddress(bootstrap: Bootstrap, runtime: ProxyRuntime): string | undefined {
  if (bootstrap.adsCluster === undefined) return undefined;
  const cluster = runtime.clusters.get(bootstrap.adsCluster);
  const endpoint = cluster?.endpoints[0];
  if (endpoint === undefined) {
    throw bootstrap.makeError(bootstrap.source, 'dynamic_resources.ads_config', `static cluster '${bootstrap.adsCluster}' with one endpoint is required`);
  }
  return `${endpoint.address}:${endpoint.port}`;
}

/** Starts a proxy from a parsed bootstrap. */
export async function startProxy(bootstrap: Bootstrap, options: ProxyOptions = {}): Promise<RunningProxy> {
  const log: Log = options.log ?? ((message, level = 'info') => process.stderr.write(`[proxy] [${level}] ${message}\n`));
  const drainTimeMs = options.drainTimeMs ?? DEFAULT_DRAIN_TIME_MS;
  const metrics = new ProxyMetrics();
  const local = localPeerOf(bootstrap);
  const secrets: { identity: IdentityAgent['identity'] | undefined } = { identity: undefined };
  const registry = new HttpFilterRegistry();
  const health = new HealthCheckState();
  const networkFilters = new NetworkFilterRegistry();
  const runtime = new ProxyRuntime(secrets, registry, log, networkFilters);
  networkFilters.register(tcpProxyFilterFactory(runtime.clusters)).register(networkRbacFilterFactory());
  registry
    .register(routerFilterFactory(runtime.clusters))
    .register(metadataExchangeFilterFactory(local))
    .register(istioStatsFilterFactory(local, new IstioMetrics(metrics.meter)))
    .register(healthCheckFilterFactory(health));
  for (const factory of options.httpFilters ?? []) registry.register(factory);

  // The ADS cluster is static; applying it first tells us where the control plane is.
  runtime.applyClusters(bootstrap.staticClusters, 'static', 'static', (i) => staticResourceOrigin(bootstrap, 'clusters', i));
  const controlPlane = controlPlaneAddress(bootstrap, runtime);

  let markReady: () => void = () => {};
  let failReady: (error: unknown) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  let isReady = false;
  ready.then(
    () => (isReady = true),
    () => undefined,
  );
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  let agent: IdentityAgent | undefined;
  let client: AdsClient | undefined;
  let admin: Awaited<ReturnType<typeof startAdminServer>> | undefined;
  let closing: Promise<void> | undefined;
  const adminSource = localAdminSource({
    bootstrap: bootstrap.document,
    runtime,
    metrics,
    health,
    workerIndex: options.workerIndex ?? 0,
    identity: () => secrets.identity,
    isReady: () => isReady,
    isDraining: () => closing !== undefined,
    drainListeners: (inboundOnly, graceful) => runtime.listenerManager.drainListeners(inboundOnly, graceful ? drainTimeMs : 0),
    // The process (main.ts) decides to exit once `closed` resolves; an embedding caller keeps running.
    quit: () => void close(),
  });
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      log(`draining for at most ${drainTimeMs} ms`);
      // Listeners close first: the control plane must not re-open what the drain is closing.
      const drained = runtime.listenerManager.close();
      let deadline: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(true), drainTimeMs)));
      if (await Promise.race([drained.then(() => false), timedOut])) {
        log('drain time is over; closing the connections still open', 'warn');
        runtime.listenerManager.destroyConnections();
        await drained;
      }
      clearTimeout(deadline);
      client?.close();
      await runtime.close();
      if (admin !== undefined) await closeAdminServer(admin.server);
      await metrics.shutdown();
      markClosed();
    })());

  try {
    if (controlPlane !== undefined && expectsIdentity(bootstrap)) {
      const meta = bootstrap.node.metadata;
      agent = await IdentityAgent.start({ caAddress: controlPlane, namespace: String(meta['NAMESPACE']), serviceAccount: String(meta['SERVICE_ACCOUNT']) });
      secrets.identity = agent.identity;
      log(`identity ${agent.spiffeId} issued by the control plane`);
    }
    // The admin API is up first: during warming its /ready answers 503 PRE_INITIALIZING, as Envoy's does.
    if (bootstrap.admin !== undefined && options.serveAdmin !== false) {
      admin = await startAdminServer(bootstrap.admin.host, options.adminPort ?? bootstrap.admin.port, adminSource);
    }
    // Envoy's cluster warming: listeners start once the static clusters' hostnames have each been
    // resolved once and their members checked once, so the first requests meet members and verdicts.
    await Promise.all([...runtime.clusters].map(([, cluster]) => cluster.whenWarm()));
    runtime.routesFromAds = controlPlane !== undefined;
    const staticListeners = runtime.applyListeners(bootstrap.staticListeners, 'static', 'static', (i) => staticResourceOrigin(bootstrap, 'listeners', i));
    if (controlPlane === undefined) {
      await staticListeners;
      markReady();
    } else {
      // Static listeners that name RDS route configs bind once ADS brings them, so this does not
      // wait for them: a bind failure then fails `ready`, as one from LDS would hold it back.
      staticListeners.catch(failReady);
      client = new AdsClient({ address: controlPlane, node: bootstrap.node });
      subscribeToAds(client, runtime, bootstrap.initialFetchTimeoutMs, () => void staticListeners.then(markReady, () => undefined), log);
      client.start();
    }
  } catch (error) {
    // Whatever was bound or opened before the failure goes, so a failed start leaves nothing behind.
    await close();
    throw error;
  }

  return {
    adminAddress: admin?.address,
    runtime,
    identity: agent,
    admin: adminSource,
    ready,
    closed,
    close,
    get draining() {
      return closing !== undefined;
    },
  };
}
