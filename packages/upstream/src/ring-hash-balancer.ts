import { candidateHosts } from './candidate-hosts.js';
import { endpointHashName, endpointWeight } from './endpoint.js';
import { foldHashKey, hashString, mixHashes, randomHash } from './hash.js';
import type { Balancer, BalancerContext } from './balancer.js';
import type { Endpoint } from './endpoint.js';

export interface RingHashOptions {
  /** Envoy's `minimum_ring_size`. Default 1024. */
  readonly minRingSize?: number;
  /** Envoy's `maximum_ring_size`. Default 8M. */
  readonly maxRingSize?: number;
}

const DEFAULT_MIN_RING = 1024;
const DEFAULT_MAX_RING = 8 * 1024 * 1024;
// Ring entries are sorted as one double: position * 2^21 + host index, exact below 2^53.
const HOST_INDEX_SPACE = 2 ** 21;

/**
 * Consistent hashing on a ring (Ketama style): each endpoint gets points on a 32-bit circle in
 * proportion to its weight, and a request goes to the first point at or after its hash. When one
 * of N endpoints leaves, only the keys that were on its points move (about 1/N of them).
 */
export class RingHashBalancer implements Balancer {
  readonly #endpoints: readonly Endpoint[];
  readonly #positions: Uint32Array;
  readonly #owners: Int32Array;
  readonly #random: () => number;

  constructor(endpoints: readonly Endpoint[], context?: BalancerContext, options: RingHashOptions = {}) {
    this.#endpoints = candidateHosts(endpoints, context).slice(0, HOST_INDEX_SPACE);
    this.#random = context?.random ?? Math.random;
    const entries = buildRing(this.#endpoints, options.minRingSize ?? DEFAULT_MIN_RING, options.maxRingSize ?? DEFAULT_MAX_RING);
    this.#positions = new Uint32Array(entries.length);
    this.#owners = new Int32Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] ?? 0;
      const owner = entry % HOST_INDEX_SPACE;
      this.#owners[i] = owner;
      this.#positions[i] = (entry - owner) / HOST_INDEX_SPACE;
    }
  }

  /** Number of points on the ring (for tests and the admin page). */
  get ringSize(): number {
    return this.#positions.length;
  }

  // HOT PATH: one fold of the key and a binary search over a typed array.
  pick(hashKey?: bigint): Endpoint | null {
    const positions = this.#positions;
    if (positions.length === 0) return null;
    const hash = hashKey === undefined ? randomHash(this.#random) : foldHashKey(hashKey);
    let low = 0;
    let high = positions.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((positions[mid] ?? 0) < hash) low = mid + 1;
      else high = mid;
    }
    const slot = low === positions.length ? 0 : low;
    return this.#endpoints[this.#owners[slot] ?? 0] ?? null;
  }
}

/** Envoy's sizing: the lightest endpoint gets at least one point, the ring stays within min..max. */
function buildRing(endpoints: readonly Endpoint[], minRingSize: number, maxRingSize: number): Float64Array {
  if (endpoints.length === 0) return new Float64Array(0);
  const weights = endpoints.map(endpointWeight);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const minNormalized = Math.min(...weights) / total;
  // Envoy's scale gives the lightest endpoint ceil(min share × min ring) points. Rounding that
  // count up to a power of two means most membership changes leave every remaining endpoint's
  // points where they were, so only the leaver's keys move; a change that crosses a power of
  // two re-scales the ring like Envoy's does.
  const lightestPoints = 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(minNormalized * minRingSize))));
  const scale = Math.min(lightestPoints / minNormalized, maxRingSize);
  const entries: number[] = [];
  // A running target keeps rounding from starving light endpoints or inflating heavy ones.
  let target = 0;
  for (let host = 0; host < endpoints.length; host++) {
    target += (scale * (weights[host] ?? 1)) / total;
    const base = hashString(endpointHashName(endpoints[host] as Endpoint));
    for (let replica = 0; entries.length < Math.round(target); replica++) {
      entries.push(mixHashes(base, replica) * HOST_INDEX_SPACE + host);
    }
  }
  return Float64Array.from(entries).sort();
}
