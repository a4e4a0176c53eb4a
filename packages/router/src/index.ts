export { compileRouteConfig } from './compile-route-config.js';
export { RouteConfigError } from './errors.js';
export { pickWeightedCluster } from './weighted-clusters.js';
export { rewritePath } from './rewrite-path.js';
export { DEFAULT_ROUTE_TIMEOUT_MS } from './route-action.js';
export type {
  DirectResponseInput,
  HeaderMatcherInput,
  RouteActionInput,
  RouteConfigInput,
  RouteInput,
  RouteMatchInput,
  SafeRegexInput,
  StringMatchInput,
  VirtualHostInput,
  WeightedClusterInput,
} from './route-config-input.js';
export type { RouteRequest } from './route-request.js';
export type {
  CompiledPathMatch,
  CompiledRoute,
  CompiledVirtualHost,
  RouteAction,
  RouteMatch,
  RouteTable,
  WeightedCluster,
} from './route-table.js';
export type { WeightedClustersAction } from './weighted-clusters.js';
