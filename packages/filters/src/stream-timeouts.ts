import { performance } from 'node:perf_hooks';
import { flushAfterReads } from '@meshkit/core';
import type { FilterManager } from './filter-manager.js';
import { ResponseFlag } from './response-flags.js';

/** Something that wants to know the stream moved (the idle timer). */
export interface StreamActivity {
  touch(): void;
}

export type StreamTimeoutKind = 'idle' | 'request' | 'duration';

const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * Envoy's per-stream timers: `stream_idle_timeout` (no bytes either way for that long),
 * `request_timeout` (the whole request must have arrived by then) and `max_stream_duration` (the
 * stream's whole life, the connection manager's unless its route sets one). Each answers locally
 * when nothing went downstream yet, else resets the stream. Activity refreshes the idle timer in
 * place instead of allocating a new one, once per pass of the event loop however many chunks and
 * header blocks moved in it (and not at all when the stream ended in that pass).
 */
export class StreamTimeouts implements StreamActivity {
  private idle: NodeJS.Timeout | undefined;
  private request: NodeJS.Timeout | undefined;
  private duration: NodeJS.Timeout | undefined;
  private manager: FilterManager | undefined;
  private requestDone = false;
  /** Activity seen in this pass of the event loop; the idle timer is refreshed after it. */
  private touched = false;

  constructor(
    private readonly idleMs: number,
    private readonly requestMs: number,
    private readonly maxDurationMs: number,
    private readonly onTimeout: (kind: StreamTimeoutKind) => void,
  ) {}

  start(manager: FilterManager): void {
    this.manager = manager;
    if (this.idleMs > 0) this.idle = setTimeout(() => this.fire('idle'), this.idleMs);
    if (this.requestMs > 0) this.request = setTimeout(() => this.fire('request'), this.requestMs);
    if (this.maxDurationMs > 0) this.duration = setTimeout(() => this.fire('duration'), this.maxDurationMs);
  }

  /**
   * The stream's route is known: its `max_stream_duration` (see `streamDurationLimitMs`) replaces
   * the connection manager's, counted from the stream's start; null lifts it, undefined keeps it.
   */
  routeLimit(limitMs: number | null | undefined): void {
    const manager = this.manager;
    if (limitMs === undefined || manager === undefined) return;
    if (this.duration !== undefined) clearTimeout(this.duration);
    this.duration = undefined;
    if (limitMs === null) return;
    const elapsed = performance.now() - manager.streamInfo.startTime;
    this.duration = setTimeout(() => this.fire('duration'), Math.max(0, limitMs - elapsed));
  }

  /** The route's `idle_timeout` replaces `stream_idle_timeout` for this stream; 0 turns idle timing off. */
  routeIdleTimeout(ms: number): void {
    if (this.manager === undefined) return;
    if (this.idle !== undefined) clearTimeout(this.idle);
    this.idle = ms > 0 ? setTimeout(() => this.fire('idle'), ms) : undefined;
  }

  // HOT PATH: per body chunk and header block.
  touch(): void {
    if (this.touched || this.idle === undefined) return;
    this.touched = true;
    flushAfterReads(this.refreshIdle);
  }

  private readonly refreshIdle = (): void => {
    if (!this.touched) return;
    this.touched = false;
    this.idle?.refresh();
  };

  /** The downstream request is complete: the request timer no longer applies. */
  requestComplete(): void {
    this.requestDone = true;
    if (this.request !== undefined) clearTimeout(this.request);
    this.request = undefined;
  }

  stop(): void {
    this.touched = false;
    if (this.idle !== undefined) clearTimeout(this.idle);
    if (this.duration !== undefined) clearTimeout(this.duration);
    if (this.request !== undefined) clearTimeout(this.request);
    this.idle = undefined;
    this.duration = undefined;
    this.request = undefined;
    this.manager = undefined;
  }

  private fire(kind: StreamTimeoutKind): void {
    const manager = this.manager;
    this.stop();
    if (manager === undefined) return;
    this.onTimeout(kind);
    if (kind === 'idle') {
      manager.connectionManagerReply(408, 'stream timeout', { flag: ResponseFlag.StreamIdleTimeout, details: 'stream_idle_timeout' });
    } else if (kind === 'request') {
      manager.connectionManagerReply(408, 'request timeout', { details: 'request_overall_timeout' });
    } else {
      // 408 while the request is still arriving, else 504; gRPC hears DEADLINE_EXCEEDED.
      const options = { flag: ResponseFlag.DurationTimeout, details: 'max_duration_timeout', grpcStatus: GRPC_DEADLINE_EXCEEDED };
      manager.connectionManagerReply(this.requestDone ? 504 : 408, 'downstream duration timeout', options);
    }
  }
}
