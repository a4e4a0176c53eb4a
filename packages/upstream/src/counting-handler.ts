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
export function countRequests(handler: Dispatcher.DispatchHandler, stats: ClusterStats, load: MutableRequestLoad): Dispatcher.DispatchHandler {
  stats.upstream_rq_total++;
  stats.upstream_rq_active++;
  stats.upstream_rq_pending_total++;
  stats.upstream_rq_pending_active++;
  load.active++;
  const tally = new RequestTally(stats, load);
  return typeof handler.onRequestStart === 'function'
    ? new CountingHandler(handler, stats, tally)
    : new LegacyCountingHandler(handler, stats, tally);
}

/** The per-endpoint in-flight counter least-request reads. */
export interface MutableRequestLoad {
  active: number;
}

/**
 * Ends the request's share of the pending gauge (once it is on a connection) and of the active
 * gauges (once it is over) exactly once each, however it ends.
 */
export class RequestTally {
  #pending = true;
  #open = true;

  constructor(
    private readonly stats: ClusterStats,
    private readonly load: MutableRequestLoad,
  ) {}

  started(): void {
    if (!this.#pending) return;
    this.#pending = false;
    this.stats.upstream_rq_pending_active--;
  }

  end(): void {
    this.started();
    if (!this.#open) return;
    this.#open = false;
    this.stats.upstream_rq_active--;
    this.load.active--;
  }
}

class CountingHandler implements Dispatcher.DispatchHandler {
  readonly #inner: Dispatcher.DispatchHandler;
  readonly #stats: ClusterStats;
  readonly #tally: RequestTally;

  constructor(inner: Dispatcher.DispatchHandler, stats: ClusterStats, tally: RequestTally) {
    this.#inner = inner;
    this.#stats = stats;
    this.#tally = tally;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#tally.started();
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

  constructor(inner: LegacyHandler, stats: ClusterStats, tally: RequestTally) {
    this.#inner = inner;
    this.#stats = stats;
    this.#tally = tally;
  }

  onConnect(abort: (reason?: Error) => void, context?: unknown): void {
    this.#tally.started();
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
