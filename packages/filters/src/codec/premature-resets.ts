/** Envoy's `overload.premature_reset_total_stream_count` default. */
const TOTAL_STREAM_COUNT = 500;
/** Envoy's `overload.premature_reset_min_stream_lifetime_seconds` default, compared in whole seconds. */
const MIN_STREAM_LIFETIME_SECONDS = 1;

/**
 * Envoy's guard against HTTP/2 rapid reset (CVE-2023-44487), one per connection: a client that
 * opens streams and resets them at once costs a frame pair each, while the proxy pays for stream
 * setup, the filter chain and an upstream request. A stream is premature when it closed within
 * the minimum lifetime without a response. Once `TOTAL_STREAM_COUNT` streams have closed, the
 * connection goes when at least half of them were premature; before that, as soon as half of
 * that count were (the share could no longer fall below half).
 */
export class PrematureResets {
  private closed = 0;
  private premature = 0;
  private tripped = false;

  /** Counts a closed stream; true, once, when the connection must now be aborted. */
  streamClosed(lifetimeMs: number, answered: boolean): boolean {
    if (this.tripped) return false;
    this.closed++;
    if (!answered && Math.floor(lifetimeMs / 1000) <= MIN_STREAM_LIFETIME_SECONDS) this.premature++;
    const limit = Math.max(this.closed, TOTAL_STREAM_COUNT);
    this.tripped = this.premature * 2 >= limit;
    return this.tripped;
  }
}
