/**
 * Envoy's fully jittered exponential back-off: the n-th delay is drawn uniformly from
 * [0, min((2^n − 1) × base, max)), so with the default 25 ms base the first retry waits 0–24 ms,
 * the second 0–74 ms, the third 0–174 ms. Its only state is how many delays it has handed out.
 */
export class JitteredBackoff {
  #attempt = 0;

  constructor(
    private readonly baseIntervalMs: number,
    private readonly maxIntervalMs: number = baseIntervalMs * 10,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay in whole milliseconds. */
  nextDelayMs(): number {
    this.#attempt = Math.min(this.#attempt + 1, 52);
    const ceiling = Math.min((2 ** this.#attempt - 1) * this.baseIntervalMs, this.maxIntervalMs);
    return Math.floor(this.random() * ceiling);
  }

  /** How many delays have been handed out. */
  get attempts(): number {
    return this.#attempt;
  }
}
