import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { applyHeaderMutations } from '@meshkit/router';
import type { HeaderMutationSet } from '@meshkit/router';
import type { HeaderMap, HttpFilterContext } from '../http-filter.js';
import { ResponseFlag } from '../response-flags.js';
import { forwardableHeaders } from './hop-by-hop.js';
import { upstreamFailure } from './upstream-failure.js';
import type { PerTryTimeout, RouteRetries, RetryGate } from './route-retries.js';
import type { RouterSettings } from './router-settings.js';
import type { UpstreamFailure } from './upstream-failure.js';

/**
 * One attempt of a request to an upstream endpoint, as an undici dispatch handler: streams the
 * response back through the filter chain with back-pressure, and turns failures into Envoy's
 * local replies (or a downstream reset once the response has started). Under a retry policy it
 * asks the router's `RetryGate` first, and drops an attempt the router retries.
 */
export class UpstreamStream implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  /** Why the request was given up before undici handed over its controller (still connecting). */
  private pendingAbort: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The retry policy's per-try idle timeout, refreshed by every response byte. */
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();
  /** This router began the downstream response (Envoy's `downstream_response_started_`). */
  private headersEncoded = false;
  /** The exchange is over for this handler: completed, failed, timed out or cancelled. */
  private done = false;
  /** A gRPC trailers-only response: its headers were the whole response. */
  private trailersOnly = false;
  /** After a 101: the raw upstream connection bytes are tunnelled over. */
  private tunnel: Duplex | undefined;
  /** Downstream bytes that arrived before the upstream switched protocols. */
  private early: Buffer[] = [];
  private earlyEnd = false;

  constructor(
    private readonly ctx: HttpFilterContext,
    private readonly settings: RouterSettings,
    /** The route's `response_headers_to_add`/`_to_remove`, for upstream responses and failures alike. */
    private readonly responseMutations: readonly HeaderMutationSet[] = [],
    /** Under a retry policy: asked before answering downstream or failing. */
    private readonly retryGate?: RetryGate,
    /** Envoy's `include_attempt_count_in_response`: this attempt's number, for `x-envoy-attempt-count`. */
    private readonly attemptCount?: string,
  ) {}

  /** The exchange is over for this attempt: completed, failed, timed out, cancelled or retried. */
  get finished(): boolean {
    return this.done;
  }

  /**
   * The retry policy's per-try timeout and per-try idle timeout, armed once the downstream request
   * is complete and the attempt sent: the attempt is given up and, when the policy says so, retried.
   */
  armPerTryTimeouts(retries: RouteRetries): void {
    if (this.done) return;
    const total = retries.perTryTimeoutMs;
    const idle = retries.perTryIdleTimeoutMs;
    if (total > 0 && this.timer === undefined) this.timer = setTimeout(() => this.onPerTryTimeout(retries, 'total'), total);
    if (idle > 0 && this.idleTimer === undefined) this.idleTimer = setTimeout(() => this.onPerTryTimeout(retries, 'idle'), idle);
  }

  /** The downstream went away: abandon the upstream request. */
  cancel(): void {
    this.clearTimer();
    this.tunnel?.destroy();
    if (this.done) return;
    this.done = true;
    this.abort(new Error('downstream reset'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort !== undefined) controller.abort(this.pendingAbort);
  }

  /**
   * The upstream switched protocols (WebSocket): the 101 goes downstream and from here on the
   * stream's body is the raw bytes of both connections, with back-pressure each way.
   */
  onRequestUpgrade(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    if (this.done) {
      socket.destroy();
      return;
    }
    this.done = true;
    this.clearTimer();
    this.tunnel = socket;
    const out: HeaderMap = forwardableHeaders(headers);
    out[':status'] = String(statusCode);
    out['connection'] = 'Upgrade';
    out['upgrade'] = headers.upgrade;
    this.headersEncoded = true;
    this.ctx.encodeHeaders(out, false);
    socket.on('data', (chunk: Buffer) => {
      if (!this.ctx.encodeData(chunk, false)) {
        socket.pause();
        this.ctx.onDownstreamDrain(() => socket.resume());
      }
    });
    socket.once('end', () => this.ctx.encodeData(Buffer.alloc(0), true));
    socket.on('error', () => this.ctx.resetStream(ResponseFlag.UpstreamConnectionTermination));
    socket.once('close', () => {
      if (!this.ctx.streamInfo.hasResponseFlag(ResponseFlag.DownstreamConnectionTermination)) this.ctx.encodeData(Buffer.alloc(0), true);
    });
    const early = this.early;
    this.early = [];
    for (const chunk of early) this.sendUpgraded(chunk, false);
    if (this.earlyEnd) this.sendUpgraded(Buffer.alloc(0), true);
  }

  /** Downstream bytes of an upgraded stream, towards the upstream connection. */
  sendUpgraded(data: Buffer, endOfStream: boolean): void {
    const tunnel = this.tunnel;
    if (tunnel === undefined) {
      if (data.length > 0) this.early.push(data);
      this.earlyEnd ||= endOfStream;
      return;
    }
    if (data.length > 0 && !tunnel.write(data)) {
      this.ctx.setDownstreamReadPaused(true);
      tunnel.once('drain', () => this.ctx.setDownstreamReadPaused(false));
    }
    if (endOfStream) tunnel.end();
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (this.done || statusCode < 200) return; // 1xx informational responses are not forwarded yet
    if (this.retryGate?.retryResponse(statusCode, headers) === true) {
      this.drop();
      return;
    }
    const out: HeaderMap = forwardableHeaders(this.responseMutations.length === 0 ? headers : applyHeaderMutations(headers, this.responseMutations));
    out[':status'] = String(statusCode);
    if (!this.settings.suppressEnvoyHeaders) out['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - this.startedAt));
    if (this.attemptCount !== undefined) out['x-envoy-attempt-count'] = this.attemptCount;
    this.headersEncoded = true;
    this.idleTimer?.refresh();
    // undici does not say whether the headers ended the stream. A response carrying grpc-status in
    // its headers is gRPC's trailers-only form, which has no body and no trailers: end it here, so
    // the client reads the status from the headers as gRPC requires.
    this.trailersOnly = out['grpc-status'] !== undefined;
    this.ctx.encodeHeaders(out, this.trailersOnly);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done || this.trailersOnly) return;
    this.idleTimer?.refresh();
    if (!this.ctx.encodeData(chunk, false)) {
      controller.pause();
      this.ctx.onDownstreamDrain(() => controller.resume());
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    if (this.trailersOnly) return;
    if (hasFields(trailers)) this.ctx.encodeTrailers(trailers);
    else this.ctx.encodeData(Buffer.alloc(0), true);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    if (this.ctx.streamInfo.hasResponseFlag(ResponseFlag.DownstreamConnectionTermination)) return;
    const failure = upstreamFailure.classify(error, this.headersEncoded);
    if (!this.headersEncoded && this.retryGate?.retryReset(failure.resetReason) === true) return;
    this.fail(failure);
  }

  /** Envoy's route timeout fired (it covers every attempt and the back-off between them): give up. */
  timeOut(): void {
    this.clearTimer();
    if (this.done) return;
    this.done = true;
    // Answer now: an upstream still connecting would only report the abort when connect ends.
    this.abort(new Error('upstream request timeout'));
    this.fail(upstreamFailure.timeout);
  }

  private onPerTryTimeout(retries: RouteRetries, kind: PerTryTimeout): void {
    if (kind === 'total') this.timer = undefined;
    else this.idleTimer = undefined;
    // As in Envoy, a response that has started runs on against the route timeout; only the idle
    // timer still cuts it off.
    if (this.done || (this.headersEncoded && kind === 'total')) return;
    retries.countPerTryTimeout(kind);
    if (!this.headersEncoded && this.retryGate?.retryReset('timeout') === true) {
      this.drop();
      return;
    }
    this.timeOut();
  }

  /** The router retries instead: this attempt ends here, unseen downstream. */
  private drop(): void {
    this.done = true;
    this.clearTimer();
    this.abort(new Error('attempt abandoned for a retry'));
  }

  private fail(failure: UpstreamFailure): void {
    if (this.headersEncoded) this.ctx.resetStream(failure.flag);
    else this.ctx.respond(failure.status, failure.body, { flag: failure.flag, details: failure.details, headers: this.failureHeaders(failure) });
  }

  /** Envoy finalizes its own replies with the route's response header mutations too. */
  private failureHeaders(failure: UpstreamFailure): HeaderMap {
    const own: HeaderMap = this.settings.suppressEnvoyHeaders || failure.headers === undefined ? {} : { ...failure.headers };
    // Envoy adds the attempt count to its own replies too; suppress_envoy_headers does not touch it.
    if (this.attemptCount !== undefined) own['x-envoy-attempt-count'] = this.attemptCount;
    return this.responseMutations.length === 0 ? own : applyHeaderMutations(own, this.responseMutations);
  }

  private abort(reason: Error): void {
    if (this.controller !== undefined) this.controller.abort(reason);
    else this.pendingAbort = reason;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.timer = undefined;
    this.idleTimer = undefined;
  }
}

function hasFields(fields: Record<string, unknown>): boolean {
  for (const _name in fields) return true;
  return false;
}
