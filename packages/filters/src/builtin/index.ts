export { ROUTER_FILTER_TYPE, routerFilterFactory } from './router-filter.js';
export type { ClusterLookup } from './router-filter.js';
export { METADATA_EXCHANGE_FILTER_TYPE, metadataExchangeFilterFactory } from './metadata-exchange-filter.js';
export { ISTIO_STATS_FILTER_TYPE, istioStatsFilterFactory } from './istio-stats-filter.js';
export { DOWNSTREAM_PEER, UPSTREAM_PEER } from './peer-metadata.js';
export type { LocalPeer } from './peer-metadata.js';
export { forwardableHeaders } from './hop-by-hop.js';
