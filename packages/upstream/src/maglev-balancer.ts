import { candidateHosts } from './candidate-hosts.js';
import { endpointHashName, endpointWeight } from './endpoint.js';
import { foldHashKey, hashString, mixHashes, randomHash } from './hash.js';
import type { Balancer, BalancerContext } from './balancer.js';
import type { Endpoint } from './endpoint.js';

export interface MaglevOptions {
  /** Lookup table size; must be prime and larger than the host count. Default 65537 (Envoy's). */
  readonly tableSize?: number;
}

export const DEFAULT_MAGLEV_TABLE_SIZE = 65_537;

/**
 * Maglev consistent hashing: every endpoint walks its own permutation of a prime-sized table and
 * claims free slots in turn, heavier endpoints taking turns more often. Lookup is one modulo and
 * one array read; each endpoint owns close to weight/total of the slots, and removing one endpoint
 * reassigns little beyond the slots it owned.
 */
export class MaglevBalancer implements Balancer {
  readonly #endpoints: readonly Endpoint[];
  readonly #table: Int32Array;
  readonly #random: () => number;

  constructor(endpoints: readonly Endpoint[], context?: BalancerContext, options: MaglevOptions = {}) {
    const tableSize = options.tableSize ?? DEFAULT_MAGLEV_TABLE_SIZE;
    this.#endpoints = candidateHosts(endpoints, context).slice(0, tableSize - 1);
    this.#random = context?.random ?? Math.random;
    this.#table = this.#endpoints.length === 0 ? new Int32Array(0) : fillTable(this.#endpoints, tableSize);
  }

  // HOT PATH: one fold, one modulo, one typed-array read.
  pick(hashKey?: bigint): Endpoint | null {
    const table = this.#table;
    if (table.length === 0) return null;
    const hash = hashKey === undefined ? randomHash(this.#random) : foldHashKey(hashKey);
    return this.#endpoints[table[hash % table.length] ?? 0] ?? null;
  }
}

function fillTable(endpoints: readonly Endpoint[], size: number): Int32Array {
  const count = endpoints.length;
  const table = new Int32Array(size).fill(-1);
  const offsets = new Float64Array(count);
  const skips = new Float64Array(count);
  const cursors = new Float64Array(count);
  const shares = new Float64Array(count);
  const credits = new Float64Array(count);
  const weights = endpoints.map(endpointWeight);
  const maxWeight = Math.max(...weights);
  for (let i = 0; i < count; i++) {
    const base = hashString(endpointHashName(endpoints[i] as Endpoint));
    offsets[i] = base % size;
    skips[i] = (mixHashes(base, 0x5bd1e995) % (size - 1)) + 1;
    shares[i] = (weights[i] ?? 1) / maxWeight;
  }
  let filled = 0;
  while (filled < size) {
    for (let i = 0; i < count && filled < size; i++) {
      // Weighted turns: an endpoint takes a slot each time its accumulated share reaches 1,
      // so over the fill each one claims slots in proportion to its weight.
      credits[i] = (credits[i] ?? 0) + (shares[i] ?? 0);
      if ((credits[i] ?? 0) < 1) continue;
      credits[i] = (credits[i] ?? 0) - 1;
      let slot = ((offsets[i] ?? 0) + (skips[i] ?? 1) * (cursors[i] ?? 0)) % size;
      while (table[slot] !== -1) {
        cursors[i] = (cursors[i] ?? 0) + 1;
        slot = ((offsets[i] ?? 0) + (skips[i] ?? 1) * (cursors[i] ?? 0)) % size;
      }
      cursors[i] = (cursors[i] ?? 0) + 1;
      table[slot] = i;
      filled++;
    }
  }
  return table;
}
