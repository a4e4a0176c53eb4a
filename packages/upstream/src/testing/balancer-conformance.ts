import { describe, expect, it } from 'vitest';
import type { Balancer, BalancerFactory } from '../balancer.js';
import type { Endpoint } from '../endpoint.js';

export interface BalancerConformanceOptions {
  /**
   * Largest allowed relative error between an endpoint's share of picks and its share of weight.
   * Exact schedulers (round robin) meet 0.01; hashing balancers need more. Default 0.05.
   */
  readonly weightTolerance?: number;
  /** Picks per statistical check. Default 60000. */
  readonly picks?: number;
  /**
   * The balancer hashes the request key (ring hash, Maglev): also check that a key always lands
   * on the same endpoint and that removing one of N endpoints moves about 1/N of the keys.
   */
  readonly consistentHashing?: boolean;
}

/**
 * The behaviour every balancer shares, as a vitest suite. Call it at the top level of a test
 * file: `runBalancerConformance('RoundRobinBalancer', (eps) => new RoundRobinBalancer(eps))`.
 * Picks use a varied hash key, so consistent-hashing balancers are exercised across keys.
 */
export function runBalancerConformance(name: string, make: BalancerFactory, options: BalancerConformanceOptions = {}): void {
  const tolerance = options.weightTolerance ?? 0.05;
  const picks = options.picks ?? 60_000;

  describe(`${name} (balancer conformance)`, () => {
    it('returns null for an empty host set', () => {
      const balancer = make([]);
      expect(balancer.pick()).toBeNull();
      expect(balancer.pick(42n)).toBeNull();
    });

    it('returns null when every endpoint is unhealthy', () => {
      const balancer = make([host(1, { healthy: false }), host(2, { healthy: false })]);
      for (const key of hashKeys(100)) expect(balancer.pick(key)).toBeNull();
    });

    it('always returns the only healthy endpoint', () => {
      const only = host(2);
      const balancer = make([host(1, { healthy: false }), only, host(3, { healthy: false })]);
      for (const key of hashKeys(1_000)) expect(balancer.pick(key)).toBe(only);
      expect(balancer.pick()).toBe(only);
    });

    it('returns only healthy members of the host set, by identity', () => {
      const endpoints = [host(1), host(2, { healthy: false }), host(3, { healthy: true }), host(4, { healthy: false }), host(5)];
      const healthy = new Set(endpoints.filter((e) => e.healthy !== false));
      const balancer = make(endpoints);
      for (const key of hashKeys(5_000)) {
        const picked = balancer.pick(key);
        expect(picked !== null && healthy.has(picked)).toBe(true);
      }
    });

    it('reaches every healthy endpoint', () => {
      const endpoints = Array.from({ length: 10 }, (_, i) => host(i + 1));
      const counts = countPicks(make(endpoints), 10_000);
      for (const endpoint of endpoints) expect(counts.get(endpoint) ?? 0).toBeGreaterThan(0);
    });

    it(`spreads picks in proportion to weight (within ${tolerance * 100}%)`, () => {
      const endpoints = [host(1, { weight: 1 }), host(2, { weight: 2 }), host(3), host(4, { weight: 4 })];
      const weightOf = (e: Endpoint): number => e.weight ?? 1;
      const totalWeight = endpoints.reduce((sum, e) => sum + weightOf(e), 0);
      const counts = countPicks(make(endpoints), picks);
      for (const endpoint of endpoints) {
        const expected = (picks * weightOf(endpoint)) / totalWeight;
        const actual = counts.get(endpoint) ?? 0;
        expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(tolerance);
      }
    });

    it('in panic mode picks from every member, healthy or not', () => {
      const endpoints = [host(1, { healthy: false }), host(2, { healthy: false }), host(3)];
      const counts = countPicks(make(endpoints, { panic: true }), 3_000);
      for (const endpoint of endpoints) expect(counts.get(endpoint) ?? 0).toBeGreaterThan(0);
    });

    if (options.consistentHashing === true) {
      it('sends the same key to the same endpoint every time', () => {
        const endpoints = Array.from({ length: 8 }, (_, i) => host(i + 1));
        const first = make(endpoints);
        const rebuilt = make(endpoints.map((e) => ({ ...e })));
        for (const key of hashKeys(2_000)) {
          const picked = first.pick(key);
          expect(first.pick(key)).toBe(picked);
          // A balancer rebuilt from equal endpoints places keys the same way.
          expect(rebuilt.pick(key)?.address).toBe(picked?.address);
        }
      });

      it('moves about 1/N of the keys, and only the leaver\'s, when one of N endpoints leaves', () => {
        const n = 10;
        const keyCount = 20_000;
        const endpoints = Array.from({ length: n }, (_, i) => host(i + 1));
        const before = make(endpoints);
        const leaver = endpoints[3] as Endpoint;
        const after = make(endpoints.filter((e) => e !== leaver));
        let moved = 0;
        let movedFromStayers = 0;
        for (const key of hashKeys(keyCount)) {
          const was = before.pick(key);
          if (was !== after.pick(key)) {
            moved++;
            if (was !== leaver) movedFromStayers++;
          }
        }
        // Ring hash moves exactly the leaver's keys; Maglev may move a few more.
        expect(movedFromStayers / keyCount).toBeLessThanOrEqual(0.02);
        expect(moved / keyCount).toBeLessThanOrEqual((1 / n) * (1 + tolerance) + 0.02);
        expect(moved / keyCount).toBeGreaterThan((1 / n) * 0.5);
      });
    }

    it('keeps its own snapshot of the host set', () => {
      const a = host(1);
      const b = host(2);
      const endpoints = [a, b];
      const balancer = make(endpoints);
      endpoints.push(host(3));
      endpoints.splice(0, 1);
      for (const key of hashKeys(1_000)) {
        const picked = balancer.pick(key);
        expect(picked === a || picked === b).toBe(true);
      }
    });
  });
}

function host(n: number, extra: Partial<Endpoint> = {}): Endpoint {
  return { address: `10.0.0.${n}`, port: 8080, ...extra };
}

function countPicks(balancer: Balancer, picks: number): Map<Endpoint, number> {
  const counts = new Map<Endpoint, number>();
  for (const key of hashKeys(picks)) {
    const picked = balancer.pick(key);
    if (picked !== null) counts.set(picked, (counts.get(picked) ?? 0) + 1);
  }
  return counts;
}

// Deterministic, well-spread 64-bit keys (splitmix64), so a failure reproduces exactly.
function* hashKeys(count: number): Generator<bigint> {
  const mask = (1n << 64n) - 1n;
  let state = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < count; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    yield z ^ (z >> 31n);
  }
}
