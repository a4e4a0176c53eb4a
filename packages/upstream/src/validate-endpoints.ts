import { endpointKey } from './endpoint.js';
import type { Endpoint } from './endpoint.js';

/** What is wrong with an endpoint list, or null when it is usable as a host set. */
export interface EndpointProblem {
  readonly field: string;
  readonly problem: string;
}

// Envoy caps load_balancing_weight at 2^32-1; the same bound keeps weight sums exact in doubles.
const MAX_WEIGHT = 0xffff_ffff;

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
    const key = endpointKey(endpoint);
    const first = seen.get(key);
    if (first !== undefined) return { field, problem: `duplicates endpoints[${first}] (${key})` };
    seen.set(key, i);
  }
  return null;
}
