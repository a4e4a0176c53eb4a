import { PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, decodePeerMetadata, encodePeerMetadata } from '@meshkit/telemetry';
import type {
  CompiledHttpFilter,
  FilterFactoryContext,
  FilterStatus,
  HeaderMap,
  HttpFilter,
  HttpFilterContext,
  HttpFilterFactory,
} from '../http-filter.js';
import { DOWNSTREAM_PEER, UPSTREAM_PEER } from './peer-metadata.js';
import type { LocalPeer } from './peer-metadata.js';

export const METADATA_EXCHANGE_FILTER_TYPE = 'io.istio.http.peer_metadata.Config';

/**
 * Istio's HTTP metadata exchange: each side sends its workload metadata in a header and
 * records the peer's, so both reporters can label metrics with both workloads.
 */
class MetadataExchangeFilter implements HttpFilter {
  constructor(
    private readonly ctx: HttpFilterContext,
    private readonly inbound: boolean,
    private readonly encoded: string,
    private readonly nodeId: string,
  ) {}

  onRequestHeaders(headers: HeaderMap): FilterStatus {
    if (this.inbound) this.takePeer(headers, DOWNSTREAM_PEER);
    else this.announce(headers);
    return 'continue';
  }

  onResponseHeaders(headers: HeaderMap): FilterStatus {
    if (this.inbound) this.announce(headers);
    else this.takePeer(headers, UPSTREAM_PEER);
    return 'continue';
  }

  private announce(headers: HeaderMap): void {
    headers[PEER_METADATA_HEADER] = this.encoded;
    headers[PEER_METADATA_ID_HEADER] = this.nodeId;
  }

  private takePeer(headers: HeaderMap, key: string): void {
    const value = headers[PEER_METADATA_HEADER];
    if (typeof value === 'string') {
      const peer = decodePeerMetadata(value);
      if (peer !== null) this.ctx.streamInfo.filterState.set(key, peer);
    }
    // The peer's metadata is for this hop only: it never reaches the app or the client.
    delete headers[PEER_METADATA_HEADER];
    delete headers[PEER_METADATA_ID_HEADER];
  }
}

export function metadataExchangeFilterFactory(local: LocalPeer): HttpFilterFactory {
  const encoded = encodePeerMetadata(local.metadata);
  return {
    typeName: METADATA_EXCHANGE_FILTER_TYPE,
    compile(_config, context: FilterFactoryContext): CompiledHttpFilter {
      const inbound = context.trafficDirection === 'INBOUND';
      return {
        name: 'istio.metadata_exchange',
        create: (ctx) => new MetadataExchangeFilter(ctx, inbound, encoded, local.nodeId),
      };
    },
  };
}
