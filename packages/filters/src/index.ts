export { FilterConfigError, DuplicateFilterError, UnknownFilterError } from './errors.js';
export { HttpFilterRegistry } from './filter-registry.js';
export type { HttpFilterConfig } from './filter-registry.js';
export { FilterManager } from './filter-manager.js';
export type { DownstreamCodec, RouteResolver } from './filter-manager.js';
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
