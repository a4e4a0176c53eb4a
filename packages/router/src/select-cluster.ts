import type { HeaderMutationSet } from './route-policies.js';
import type { RouteRequest } from './route-request.js';
import type { CompiledRoute, WeightedCluster } from './route-table.js';
import { pickWeightedClusterEntry } from './weighted-clusters.js';

/** The upstream a request goes to, with the header chains that apply to it. */
export interface ClusterSelection {
  readonly cluster: string;
  /** The weighted cluster picked, if the route splits traffic. */
  readonly weightedCluster: WeightedCluster | undefined;
  readonly requestHeaderMutations: readonly HeaderMutationSet[];
  readonly responseHeaderMutations: readonly HeaderMutationSet[];
}

function headerValue(request: RouteRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = typeof value === 'string' ? value : value?.[0];
  return first === undefined || first.length === 0 ? undefined : first;
}

/**
 * Which cluster a matched route sends `request` to: its `cluster`, the value of its
 * `clusterHeader`, or a weighted pick with `random` (default `request.random`, else a fresh
 * draw), resolving a weighted cluster's own `clusterHeader` too. `null` for direct responses
 * and redirects, and when a named header is missing or empty (Envoy then answers 503/404).
 */
export function selectCluster(route: CompiledRoute, request: RouteRequest, random?: number): ClusterSelection | null {
  const action = route.action;
  if (action.type === 'direct') return null;
  if (action.type === 'cluster') {
    const cluster = action.clusterHeader === undefined ? action.cluster : headerValue(request, action.clusterHeader);
    if (cluster === undefined) return null;
    return {
      cluster,
      weightedCluster: undefined,
      requestHeaderMutations: route.requestHeaderMutations,
      responseHeaderMutations: route.responseHeaderMutations,
    };
  }
  const draw = random ?? request.random ?? (Math.random() * 2 ** 32) >>> 0;
  const picked = pickWeightedClusterEntry(action, draw);
  if (picked === undefined) return null;
  const cluster = picked.clusterHeader === undefined ? picked.name : headerValue(request, picked.clusterHeader);
  if (cluster === undefined) return null;
  return {
    cluster,
    weightedCluster: picked,
    requestHeaderMutations: picked.requestHeaderMutations,
    responseHeaderMutations: picked.responseHeaderMutations,
  };
}
