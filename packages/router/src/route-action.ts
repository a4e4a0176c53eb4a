import type { RouteInput, RouteActionInput } from './route-config-input.js';
import type { RouteAction, WeightedCluster } from './route-table.js';
import type { MatcherProblem } from './string-matcher.js';

/** Envoy's route timeout when none is configured. */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

const MAX_UINT32 = 2 ** 32 - 1;

export type RouteActionResult =
  | { ok: true; action: RouteAction; prefixRewrite: string | undefined; timeoutMs: number | undefined }
  | MatcherProblem;

/** Compiles what a route does; a problem's field is relative to the route. */
export function compileRouteAction(input: RouteInput): RouteActionResult {
  if (input.route !== undefined && input.directResponse !== undefined) {
    return { ok: false, field: '', problem: 'exactly one of route and directResponse is allowed; both are set' };
  }
  if (input.directResponse !== undefined) {
    const { status, body } = input.directResponse;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      return { ok: false, field: '.directResponse.status', problem: `status must be an integer from 200 to 599, not ${status}` };
    }
    return { ok: true, action: { type: 'direct', status, body }, prefixRewrite: undefined, timeoutMs: undefined };
  }
  if (input.route === undefined) {
    return { ok: false, field: '', problem: 'exactly one of route and directResponse is required; none is set' };
  }
  const forwarded = compileForwardAction(input.route);
  if (!forwarded.ok) return { ...forwarded, field: `.route${forwarded.field}` };
  const timeoutMs = input.route.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    return { ok: false, field: '.route.timeoutMs', problem: `timeoutMs must be a finite number >= 0, not ${timeoutMs}` };
  }
  return { ok: true, action: forwarded.action, prefixRewrite: input.route.prefixRewrite, timeoutMs };
}

function compileForwardAction(input: RouteActionInput): { ok: true; action: RouteAction } | MatcherProblem {
  if (input.cluster !== undefined && input.weightedClusters !== undefined) {
    return { ok: false, field: '', problem: 'exactly one of cluster and weightedClusters is allowed; both are set' };
  }
  if (input.cluster !== undefined) {
    if (input.cluster.length === 0) return { ok: false, field: '.cluster', problem: 'cluster must not be empty' };
    return { ok: true, action: { type: 'cluster', cluster: input.cluster } };
  }
  if (input.weightedClusters === undefined) {
    return { ok: false, field: '', problem: 'exactly one of cluster and weightedClusters is required; none is set' };
  }
  const declared = input.weightedClusters.clusters;
  if (declared.length === 0) return { ok: false, field: '.weightedClusters.clusters', problem: 'at least one cluster is required' };
  const clusters: WeightedCluster[] = [];
  let totalWeight = 0;
  for (const [index, { name, weight }] of declared.entries()) {
    const field = `.weightedClusters.clusters[${index}]`;
    if (name.length === 0) return { ok: false, field: `${field}.name`, problem: 'cluster name must not be empty' };
    if (!Number.isInteger(weight) || weight < 0 || weight > MAX_UINT32) {
      return { ok: false, field: `${field}.weight`, problem: `weight must be an integer from 0 to ${MAX_UINT32}, not ${weight}` };
    }
    clusters.push(Object.freeze({ name, weight }));
    totalWeight += weight;
  }
  if (totalWeight === 0) {
    return { ok: false, field: '.weightedClusters.clusters', problem: 'the weights sum to 0, so no cluster could be picked' };
  }
  return { ok: true, action: { type: 'weighted', clusters: Object.freeze(clusters), totalWeight } };
}
