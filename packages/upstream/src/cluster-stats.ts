/**
 * A cluster's counters under Envoy's stat names, so the admin `/stats` output and dashboards
 * built for Envoy read them unchanged (Envoy's `health_check.x` is `health_check_x` here, so
 * every name is also a valid Prometheus name). `_active`, `membership_*` are gauges; the rest only grow.
 */
export interface ClusterStats {
  upstream_rq_total: number;
  upstream_rq_active: number;
  /** Requests dispatched but not yet on a connection (waiting for one to open or free up). */
  upstream_rq_pending_active: number;
  upstream_rq_pending_total: number;
  upstream_rq_2xx: number;
  upstream_rq_3xx: number;
  upstream_rq_4xx: number;
  upstream_rq_5xx: number;
  upstream_cx_total: number;
  upstream_cx_active: number;
  upstream_cx_connect_fail: number;
  upstream_cx_connect_timeout: number;
  /** Connections not opened because of `circuitBreakers.maxConnections` (TCP connects, HTTP/1.1 pools). */
  upstream_cx_overflow: number;
  /** TCP connects that found no healthy member. */
  upstream_cx_none_healthy: number;
  /** Bytes over closed TCP-proxy connections (HTTP pools do not report bytes). */
  upstream_cx_rx_bytes_total: number;
  upstream_cx_tx_bytes_total: number;
  /** Requests refused by `circuitBreakers.maxRequests` or `maxPendingRequests`. */
  upstream_rq_pending_overflow: number;
  /** Retries sent, retried requests that then succeeded, retries refused by `maxRetries`, requests out of retries. */
  upstream_rq_retry: number;
  upstream_rq_retry_success: number;
  upstream_rq_retry_overflow: number;
  upstream_rq_retry_limit_exceeded: number;
  /** Attempts given up at their per-try timeout, or per-try idle timeout. */
  upstream_rq_per_try_timeout: number;
  upstream_rq_per_try_idle_timeout: number;
  upstream_cx_http2_total: number;
  membership_total: number;
  membership_healthy: number;
  membership_change: number;
  /** Members held out of the host set while they wait for their first health check. */
  membership_excluded: number;
  /** Host sets built with at least one priority level in panic. */
  lb_healthy_panic: number;
  health_check_attempt: number;
  health_check_success: number;
  health_check_failure: number;
  /** DNS clusters: resolutions started, answered, failed, answered empty, answered unchanged. */
  update_attempt: number;
  update_success: number;
  update_failure: number;
  update_empty: number;
  update_no_rebuild: number;
}

/** The counters that whoever retries requests to a cluster writes. */
export type RetryCounters = Pick<
  ClusterStats,
  | 'upstream_rq_retry'
  | 'upstream_rq_retry_success'
  | 'upstream_rq_retry_overflow'
  | 'upstream_rq_retry_limit_exceeded'
  | 'upstream_rq_per_try_timeout'
  | 'upstream_rq_per_try_idle_timeout'
>;

export function createClusterStats(): ClusterStats {
  return {
    upstream_rq_total: 0,
    upstream_rq_active: 0,
    upstream_rq_pending_active: 0,
    upstream_rq_pending_total: 0,
    upstream_rq_2xx: 0,
    upstream_rq_3xx: 0,
    upstream_rq_4xx: 0,
    upstream_rq_5xx: 0,
    upstream_cx_total: 0,
    upstream_cx_active: 0,
    upstream_cx_connect_fail: 0,
    upstream_cx_connect_timeout: 0,
    upstream_cx_overflow: 0,
    upstream_cx_none_healthy: 0,
    upstream_cx_rx_bytes_total: 0,
    upstream_cx_tx_bytes_total: 0,
    upstream_rq_pending_overflow: 0,
    upstream_rq_retry: 0,
    upstream_rq_retry_success: 0,
    upstream_rq_retry_overflow: 0,
    upstream_rq_retry_limit_exceeded: 0,
    upstream_rq_per_try_timeout: 0,
    upstream_rq_per_try_idle_timeout: 0,
    upstream_cx_http2_total: 0,
    membership_total: 0,
    membership_healthy: 0,
    membership_change: 0,
    membership_excluded: 0,
    lb_healthy_panic: 0,
    health_check_attempt: 0,
    health_check_success: 0,
    health_check_failure: 0,
    update_attempt: 0,
    update_success: 0,
    update_failure: 0,
    update_empty: 0,
    update_no_rebuild: 0,
  };
}

/** Counts a final response status in its class; 1xx and out-of-range codes have no counter. */
export function recordResponseStatus(stats: ClusterStats, statusCode: number): void {
  if (statusCode >= 200 && statusCode < 300) stats.upstream_rq_2xx++;
  else if (statusCode >= 300 && statusCode < 400) stats.upstream_rq_3xx++;
  else if (statusCode >= 400 && statusCode < 500) stats.upstream_rq_4xx++;
  else if (statusCode >= 500 && statusCode < 600) stats.upstream_rq_5xx++;
}
