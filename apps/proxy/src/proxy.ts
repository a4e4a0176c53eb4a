import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpFilterRegistry, NetworkFilterRegistry, networkRbacFilterFactory } from '@meshkit/filters';
import { istioStatsFilterFactory, metadataExchangeFilterFactory, routerFilterFactory, tcpProxyFilterFactory } from '@meshkit/filters/builtin';
import type { LocalPeer } from '@meshkit/filters/builtin';
import { IstioMetrics } from '@meshkit/telemetry';
import { AdsClient } from '@meshkit/xds';
import { startAdminServer } from './admin/admin-server.js';
import { ProxyMetrics } from './admin/metrics.js';
import { IdentityAgent } from './agent/identity-agent.js';
import { expectsIdentity, staticResourceOrigin } from './bootstrap/bootstrap.js';
import type { Bootstrap } from './bootstrap/bootstrap.js';
import { BootstrapError } from './errors.js';
import { ProxyRuntime } from './runtime/proxy-runtime.js';
import { subscribeToAds } from './runtime/ads-subscriptions.js';

export interface ProxyOptions {
  /** Overrides `admin.address.socket_address.port_value` (0 picks a free port). */
  readonly adminPort?: number;
  readonly log?: (message: string) => void;
}

export interface RunningProxy {
  readonly adminAddress: AddressInfo | undefined;
  readonly runtime: ProxyRuntime;
  readonly identity: IdentityAgent | undefined;
  /** Resolves once the first configuration is applied and its listeners are bound. */
  readonly ready: Promise<void>;
  /** Resolves once the proxy has shut down, by `close()` or by the admin `POST /quitquitquit`. */
  readonly closed: Promise<void>;
  /** Stops accepting, lets in-flight requests finish, closes the control-plane stream. */
  close(): Promise<void>;
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
    throw new BootstrapError(bootstrap.source, 'dynamic_resources.ads_config', `static cluster '${bootstrap.adsCluster}' with one endpoint is required`);
  }
  return `${endpoint.address}:${endpoint.port}`;
}

/** Starts a proxy from a parsed bootstrap. */
export async function startProxy(bootstrap: Bootstrap, options: ProxyOptions = {}): Promise<RunningProxy> {
  const log = options.log ?? ((message: string) => process.stderr.write(`[proxy] ${message}\n`));
  const metrics = new ProxyMetrics();
  const local = localPeerOf(bootstrap);
  const secrets: { identity: IdentityAgent['identity'] | undefined } = { identity: undefined };
  const registry = new HttpFilterRegistry();
  const networkFilters = new NetworkFilterRegistry();
  const runtime = new ProxyRuntime(secrets, registry, log, networkFilters);
  networkFilters.register(tcpProxyFilterFactory(runtime.clusters)).register(networkRbacFilterFactory());
  registry
    .register(routerFilterFactory(runtime.clusters))
    .register(metadataExchangeFilterFactory(local))
    .register(istioStatsFilterFactory(local, new IstioMetrics(metrics.meter)));

  // The ADS cluster is static; applying it first tells us where the control plane is.
  runtime.applyClusters(bootstrap.staticClusters, 'static', 'static', (i) => staticResourceOrigin(bootstrap, 'clusters', i));
  const controlPlane = controlPlaneAddress(bootstrap, runtime);

  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let isReady = false;
  void ready.then(() => (isReady = true));
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  let agent: IdentityAgent | undefined;
  let client: AdsClient | undefined;
  let admin: Awaited<ReturnType<typeof startAdminServer>> | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      client?.close();
      await runtime.close();
      if (admin !== undefined) await closeAdmin(admin.server);
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
    await runtime.applyListeners(bootstrap.staticListeners, 'static', 'static', (i) => staticResourceOrigin(bootstrap, 'listeners', i));
    if (bootstrap.admin !== undefined) {
      admin = await startAdminServer(bootstrap.admin.host, options.adminPort ?? bootstrap.admin.port, {
        bootstrap: bootstrap.document,
        runtime,
        metrics,
        identity: () => secrets.identity,
        isReady: () => isReady,
        // The process (main.ts) decides to exit once `closed` resolves; an embedding caller keeps running.
        quit: () => void close(),
      });
    }
  } catch (error) {
    // Whatever was bound or opened before the failure goes, so a failed start leaves nothing behind.
    await close();
    throw error;
  }

  if (controlPlane === undefined) {
    markReady();
  } else {
    client = new AdsClient({ address: controlPlane, node: bootstrap.node });
    subscribeToAds(client, runtime, markReady, log);
    client.start();
  }
  return { adminAddress: admin?.address, runtime, identity: agent, ready, closed, close };
}

function closeAdmin(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
