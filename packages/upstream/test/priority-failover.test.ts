import { describe, expect, it } from 'vitest';
import { computePriorityLoad, PriorityBalancer, zoneAwareFractions } from '../src/index.js';
import type { Balancer, Endpoint } from '../src/index.js';

/** `total` members at `priority`, the first `healthy` of them healthy. */
function level(priority: number, total: number, healthy: number, extra: Partial<Endpoint> = {}): Endpoint[] {
  return Array.from({ length: total }, (_, i) => ({
    address: `10.${priority}.${extra.locality?.zone?.length ?? 0}.${i}`,
    port: 80 + (extra.localityWeight ?? 0),
    priority,
    healthy: i < healthy,
    ...extra,
  }));
}

function fractionBy(balancer: Balancer, picks: number, group: (e: Endpoint) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < picks; i++) {
    const picked = balancer.pick();
    const key = picked === null ? 'none' : group(picked);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  for (const key of Object.keys(counts)) counts[key] = (counts[key] ?? 0) / picks;
  return counts;
}

const round = (values: readonly number[]): number[] => values.map((v) => Math.round(v * 10) / 10);

describe('computePriorityLoad (Envoy priority levels, overprovisioning 1.4)', () => {
  it.each([
    // Envoy's documented two-level table: P0 healthy % → P0 / P1 load (P1 fully healthy).
    [100, [100, 0]],
    [72, [100, 0]],
    [71, [99.4, 0.6]],
    [50, [70, 30]],
    [25, [35, 65]],
    [0, [0, 100]],
  ])('P0 %i%% healthy, P1 healthy → %j', (p0Healthy, expected) => {
    const load = computePriorityLoad([{ total: 100, healthy: p0Healthy }, { total: 100, healthy: 100 }]);
    expect(round(load.percent)).toEqual(expected);
    expect(load.panic).toEqual([false, false]);
  });

  it('spills across three levels (20% / 20% / 100% healthy → 28 / 28 / 44)', () => {
    const load = computePriorityLoad([{ total: 10, healthy: 2 }, { total: 10, healthy: 2 }, { total: 10, healthy: 10 }]);
    expect(round(load.percent)).toEqual([28, 28, 44]);
  });

  it('normalizes when total health is below 100 and marks low levels in panic', () => {
    // health 28 + 70 = 98 < 100 → P0 28/98, P1 70/98; P0 (20% healthy) is in panic, P1 (50%) is not.
    const partial = computePriorityLoad([{ total: 10, healthy: 2 }, { total: 10, healthy: 5 }]);
    expect(round(partial.percent)).toEqual([28.6, 71.4]);
    expect(partial.panic).toEqual([true, false]);
    // health 28 + 42 = 70: both levels below 50% healthy → total panic, split by member count 10 : 30.
    const both = computePriorityLoad([{ total: 10, healthy: 2 }, { total: 30, healthy: 9 }]);
    expect(both.panic).toEqual([true, true]);
    expect(round(both.percent)).toEqual([25, 75]);
  });

  it('ignores panic while the levels together are fully healthy after overprovisioning', () => {
    const load = computePriorityLoad([{ total: 10, healthy: 1 }, { total: 10, healthy: 10 }]);
    expect(load.panic).toEqual([false, false]);
    expect(round(load.percent)).toEqual([14, 86]);
  });

  it('honours a custom factor and a disabled panic threshold', () => {
    const load = computePriorityLoad([{ total: 10, healthy: 5 }, { total: 10, healthy: 10 }], { overprovisioningFactor: 1 });
    expect(round(load.percent)).toEqual([50, 50]);
    const none = computePriorityLoad([{ total: 4, healthy: 0 }], { panicThresholdPercent: 0 });
    expect(none.percent).toEqual([0]);
    expect(none.panic).toEqual([false]);
  });
});

describe('PriorityBalancer with mixed-health endpoint sets', () => {
  it('splits traffic 70/30 when half of P0 is healthy, never touching P0 unhealthy members', () => {
    const p0 = level(0, 4, 2);
    const p1 = level(1, 4, 4);
    const balancer = new PriorityBalancer([...p0, ...p1]);
    const byPriority = fractionBy(balancer, 50_000, (e) => `P${e.priority ?? 0}`);
    expect(Math.abs((byPriority.P0 ?? 0) - 0.7)).toBeLessThan(0.01);
    expect(Math.abs((byPriority.P1 ?? 0) - 0.3)).toBeLessThan(0.01);
    const unhealthyHits = fractionBy(balancer, 10_000, (e) => String(e.healthy));
    expect(unhealthyHits.false).toBeUndefined();
  });

  it('enters panic below 50% healthy and routes to every member of the level', () => {
    const members = level(0, 4, 1);
    const counts = fractionBy(new PriorityBalancer(members), 8_000, (e) => e.address);
    expect(Object.keys(counts)).toHaveLength(4);
    for (const share of Object.values(counts)) expect(Math.abs(share - 0.25)).toBeLessThan(0.01);
    // At 50% healthy there is no panic: only healthy members.
    const half = fractionBy(new PriorityBalancer(level(0, 4, 2)), 1_000, (e) => String(e.healthy));
    expect(half).toEqual({ true: 1 });
  });

  it('with every member unhealthy, still routes (total panic) unless panic is disabled', () => {
    const members = level(0, 3, 0);
    expect(new PriorityBalancer(members).pick()).not.toBeNull();
    expect(new PriorityBalancer(members, {}, { panicThresholdPercent: 0 }).pick()).toBeNull();
  });

  it('splits a level by locality weight × availability', () => {
    const east = level(0, 4, 2, { locality: { region: 'r', zone: 'east' }, localityWeight: 1 });
    const west = level(0, 4, 4, { locality: { region: 'r', zone: 'west' }, localityWeight: 1 });
    // east availability min(1, 1.4 × 0.5) = 0.7, west 1 → 0.7 : 1.
    const balancer = new PriorityBalancer([...east, ...west], {}, { localityWeighted: true });
    const byZone = fractionBy(balancer, 60_000, (e) => e.locality?.zone ?? '');
    expect(Math.abs((byZone.east ?? 0) - 0.7 / 1.7)).toBeLessThan(0.01);
  });

  it('sends nothing to a locality without a weight while a weighted one is available, as Envoy does', () => {
    const weighted = level(0, 2, 2, { locality: { zone: 'weighted' }, localityWeight: 3 });
    const unweighted = level(0, 2, 2, { locality: { zone: 'unweighted' } });
    const balancer = new PriorityBalancer([...weighted, ...unweighted], {}, { localityWeighted: true });
    expect(fractionBy(balancer, 2_000, (e) => e.locality?.zone ?? '')).toEqual({ weighted: 1 });
    // With the weighted locality down, the level is balanced as one group rather than failing.
    const down = level(0, 2, 0, { locality: { zone: 'weighted' }, localityWeight: 3 });
    const fallback = new PriorityBalancer([...down, ...unweighted], {}, { localityWeighted: true, panicThresholdPercent: 0 });
    expect(fractionBy(fallback, 2_000, (e) => e.locality?.zone ?? '')).toEqual({ unweighted: 1 });
  });

  it('keeps traffic in the caller zone when it holds enough of the upstream (direct), else spills by residual', () => {
    const a = level(0, 4, 4, { locality: { zone: 'a' } });
    const b = level(0, 4, 4, { locality: { zone: 'b' } });
    const even = new PriorityBalancer([...a, ...b], {}, {
      zoneAware: { localLocality: { zone: 'a' }, localClusterMembers: [{ locality: { zone: 'a' }, members: 5 }, { locality: { zone: 'b' }, members: 5 }] },
    });
    expect(fractionBy(even, 5_000, (e) => e.locality?.zone ?? '')).toEqual({ a: 1 });
    // Callers: 75% in zone a; upstream: 50% in a → keep 50/75 = 2/3 local, the rest to b.
    const crowded = new PriorityBalancer([...a, ...b], {}, {
      zoneAware: { localLocality: { zone: 'a' }, localClusterMembers: [{ locality: { zone: 'a' }, members: 3 }, { locality: { zone: 'b' }, members: 1 }] },
    });
    const byZone = fractionBy(crowded, 60_000, (e) => e.locality?.zone ?? '');
    expect(Math.abs((byZone.a ?? 0) - 2 / 3)).toBeLessThan(0.01);
  });

  it('leaves zone-aware routing off below the minimum cluster size', () => {
    const a = level(0, 2, 2, { locality: { zone: 'a' } });
    const b = level(0, 2, 2, { locality: { zone: 'b' } });
    const small = new PriorityBalancer([...a, ...b], {}, {
      zoneAware: { localLocality: { zone: 'a' }, localClusterMembers: [{ locality: { zone: 'a' }, members: 1 }, { locality: { zone: 'b' }, members: 1 }] },
    });
    const byZone = fractionBy(small, 4_000, (e) => e.locality?.zone ?? '');
    expect(byZone).toEqual({ a: 0.5, b: 0.5 });
  });
});

describe('zoneAwareFractions', () => {
  it('distributes the spill by residual capacity', () => {
    // upstream 20/40/40 %, callers 60/20/20 %: keep 1/3 local, residual b = c = 20% → 1/3 each.
    const fractions = zoneAwareFractions({ localityKeys: ['a', 'b', 'c'], upstreamHealthy: [2, 4, 4], localMembers: [6, 2, 2], localIndex: 0 });
    expect(fractions.map((f) => Math.round(f * 1000) / 1000)).toEqual([0.333, 0.333, 0.333]);
    const skewed = zoneAwareFractions({ localityKeys: ['a', 'b', 'c'], upstreamHealthy: [2, 6, 2], localMembers: [6, 2, 2], localIndex: 0 });
    expect(skewed[2]).toBe(0); // c has no residual capacity (20% upstream, 20% callers)
  });
});
