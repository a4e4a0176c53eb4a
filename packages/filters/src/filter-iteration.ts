import type { FilterStatus, HeaderMap } from './http-filter.js';

/** One piece of a stream travelling through the filters: headers, a body chunk, or trailers. */
export type StreamEntry =
  | { readonly kind: 'headers'; readonly headers: HeaderMap; readonly endOfStream: boolean }
  | { readonly kind: 'data'; readonly data: Buffer; readonly endOfStream: boolean }
  | { readonly kind: 'trailers'; readonly trailers: HeaderMap };

/** What an iteration calls back into: the stream's filter manager, one object for both directions. */
export interface IterationHost {
  /** Runs filter `index` on `entry`. */
  visit(decoding: boolean, filterIndex: number, entry: StreamEntry): FilterStatus;
  /** The entry passed every filter of the direction. */
  deliver(decoding: boolean, entry: StreamEntry): void;
  /** Nothing is queued or stopped any more. */
  idle(decoding: boolean): void;
}

/**
 * Walks entries through filters in one direction. An entry reaches filter k+1 only after filter k
 * let it continue, entries never overtake each other, and a `'stop'` holds the whole direction
 * until `resume()`. Entries arriving meanwhile wait, in order.
 */
export class FilterIteration {
  private readonly queue: (StreamEntry | undefined)[] = [];
  private head = 0;
  /** How many filters the head entry has passed. */
  private passed = 0;
  private running = false;
  /** The filter index holding the iteration, or -1. */
  stoppedBy = -1;
  halted = false;
  /** Body bytes waiting in the queue (not yet past every filter), for buffer limits. */
  queuedBytes = 0;

  /**
   * @param first index of the first filter to visit
   * @param step +1 for requests (chain order), -1 for responses (reverse order)
   * @param count how many filters to visit
   */
  constructor(
    private readonly first: number,
    private readonly step: 1 | -1,
    private readonly count: number,
    private readonly host: IterationHost,
  ) {}

  /** The kind of entry a filter stopped on, or undefined when nothing is stopped. */
  get stoppedOn(): StreamEntry['kind'] | undefined {
    return this.stoppedBy < 0 ? undefined : this.queue[this.head]?.kind;
  }

  get isPaused(): boolean {
    return this.stoppedBy >= 0 || this.head < this.queue.length;
  }

  push(entry: StreamEntry): void {
    // A halted direction never moves again; queueing would only hold the rest of a body in memory.
    if (this.halted) return;
    if (entry.kind === 'data') this.queuedBytes += entry.data.length;
    this.queue.push(entry);
    if (this.stoppedBy < 0 && !this.running) this.pump();
  }

  resume(): void {
    if (this.stoppedBy < 0) return;
    this.stoppedBy = -1;
    if (!this.running) this.pump();
  }

  private pump(): void {
    this.running = true;
    while (this.head < this.queue.length && this.stoppedBy < 0 && !this.halted) {
      const entry = this.queue[this.head] as StreamEntry;
      while (this.passed < this.count) {
        const index = this.first + this.step * this.passed;
        this.passed++;
        if (this.host.visit(this.step === 1, index, entry) === 'stop') {
          this.stoppedBy = index;
          break;
        }
        if (this.halted) break;
      }
      if (this.stoppedBy >= 0 || this.halted) break;
      this.queue[this.head++] = undefined;
      this.passed = 0;
      if (entry.kind === 'data') this.queuedBytes -= entry.data.length;
      this.host.deliver(this.step === 1, entry);
    }
    if (this.head === this.queue.length) {
      // Usually the one entry just delivered: pop() stays in compiled code, setting length does not.
      if (this.head === 1) this.queue.pop();
      else this.queue.length = 0;
      this.head = 0;
    }
    this.running = false;
    if (!this.isPaused) this.host.idle(this.step === 1);
  }
}
