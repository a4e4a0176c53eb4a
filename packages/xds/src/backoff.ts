export interface BackoffOptions {
  /** Delay before the first retry, in ms (default 500). */
  initialDelayMs?: number;
  /** Upper bound of any delay, in ms (default 30 000). */
  maxDelayMs?: number;
  /** Growth per consecutive failure (default 2). */
  multiplier?: number;
}

/**
 * Exponential backoff with "equal jitter": each delay is between half and all of the
 * exponential step, never above the cap, so many proxies that lost the same control plane
 * do not all come back in the same millisecond.
 */
export class ExponentialBackoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #multiplier: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.#initial = Math.max(1, options.initialDelayMs ?? 500);
    this.#max = Math.max(this.#initial, options.maxDelayMs ?? 30_000);
    this.#multiplier = Math.max(1, options.multiplier ?? 2);
    this.#random = random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const step = Math.min(this.#max, this.#initial * this.#multiplier ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 64);
    return Math.round(step / 2 + (this.#random() * step) / 2);
  }

  /** Call after a success, so the next failure starts from the initial delay again. */
  reset(): void {
    this.#attempt = 0;
  }
}
