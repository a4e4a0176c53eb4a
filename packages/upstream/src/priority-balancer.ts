import { endpointPriority, isHealthy, localityKey } from './endpoint.js';
import { finalizeHash, foldHashKey } from './hash.js';
import { computePriorityLoad, DEFAULT_OVERPROVISIONING_FACTOR } from './priority-load.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';
import { WeightedSampler } from './weighted-sampler.js';
import { zoneAwareFractions } from './zone-aware.js';
import type { Balancer, BalancerContext, BalancerFactory } from './balancer.js';
import type { Endpoint, Locality } from './endpoint.js';
import type { PriorityLoad, PriorityLoadOptions } from './priority-load.js';

export interface ZoneAwareOptions {
  /** Where the caller runs. */
  readonly localLocality: Locality;
  /** Size of the caller's own cluster per locality (Envoy reads this from the local cluster). */
  readonly localClusterMembers: readonly { readonly locality: Locality; readonly members: number }[];
  /** Below this many upstream members, zone-aware routing stays off. Default 6 (Envoy's). */
  readonly minClusterSize?: number;
}

export interface PriorityBalancerOptions extends PriorityLoadOptions {
  /** Balancer inside each priority level (and locality). Default round robin. */
  readonly makeBalancer?: BalancerFactory;
  /** Split each level across localities by `localityWeight` × availability (Envoy's locality-weighted LB). */
  readonly localityWeighted?: boolean;
  /** Prefer the caller's locality in priority 0 (Envoy's zone-aware routing). Ignored when locality-weighted. */
  readonly zoneAware?: ZoneAwareOptions;
}

const DEFAULT_MIN_CLUSTER_SIZE = 6;
const TWO_POW_32 = 0x1_0000_0000;
const defaultChild: BalancerFactory = (endpoints, context) => new RoundRobinBalancer(endpoints, context);

/** One priority level: a balancer per locality and how to choose among them. */
class LevelPicker {
  constructor(
    readonly children: readonly Balancer[],
    readonly sampler: WeightedSampler | null,
  ) {}

  // HOT PATH: one sample when the level is split by locality, then the child's pick.
  pick(hashKey: bigint | undefined, u: number): Endpoint | null {
    const child = this.sampler === null ? this.children[0] : this.children[this.sampler.sample(u)];
    return child === undefined ? null : child.pick(hashKey);
  }
}

/**
 * Envoy's priority and locality failover in front of any balancer: traffic is split across
 * priority levels by their overprovisioned health (see `computePriorityLoad`), a level in panic
 * routes to all its members, and inside a level traffic may be split by locality weight or kept
 * in the caller's zone. The balancer inside each group comes from `makeBalancer`.
 */
export class PriorityBalancer implements Balancer {
  /** The traffic split it was built with, for tests and the admin page. */
  readonly load: PriorityLoad;
  readonly #levels: readonly LevelPicker[];
  readonly #cumulative: Float64Array;
  readonly #single: Balancer | null;
  readonly #random: () => number;

  constructor(endpoints: readonly Endpoint[], context: BalancerContext = {}, options: PriorityBalancerOptions = {}) {
    this.#random = context.random ?? Math.random;
    const makeChild = options.makeBalancer ?? defaultChild;
    const byPriority = groupBy(endpoints, endpointPriority);
    const priorities = [...byPriority.keys()].sort((a, b) => a - b);
    const levels = priorities.map((p) => byPriority.get(p) ?? []);
    this.load = computePriorityLoad(
      levels.map((members) => ({ total: members.length, healthy: members.filter(isHealthy).length })),
      options,
    );
    this.#levels = levels.map((members, index) =>
      buildLevel(members, index, this.load.panic[index] === true, context, options, makeChild),
    );
    let running = 0;
    this.#cumulative = Float64Array.from(this.load.percent, (percent) => (running += percent / 100));
    // Summed shares can fall a rounding error short of 1; the last level that has load closes the range.
    const last = this.load.percent.findLastIndex((percent) => percent > 0);
    if (last >= 0) this.#cumulative.fill(1, last);
    const only = this.#levels.length === 1 ? this.#levels[0] : undefined;
    this.#single = only !== undefined && only.sampler === null && (this.#cumulative[0] ?? 0) > 0 ? (only.children[0] ?? null) : null;
  }

  // HOT PATH: with one priority and no locality split this is the child's pick and nothing else.
  pick(hashKey?: bigint): Endpoint | null {
    if (this.#single !== null) return this.#single.pick(hashKey);
    // A request with a hash key keeps its priority and locality while the split is unchanged;
    // the key is re-mixed so this choice does not correlate with the ring position it also picks.
    const folded = hashKey === undefined ? -1 : foldHashKey(hashKey);
    const u = folded < 0 ? this.#random() : finalizeHash(folded ^ 0x2545f491) / TWO_POW_32;
    const cumulative = this.#cumulative;
    for (let i = 0; i < cumulative.length; i++) {
      if (u < (cumulative[i] ?? 0)) {
        const v = folded < 0 ? this.#random() : finalizeHash(folded ^ 0x68e31da4) / TWO_POW_32;
        return this.#levels[i]?.pick(hashKey, v) ?? null;
      }
    }
    return null;
  }
}

function buildLevel(
  members: readonly Endpoint[],
  priorityIndex: number,
  panic: boolean,
  context: BalancerContext,
  options: PriorityBalancerOptions,
  makeChild: BalancerFactory,
): LevelPicker {
  const childContext: BalancerContext = panic ? { ...context, panic: true } : context;
  // In panic Envoy ignores localities: every member of the level is a candidate.
  if (panic) return new LevelPicker([makeChild(members, childContext)], null);
  const byLocality = groupBy(members, (endpoint) => localityKey(endpoint.locality));
  const keys = [...byLocality.keys()];
  const groups = keys.map((key) => byLocality.get(key) ?? []);
  const fractions = localityFractions(keys, groups, priorityIndex, options);
  if (fractions === null) return new LevelPicker([makeChild(members, childContext)], null);
  return new LevelPicker(groups.map((group) => makeChild(group, childContext)), new WeightedSampler(fractions));
}

/** The share of a level's traffic per locality, or null to balance the level as one group. */
function localityFractions(keys: readonly string[], groups: readonly Endpoint[][], priorityIndex: number, options: PriorityBalancerOptions): number[] | null {
  if (keys.length < 2) return null;
  const healthy = groups.map((group) => group.filter(isHealthy).length);
  if (options.localityWeighted === true) {
    const factor = options.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING_FACTOR;
    // A locality without a weight has weight 0 here, as in Envoy: it gets traffic only when no
    // weighted locality can take any (the level is then balanced as one group).
    const effective = groups.map((group, i) => (group[0]?.localityWeight ?? 0) * Math.min(1, (factor * (healthy[i] ?? 0)) / group.length));
    return effective.some((weight) => weight > 0) ? effective : null;
  }
  const zone = options.zoneAware;
  if (zone === undefined || priorityIndex !== 0) return null;
  const memberCount = groups.reduce((sum, group) => sum + group.length, 0);
  if (memberCount < (zone.minClusterSize ?? DEFAULT_MIN_CLUSTER_SIZE)) return null;
  const localIndex = keys.indexOf(localityKey(zone.localLocality));
  if (localIndex < 0) return null;
  const localMembers = keys.map((key) =>
    zone.localClusterMembers.reduce((sum, entry) => (localityKey(entry.locality) === key ? sum + entry.members : sum), 0),
  );
  const fractions = zoneAwareFractions({ localityKeys: keys, upstreamHealthy: healthy, localMembers, localIndex });
  return fractions.some((fraction) => fraction > 0) ? fractions : null;
}

function groupBy<K>(endpoints: readonly Endpoint[], keyOf: (endpoint: Endpoint) => K): Map<K, Endpoint[]> {
  const groups = new Map<K, Endpoint[]>();
  for (const endpoint of endpoints) {
    const key = keyOf(endpoint);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [endpoint]);
    else group.push(endpoint);
  }
  return groups;
}
