import { endpointKey } from './endpoint.js';
import type { Endpoint } from './endpoint.js';

/** What is wrong with an endpoint list, or null when it is usable as a host set. */
export interface EndpointProblem {
  readonly field: string;
  readonly problem: string;
}

// Envoy caps load_balancing_weight at 2^32-1; the same bound keeps weight sums exact in doubles.
const MAX_WEIGHT = 0xffff_ffff;
// Envoy allows priorities up to 127 (the number of levels a PrioritySet holds).
const MAX_PRIORITY = 127;

export function findEndpointProblem(endpoints: readonly Endpoint[]): EndpointProblem | null {
  const seen = new Map<string, number>();
  for (let i = 0; i < endpoints.length; i++) {
    const endpoint = endpoints[i];
    const field = `endpoints[${i}]`;
    if (endpoint === undefined || typeof endpoint !== 'object') return { field, problem: 'is not an endpoint object' };
    if (typeof endpoint.address !== 'string' || endpoint.address.length === 0) {
      return { field: `${field}.address`, problem: 'must be a non-empty string' };
    }
    if (!Number.isInteger(endpoint.port) || endpoint.port < 1 || endpoint.port > 65_535) {
      return { field: `${field}.port`, problem: `must be an integer in 1..65535, got ${String(endpoint.port)}` };
    }
    const { weight, healthy } = endpoint;
    if (weight !== undefined && (!Number.isInteger(weight) || weight < 1 || weight > MAX_WEIGHT)) {
      return { field: `${field}.weight`, problem: `must be an integer in 1..${MAX_WEIGHT}, got ${String(weight)}` };
    }
    if (healthy !== undefined && typeof healthy !== 'boolean') {
      return { field: `${field}.healthy`, problem: 'must be a boolean' };
    }
    const { priority, localityWeight, locality, id } = endpoint;
    if (priority !== undefined && (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY)) {
      return { field: `${field}.priority`, problem: `must be an integer in 0..${MAX_PRIORITY}, got ${String(priority)}` };
    }
    if (localityWeight !== undefined && (!Number.isInteger(localityWeight) || localityWeight < 1 || localityWeight > MAX_WEIGHT)) {
      return { field: `${field}.localityWeight`, problem: `must be an integer in 1..${MAX_WEIGHT}, got ${String(localityWeight)}` };
    }
    if (locality !== undefined) {
      for (const part of ['region', 'zone', 'subZone'] as const) {
        const value: unknown = locality[part];
        if (value !== undefined && typeof value !== 'string') return { field: `${field}.locality.${part}`, problem: 'must be a string' };
      }
    }
    if (id !== undefined && (typeof id !== 'string' || id.length === 0)) return { field: `${field}.id`, problem: 'must be a non-empty string' };
    const hostname: unknown = endpoint.hostname;
    if (hostname !== undefined && typeof hostname !== 'string') return { field: `${field}.hostname`, problem: 'must be a string' };
    const key = endpointKey(endpoint);
    const first = seen.get(key);
    if (first !== undefined) return { field, problem: `duplicates endpoints[${first}] (${key})` };
    seen.set(key, i);
  }
  return null;
}
