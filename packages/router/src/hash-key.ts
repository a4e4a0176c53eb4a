import { parseQueryParameters } from './query-string.js';
import type { HashPolicy } from './route-policies.js';
import type { RouteRequest } from './route-request.js';
import { xxHash64 } from './xxhash64.js';

const MASK = (1n << 64n) - 1n;

function headerValues(request: RouteRequest, name: string): string[] {
  const value = request.headers[name];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/** The first value of cookie `name` across Cookie headers, surrounding quotes removed. */
function cookieValue(request: RouteRequest, name: string): string | undefined {
  for (const header of headerValues(request, 'cookie')) {
    for (const pair of header.split(';')) {
      const equals = pair.indexOf('=');
      if (equals === -1 || pair.slice(0, equals).trim() !== name) continue;
      const value = pair.slice(equals + 1).trim();
      return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
  }
  return undefined;
}

function hashOne(policy: HashPolicy, request: RouteRequest): bigint | undefined {
  switch (policy.type) {
    case 'header': {
      const values = headerValues(request, policy.headerName);
      if (values.length === 0) return undefined;
      // Sorted, so the same values in another order give the same key; each value seeds the next.
      values.sort();
      let hash = 0n;
      for (const value of values) hash = xxHash64(value, hash);
      return hash;
    }
    case 'cookie': {
      const value = cookieValue(request, policy.name);
      return value === undefined ? undefined : xxHash64(value);
    }
    case 'sourceIp':
      return request.sourceIp === undefined || request.sourceIp.length === 0 ? undefined : xxHash64(request.sourceIp);
    case 'queryParameter': {
      const question = request.path.indexOf('?');
      if (question === -1) return undefined;
      const fragment = request.path.indexOf('#', question);
      const query = request.path.slice(question + 1, fragment === -1 ? undefined : fragment);
      // Envoy hashes the raw (undecoded) first value.
      const value = parseQueryParameters(query, false).get(policy.name);
      return value === undefined ? undefined : xxHash64(value);
    }
  }
}

/**
 * The consistent-hashing key for `request` under a route's hash policies, as Envoy computes it:
 * each policy that yields a value is XXH64-hashed and folded in (`rotl1(key) ^ hash`); a
 * terminal policy stops the walk once a key exists. `null` when no policy yields a value (the
 * balancer then picks at random). A cookie policy with a TTL whose cookie is absent yields
 * nothing here; generating that cookie is the proxy's job.
 */
export function computeHashKey(policies: readonly HashPolicy[], request: RouteRequest): bigint | null {
  let key: bigint | undefined;
  for (const policy of policies) {
    const hash = hashOne(policy, request);
    if (hash !== undefined) {
      // Rotating first keeps two identical policies from cancelling out.
      const rotated = key === undefined ? 0n : ((key << 1n) | (key >> 63n)) & MASK;
      key = rotated ^ hash;
    }
    if (policy.terminal && key !== undefined) break;
  }
  return key ?? null;
}
