import type { FilterManager } from './filter-manager.js';
import { ResponseFlag } from './response-flags.js';

/** Something that wants to know the stream moved (the idle timer). */
export interface StreamActivity {
  touch(): void;
}

/**
 * Envoy's per-stream timers: `stream_idle_timeout` (no bytes either way for that long) and
 * `request_timeout` (the whole request must have arrived by then). Both answer 408 when nothing
 * went downstream yet, else reset the stream. One pair of timers per stream; activity refreshes
 * the idle one in place instead of allocating a new timer.
 */
export class StreamTimeouts implements StreamActivity {
  private idle: NodeJS.Timeout | undefined;
  private request: NodeJS.Timeout | undefined;
  private manager: FilterManager | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly requestMs: number,
    private readonly onTimeout: (kind: 'idle' | 'request') => void,
  ) {}

  start(manager: FilterManager): void {
    this.manager = manager;
    if (this.idleMs > 0) this.idle = setTimeout(() => this.fire('idle'), this.idleMs);
    if (this.requestMs > 0) this.request = setTimeout(() => this.fire('request'), this.requestMs);
  }

  // HOT PATH: per body chunk; `refresh` re-arms the same timer object.
  touch(): void {
    this.idle?.refresh();
  }

  /** The downstream request is complete: only the idle timer still applies. */
  requestComplete(): void {
    if (this.request !== undefined) clearTimeout(this.request);
    this.request = undefined;
  }

  stop(): void {
    if (this.idle !== undefined) clearTimeout(this.idle);
    this.requestComplete();
    this.idle = undefined;
    this.manager = undefined;
  }

  private fire(kind: 'idle' | 'request'): void {
    const manager = this.manager;
    this.stop();
    if (manager === undefined) return;
    this.onTimeout(kind);
    if (kind === 'idle') {
      manager.connectionManagerReply(408, 'stream timeout', { flag: ResponseFlag.StreamIdleTimeout, details: 'stream_idle_timeout' });
    } else {
      manager.connectionManagerReply(408, 'request timeout', { details: 'request_overall_timeout' });
    }
  }
}
