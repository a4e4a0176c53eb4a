/** Envoy's `http.<stat_prefix>.*` counters for one connection manager. */
export class HttpConnectionManagerStats {
  downstream_cx_total = 0;
  downstream_cx_active = 0;
  downstream_cx_http1_total = 0;
  downstream_cx_http2_total = 0;
  /** Connections closed for a codec error (malformed request, headers too large, header timeout). */
  downstream_cx_protocol_error = 0;
  downstream_rq_total = 0;
  downstream_rq_active = 0;
  downstream_rq_1xx = 0;
  downstream_rq_2xx = 0;
  downstream_rq_3xx = 0;
  downstream_rq_4xx = 0;
  downstream_rq_5xx = 0;
  /** Streams the downstream reset (went away before the response was complete). */
  downstream_rq_rx_reset = 0;
  /** Streams this proxy reset, e.g. when the upstream failed after response headers were sent. */
  downstream_rq_tx_reset = 0;
  /** `request_timeout` expired. */
  downstream_rq_timeout = 0;
  /** `stream_idle_timeout` expired. */
  downstream_rq_idle_timeout = 0;
  /** A stream outlived its `max_stream_duration` (the connection manager's or its route's). */
  downstream_rq_max_duration_reached = 0;
  /** Upgrade requests no `upgrade_configs` entry allows (answered 403). */
  downstream_rq_ws_on_non_ws_route = 0;
  /** Paths `normalize_path` or `path_with_escaped_slashes_action` refused (answered 400). */
  downstream_rq_failed_path_normalization = 0;
  /** Paths with escaped slashes redirected to their unescaped form (UNESCAPE_AND_REDIRECT, 307). */
  downstream_rq_redirected_with_normalized_path = 0;
  /** Connections that reached `max_connection_duration` and were drained. */
  downstream_cx_max_duration_reached = 0;
  /** Connections that reached `max_requests_per_connection` (closed after their last response, or sent GOAWAY). */
  downstream_cx_max_requests_reached = 0;
  /** HTTP/2 connections aborted for resetting most of their streams before an answer (rapid reset). */
  downstream_rq_too_many_premature_resets = 0;

  recordResponse(status: number | undefined): void {
    switch (Math.floor((status ?? 0) / 100)) {
      case 1: this.downstream_rq_1xx++; break;
      case 2: this.downstream_rq_2xx++; break;
      case 3: this.downstream_rq_3xx++; break;
      case 4: this.downstream_rq_4xx++; break;
      case 5: this.downstream_rq_5xx++; break;
    }
  }
}
