/**
 * Waits for the first arrival of named xDS resources (a route config, an endpoint assignment),
 * each wait bounded by its `initial_fetch_timeout` as in Envoy (0: no bound). Warming listeners
 * and clusters are built on these.
 */
export class FirstArrivals {
  readonly #waiting = new Map<string, (() => void)[]>();

  /** Settles when `name` arrives, or after `timeoutMs` (if above 0), whichever is first. */
  wait(name: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.set(name, [...(this.#waiting.get(name) ?? []), resolve]);
      if (timeoutMs > 0) setTimeout(resolve, timeoutMs).unref();
    });
  }

  arrived(name: string): void {
    for (const resolve of this.#waiting.get(name) ?? []) resolve();
    this.#waiting.delete(name);
  }
}
