import type { FieldReader } from './fields.js';
import { optionalInteger } from './cluster-values.js';

/** Envoy's DEFAULT-priority thresholds, each filled in with Envoy's default when not given. */
export interface CircuitBreakerSpec {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  /** Retries in flight at once to the cluster, across all requests. */
  readonly maxRetries: number;
  /** Publish the `remaining_*` gauges. */
  readonly trackRemaining: boolean;
}

export const ENVOY_CIRCUIT_BREAKER_DEFAULTS: CircuitBreakerSpec = Object.freeze({
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
  trackRemaining: false,
});

/** `circuit_breakers.thresholds[]`: the first DEFAULT entry applies, as in Envoy. */
export function readCircuitBreakers(cluster: FieldReader): CircuitBreakerSpec {
  const breakers = cluster.optionalChild('circuit_breakers');
  if (breakers === undefined) return ENVOY_CIRCUIT_BREAKER_DEFAULTS;
  breakers.allowOnly('thresholds');
  let chosen: CircuitBreakerSpec | undefined;
  for (const thresholds of breakers.children('thresholds')) {
    const priority = thresholds.optionalString('priority') ?? 'DEFAULT';
    // Routes here carry no priority, so HIGH limits would never apply; refusing says so.
    if (priority !== 'DEFAULT') thresholds.fail('priority', `${priority} is not supported (routes have no priority here, so only DEFAULT thresholds apply)`);
    thresholds.allowOnly('priority', 'max_connections', 'max_pending_requests', 'max_requests', 'max_retries', 'track_remaining');
    const read = (field: string, fallback: number): number => optionalInteger(thresholds, field, 0) ?? fallback;
    const spec = {
      maxConnections: read('max_connections', ENVOY_CIRCUIT_BREAKER_DEFAULTS.maxConnections),
      maxPendingRequests: read('max_pending_requests', ENVOY_CIRCUIT_BREAKER_DEFAULTS.maxPendingRequests),
      maxRequests: read('max_requests', ENVOY_CIRCUIT_BREAKER_DEFAULTS.maxRequests),
      maxRetries: read('max_retries', ENVOY_CIRCUIT_BREAKER_DEFAULTS.maxRetries),
      trackRemaining: thresholds.boolean('track_remaining', false),
    };
    chosen ??= spec;
  }
  return chosen ?? ENVOY_CIRCUIT_BREAKER_DEFAULTS;
}
