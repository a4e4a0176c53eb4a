import { DEFAULT_DNS_REFRESH_RATE_MS } from './dns-options.js';
import { resolveHostname } from './resolve-hostname.js';
import type { DnsOptions, DnsResolver } from './dns-options.js';
import type { Resolution } from './resolve-hostname.js';

/** Envoy's DNS counters for a cluster (`update_*`), merged into the cluster's stats. */
export interface DnsStats {
  update_attempt: number;
  update_success: number;
  update_failure: number;
  /** Successful resolutions that returned no address. */
  update_empty: number;
  /** Successful resolutions whose addresses were the same as before, so nothing was rebuilt. */
  update_no_rebuild: number;
}

const DEFAULT_FAILURE_MAX_FACTOR = 10;

/**
 * One hostname resolved now and then again on its own timer: at the refresh rate (plus jitter),
 * at the answer's TTL when asked to respect it, or on exponential back-off after failures.
 * `onAnswer` hears every successful answer whose addresses differ from the previous one; a
 * failure leaves the previous answer in force.
 */
export class DnsTarget {
  readonly hostname: string;
  /** The addresses of the last successful answer; null until there is one. */
  addresses: readonly string[] | null = null;

  readonly #options: DnsOptions;
  readonly #resolver: DnsResolver;
  readonly #stats: DnsStats;
  readonly #onAnswer: (target: DnsTarget) => void;
  #timer: NodeJS.Timeout | null = null;
  #failures = 0;
  #stopped = false;

  readonly #firstOnly: boolean;
  /** Settles the first attempt: once it answered or failed, or the target stopped. */
  #settleFirst: () => void = ignore;
  /** Resolves when the first resolution has completed, answered or failed (Envoy's DNS warming). */
  readonly firstAttempt: Promise<void> = new Promise((resolve) => (this.#settleFirst = resolve));

  /** @param firstOnly keep only the answer's first address (LOGICAL_DNS), so a change of order is a change. */
  constructor(hostname: string, options: DnsOptions, resolver: DnsResolver, stats: DnsStats, onAnswer: (target: DnsTarget) => void, firstOnly = false) {
    this.hostname = hostname;
    this.#firstOnly = firstOnly;
    this.#options = options;
    this.#resolver = resolver;
    this.#stats = stats;
    this.#onAnswer = onAnswer;
    this.#schedule(0);
  }

  stop(): void {
    this.#settleFirst();
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#resolve(), delayMs);
    // A refresh timer must never keep the process alive on its own.
    this.#timer.unref();
  }

  #resolve(): void {
    this.#timer = null;
    this.#stats.update_attempt++;
    void resolveHostname(this.#resolver, this.hostname, this.#options.lookupFamily ?? 'AUTO')
      .then((resolution) => this.#record(resolution))
      .catch(ignore)
      // After the answer is applied (or failed, or a listener threw): the first attempt is over.
      .then(() => this.#settleFirst());
  }

  #record(resolution: Resolution): void {
    if (this.#stopped) return;
    if (!resolution.ok) {
      this.#stats.update_failure++;
      this.#failures++;
      this.#schedule(this.#failureDelay());
      return;
    }
    this.#failures = 0;
    this.#stats.update_success++;
    if (resolution.addresses.length === 0) this.#stats.update_empty++;
    // Scheduled before anyone hears the answer, so a throwing listener cannot stop the refreshes.
    this.#schedule(this.#refreshDelay(resolution.ttlSeconds));
    const addresses = this.#firstOnly ? resolution.addresses.slice(0, 1) : resolution.addresses;
    const changed = this.addresses === null || !sameAddresses(this.addresses, addresses);
    if (changed) {
      this.addresses = addresses;
      this.#onAnswer(this);
    } else {
      this.#stats.update_no_rebuild++;
    }
  }

  #refreshDelay(ttlSeconds: number): number {
    const rate = this.#options.respectDnsTtl === true && ttlSeconds > 0 ? ttlSeconds * 1000 : (this.#options.refreshRateMs ?? DEFAULT_DNS_REFRESH_RATE_MS);
    const jitter = this.#options.jitterMs ?? 0;
    return rate + (jitter > 0 ? Math.random() * jitter : 0);
  }

  #failureDelay(): number {
    const backoff = this.#options.failureRefreshRate;
    if (backoff === undefined) return this.#refreshDelay(0);
    const max = backoff.maxIntervalMs ?? backoff.baseIntervalMs * DEFAULT_FAILURE_MAX_FACTOR;
    // Full jitter over the doubling window, capped (the shape of Envoy's jittered back-off).
    const window = Math.min(max, backoff.baseIntervalMs * 2 ** Math.min(this.#failures - 1, 30));
    return Math.max(1, Math.random() * window);
  }
}

/** Order does not matter: a reordered answer (round-robin DNS) is the same host set. */
function sameAddresses(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((address) => set.has(address));
}

function ignore(): void {}
