import { candidateHosts } from './candidate-hosts.js';
import { endpointWeight } from './endpoint.js';
import type { Balancer, BalancerContext } from './balancer.js';
import type { Endpoint } from './endpoint.js';

/**
 * Weighted round robin in the smooth style nginx uses: every pick adds each endpoint's weight to
 * its running score, takes the highest score and subtracts the total weight from it. Over any
 * window of `sum(weights)` picks each endpoint is chosen exactly `weight` times, and heavy
 * endpoints are interleaved with light ones instead of being picked in bursts.
 *
 * Equal weights take an O(1) rotation; unequal weights cost O(candidates) per pick.
 */
export class RoundRobinBalancer implements Balancer {
  readonly #endpoints: readonly Endpoint[];
  readonly #weights: Float64Array;
  readonly #scores: Float64Array;
  readonly #totalWeight: number;
  readonly #uniform: boolean;
  #next = 0;

  constructor(endpoints: readonly Endpoint[], context?: BalancerContext) {
    // Health is fixed per host set, so unhealthy endpoints are dropped once here, not per pick.
    this.#endpoints = candidateHosts(endpoints, context);
    this.#weights = Float64Array.from(this.#endpoints, endpointWeight);
    this.#scores = new Float64Array(this.#endpoints.length);
    this.#totalWeight = this.#weights.reduce((sum, weight) => sum + weight, 0);
    this.#uniform = this.#weights.every((weight) => weight === this.#weights[0]);
  }

  // HOT PATH: no allocation; the weighted loop touches two typed arrays only.
  pick(_hashKey?: bigint): Endpoint | null {
    const count = this.#endpoints.length;
    if (count <= 1) return this.#endpoints[0] ?? null;
    if (this.#uniform) {
      const index = this.#next;
      this.#next = index + 1 === count ? 0 : index + 1;
      return this.#endpoints[index] ?? null;
    }
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
