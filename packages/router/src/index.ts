export { compileRouteConfig } from './compile-route-config.js';
export { RouteConfigError } from './errors.js';
export { pickWeightedCluster, pickWeightedClusterEntry } from './weighted-clusters.js';
export { rewritePath } from './rewrite-path.js';
export { DEFAULT_ROUTE_TIMEOUT_MS } from './route-action.js';
export { selectCluster } from './select-cluster.js';
export { applyHeaderMutations } from './header-mutation.js';
export { computeHashKey } from './hash-key.js';
export { redirectLocation } from './redirect-location.js';
export { corsOriginAllowed, DEFAULT_RETRY_POLICY } from './route-policy-compilers.js';
export { fractionSelects } from './runtime-fraction.js';
export { xxHash64 } from './xxhash64.js';
export type {
  CorsPolicyInput,
  HashPolicyInput,
  HeaderAppendAction,
  HeaderMutationInput,
  HeaderValueOptionInput,
  MaxStreamDurationInput,
  PolicyInputs,
  RequestMirrorPolicyInput,
  RetryPolicyInput,
  RouteActionInput,
  WeightedClusterInput,
} from './route-action-input.js';
export type {
  DirectResponseInput,
  FractionalPercentInput,
  HeaderMatcherInput,
  QueryParameterMatcherInput,
  RangeInput,
  RedirectInput,
  RouteConfigInput,
  RouteInput,
  RouteMatchInput,
  RuntimeFractionInput,
  SafeRegexInput,
  StringMatchInput,
  VirtualHostInput,
} from './route-config-input.js';
export type { RouteRequest } from './route-request.js';
export type {
  CompiledRedirect,
  CompiledRegexRewrite,
  CorsPolicy,
  HashPolicy,
  HeaderMutationSet,
  HeaderTest,
  HeaderToAdd,
  HostRewrite,
  MaxStreamDuration,
  RequestMirrorPolicy,
  RetryPolicy,
  RuntimeFraction,
} from './route-policies.js';
export type {
  CompiledPathMatch,
  CompiledRoute,
  CompiledVirtualHost,
  RouteAction,
  RouteMatch,
  RouteTable,
  WeightedCluster,
} from './route-table.js';
export type { ClusterSelection } from './select-cluster.js';
export type { MutableHeaders } from './header-mutation.js';
export type { StringMatcher } from './string-matcher.js';
export type { WeightedClustersAction } from './weighted-clusters.js';
