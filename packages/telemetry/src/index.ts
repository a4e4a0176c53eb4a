export { IstioMetrics } from './istio-metrics.js';
export { ISTIO_HISTOGRAM_BUCKETS } from './istio-buckets.js';
export { ISTIO_REQUEST_LABEL_NAMES, completeLabels } from './istio-labels.js';
export { PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, decodePeerMetadata, encodePeerMetadata } from './peer-metadata.js';
export type { RequestSample } from './istio-metrics.js';
export type { ConnectionSecurityPolicy, IstioReporter, IstioRequestLabels, IstioRequestLabelsInput } from './istio-labels.js';
export type { PeerMetadata } from './peer-metadata.js';
