import { candidateHosts } from './candidate-hosts.js';
import { EdfScheduler } from './edf-scheduler.js';
import { endpointWeight } from './endpoint.js';
import type { Balancer, BalancerContext } from './balancer.js';
import type { Endpoint } from './endpoint.js';

/**
 * Smooth weighted round robin. Over any run of `sum(weights)` consecutive picks each endpoint is
 * chosen exactly `weight` times, and heavy endpoints are interleaved with light ones instead of
 * being picked in bursts.
 *
 * Equal weights take an O(1) rotation; unequal weights an earliest-deadline-first scheduler,
 * O(log candidates) per pick (see `EdfScheduler`).
 */
export class RoundRobinBalancer implements Balancer {
  readonly #endpoints: readonly Endpoint[];
  readonly #scheduler: EdfScheduler | null;
  #next = 0;

  constructor(endpoints: readonly Endpoint[], context?: BalancerContext) {
    // Health is fixed per host set, so unhealthy endpoints are dropped once here, not per pick.
    this.#endpoints = candidateHosts(endpoints, context);
    const weights = this.#endpoints.map(endpointWeight);
    const uniform = weights.every((weight) => weight === weights[0]);
    this.#scheduler = uniform ? null : new EdfScheduler(weights);
  }

  // HOT PATH: no allocation; one heap sift for weighted sets.
  pick(_hashKey?: bigint): Endpoint | null {
    const count = this.#endpoints.length;
    if (count <= 1) return this.#endpoints[0] ?? null;
    if (this.#scheduler !== null) return this.#endpoints[this.#scheduler.next()] ?? null;
    const index = this.#next;
    this.#next = index + 1 === count ? 0 : index + 1;
    return this.#endpoints[index] ?? null;
  }
}
