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

/**
 * An HTTP/2 upstream reset the stream (RST_STREAM) while its connection lived on: Envoy's
 * "remote reset". `REFUSED_STREAM` has its own error below.
 */
export const UpstreamRemoteResetError = defineError(
  'MESHKIT_UPSTREAM_REMOTE_RESET',
  'UpstreamRemoteResetError',
  (code: number) => `upstream reset the stream with HTTP/2 error code ${code}`,
);

/** An HTTP/2 upstream refused the stream (REFUSED_STREAM, or past a GOAWAY's last stream): it never processed the request. */
export const UpstreamRefusedStreamError = defineError(
  'MESHKIT_UPSTREAM_REFUSED_STREAM',
  'UpstreamRefusedStreamError',
  () => 'upstream refused the stream (NGHTTP2_REFUSED_STREAM)',
);

/** An HTTP/2 stream ended on a protocol error (a malformed response, or the upstream said PROTOCOL_ERROR). */
export const UpstreamHttp2ProtocolError = defineError(
  'MESHKIT_UPSTREAM_HTTP2_PROTOCOL_ERROR',
  'UpstreamHttp2ProtocolError',
  () => 'HTTP/2 protocol error on the upstream stream',
);
