import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from './compile-route-config.js';
import type { WeightedClusterInput } from './route-config-input.js';
import { pickWeightedCluster } from './weighted-clusters.js';
import type { WeightedClustersAction } from './weighted-clusters.js';

function weighted(clusters: WeightedClusterInput[]): WeightedClustersAction {
  const table = compileRouteConfig({
    name: 'w',
    virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { weightedClusters: { clusters } } }] }],
  });
  const action = table.virtualHosts[0]?.routes[0]?.action;
  if (action?.type !== 'weighted') throw new Error('expected a weighted action');
  return action;
}

describe('pickWeightedCluster', () => {
  const action = weighted([
    { name: 'a', weight: 1 },
    { name: 'b', weight: 2 },
    { name: 'never', weight: 0 },
    { name: 'd', weight: 3 },
  ]);

  it('maps random % totalWeight onto the clusters in declared order', () => {
    expect(action.totalWeight).toBe(6);
    const picks = [0, 1, 2, 3, 4, 5, 6, 7].map((random) => pickWeightedCluster(action, random));
    expect(picks).toEqual(['a', 'b', 'b', 'd', 'd', 'd', 'a', 'b']);
    expect(pickWeightedCluster(action, 2 ** 32 - 1)).toBe('d'); // 4294967295 % 6 === 3
  });

  it('is deterministic for a given random', () => {
    for (const random of [17, 123_456_789, 2 ** 31]) {
      expect(pickWeightedCluster(action, random)).toBe(pickWeightedCluster(action, random));
    }
  });

  it('splits any run of consecutive randoms exactly by weight, never picking weight 0', () => {
    const counts = new Map<string, number>();
    const start = 1_000_003;
    for (let random = start; random < start + 600; random++) {
      const name = pickWeightedCluster(action, random);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ a: 100, b: 200, d: 300 });
  });

  it('follows the weights over a pseudo-random uint sequence', () => {
    const split = weighted([{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }]);
    let state = 0x9e3779b9;
    let v2 = 0;
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      // xorshift32: a fixed sequence, so the share below is the same on every run
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      if (pickWeightedCluster(split, state >>> 0) === 'v2') v2++;
    }
    expect(v2 / draws).toBeGreaterThan(0.09);
    expect(v2 / draws).toBeLessThan(0.11);
  });

  it('coerces a random that is not a uint instead of throwing', () => {
    expect(pickWeightedCluster(action, -1)).toBe(pickWeightedCluster(action, 2 ** 32 - 1));
    expect(pickWeightedCluster(action, 1.7)).toBe('b');
    expect(pickWeightedCluster(action, Number.NaN)).toBe('a');
  });
});
