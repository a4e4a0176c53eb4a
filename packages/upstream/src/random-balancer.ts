import { candidateHosts } from './candidate-hosts.js';
import { endpointWeight } from './endpoint.js';
import { WeightedSampler } from './weighted-sampler.js';
import type { Balancer, BalancerContext } from './balancer.js';
import type { Endpoint } from './endpoint.js';

/** Weighted random choice, O(1) per pick whatever the host count. */
export class RandomBalancer implements Balancer {
  readonly #endpoints: readonly Endpoint[];
  readonly #sampler: WeightedSampler;
  readonly #random: () => number;

  constructor(endpoints: readonly Endpoint[], context?: BalancerContext) {
    this.#endpoints = candidateHosts(endpoints, context);
    this.#sampler = new WeightedSampler(this.#endpoints.map(endpointWeight));
    this.#random = context?.random ?? Math.random;
  }

  // HOT PATH: one random draw, one alias-table lookup.
  pick(_hashKey?: bigint): Endpoint | null {
    if (this.#endpoints.length <= 1) return this.#endpoints[0] ?? null;
    return this.#endpoints[this.#sampler.sample(this.#random())] ?? null;
  }
}
