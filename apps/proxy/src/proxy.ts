import type { AddressInfo } from 'node:net';
import { HttpFilterRegistry } from '@meshkit/filters';
import { istioStatsFilterFactory, metadataExchangeFilterFactory, routerFilterFactory } from '@meshkit/filters/builtin';
import type { LocalPeer } from '@meshkit/filters/builtin';
import { IstioMetrics } from '@meshkit/telemetry';
import { AdsClient } from '@meshkit/xds';
import { startAdminServer } from './admin/admin-server.js';
import { ProxyMetrics } from './admin/metrics.js';
import { IdentityAgent } from './agent/identity-agent.js';
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
    throw new BootstrapError('bootstrap', 'dynamic_resources.ads_config', `static cluster '${bootstrap.adsCluster}' with one endpoint is required`);
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
  const runtime = new ProxyRuntime(secrets, registry, log);
  registry
    .register(routerFilterFactory(runtime.clusters))
    .register(metadataExchangeFilterFactory(local))
    .register(istioStatsFilterFactory(local, new IstioMetrics(metrics.meter)));

  // The ADS cluster is static; applying it first tells us where the control plane is.
  runtime.applyClusters(bootstrap.staticClusters, 'static', 'static');
  const controlPlane = controlPlaneAddress(bootstrap, runtime);
  const meta = bootstrap.node.metadata;
  let agent: IdentityAgent | undefined;
  if (controlPlane !== undefined && typeof meta['NAMESPACE'] === 'string' && typeof meta['SERVICE_ACCOUNT'] === 'string') {
    agent = await IdentityAgent.start({ caAddress: controlPlane, namespace: meta['NAMESPACE'], serviceAccount: meta['SERVICE_ACCOUNT'] });
    secrets.identity = agent.identity;
    log(`identity ${agent.spiffeId} issued by the control plane`);
  }
  await runtime.applyListeners(bootstrap.staticListeners, 'static', 'static');

  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let isReady = false;
  void ready.then(() => (isReady = true));
  let client: AdsClient | undefined;
  if (controlPlane === undefined) {
    markReady();
  } else {
    client = new AdsClient({ address: controlPlane, node: bootstrap.node });
    subscribeToAds(client, runtime, markReady, log);
    client.start();
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      client?.close();
      await runtime.close();
      admin?.server.close();
      await metrics.shutdown();
    })());

  const admin =
    bootstrap.admin === undefined
      ? undefined
      : await startAdminServer(bootstrap.admin.host, options.adminPort ?? bootstrap.admin.port, {
          bootstrap,
          runtime,
          metrics,
          identity: () => secrets.identity,
          isReady: () => isReady,
          quit: () => void close().then(() => process.exit(0)),
        });

  return { adminAddress: admin?.address, runtime, identity: agent, ready, close };
}
