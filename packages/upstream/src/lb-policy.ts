import { LeastRequestBalancer } from './least-request-balancer.js';
import { MaglevBalancer } from './maglev-balancer.js';
import { PriorityBalancer } from './priority-balancer.js';
import { RandomBalancer } from './random-balancer.js';
import { RingHashBalancer } from './ring-hash-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';
import type { BalancerFactory } from './balancer.js';
import type { LeastRequestOptions } from './least-request-balancer.js';
import type { MaglevOptions } from './maglev-balancer.js';
import type { PriorityBalancerOptions } from './priority-balancer.js';
import type { RingHashOptions } from './ring-hash-balancer.js';

/** Envoy's `Cluster.lb_policy` names. */
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV';

export interface LoadBalancingOptions extends Omit<PriorityBalancerOptions, 'makeBalancer'> {
  /** Default ROUND_ROBIN. Ignored when `makeBalancer` is given. */
  readonly lbPolicy?: LbPolicy;
  readonly leastRequest?: LeastRequestOptions;
  readonly ringHash?: RingHashOptions;
  readonly maglev?: MaglevOptions;
  /** Balancer inside each priority level and locality; overrides `lbPolicy`. */
  readonly makeBalancer?: BalancerFactory;
}

/** The per-group balancer an `lbPolicy` names. */
export function policyBalancer(options: LoadBalancingOptions): BalancerFactory {
  if (options.makeBalancer !== undefined) return options.makeBalancer;
  switch (options.lbPolicy ?? 'ROUND_ROBIN') {
    case 'ROUND_ROBIN':
      return (endpoints, context) => new RoundRobinBalancer(endpoints, context);
    case 'LEAST_REQUEST':
      return (endpoints, context) => new LeastRequestBalancer(endpoints, context, options.leastRequest);
    case 'RANDOM':
      return (endpoints, context) => new RandomBalancer(endpoints, context);
    case 'RING_HASH':
      return (endpoints, context) => new RingHashBalancer(endpoints, context, options.ringHash);
    case 'MAGLEV':
      return (endpoints, context) => new MaglevBalancer(endpoints, context, options.maglev);
  }
}

/** The cluster's whole balancer: priority/locality failover around the policy's balancer. */
export function clusterBalancer(options: LoadBalancingOptions): BalancerFactory {
  const child = policyBalancer(options);
  const priorityOptions: PriorityBalancerOptions = { ...options, makeBalancer: child };
  return (endpoints, context) => new PriorityBalancer(endpoints, context, priorityOptions);
}
