/**
 * Weighted random sampling in O(1) per draw (Vose's alias method): each slot holds a
 * probability and an alias; one uniform draw picks a slot and a side. Built once per host set.
 */
export class WeightedSampler {
  readonly #probability: Float64Array;
  readonly #alias: Int32Array;
  readonly size: number;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    this.size = n;
    this.#probability = new Float64Array(n);
    this.#alias = new Int32Array(n);
    if (n === 0) return;
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i] ?? 0;
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = ((weights[i] ?? 0) * n) / total;
      ((scaled[i] ?? 0) < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const less = small.pop() ?? 0;
      const more = large.pop() ?? 0;
      this.#probability[less] = scaled[less] ?? 0;
      this.#alias[less] = more;
      const rest = (scaled[more] ?? 0) + (scaled[less] ?? 0) - 1;
      scaled[more] = rest;
      (rest < 1 ? small : large).push(more);
    }
    // Leftovers are 1 up to rounding error.
    for (const i of large) this.#probability[i] = 1;
    for (const i of small) this.#probability[i] = 1;
  }

  /** HOT PATH: one multiply, two array reads. `u` is uniform in [0, 1). */
  sample(u: number): number {
    const scaled = u * this.size;
    const slot = Math.floor(scaled);
    return scaled - slot < (this.#probability[slot] ?? 1) ? slot : (this.#alias[slot] ?? slot);
  }
}
