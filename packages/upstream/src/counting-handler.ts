import { recordResponseStatus } from './cluster-stats.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ClusterStats } from './cluster-stats.js';

/**
 * Wraps a dispatch handler so the cluster's request counters see every request that goes through
 * a pool, whatever API issued it (`request`, `stream`, `fetch`, a raw `dispatch`). undici accepts
 * two handler shapes and picks one by the presence of `onRequestStart`, so the wrapper must
 * present the same shape as the handler it wraps.
 */
export function countRequests(handler: Dispatcher.DispatchHandler, stats: ClusterStats): Dispatcher.DispatchHandler {
  stats.upstream_rq_total++;
  stats.upstream_rq_active++;
  return typeof handler.onRequestStart === 'function'
    ? new CountingHandler(handler, stats)
    : new LegacyCountingHandler(handler, stats);
}

/** Ends the request's share of `upstream_rq_active` exactly once, however it ends. */
class RequestTally {
  #open = true;

  constructor(private readonly stats: ClusterStats) {}

  end(): void {
    if (!this.#open) return;
    this.#open = false;
    this.stats.upstream_rq_active--;
  }
}

class CountingHandler implements Dispatcher.DispatchHandler {
  readonly #inner: Dispatcher.DispatchHandler;
  readonly #stats: ClusterStats;
  readonly #tally: RequestTally;

  constructor(inner: Dispatcher.DispatchHandler, stats: ClusterStats) {
    this.#inner = inner;
    this.#stats = stats;
    this.#tally = new RequestTally(stats);
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.#tally.end();
    this.#inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    recordResponseStatus(this.#stats, statusCode);
    this.#inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#tally.end();
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#tally.end();
    this.#inner.onResponseError?.(controller, error);
  }
}

/** The callback-style handler shape as undici actually calls it (its typings omit some arguments). */
interface LegacyHandler {
  onConnect?(abort: (reason?: Error) => void, context?: unknown): void;
  onError?(error: Error): void;
  onUpgrade?(statusCode: number, headers: Buffer[] | string[] | null, socket: Duplex): void;
  onResponseStarted?(): void;
  onHeaders?(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: string[] | null): void;
  onBodySent?(chunkSize: number, totalBytesSent: number): void;
  onRequestSent?(): void;
}

class LegacyCountingHandler implements LegacyHandler {
  readonly #inner: LegacyHandler;
  readonly #stats: ClusterStats;
  readonly #tally: RequestTally;

  constructor(inner: LegacyHandler, stats: ClusterStats) {
    this.#inner = inner;
    this.#stats = stats;
    this.#tally = new RequestTally(stats);
  }

  onConnect(abort: (reason?: Error) => void, context?: unknown): void {
    this.#inner.onConnect?.(abort, context);
  }

  onError(error: Error): void {
    this.#tally.end();
    // undici rethrows when a handler has no onError; keep that behaviour for wrapped handlers.
    if (this.#inner.onError === undefined) throw error;
    this.#inner.onError(error);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: Duplex): void {
    this.#tally.end();
    this.#inner.onUpgrade?.(statusCode, headers, socket);
  }

  onResponseStarted(): void {
    this.#inner.onResponseStarted?.();
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    // 1xx informational heads arrive here too; only the final status is counted.
    if (statusCode >= 200) recordResponseStatus(this.#stats, statusCode);
    return this.#inner.onHeaders?.(statusCode, headers, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    return this.#inner.onData?.(chunk) ?? true;
  }

  onComplete(trailers: string[] | null): void {
    this.#tally.end();
    this.#inner.onComplete?.(trailers);
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    this.#inner.onBodySent?.(chunkSize, totalBytesSent);
  }

  onRequestSent(): void {
    this.#inner.onRequestSent?.();
  }
}
