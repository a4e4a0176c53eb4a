import { completeLabels } from '@meshkit/telemetry';
import type { IstioMetrics, IstioRequestLabels, IstioRequestLabelsInput, PeerMetadata } from '@meshkit/telemetry';
import type { CompiledHttpFilter, FilterFactoryContext, HttpFilter, HttpFilterContext, HttpFilterFactory } from '../http-filter.js';
import type { StreamInfo } from '../stream-info.js';
import { DOWNSTREAM_PEER, UPSTREAM_PEER, principalOf } from './peer-metadata.js';
import type { LocalPeer } from './peer-metadata.js';

export const ISTIO_STATS_FILTER_TYPE = 'stats.PluginConfig';

interface ServiceName {
  readonly host: string;
  readonly name: string;
  readonly namespace: string;
}

/** `outbound|9080|v1|reviews.default.svc.cluster.local` → the service it names. */
function serviceOfCluster(cluster: string): ServiceName | null {
  const parts = cluster.split('|');
  const host = parts[3];
  if (parts[0] !== 'outbound' || host === undefined || host === '') return null;
  const [name = host, namespace = 'unknown'] = host.split('.');
  return { host, name, namespace };
}

const IP_LITERAL = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\])$/;

/** The Host a request was addressed to, fully qualified in the proxy's namespace. */
function serviceOfAuthority(authority: string, namespace: string): ServiceName | null {
  const host = authority.replace(/:\d+$/, '');
  if (host === '') return null;
  // An address is not a service name; report it as it was addressed.
  if (IP_LITERAL.test(host)) return { host, name: host, namespace };
  const labels = host.split('.');
  const name = labels[0] as string;
  const ns = labels[1] ?? namespace;
  // `name`, `name.ns` and `name.ns.svc` all mean the same Kubernetes service; anything longer
  // is taken as already fully qualified.
  const qualified = labels.length >= 4 ? host : `${name}.${ns}.svc.cluster.local`;
  return { host: qualified, name, namespace: ns };
}

function workloadLabels(prefix: 'source' | 'destination', peer: PeerMetadata | undefined, trustDomain: string): Partial<IstioRequestLabels> {
  if (peer === undefined) return {};
  return {
    [`${prefix}_workload`]: peer.workloadName,
    [`${prefix}_workload_namespace`]: peer.namespace,
    [`${prefix}_app`]: peer.app ?? peer.labels['app'] ?? 'unknown',
    [`${prefix}_version`]: peer.version ?? peer.labels['version'] ?? 'unknown',
    [`${prefix}_cluster`]: peer.clusterId ?? 'unknown',
    [`${prefix}_principal`]: principalOf(peer, trustDomain),
    // Istio's canonical service: the canonical-name label, else `app`, else the workload.
    [`${prefix}_canonical_service`]: peer.labels['service.istio.io/canonical-name'] ?? peer.app ?? peer.labels['app'] ?? peer.workloadName,
    [`${prefix}_canonical_revision`]: peer.labels['service.istio.io/canonical-revision'] ?? peer.version ?? peer.labels['version'] ?? 'latest',
  };
}

/** Istio's standard request metrics, recorded when each stream ends. */
class IstioStatsFilter implements HttpFilter {
  constructor(
    private readonly ctx: HttpFilterContext,
    private readonly inbound: boolean,
    private readonly local: LocalPeer,
    private readonly metrics: IstioMetrics,
  ) {}

  onDestroy(): void {
    const info = this.ctx.streamInfo;
    const labels = this.inbound ? this.inboundLabels(info) : this.outboundLabels(info);
    this.metrics.recordRequest(labels, {
      durationMs: info.durationMs(),
      requestBytes: info.bytesReceived,
      responseBytes: info.bytesSent,
    });
  }

  private inboundLabels(info: StreamInfo): IstioRequestLabels {
    const peer = info.filterState.get(DOWNSTREAM_PEER) as PeerMetadata | undefined;
    const service = serviceOfAuthority(String(this.ctx.requestHeaders[':authority'] ?? ''), this.local.metadata.namespace);
    return completeLabels({
      ...this.common(info, 'destination', service),
      ...workloadLabels('source', peer, this.local.trustDomain),
      ...workloadLabels('destination', this.local.metadata, this.local.trustDomain),
      source_principal: info.downstreamPeerSpiffeId ?? 'unknown',
      connection_security_policy: info.downstreamPeerSpiffeId === null ? 'none' : 'mutual_tls',
    });
  }

  private outboundLabels(info: StreamInfo): IstioRequestLabels {
    const peer = info.filterState.get(UPSTREAM_PEER) as PeerMetadata | undefined;
    return completeLabels({
      ...this.common(info, 'source', serviceOfCluster(info.upstreamCluster)),
      ...workloadLabels('source', this.local.metadata, this.local.trustDomain),
      ...workloadLabels('destination', peer, this.local.trustDomain),
    });
  }

  private common(info: StreamInfo, reporter: 'source' | 'destination', service: ServiceName | null): IstioRequestLabelsInput {
    const contentType = this.ctx.requestHeaders['content-type'];
    return {
      reporter,
      destination_service: service?.host ?? 'unknown',
      destination_service_name: service?.name ?? 'unknown',
      destination_service_namespace: service?.namespace ?? 'unknown',
      request_protocol: typeof contentType === 'string' && contentType.startsWith('application/grpc') ? 'grpc' : 'http',
      response_code: String(info.responseCode ?? 0),
      response_flags: info.responseFlagsString(),
    };
  }
}

export function istioStatsFilterFactory(local: LocalPeer, metrics: IstioMetrics): HttpFilterFactory {
  return {
    typeName: ISTIO_STATS_FILTER_TYPE,
    compile(_config, context: FilterFactoryContext): CompiledHttpFilter {
      const inbound = context.trafficDirection === 'INBOUND';
      return { name: 'istio.stats', create: (ctx) => new IstioStatsFilter(ctx, inbound, local, metrics) };
    },
  };
}
