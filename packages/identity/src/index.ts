export {
  DEFAULT_TRUST_DOMAIN,
  matchesSpiffe,
  parseSpiffeId,
  spiffeIdFor,
  trustDomainOf,
} from './spiffe-id.js';
export type { AllowedSpiffeIds, SpiffeIdInput, SpiffeIdParts } from './spiffe-id.js';

export { CertificateAuthority } from './certificate-authority.js';
export type { CertificateAuthorityOptions, CertificateAuthorityPemOptions, SignOptions } from './certificate-authority.js';

export { generateWorkloadKey } from './workload-key.js';
export type { WorkloadKey } from './workload-key.js';
export { createCsr } from './csr.js';

export { WorkloadIdentity } from './workload-identity.js';
export type { CertificateSigner, WorkloadIdentityFields } from './workload-identity.js';

export { clientTlsOptions, serverTlsOptions } from './tls-options.js';
export type { ClientTlsOptionsInput, ServerTlsOptionsInput } from './tls-options.js';
export { peerSpiffeId, verifyClientSpiffeId } from './peer-identity.js';
export type { PeerVerification } from './peer-identity.js';
export { spiffeIdsOfCertificate } from './certificate-spiffe-ids.js';

export { addCertificateService } from './certificate-service.js';
export type { CertificateServiceOptions } from './certificate-service.js';
export { CertificateClient, requestIdentity } from './certificate-client.js';
export type { CertificateClientOptions, RequestIdentityOptions } from './certificate-client.js';

export {
  BadCertificateChainError,
  BadCsrError,
  CertificateRequestFailedError,
  ForeignTrustDomainError,
  InvalidCaError,
  InvalidSpiffeIdError,
  InvalidTtlError,
  PeerIdentityRejectedError,
  SpiffeMismatchError,
} from './errors.js';
