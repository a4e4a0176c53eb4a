import type { Endpoint } from './endpoint.js';

/**
 * Chooses an endpoint for one request from a fixed host set. A balancer is built once per host
 * set and replaced, not mutated, when the set changes, so `pick` never sees a half-applied update.
 */
export interface Balancer {
  /**
   * HOT PATH: called once per request; must not allocate or throw.
   * @param hashKey request hash for consistent-hashing balancers; others ignore it.
   * @returns a healthy member of the host set, or null when there is none.
   */
  pick(hashKey?: bigint): Endpoint | null;
}

/** Builds a balancer for a host set. The balancer must not read `endpoints` after it returns. */
export type BalancerFactory = (endpoints: readonly Endpoint[]) => Balancer;
