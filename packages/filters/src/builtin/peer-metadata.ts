import type { PeerMetadata } from '@meshkit/telemetry';

/** Where the metadata-exchange filter leaves what it learned, for the stats filter to read. */
export const DOWNSTREAM_PEER = 'istio.downstream_peer';
export const UPSTREAM_PEER = 'istio.upstream_peer';

/** The proxy's own identity, as both Istio filters need it. */
export interface LocalPeer {
  readonly nodeId: string;
  readonly metadata: PeerMetadata;
  readonly trustDomain: string;
}

export function principalOf(peer: PeerMetadata | undefined, trustDomain: string): string {
  if (peer?.serviceAccount === undefined) return 'unknown';
  return `spiffe://${trustDomain}/ns/${peer.namespace}/sa/${peer.serviceAccount}`;
}
