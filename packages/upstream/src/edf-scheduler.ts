/**
 * Earliest-deadline-first scheduling over integer weights, O(log n) per pick.
 *
 * Entry `i` with weight `w` is due at virtual times `(k + phase_i) / w` for k = 0, 1, 2, …; a pick
 * takes the entry due soonest and moves it to its next due time. Because `w` is an integer, every
 * entry's due times repeat with period 1, so the pick sequence repeats every `sum(weights)` picks
 * and ANY run of `sum(weights)` consecutive picks holds each entry exactly `weight` times, the same
 * guarantee smooth (nginx-style) weighted round robin gives, at O(log n) instead of O(n).
 *
 * The phase (0 < phase < 1) staggers entries by position. Envoy's scheduler starts every entry at
 * `1 / w`, which makes equal-weight entries fall due together and be picked back to back; spread
 * phases interleave them, and give plain rotation in list order when all weights are equal.
 *
 * Due times are kept as (period, fraction-within-period) rather than one growing double, so
 * ordering stays exact however many picks a long-lived host set serves.
 */
export class EdfScheduler {
  readonly #weights: Float64Array;
  readonly #phases: Float64Array;
  /** Picks made of each entry in its current period: 0 ≤ k < weight. */
  readonly #picksInPeriod: Float64Array;
  readonly #period: Float64Array;
  readonly #fraction: Float64Array;
  /** Binary min-heap of entry indexes ordered by (period, fraction, index). */
  readonly #heap: Int32Array;

  /** @param weights positive integers, one per entry; entry indexes are positions in this list. */
  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    this.#weights = Float64Array.from(weights);
    this.#phases = Float64Array.from({ length: n }, (_, i) => (i + 1) / (n + 1));
    this.#picksInPeriod = new Float64Array(n);
    this.#period = new Float64Array(n);
    this.#fraction = Float64Array.from({ length: n }, (_, i) => (this.#phases[i] ?? 0) / (this.#weights[i] ?? 1));
    this.#heap = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = (n >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  get size(): number {
    return this.#heap.length;
  }

  /** HOT PATH: one sift down a heap of `size`; no allocation. Returns -1 when there are no entries. */
  next(): number {
    const heap = this.#heap;
    if (heap.length === 0) return -1;
    const entry = heap[0] ?? 0;
    const weight = this.#weights[entry] ?? 1;
    let k = (this.#picksInPeriod[entry] ?? 0) + 1;
    if (k === weight) {
      k = 0;
      this.#period[entry] = (this.#period[entry] ?? 0) + 1;
    }
    this.#picksInPeriod[entry] = k;
    this.#fraction[entry] = (k + (this.#phases[entry] ?? 0)) / weight;
    this.#siftDown(0);
    return entry;
  }

  #before(a: number, b: number): boolean {
    const periodA = this.#period[a] ?? 0;
    const periodB = this.#period[b] ?? 0;
    if (periodA !== periodB) return periodA < periodB;
    const fractionA = this.#fraction[a] ?? 0;
    const fractionB = this.#fraction[b] ?? 0;
    return fractionA !== fractionB ? fractionA < fractionB : a < b;
  }

  #siftDown(start: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const moving = heap[start] ?? 0;
    let at = start;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.#before(heap[right] ?? 0, heap[left] ?? 0)) child = right;
      const childEntry = heap[child] ?? 0;
      if (!this.#before(childEntry, moving)) break;
      heap[at] = childEntry;
      at = child;
    }
    heap[at] = moving;
  }
}
