import { defineError } from '@meshkit/core';

/** A string that is not a `spiffe://<trust-domain>/ns/<ns>/sa/<sa>` workload ID. */
export const InvalidSpiffeIdError = defineError(
  'MESHKIT_IDENTITY_INVALID_SPIFFE_ID',
  'InvalidSpiffeIdError',
  (value: string, reason: string) => `invalid SPIFFE ID ${JSON.stringify(value)}: ${reason}`,
);

/** A CSR that cannot be parsed, whose self-signature fails, or whose key is too weak. */
export const BadCsrError = defineError(
  'MESHKIT_IDENTITY_BAD_CSR',
  'BadCsrError',
  (reason: string) => `bad certificate signing request: ${reason}`,
);

/** The CSR asks for a different identity than the one the caller is allowed to sign. */
export const SpiffeMismatchError = defineError(
  'MESHKIT_IDENTITY_SPIFFE_MISMATCH',
  'SpiffeMismatchError',
  (expected: string, found: readonly string[]) =>
    `CSR URI SANs ${found.length === 0 ? '(none)' : found.join(', ')} do not equal the requested identity ${expected}`,
);

/** The identity belongs to a trust domain this CA does not sign for. */
export const ForeignTrustDomainError = defineError(
  'MESHKIT_IDENTITY_FOREIGN_TRUST_DOMAIN',
  'ForeignTrustDomainError',
  (spiffeId: string, trustDomain: string) =>
    `${spiffeId} is outside this CA's trust domain ${JSON.stringify(trustDomain)}`,
);

/** A requested certificate lifetime that is not a positive number of seconds or exceeds the CA's maximum. */
export const InvalidTtlError = defineError(
  'MESHKIT_IDENTITY_INVALID_TTL',
  'InvalidTtlError',
  (ttlSeconds: number, maxSeconds: number) =>
    `certificate TTL ${ttlSeconds}s is invalid: it must be a positive number of seconds no greater than ${maxSeconds}`,
);

/** The certificate and key given to `CertificateAuthority.fromPem` cannot act as a CA. */
export const InvalidCaError = defineError(
  'MESHKIT_IDENTITY_INVALID_CA',
  'InvalidCaError',
  (reason: string) => `cannot use this certificate and key as a CA: ${reason}`,
);

/** A chain returned by a signer does not prove the identity that was asked for. */
export const BadCertificateChainError = defineError(
  'MESHKIT_IDENTITY_BAD_CERT_CHAIN',
  'BadCertificateChainError',
  (spiffeId: string, reason: string) => `certificate chain issued for ${spiffeId} is unusable: ${reason}`,
);

/** A TLS peer presented a valid certificate, but not for an identity we accept. */
export const PeerIdentityRejectedError = defineError(
  'MESHKIT_IDENTITY_PEER_REJECTED',
  'PeerIdentityRejectedError',
  (peerIds: readonly string[], allowed: string) =>
    `peer SPIFFE ID ${peerIds.length === 0 ? '(none)' : peerIds.join(', ')} is not allowed; expected ${allowed}`,
);

/** The CA server refused or failed a CreateCertificate call. */
export const CertificateRequestFailedError = defineError(
  'MESHKIT_IDENTITY_CA_REQUEST_FAILED',
  'CertificateRequestFailedError',
  (address: string, detail: string) => `certificate request to CA at ${address} failed: ${detail}`,
);
