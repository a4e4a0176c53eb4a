import { endpointKey } from '../endpoint.js';
import { DnsTarget } from './dns-target.js';
import type { Endpoint } from '../endpoint.js';
import type { DnsOptions, DnsResolver } from './dns-options.js';
import type { DnsStats } from './dns-target.js';

/**
 * Envoy's STRICT_DNS: every configured endpoint names a hostname; every address it resolves to
 * becomes a member carrying that endpoint's port, weight, priority and locality. Each hostname
 * refreshes on its own timer, and any changed answer rebuilds the whole host set in one step.
 */
export class StrictDnsDiscovery {
  readonly #options: DnsOptions;
  readonly #resolver: DnsResolver;
  readonly #stats: DnsStats;
  readonly #apply: (endpoints: readonly Endpoint[]) => void;
  readonly #targets = new Map<string, DnsTarget>();
  #configured: readonly Endpoint[] = [];

  constructor(options: DnsOptions, resolver: DnsResolver, stats: DnsStats, apply: (endpoints: readonly Endpoint[]) => void) {
    this.#options = options;
    this.#resolver = resolver;
    this.#stats = stats;
    this.#apply = apply;
  }

  /** The configured endpoints, whose `address` is a hostname (or an IP literal). */
  setTargets(configured: readonly Endpoint[]): void {
    this.#configured = configured;
    const wanted = new Set(configured.map((endpoint) => endpoint.address));
    for (const [hostname, target] of this.#targets) {
      if (wanted.has(hostname)) continue;
      target.stop();
      this.#targets.delete(hostname);
    }
    // A hostname already being resolved keeps its answer and its timer.
    for (const hostname of wanted) {
      if (!this.#targets.has(hostname)) {
        this.#targets.set(hostname, new DnsTarget(hostname, this.#options, this.#resolver, this.#stats, () => this.#rebuild()));
      }
    }
    this.#rebuild();
  }

  /** Resolves once every hostname has had its first resolution, answered or failed. */
  async whenResolved(): Promise<void> {
    await Promise.all([...this.#targets.values()].map((target) => target.firstAttempt));
  }

  stop(): void {
    for (const target of this.#targets.values()) target.stop();
    this.#targets.clear();
  }

  #rebuild(): void {
    const members: Endpoint[] = [];
    const seen = new Set<string>();
    let anyAnswer = false;
    for (const configured of this.#configured) {
      const addresses = this.#targets.get(configured.address)?.addresses;
      if (addresses === null || addresses === undefined) continue;
      anyAnswer = true;
      for (const address of addresses) {
        const member: Endpoint = { ...configured, address, hostname: configured.address, ...(configured.id === undefined ? {} : { id: `${configured.id}@${address}` }) };
        // Two hostnames answering with the same address (and port) are one member: the first listed.
        const key = endpointKey(member);
        if (seen.has(key)) continue;
        seen.add(key);
        members.push(member);
      }
    }
    // Before any hostname has answered there is nothing to say; an empty set would only count a change.
    if (anyAnswer || this.#configured.length === 0) this.#apply(members);
  }
}
