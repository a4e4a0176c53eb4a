export { Cluster } from './cluster.js';
export { ClusterManager } from './cluster-manager.js';
export { RoundRobinBalancer } from './round-robin-balancer.js';
export { ClusterClosedError, InvalidClusterOptionError, InvalidEndpointError } from './errors.js';
export type { Balancer, BalancerFactory } from './balancer.js';
export type { ClusterOptions } from './cluster.js';
export type { ClusterStats } from './cluster-stats.js';
export type { Endpoint } from './endpoint.js';
