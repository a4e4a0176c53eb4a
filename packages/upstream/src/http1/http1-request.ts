import { RequestController } from '../request-controller.js';
import type { Dispatcher } from 'undici';
import type { RequestBody } from '../request-options.js';

/** Where a request currently is (the pool's queue, or a connection), told of its controller calls. */
export interface RequestSite {
  abortRequest(request: Http1Request, reason: Error): void;
  pauseRequest(request: Http1Request): void;
  resumeRequest(request: Http1Request): void;
}

/**
 * One request through an `Http1Pool`, from dispatch to its last callback. It is also the
 * controller its handler gets, so a request costs one object here. A request is retried at most
 * once, with the same controller, and `onRequestStart` is not repeated.
 */
export class Http1Request extends RequestController {
  site: RequestSite | null = null;
  /** The next request in the pool's FIFO queue. */
  next: Http1Request | null = null;
  /** `onRequestStart` has been delivered. */
  started = false;
  retried = false;
  /** A final (non-1xx) response head has been delivered. */
  responseStarted = false;
  constructor(
    readonly handler: Dispatcher.DispatchHandler,
    readonly method: string,
    /** The complete head, blank line included (latin1). */
    readonly head: string,
    readonly body: RequestBody,
    /** Bytes of a Buffer/string body, or a stream body's declared Content-Length; -1 for chunked. */
    readonly bodyLength: number,
    /** An Upgrade (or CONNECT) request: a 101 (a 2xx to CONNECT) hands the socket over. */
    readonly upgrade: boolean,
    /** The connection closes after this exchange (`reset: true` or `Connection: close`). */
    readonly reset: boolean,
    /** May be resent once on a fresh connection if a reused one failed before any response byte. */
    readonly retryable: boolean,
  ) {
    super();
  }

  protected onAbort(error: Error): void {
    this.site?.abortRequest(this, error);
  }

  protected onPause(): void {
    this.site?.pauseRequest(this);
  }

  protected onResume(): void {
    this.site?.resumeRequest(this);
  }

  /** Delivers the handler's last callback: an error. */
  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.site = null;
    this.handler.onResponseError?.(this, error);
  }
}
