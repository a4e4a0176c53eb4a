import { HttpFilterRegistry } from '@meshkit/filters';
import { istioStatsFilterFactory, metadataExchangeFilterFactory, routerFilterFactory } from '@meshkit/filters/builtin';
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
