import { describe, expect, it } from 'vitest';
import { RoundRobinBalancer } from './round-robin-balancer.js';
import type { Endpoint } from './endpoint.js';

const a: Endpoint = { address: '10.0.0.1', port: 80 };
const b: Endpoint = { address: '10.0.0.2', port: 80 };
const c: Endpoint = { address: '10.0.0.3', port: 80 };

describe('RoundRobinBalancer', () => {
  it('rotates strictly through equal-weight endpoints', () => {
    const balancer = new RoundRobinBalancer([a, b, c]);
    const picks = Array.from({ length: 9 }, () => balancer.pick());
    expect(picks).toEqual([a, b, c, a, b, c, a, b, c]);
  });

  it('honours 3:1 weights within 1% over 100k picks', () => {
    const heavy = { ...a, weight: 3 };
    const light = { ...b, weight: 1 };
    const balancer = new RoundRobinBalancer([heavy, light]);
    let heavyCount = 0;
    const picks = 100_000;
    for (let i = 0; i < picks; i++) if (balancer.pick() === heavy) heavyCount++;
    expect(Math.abs(heavyCount / picks - 0.75)).toBeLessThan(0.01);
  });

  it('interleaves weights smoothly instead of in bursts', () => {
    const heavy = { ...a, weight: 5 };
    const light = { ...b, weight: 1 };
    const lighter = { ...c, weight: 1 };
    const balancer = new RoundRobinBalancer([heavy, light, lighter]);
    const window = Array.from({ length: 7 }, () => balancer.pick());
    // Each window of sum(weights) picks holds exactly `weight` of each endpoint…
    expect(window.filter((e) => e === heavy)).toHaveLength(5);
    expect(window.filter((e) => e === light)).toHaveLength(1);
    // …and the light ones are not next to each other (plain WRR would give a,a,a,a,a,b,c).
    const lightIndexes = window.flatMap((e, i) => (e === heavy ? [] : [i]));
    expect(Math.abs((lightIndexes[1] ?? 0) - (lightIndexes[0] ?? 0))).toBeGreaterThan(1);
  });

  it('gives each of 10,000 weighted endpoints exactly its weight over sum(weights) picks', () => {
    const endpoints = Array.from({ length: 10_000 }, (_, i) => ({ address: `10.2.${i >> 8}.${i & 255}`, port: 80, weight: 1 + (i % 7) }));
    const total = endpoints.reduce((sum, e) => sum + e.weight, 0);
    const balancer = new RoundRobinBalancer(endpoints);
    balancer.pick(); // start mid-cycle: the property holds for any window, not only from the first pick
    const counts = new Map<Endpoint | null, number>();
    for (let i = 0; i < total; i++) {
      const picked = balancer.pick();
      counts.set(picked, (counts.get(picked) ?? 0) + 1);
    }
    expect(endpoints.every((e) => counts.get(e) === e.weight)).toBe(true);
  });

  it('skips unhealthy endpoints and returns null when none is healthy', () => {
    const balancer = new RoundRobinBalancer([{ ...a, healthy: false }, b, { ...c, healthy: false }]);
    for (let i = 0; i < 10; i++) expect(balancer.pick()).toBe(b);
    expect(new RoundRobinBalancer([{ ...a, healthy: false }]).pick()).toBeNull();
  });
});
