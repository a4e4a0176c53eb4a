import type { Dispatcher } from 'undici';
import type { HeaderMap, HttpFilterContext } from '../http-filter.js';
import { ResponseFlag } from '../response-flags.js';
import { forwardableHeaders } from './hop-by-hop.js';
import { upstreamFailure } from './upstream-failure.js';

class UpstreamTimeoutError extends Error {}

/**
 * One request in flight to an upstream endpoint, as an undici dispatch handler: streams the
 * response back through the filter chain with back-pressure, and turns failures into Envoy's
 * local replies (or a downstream reset once the response has started).
 */
export class UpstreamStream implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();
  private finished = false;

  constructor(private readonly ctx: HttpFilterContext) {}

  /** Aborts with Envoy's `UT` once `timeoutMs` passes without response headers (0 = no limit). */
  armTimeout(timeoutMs: number): void {
    if (timeoutMs <= 0) return;
    this.timer = setTimeout(() => this.controller?.abort(new UpstreamTimeoutError('upstream request timeout')), timeoutMs);
  }

  /** The downstream went away: abandon the upstream request. */
  cancel(): void {
    this.clearTimer();
    if (!this.finished) this.controller?.abort(new Error('downstream reset'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx informational responses are not forwarded yet
    this.clearTimer();
    const out: HeaderMap = forwardableHeaders(headers);
    out[':status'] = String(statusCode);
    out['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - this.startedAt));
    this.ctx.encodeHeaders(out, false);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.ctx.encodeData(chunk, false)) {
      controller.pause();
      this.ctx.onDownstreamDrain(() => controller.resume());
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    this.finished = true;
    if (Object.keys(trailers).length > 0) this.ctx.encodeTrailers(trailers);
    else this.ctx.encodeData(Buffer.alloc(0), true);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.finished = true;
    this.clearTimer();
    if (this.ctx.streamInfo.hasResponseFlag(ResponseFlag.DownstreamConnectionTermination)) return;
    const failure = error instanceof UpstreamTimeoutError ? upstreamFailure.timeout : upstreamFailure.classify(error, this.ctx.responseStarted);
    if (this.ctx.responseStarted) this.ctx.resetStream(failure.flag);
    else this.ctx.respond(failure.status, failure.body, { flag: failure.flag, details: failure.details });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
