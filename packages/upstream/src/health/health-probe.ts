import type { ConnectionOptions } from 'node:tls';
import type { Endpoint } from '../endpoint.js';

/**
 * One active check against one endpoint. Resolves true for healthy, and false when the endpoint
 * answered that it is not (Envoy's "active" failure: unhealthy at once, whatever the
 * unhealthy threshold). Rejects when the check could not complete — refused, reset, timed out, or
 * an answer Envoy calls retriable (a "network" failure, counted toward the threshold). Must stop
 * its I/O when `signal` aborts (the check's timeout).
 */
export type HealthProbe = (endpoint: Endpoint, signal: AbortSignal) => Promise<boolean>;

/** Transport details a probe shares with the cluster's data connections. */
export interface ProbeTransport {
  /** TLS towards the endpoint, as the cluster uses it; undefined for plaintext. */
  readonly tls?: ConnectionOptions | undefined;
}
