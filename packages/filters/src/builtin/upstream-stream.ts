import type { Dispatcher } from 'undici';
import type { HeaderMap, HttpFilterContext } from '../http-filter.js';
import { ResponseFlag } from '../response-flags.js';
import { forwardableHeaders } from './hop-by-hop.js';
import { upstreamFailure } from './upstream-failure.js';
import type { UpstreamFailure } from './upstream-failure.js';

/**
 * One request in flight to an upstream endpoint, as an undici dispatch handler: streams the
 * response back through the filter chain with back-pressure, and turns failures into Envoy's
 * local replies (or a downstream reset once the response has started).
 */
export class UpstreamStream implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  /** Why the request was given up before undici handed over its controller (still connecting). */
  private pendingAbort: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();
  /** This router began the downstream response (Envoy's `downstream_response_started_`). */
  private headersEncoded = false;
  /** The exchange is over for this handler: completed, failed, timed out or cancelled. */
  private done = false;

  constructor(private readonly ctx: HttpFilterContext) {}

  /**
   * Envoy's route timeout: armed when the downstream request is complete, it covers the whole
   * upstream response, not just its headers (0 = no limit).
   */
  armTimeout(timeoutMs: number): void {
    if (timeoutMs <= 0 || this.done || this.timer !== undefined) return;
    this.timer = setTimeout(() => this.onTimeout(), timeoutMs);
  }

  /** The downstream went away: abandon the upstream request. */
  cancel(): void {
    this.clearTimer();
    if (this.done) return;
    this.done = true;
    this.abort(new Error('downstream reset'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort !== undefined) controller.abort(this.pendingAbort);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (this.done || statusCode < 200) return; // 1xx informational responses are not forwarded yet
    const out: HeaderMap = forwardableHeaders(headers);
    out[':status'] = String(statusCode);
    out['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - this.startedAt));
    this.headersEncoded = true;
    this.ctx.encodeHeaders(out, false);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    if (!this.ctx.encodeData(chunk, false)) {
      controller.pause();
      this.ctx.onDownstreamDrain(() => controller.resume());
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    if (Object.keys(trailers).length > 0) this.ctx.encodeTrailers(trailers);
    else this.ctx.encodeData(Buffer.alloc(0), true);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    if (this.ctx.streamInfo.hasResponseFlag(ResponseFlag.DownstreamConnectionTermination)) return;
    this.fail(upstreamFailure.classify(error, this.headersEncoded));
  }

  private onTimeout(): void {
    this.timer = undefined;
    if (this.done) return;
    this.done = true;
    // Answer now: an upstream still connecting would only report the abort when connect ends.
    this.abort(new Error('upstream request timeout'));
    this.fail(upstreamFailure.timeout);
  }

  private fail(failure: UpstreamFailure): void {
    if (this.headersEncoded) this.ctx.resetStream(failure.flag);
    else this.ctx.respond(failure.status, failure.body, { flag: failure.flag, details: failure.details });
  }

  private abort(reason: Error): void {
    if (this.controller !== undefined) this.controller.abort(reason);
    else this.pendingAbort = reason;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
