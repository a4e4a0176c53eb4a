import { HttpFilterRegistry, NetworkFilterRegistry, networkRbacFilterFactory } from '@meshkit/filters';
import { istioStatsFilterFactory, metadataExchangeFilterFactory, routerFilterFactory, tcpProxyFilterFactory } from '@meshkit/filters/builtin';
import { IstioMetrics } from '@meshkit/telemetry';
import { ClusterManager } from '@meshkit/upstream';

/** The filters the proxy registers, over an empty cluster manager: enough to translate listeners. */
export function proxyFilterRegistry(): HttpFilterRegistry {
  const local = { nodeId: 'test', trustDomain: 'cluster.local', metadata: { workloadName: 'test', namespace: 'default', labels: {} } };
  return new HttpFilterRegistry()
    .register(routerFilterFactory(new ClusterManager()))
    .register(metadataExchangeFilterFactory(local))
    .register(istioStatsFilterFactory(local, new IstioMetrics()));
}

/** The network filters the proxy registers, over an empty cluster manager. */
export function proxyNetworkFilterRegistry(): NetworkFilterRegistry {
  return new NetworkFilterRegistry().register(tcpProxyFilterFactory(new ClusterManager())).register(networkRbacFilterFactory());
}
