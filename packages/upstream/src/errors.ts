import { defineError } from '@meshkit/core';

/** An endpoint list handed to `Cluster.setEndpoints` is malformed; the whole update is rejected. */
export const InvalidEndpointError = defineError(
  'MESHKIT_UPSTREAM_INVALID_ENDPOINT',
  'InvalidEndpointError',
  (cluster: string, field: string, problem: string) => `cluster '${cluster}': ${field} ${problem}`,
);

/** A cluster was used after `close()` or `destroy()`. */
export const ClusterClosedError = defineError(
  'MESHKIT_UPSTREAM_CLUSTER_CLOSED',
  'ClusterClosedError',
  (cluster: string, operation: string) => `cluster '${cluster}' is closed: cannot ${operation}`,
);

/** `new Cluster(options)` was given an option value it cannot use. */
export const InvalidClusterOptionError = defineError(
  'MESHKIT_UPSTREAM_INVALID_CLUSTER_OPTION',
  'InvalidClusterOptionError',
  (cluster: string, problem: string) => `cluster '${cluster}': ${problem}`,
);

/** A LOGICAL_DNS cluster was asked to connect before its hostname had resolved. */
export const DnsNotResolvedError = defineError(
  'MESHKIT_UPSTREAM_DNS_NOT_RESOLVED',
  'DnsNotResolvedError',
  (cluster: string, hostname: string) => `cluster '${cluster}': '${hostname}' has not resolved yet`,
);

/**
 * A request was refused because a circuit-breaker limit of the cluster was reached (Envoy's `UO`
 * response flag). Given to the request's handler, never thrown.
 */
export const UpstreamOverflowError = defineError(
  'MESHKIT_UPSTREAM_OVERFLOW',
  'UpstreamOverflowError',
  (limit: string, value: number) => `upstream overflow: ${limit} (${value}) reached`,
);
