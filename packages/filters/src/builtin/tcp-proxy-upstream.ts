import type { Socket } from 'node:net';
import type { Cluster, TcpConnectFailureFlag } from '@meshkit/upstream';

/** Why no upstream connection was made, as Envoy's flags: no healthy host, overflow, connect failure. */
export type TcpUpstreamFailure = TcpConnectFailureFlag;

export type TcpUpstreamResult = { readonly ok: true; readonly socket: Socket } | { readonly ok: false; readonly flag: TcpUpstreamFailure; readonly error: Error | null };

/** Opens one upstream connection for a TCP proxy session; injectable so tests and other transports can replace it. */
export type TcpUpstreamConnector = (cluster: Cluster) => Promise<TcpUpstreamResult>;

/**
 * Dials through the cluster's TCP connector: one balancer pick, its connect timeout and
 * `max_connections` breaker, TLS when the cluster has a transport socket, `upstream_cx_*` stats.
 */
export const connectTcpUpstream: TcpUpstreamConnector = (cluster) => cluster.connectTcp();
