import { DnsTarget } from './dns-target.js';
import type { Endpoint } from '../endpoint.js';
import type { DnsOptions, DnsResolver } from './dns-options.js';
import type { DnsStats } from './dns-target.js';

/**
 * Envoy's LOGICAL_DNS: one hostname is one member whatever it resolves to. New connections go to
 * the first address of the latest answer; connections already open stay in the pool and keep
 * serving, so a DNS change (or a round-robin DNS reordering) never drains anything. The member's
 * `address` stays the hostname, which also keys its pool; the cluster's connector asks
 * `connectAddress()` where to dial.
 */
export class LogicalDnsDiscovery {
  readonly #options: DnsOptions;
  readonly #resolver: DnsResolver;
  readonly #stats: DnsStats;
  readonly #apply: (endpoints: readonly Endpoint[]) => void;
  #target: DnsTarget | null = null;
  #configured: Endpoint | null = null;
  #address: string | null = null;

  constructor(options: DnsOptions, resolver: DnsResolver, stats: DnsStats, apply: (endpoints: readonly Endpoint[]) => void) {
    this.#options = options;
    this.#resolver = resolver;
    this.#stats = stats;
    this.#apply = apply;
  }

  /** Where a new connection dials: the first address of the last non-empty answer, or null before one. */
  connectAddress(): string | null {
    return this.#address;
  }

  /** The single configured endpoint (the cluster checks there is exactly one). */
  setTargets(configured: readonly Endpoint[]): void {
    const endpoint = configured[0] ?? null;
    this.#configured = endpoint;
    if (this.#target !== null && this.#target.hostname !== endpoint?.address) {
      this.#target.stop();
      this.#target = null;
      this.#address = null;
    }
    if (endpoint !== null && this.#target === null) {
      this.#target = new DnsTarget(endpoint.address, this.#options, this.#resolver, this.#stats, (target) => this.#onAnswer(target), true);
    }
    this.#publish();
  }

  /** Resolves once the hostname has had its first resolution, answered or failed. */
  async whenResolved(): Promise<void> {
    await this.#target?.firstAttempt;
  }

  stop(): void {
    this.#target?.stop();
    this.#target = null;
  }

  #onAnswer(target: DnsTarget): void {
    // An empty answer keeps the last address, as Envoy does for logical hosts.
    const first = target.addresses?.[0];
    if (first === undefined) return;
    const wasUnknown = this.#address === null;
    this.#address = first;
    if (wasUnknown) this.#publish();
  }

  #publish(): void {
    const endpoint = this.#configured;
    // The member appears once its hostname has an address, and never changes identity after.
    if (endpoint === null) this.#apply([]);
    else if (this.#address !== null) this.#apply([{ ...endpoint, hostname: endpoint.address }]);
  }
}
