export { ConfigDuplicateError, ConfigParseError, ConfigValidationError } from './errors.js';
export type { ConfigError, SourcePosition } from './errors.js';

export { parseConfigFile } from './parse/parse-config-file.js';
export type { ConfigResource, LineColumn, ResourceMetadata } from './parse/config-resource.js';

export { collectValidationErrors, validateResource } from './validate/validate-resource.js';
export { loadConfig } from './validate/load-config.js';
export type { ConfigFile, LoadedConfig } from './validate/load-config.js';
export { knownKindOf } from './kinds.js';
export type { KnownKind } from './kinds.js';

export { buildMeshModel } from './model/build-mesh-model.js';
export { resolveHost, serviceFqdn } from './model/host-names.js';
export type {
  ContainerSpec,
  Deployment,
  DestinationRule,
  Gateway,
  GatewayServer,
  HttpMatchRequest,
  HttpRoute,
  MeshModel,
  MeshService,
  PortProtocol,
  RouteDestination,
  ServiceAccount,
  ServicePort,
  SourceRef,
  StringMatch,
  Subset,
  VirtualService,
} from './model/mesh-model.js';

export { parseProxyNode } from './proxy/proxy-node.js';
export type { EnvoyNode, ProxyNode } from './proxy/proxy-node.js';
export { spiffeIdOf, workloadInstanceOf } from './proxy/workload-instance.js';
export type { WorkloadInstance } from './proxy/workload-instance.js';

export { compileProxyConfig } from './compiler/compile-proxy-config.js';
export type { ProxyResources } from './compiler/compile-proxy-config.js';
export { ENVOY_TYPE_URLS } from './compiler/envoy-shapes.js';
export type { EnvoyResource } from './compiler/envoy-shapes.js';
