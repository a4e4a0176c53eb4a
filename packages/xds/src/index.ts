export { TYPE_URLS, resourceName } from './type-urls.js';
export type { EnvoyResource, TypeUrl } from './type-urls.js';
export { decodeMessage, decodeResource, encodeMessage, encodeResource, validateResource } from './codec.js';
export type { ResourceValidation } from './codec.js';
export { ENVOY_PROTO_FILES } from './proto-files.js';
export { SnapshotCache } from './snapshot-cache.js';
export type { SnapshotListener } from './snapshot-cache.js';
export type { PreparedResource, PreparedSnapshot, Snapshot } from './snapshot.js';
export { AdsServer } from './ads-server.js';
export type { AdsServerOptions } from './ads-server.js';
export type { AdsStreamHooks } from './ads-stream.js';
export { AdsClient } from './ads-client.js';
export type { AdsClientOptions, AdsConnectionState, ResourceHandler } from './ads-client.js';
export { ExponentialBackoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export type { ErrorDetail } from './discovery-messages.js';
export type { EnvoyNode } from './envoy-node.js';
export type { Disposable } from './disposable.js';
export {
  InvalidSnapshotError,
  InvalidValueError,
  MalformedMessageError,
  ProtoLoadError,
  UnknownFieldError,
  UnknownTypeError,
} from './errors.js';
