import { toAsciiLowerCase } from './ascii.js';
import { compileHeaderMutations } from './header-mutation.js';
import type { WeightedClusterInput } from './route-action-input.js';
import type { HeaderMutationSet } from './route-policies.js';
import type { MatcherProblem } from './string-matcher.js';

const MAX_UINT32 = 2 ** 32 - 1;

/** A validated weighted cluster whose own header mutation is not yet chained to the route's. */
export interface WeightedClusterDraft {
  name: string;
  clusterHeader: string | undefined;
  weight: number;
  request: HeaderMutationSet | undefined;
  response: HeaderMutationSet | undefined;
}

export type WeightedClustersResult = { ok: true; clusters: readonly WeightedClusterDraft[]; totalWeight: number } | MatcherProblem;

/** Validates a weighted cluster list; a problem's field is relative to `weightedClusters`. */
export function compileWeightedClusters(declared: readonly WeightedClusterInput[]): WeightedClustersResult {
  if (declared.length === 0) return { ok: false, field: '.clusters', problem: 'at least one cluster is required' };
  const clusters: WeightedClusterDraft[] = [];
  let totalWeight = 0;
  for (const [index, input] of declared.entries()) {
    const field = `.clusters[${index}]`;
    if (input.name !== undefined && input.clusterHeader !== undefined) {
      return { ok: false, field, problem: 'exactly one of name and clusterHeader is allowed; both are set' };
    }
    if (input.clusterHeader === undefined && (input.name ?? '').length === 0) {
      return { ok: false, field: `${field}.name`, problem: 'cluster name must not be empty' };
    }
    if (input.clusterHeader !== undefined && input.clusterHeader.length === 0) {
      return { ok: false, field: `${field}.clusterHeader`, problem: 'clusterHeader must not be empty' };
    }
    const { weight } = input;
    if (!Number.isInteger(weight) || weight < 0 || weight > MAX_UINT32) {
      return { ok: false, field: `${field}.weight`, problem: `weight must be an integer from 0 to ${MAX_UINT32}, not ${weight}` };
    }
    const mutations = compileHeaderMutations(input, 'weightedCluster');
    if (!mutations.ok) return { ...mutations, field: field + mutations.field };
    const clusterHeader = input.clusterHeader === undefined ? undefined : toAsciiLowerCase(input.clusterHeader);
    clusters.push({ name: input.name ?? '', clusterHeader, weight, request: mutations.request, response: mutations.response });
    totalWeight += weight;
  }
  if (totalWeight === 0) return { ok: false, field: '.clusters', problem: 'the weights sum to 0, so no cluster could be picked' };
  return { ok: true, clusters, totalWeight };
}
