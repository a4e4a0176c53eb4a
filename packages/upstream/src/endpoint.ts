/** Where an endpoint runs, as Envoy's `Locality`: any field may be absent. */
export interface Locality {
  readonly region?: string;
  readonly zone?: string;
  readonly subZone?: string;
}

/** One upstream host: where to connect, how much traffic it should get, and whether it may get any. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
  /** Share of traffic relative to the other endpoints of its locality. Default 1. */
  readonly weight?: number;
  /** Unhealthy endpoints stay members (they count in `membership_total`) but receive no traffic. Default true. */
  readonly healthy?: boolean;
  /** Failover tier: 0 is used first, higher numbers take traffic as lower ones lose health. Default 0. */
  readonly priority?: number;
  readonly locality?: Locality;
  /**
   * Weight of this endpoint's whole locality, for locality-weighted balancing (Envoy's
   * `LocalityLbEndpoints.load_balancing_weight`). Every endpoint of a locality carries the same value;
   * a locality without one gets no traffic while a weighted locality can take it.
   */
  readonly localityWeight?: number;
  /** Stable identity for consistent hashing; default `address:port`. Keeps hash placement across re-addressing. */
  readonly id?: string;
  /** The DNS name a DNS cluster resolved this member from (Envoy's endpoint `hostname`). */
  readonly hostname?: string;
}

export function endpointWeight(endpoint: Endpoint): number {
  return endpoint.weight ?? 1;
}

export function isHealthy(endpoint: Endpoint): boolean {
  return endpoint.healthy !== false;
}

export function endpointPriority(endpoint: Endpoint): number {
  return endpoint.priority ?? 0;
}

// Endpoints are immutable and outlive many requests, each of which looks its pool and load up by
// key: a key built per call would be a new string for every Map lookup to hash again.
const keys = new WeakMap<Endpoint, string>();

/** The identity of an endpoint's connection pool: two entries with the same key share connections. */
export function endpointKey(endpoint: Endpoint): string {
  let key = keys.get(endpoint);
  if (key === undefined) {
    key = `${formatHost(endpoint.address)}:${endpoint.port}`;
    keys.set(endpoint, key);
  }
  return key;
}

/** The name consistent-hashing balancers place on their ring or table. */
export function endpointHashName(endpoint: Endpoint): string {
  return endpoint.id ?? endpointKey(endpoint);
}

/** One string per distinct locality, equal for equal localities. */
export function localityKey(locality: Locality | undefined): string {
  if (locality === undefined) return '';
  return `${locality.region ?? ''}/${locality.zone ?? ''}/${locality.subZone ?? ''}`;
}

/** IPv6 literals need brackets wherever a port follows. */
export function formatHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}
