export { runBalancerConformance } from './balancer-conformance.js';
export type { BalancerConformanceOptions } from './balancer-conformance.js';
