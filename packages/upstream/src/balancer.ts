import type { Endpoint } from './endpoint.js';

/**
 * Chooses an endpoint for one request from a fixed host set. A balancer is built once per host
 * set and replaced, not mutated, when the set changes, so `pick` never sees a half-applied update.
 */
export interface Balancer {
  /**
   * HOT PATH: called once per request; must not allocate or throw.
   * @param hashKey request hash (from the route's hash policy) for consistent-hashing balancers;
   *   others ignore it. Hashing balancers pick at random when it is absent.
   * @returns a member of the host set (healthy unless built in panic mode), or null when there is none.
   */
  pick(hashKey?: bigint): Endpoint | null;
}

/** Live count of requests in flight to one endpoint, kept by the cluster and read by least-request. */
export interface RequestLoad {
  readonly active: number;
}

/** What the cluster tells a balancer beyond the host set. Every field is optional. */
export interface BalancerContext {
  /**
   * Panic mode (Envoy's panic threshold): treat every member as a candidate, healthy or not,
   * because too few are healthy to carry the load.
   */
  readonly panic?: boolean;
  /** The cluster's in-flight counter for an endpoint; least-request reads it on every pick. */
  readonly loadOf?: (endpoint: Endpoint) => RequestLoad;
  /** Uniform [0, 1) source; tests inject a seeded one. Default Math.random. */
  readonly random?: () => number;
}

/** Builds a balancer for a host set. The balancer must not read `endpoints` after it returns. */
export type BalancerFactory = (endpoints: readonly Endpoint[], context?: BalancerContext) => Balancer;
