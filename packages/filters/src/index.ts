export { FilterConfigError, DuplicateFilterError, UnknownFilterError } from './errors.js';
export { HttpFilterRegistry } from './filter-registry.js';
export type { HttpFilterConfig } from './filter-registry.js';
export { FilterManager } from './filter-manager.js';
export type { DownstreamCodec, RouteResolver, StreamPolicy } from './filter-manager.js';
export { alpnProtocolsFor, DEFAULT_BUFFER_LIMIT_BYTES, DEFAULT_MAX_REQUEST_HEADERS_KB, DEFAULT_STREAM_IDLE_TIMEOUT_MS } from './connection-options.js';
export type { CodecType, HttpConnectionOptions } from './connection-options.js';
export type { EscapedSlashesAction } from './path-normalization.js';
export { codecStatEntries, newCodecStats, UnderscoreHeaderStats } from './codec/underscore-headers.js';
export type { CodecStats, HeadersWithUnderscoresAction } from './codec/underscore-headers.js';
export type { ServerHeaderTransformation } from './codec/server-header.js';
export type { ClientCertDetails, ForwardClientCertDetails } from './client-cert-header.js';
export { grpcStatusForHttp, isGrpcRequest } from './grpc-local-reply.js';
export { HttpConnectionManager, HttpConnectionManagerStats } from './http-connection-manager.js';
export type { HttpConnectionManagerConfig } from './http-connection-manager.js';
export { ResponseFlag } from './response-flags.js';
export { StreamInfo } from './stream-info.js';
export type { TrafficDirection } from './stream-info.js';
export type {
  CompiledHttpFilter,
  FilterFactoryContext,
  FilterStatus,
  HeaderMap,
  HttpFilter,
  HttpFilterContext,
  HttpFilterFactory,
  LocalReplyOptions,
} from './http-filter.js';
export { NetworkFilterManager } from './network-filter-manager.js';
export { NetworkFilterRegistry } from './network-filter-registry.js';
export type { NetworkFilterConfig } from './network-filter-registry.js';
export { DuplicateNetworkFilterError, UnknownNetworkFilterError } from './network-errors.js';
export { NETWORK_RBAC_FILTER_TYPE, networkRbacFilterFactory } from './network-rbac-filter.js';
export type { CompiledNetworkFilter, NetworkConnectionInfo, NetworkFilter, NetworkFilterContext, NetworkFilterFactory, NetworkFilterFactoryContext, NetworkFilterStats, NetworkFilterStatus } from './network-filter.js';
