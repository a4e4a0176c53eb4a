import { candidateHosts } from './candidate-hosts.js';
import { endpointWeight } from './endpoint.js';
import { WeightedSampler } from './weighted-sampler.js';
import type { Balancer, BalancerContext, RequestLoad } from './balancer.js';
import type { Endpoint } from './endpoint.js';

export interface LeastRequestOptions {
  /** How many random candidates to compare. Default 2 (power of two choices). */
  readonly choiceCount?: number;
}

const IDLE: RequestLoad = Object.freeze({ active: 0 });

/**
 * Least request by power of N choices: draw N candidates (weighted, so a weight-3 endpoint is
 * drawn three times as often) and send to the one with the fewest requests in flight; ties go
 * to the first drawn, which keeps an idle cluster's distribution proportional to weight.
 * In-flight counts are the cluster's live counters (`BalancerContext.loadOf`); without them every
 * endpoint looks idle and this degrades to weighted random.
 */
export class LeastRequestBalancer implements Balancer {
  readonly #endpoints: readonly Endpoint[];
  readonly #loads: readonly RequestLoad[];
  readonly #sampler: WeightedSampler;
  readonly #random: () => number;
  readonly #choices: number;

  constructor(endpoints: readonly Endpoint[], context?: BalancerContext, options: LeastRequestOptions = {}) {
    this.#endpoints = candidateHosts(endpoints, context);
    const loadOf = context?.loadOf;
    this.#loads = this.#endpoints.map((endpoint) => (loadOf === undefined ? IDLE : loadOf(endpoint)));
    this.#sampler = new WeightedSampler(this.#endpoints.map(endpointWeight));
    this.#random = context?.random ?? Math.random;
    this.#choices = Math.max(1, Math.floor(options.choiceCount ?? 2));
  }

  // HOT PATH: N random draws and N counter reads; no allocation.
  pick(_hashKey?: bigint): Endpoint | null {
    const count = this.#endpoints.length;
    if (count <= 1) return this.#endpoints[0] ?? null;
    let best = this.#sampler.sample(this.#random());
    let bestActive = this.#loads[best]?.active ?? 0;
    for (let i = 1; i < this.#choices; i++) {
      const candidate = this.#sampler.sample(this.#random());
      const active = this.#loads[candidate]?.active ?? 0;
      if (active < bestActive) {
        best = candidate;
        bestActive = active;
      }
    }
    return this.#endpoints[best] ?? null;
  }
}
