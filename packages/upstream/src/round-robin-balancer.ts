import { endpointWeight, isHealthy } from './endpoint.js';
import type { Balancer } from './balancer.js';
import type { Endpoint } from './endpoint.js';

/**
 * Weighted round robin in the smooth style nginx uses: every pick adds each endpoint's weight to
 * its running score, takes the highest score and subtracts the total weight from it. Over any
 * window of `sum(weights)` picks each endpoint is chosen exactly `weight` times, and heavy
 * endpoints are interleaved with light ones instead of being picked in bursts.
 *
 * Cost is O(healthy endpoints) per pick; an EDF scheduler can replace it for very large sets
 * without changing the interface.
 */
export class RoundRobinBalancer implements Balancer {
  readonly #endpoints: readonly Endpoint[];
  readonly #weights: Float64Array;
  readonly #scores: Float64Array;
  readonly #totalWeight: number;

  constructor(endpoints: readonly Endpoint[]) {
    // Health is fixed per host set, so unhealthy endpoints are dropped once here, not per pick.
    this.#endpoints = endpoints.filter(isHealthy);
    this.#weights = Float64Array.from(this.#endpoints, endpointWeight);
    this.#scores = new Float64Array(this.#endpoints.length);
    this.#totalWeight = this.#weights.reduce((sum, weight) => sum + weight, 0);
  }

  // HOT PATH: no allocation; the loop touches two typed arrays only.
  pick(_hashKey?: bigint): Endpoint | null {
    const count = this.#endpoints.length;
    if (count === 1) return this.#endpoints[0] ?? null;
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < count; i++) {
      const score = (this.#scores[i] ?? 0) + (this.#weights[i] ?? 0);
      this.#scores[i] = score;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best < 0) return null;
    this.#scores[best] = bestScore - this.#totalWeight;
    return this.#endpoints[best] ?? null;
  }
}
