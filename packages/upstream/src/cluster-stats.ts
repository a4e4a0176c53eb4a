/**
 * A cluster's counters under Envoy's stat names, so the admin `/stats` output and dashboards
 * built for Envoy read them unchanged. `_active` and `membership_*` are gauges; the rest only grow.
 */
export interface ClusterStats {
  upstream_rq_total: number;
  upstream_rq_active: number;
  upstream_rq_2xx: number;
  upstream_rq_3xx: number;
  upstream_rq_4xx: number;
  upstream_rq_5xx: number;
  upstream_cx_total: number;
  upstream_cx_active: number;
  upstream_cx_connect_fail: number;
  membership_total: number;
  membership_healthy: number;
}

export function createClusterStats(): ClusterStats {
  return {
    upstream_rq_total: 0,
    upstream_rq_active: 0,
    upstream_rq_2xx: 0,
    upstream_rq_3xx: 0,
    upstream_rq_4xx: 0,
    upstream_rq_5xx: 0,
    upstream_cx_total: 0,
    upstream_cx_active: 0,
    upstream_cx_connect_fail: 0,
    membership_total: 0,
    membership_healthy: 0,
  };
}

/** Counts a final response status in its class; 1xx and out-of-range codes have no counter. */
export function recordResponseStatus(stats: ClusterStats, statusCode: number): void {
  if (statusCode >= 200 && statusCode < 300) stats.upstream_rq_2xx++;
  else if (statusCode >= 300 && statusCode < 400) stats.upstream_rq_3xx++;
  else if (statusCode >= 400 && statusCode < 500) stats.upstream_rq_4xx++;
  else if (statusCode >= 500 && statusCode < 600) stats.upstream_rq_5xx++;
}
