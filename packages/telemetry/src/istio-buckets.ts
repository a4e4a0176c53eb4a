/**
 * Istio's proxies leave Envoy's default histogram buckets in place, so every Istio histogram
 * (durations in ms and sizes in bytes alike) is bucketed on these bounds. Using the same bounds
 * keeps `histogram_quantile` results comparable with a real Istio mesh.
 */
export const ISTIO_HISTOGRAM_BUCKETS: readonly number[] = Object.freeze([
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
]);
