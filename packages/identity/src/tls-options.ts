import type { ConnectionOptions, PeerCertificate, TlsOptions } from 'node:tls';
import { spiffeIdsOfCertificate } from './certificate-spiffe-ids.js';
import { PeerIdentityRejectedError } from './errors.js';
import { describeAllowed, matchesSpiffe } from './spiffe-id.js';
import type { AllowedSpiffeIds } from './spiffe-id.js';
import type { WorkloadIdentity } from './workload-identity.js';

export interface ServerTlsOptionsInput {
  /** Demand and verify a client certificate from the mesh root (mTLS); default `true`. */
  readonly requireClientCert?: boolean;
  readonly alpn?: readonly string[];
}

export interface ClientTlsOptionsInput {
  /** The server identities this client will talk to. */
  readonly allowedSpiffeIds: AllowedSpiffeIds;
  /** SNI to send (e.g. Istio's `outbound_.9080_._.reviews.default.svc.cluster.local`); never checked against the certificate. */
  readonly servername?: string;
  readonly alpn?: readonly string[];
}

/**
 * Options for `tls.createServer` / `https.createServer` that present this workload's identity.
 * With mTLS (the default) a client must present a certificate chaining to the mesh root; which
 * client identities may proceed is the caller's decision, via `verifyClientSpiffeId`.
 */
export function serverTlsOptions(identity: WorkloadIdentity, input: ServerTlsOptionsInput = {}): TlsOptions {
  const mutual = input.requireClientCert ?? true;
  return {
    ca: identity.rootCertPem,
    cert: identity.presentedChainPem(),
    key: identity.privateKeyPem,
    minVersion: 'TLSv1.2',
    requestCert: mutual,
    rejectUnauthorized: mutual,
    ...(input.alpn === undefined ? {} : { ALPNProtocols: [...input.alpn] }),
  };
}

/**
 * Options for `tls.connect` / `https.request` that present this workload's identity and accept a
 * server only if its certificate chains to the mesh root and names an allowed SPIFFE ID.
 * Hostnames are deliberately not checked: in the mesh the SPIFFE ID is the server's name.
 */
export function clientTlsOptions(identity: WorkloadIdentity, input: ClientTlsOptionsInput): ConnectionOptions {
  const { allowedSpiffeIds } = input;
  return {
    ca: identity.rootCertPem,
    cert: identity.presentedChainPem(),
    key: identity.privateKeyPem,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    checkServerIdentity: (_hostname: string, cert: PeerCertificate): Error | undefined => {
      const ids = spiffeIdsOfCertificate(cert);
      const [only] = ids;
      if (ids.length === 1 && only !== undefined && matchesSpiffe(only, allowedSpiffeIds)) return undefined;
      return new PeerIdentityRejectedError(ids, describeAllowed(allowedSpiffeIds));
    },
    ...(input.servername === undefined ? {} : { servername: input.servername }),
    ...(input.alpn === undefined ? {} : { ALPNProtocols: [...input.alpn] }),
  };
}
