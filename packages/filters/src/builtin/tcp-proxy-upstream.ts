import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Cluster } from '@meshkit/upstream';

/** Why no upstream connection was made, as Envoy's flags: no healthy host, overflow, connect failure. */
export type TcpUpstreamFailure = 'UH' | 'UO' | 'UF';

export type TcpUpstreamResult = { readonly ok: true; readonly socket: Socket } | { readonly ok: false; readonly flag: TcpUpstreamFailure; readonly error: Error | null };

/** Opens one upstream connection for a TCP proxy session; injectable so tests and other transports can replace it. */
export type TcpUpstreamConnector = (cluster: Cluster) => Promise<TcpUpstreamResult>;

/** A cluster that can dial members itself (`connectTcp`: balancer pick, connect timeout, breakers, `upstream_cx_*`). */
interface DialingCluster {
  connectTcp(options?: object): Promise<{ ok: true; socket: Socket } | { ok: false; flag: TcpUpstreamFailure; error: Error | null }>;
}

const FALLBACK_CONNECT_TIMEOUT_MS = 5000;

/**
 * Dials through the cluster's own TCP connector when it has one; otherwise picks a member and
 * dials it with `node:net` (plaintext, fixed connect timeout).
 */
export const connectTcpUpstream: TcpUpstreamConnector = (cluster) => {
  const dialing = cluster as unknown as Partial<DialingCluster>;
  if (typeof dialing.connectTcp === 'function') return dialing.connectTcp();
  const endpoint = cluster.pick();
  if (endpoint === null) return Promise.resolve({ ok: false, flag: 'UH', error: null });
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.address, port: endpoint.port, allowHalfOpen: true });
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: false, flag: 'UF', error });
    };
    const timer = setTimeout(() => fail(new Error(`connect to ${endpoint.address}:${endpoint.port} timed out`)), FALLBACK_CONNECT_TIMEOUT_MS);
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve({ ok: true, socket });
    });
  });
};
