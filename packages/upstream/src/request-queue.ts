/** An entry of a `RequestQueue`: linked through `next`, and passed over once `done` (aborted while waiting). */
export interface Queued<T> {
  next: T | null;
  readonly done: boolean;
}

/** A pool's FIFO of requests waiting for a connection, linked through the requests themselves. */
export class RequestQueue<T extends Queued<T>> {
  #head: T | null = null;
  #tail: T | null = null;
  #live = 0;

  /** Requests still waiting (aborted ones stay linked until passed over). */
  get size(): number {
    return this.#live;
  }

  /** Adds at the back, or at the front for a request that was already first in line once. */
  push(item: T, front = false): void {
    this.#live++;
    if (this.#tail === null) {
      this.#head = this.#tail = item;
    } else if (front) {
      item.next = this.#head;
      this.#head = item;
    } else {
      this.#tail.next = item;
      this.#tail = item;
    }
  }

  /** The oldest request still waiting, taken off the queue; null when none is. */
  shift(): T | null {
    let item = this.#head;
    while (item !== null && item.done) item = item.next;
    if (item === null) {
      this.#head = this.#tail = null;
      return null;
    }
    this.#head = item.next;
    if (this.#head === null) this.#tail = null;
    item.next = null;
    this.#live--;
    return item;
  }

  /** A queued request was aborted: it no longer counts, and `shift` will pass it over. */
  forget(): void {
    this.#live--;
  }

  /** Empties the queue, handing every request to `each` (done ones included: they ignore it). */
  clear(each: (item: T) => void): void {
    let item = this.#head;
    this.#head = this.#tail = null;
    this.#live = 0;
    while (item !== null) {
      const next = item.next;
      each(item);
      item = next;
    }
  }
}
