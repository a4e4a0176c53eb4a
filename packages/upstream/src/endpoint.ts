/** One upstream host: where to connect, how much traffic it should get, and whether it may get any. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
  /** Share of traffic relative to the other endpoints. Default 1. */
  readonly weight?: number;
  /** Unhealthy endpoints stay members (they count in `membership_total`) but receive no traffic. Default true. */
  readonly healthy?: boolean;
}

export function endpointWeight(endpoint: Endpoint): number {
  return endpoint.weight ?? 1;
}

export function isHealthy(endpoint: Endpoint): boolean {
  return endpoint.healthy !== false;
}

/** The identity of an endpoint's connection pool: two entries with the same key share connections. */
export function endpointKey(endpoint: Endpoint): string {
  return `${formatHost(endpoint.address)}:${endpoint.port}`;
}

/** IPv6 literals need brackets wherever a port follows. */
export function formatHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}
