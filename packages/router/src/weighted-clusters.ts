import type { RouteAction, WeightedCluster } from './route-table.js';

export type WeightedClustersAction = Extract<RouteAction, { type: 'weighted' }>;

/**
 * HOT PATH: per request; no allocation.
 * Envoy's pick: `random % totalWeight` lands in one cluster's slice, slices laid out in declared
 * order, so the same random always picks the same cluster. `random` is an unsigned integer
 * (e.g. `Math.random() * 2 ** 32 >>> 0`); anything else is first coerced with `>>> 0`.
 */
export function pickWeightedClusterEntry(action: WeightedClustersAction, random: number): WeightedCluster | undefined {
  const unsigned = Number.isSafeInteger(random) && random >= 0 ? random : random >>> 0;
  const selected = unsigned % action.totalWeight;
  const clusters = action.clusters;
  let end = 0;
  for (let i = 0; i < clusters.length; i++) {
    const cluster = clusters[i];
    if (cluster === undefined) break;
    end += cluster.weight;
    if (selected < end) return cluster;
  }
  // Unreachable for a compiled action (weights sum to totalWeight); a hand-made one whose
  // totalWeight overstates the sum falls back to the last cluster rather than throwing.
  return clusters[clusters.length - 1];
}

/** The name of the cluster `pickWeightedClusterEntry` picks (`''` for one named by a header). */
export function pickWeightedCluster(action: WeightedClustersAction, random: number): string {
  return pickWeightedClusterEntry(action, random)?.name ?? '';
}
