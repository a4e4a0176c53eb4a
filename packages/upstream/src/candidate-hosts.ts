import { isHealthy } from './endpoint.js';
import type { BalancerContext } from './balancer.js';
import type { Endpoint } from './endpoint.js';

/** The members a balancer may pick: the healthy ones, or all of them in panic mode. */
export function candidateHosts(endpoints: readonly Endpoint[], context: BalancerContext | undefined): Endpoint[] {
  return context?.panic === true ? [...endpoints] : endpoints.filter(isHealthy);
}
