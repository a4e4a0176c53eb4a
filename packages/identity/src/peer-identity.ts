import type { TLSSocket } from 'node:tls';
import { spiffeIdsOfCertificate } from './certificate-spiffe-ids.js';
import { PeerIdentityRejectedError } from './errors.js';
import { describeAllowed, matchesSpiffe } from './spiffe-id.js';
import type { AllowedSpiffeIds } from './spiffe-id.js';

/** The outcome of checking a peer: its SPIFFE ID, or why it is refused. */
export type PeerVerification =
  | { readonly ok: true; readonly spiffeId: string }
  | { readonly ok: false; readonly error: InstanceType<typeof PeerIdentityRejectedError> };

/**
 * The peer's SPIFFE ID, only when its certificate chain was verified against our trust anchors
 * and it carries exactly one `spiffe://` URI SAN; otherwise `null`. An unverified certificate
 * proves nothing, so its SANs are never reported.
 */
export function peerSpiffeId(socket: TLSSocket): string | null {
  if (!socket.authorized) return null;
  const ids = spiffeIdsOfCertificate(socket.getPeerCertificate());
  return ids.length === 1 ? (ids[0] ?? null) : null;
}

/** Server-side check of a client's identity, for callers to run on `secureConnection`. */
export function verifyClientSpiffeId(socket: TLSSocket, allowed: AllowedSpiffeIds): PeerVerification {
  const spiffeId = peerSpiffeId(socket);
  if (spiffeId !== null && matchesSpiffe(spiffeId, allowed)) return { ok: true, spiffeId };
  const presented = socket.authorized ? spiffeIdsOfCertificate(socket.getPeerCertificate()) : [];
  return { ok: false, error: new PeerIdentityRejectedError(presented, describeAllowed(allowed)) };
}
