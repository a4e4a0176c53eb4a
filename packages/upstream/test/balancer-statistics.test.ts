import { describe, expect, it } from 'vitest';
import { LeastRequestBalancer, MaglevBalancer, RandomBalancer, RingHashBalancer } from '../src/index.js';
import type { Balancer, Endpoint, RequestLoad } from '../src/index.js';

const host = (n: number, extra: Partial<Endpoint> = {}): Endpoint => ({ address: `10.1.${n >> 8}.${n & 255}`, port: 80, ...extra });

function shares(balancer: Balancer, picks: number, key: (i: number) => bigint | undefined): Map<Endpoint | null, number> {
  const counts = new Map<Endpoint | null, number>();
  for (let i = 0; i < picks; i++) {
    const picked = balancer.pick(key(i));
    counts.set(picked, (counts.get(picked) ?? 0) + 1);
  }
  return counts;
}

// A 64-bit multiplicative spread of the counter, so consecutive keys are far apart.
const spreadKey = (i: number): bigint => BigInt.asUintN(64, BigInt(i + 1) * 0x9e3779b97f4a7c15n);

describe('RingHashBalancer', () => {
  it('keeps the ring between the configured minimum and maximum size', () => {
    const ten = Array.from({ length: 10 }, (_, i) => host(i));
    expect(new RingHashBalancer(ten).ringSize).toBeGreaterThanOrEqual(1024);
    expect(new RingHashBalancer(ten, {}, { minRingSize: 4096 }).ringSize).toBeGreaterThanOrEqual(4096);
    expect(new RingHashBalancer(ten, {}, { minRingSize: 4096, maxRingSize: 2000 }).ringSize).toBeLessThanOrEqual(2000);
    // The lightest endpoint still gets points when weights are very uneven.
    const uneven = [host(1, { weight: 1 }), host(2, { weight: 1000 })];
    const ring = new RingHashBalancer(uneven);
    expect(shares(ring, 50_000, spreadKey).get(uneven[0] ?? null) ?? 0).toBeGreaterThan(0);
  });

  it('places a key by the endpoint identity, not by list order', () => {
    const list = Array.from({ length: 6 }, (_, i) => host(i));
    const forward = new RingHashBalancer(list);
    const reversed = new RingHashBalancer([...list].reverse());
    for (let i = 0; i < 2_000; i++) expect(reversed.pick(spreadKey(i))).toBe(forward.pick(spreadKey(i)));
  });

  it('keeps stable ids placed where they were when addresses change', () => {
    const before = Array.from({ length: 5 }, (_, i) => host(i, { id: `pod-${i}` }));
    const after = before.map((e, i) => ({ ...e, address: `10.9.0.${i}` }));
    const a = new RingHashBalancer(before);
    const b = new RingHashBalancer(after);
    for (let i = 0; i < 2_000; i++) expect(b.pick(spreadKey(i))?.id).toBe(a.pick(spreadKey(i))?.id);
  });
});

describe('MaglevBalancer', () => {
  it('gives each of 10 equal endpoints 10% of 200k keys within 1.5%', () => {
    const endpoints = Array.from({ length: 10 }, (_, i) => host(i));
    const counts = shares(new MaglevBalancer(endpoints), 200_000, spreadKey);
    for (const endpoint of endpoints) expect(Math.abs((counts.get(endpoint) ?? 0) / 200_000 - 0.1)).toBeLessThan(0.015);
  });

  it('honours 1:3 weights', () => {
    const light = host(1, { weight: 1 });
    const heavy = host(2, { weight: 3 });
    const counts = shares(new MaglevBalancer([light, heavy]), 100_000, spreadKey);
    expect(Math.abs((counts.get(heavy) ?? 0) / 100_000 - 0.75)).toBeLessThan(0.02);
  });

  it('moves at most ~1/N of keys when one of 100 endpoints leaves', () => {
    const endpoints = Array.from({ length: 100 }, (_, i) => host(i));
    const before = new MaglevBalancer(endpoints);
    const after = new MaglevBalancer(endpoints.filter((_, i) => i !== 42));
    let moved = 0;
    for (let i = 0; i < 100_000; i++) if (before.pick(spreadKey(i)) !== after.pick(spreadKey(i))) moved++;
    expect(moved / 100_000).toBeLessThan(0.01 * 1.6);
  });
});

describe('LeastRequestBalancer', () => {
  const loads = new Map<Endpoint, { active: number }>();
  const loadOf = (endpoint: Endpoint): RequestLoad => {
    let load = loads.get(endpoint);
    if (load === undefined) loads.set(endpoint, (load = { active: 0 }));
    return load;
  };

  it('with two choices sends a busy endpoint only the picks where both draws hit it (1/N²)', () => {
    const endpoints = Array.from({ length: 4 }, (_, i) => host(i));
    const busy = endpoints[0] as Endpoint;
    (loadOf(busy) as { active: number }).active = 50;
    const counts = shares(new LeastRequestBalancer(endpoints, { loadOf }), 100_000, () => undefined);
    // Random would give it 25%; two choices give 1/16 = 6.25%.
    expect(Math.abs((counts.get(busy) ?? 0) / 100_000 - 1 / 16)).toBeLessThan(0.01);
  });

  it('reads load live: requests finishing on an endpoint make it attractive again', () => {
    const endpoints = [host(10), host(11)];
    const balancer = new LeastRequestBalancer(endpoints, { loadOf }, { choiceCount: 40 });
    (loadOf(endpoints[0] as Endpoint) as { active: number }).active = 3;
    for (let i = 0; i < 200; i++) expect(balancer.pick()).toBe(endpoints[1]);
    (loadOf(endpoints[0] as Endpoint) as { active: number }).active = 0;
    (loadOf(endpoints[1] as Endpoint) as { active: number }).active = 3;
    for (let i = 0; i < 200; i++) expect(balancer.pick()).toBe(endpoints[0]);
  });
});

describe('RandomBalancer', () => {
  it('uses the injected random source (weighted by alias table)', () => {
    const a = host(1, { weight: 1 });
    const b = host(2, { weight: 3 });
    const low = new RandomBalancer([a, b], { random: () => 0.01 });
    const high = new RandomBalancer([a, b], { random: () => 0.99 });
    for (let i = 0; i < 10; i++) {
      expect(low.pick()).toBe(a);
      expect(high.pick()).toBe(b);
    }
    const counts = shares(new RandomBalancer([a, b]), 100_000, () => undefined);
    expect(Math.abs((counts.get(b) ?? 0) / 100_000 - 0.75)).toBeLessThan(0.01);
  });
});
