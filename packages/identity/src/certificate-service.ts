import { Metadata, status } from '@grpc/grpc-js';
import type { Server, ServerUnaryCall, StatusObject, sendUnaryData } from '@grpc/grpc-js';
import { CREATE_CERTIFICATE, certificateServiceProtocol } from './ca-protocol.js';
import type { CertificateRequestMessage, CertificateResponseMessage } from './ca-protocol.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { verifyCsr } from './csr.js';
import { BadCsrError, ForeignTrustDomainError, InvalidSpiffeIdError, InvalidTtlError, SpiffeMismatchError } from './errors.js';
import { parseSpiffeId } from './spiffe-id.js';

export interface CertificateServiceOptions {
  /**
   * Decides whether the caller may have the identity its CSR asks for. Without it every
   * well-formed request in the CA's trust domain is signed — only fit for a closed local mesh.
   */
  readonly authorize?: (spiffeIdFromCsr: string, metadata: Metadata) => boolean;
}

type Failure = Pick<StatusObject, 'code' | 'details'>;

/**
 * Serves `istio.v1.auth.IstioCertificateService/CreateCertificate` from `ca` on `server`.
 * The identity requested is the CSR's URI SAN. Answers INVALID_ARGUMENT for a bad CSR or TTL,
 * PERMISSION_DENIED when `authorize` refuses or the identity is outside the trust domain.
 */
export function addCertificateService(server: Server, ca: CertificateAuthority, options: CertificateServiceOptions = {}): void {
  const { definition } = certificateServiceProtocol();
  const createCertificate = (
    call: ServerUnaryCall<CertificateRequestMessage, CertificateResponseMessage>,
    callback: sendUnaryData<CertificateResponseMessage>,
  ): void => {
    void createCertificateFor(ca, options, call.request, call.metadata).then((outcome) => {
      if ('failure' in outcome) callback({ ...outcome.failure, metadata: new Metadata() });
      else callback(null, { cert_chain: outcome.certChain });
    });
  };
  server.addService(definition, { [CREATE_CERTIFICATE]: createCertificate });
}

type Outcome = { readonly certChain: string[] } | { readonly failure: Failure };

async function createCertificateFor(
  ca: CertificateAuthority,
  options: CertificateServiceOptions,
  request: CertificateRequestMessage,
  metadata: Metadata,
): Promise<Outcome> {
  let spiffeId: string;
  try {
    spiffeId = await requestedIdentity(request.csr);
  } catch (error) {
    return { failure: toFailure(error) };
  }
  let allowed: boolean;
  try {
    allowed = options.authorize === undefined || options.authorize(spiffeId, metadata);
  } catch {
    return { failure: { code: status.INTERNAL, details: 'the authorization check failed' } };
  }
  if (!allowed) return { failure: { code: status.PERMISSION_DENIED, details: `not authorized to obtain ${spiffeId}` } };
  const requestedSeconds = Number(request.validity_duration);
  try {
    const certChain = await ca.sign(request.csr, {
      spiffeId,
      ...(requestedSeconds === 0 || Number.isNaN(requestedSeconds) ? {} : { ttlSeconds: requestedSeconds }),
    });
    return { certChain };
  } catch (error) {
    return { failure: toFailure(error) };
  }
}

/** The one workload SPIFFE ID a CSR asks for; throws `BadCsrError` for anything else. */
async function requestedIdentity(csrPem: string): Promise<string> {
  const csr = await verifyCsr(csrPem);
  const [only] = csr.uriSans;
  if (csr.uriSans.length !== 1 || only === undefined || parseSpiffeId(only) === null) {
    throw new BadCsrError(`it must carry exactly one workload SPIFFE ID URI SAN, found ${csr.uriSans.length} URI SANs`);
  }
  return only;
}

function toFailure(error: unknown): Failure {
  if (error instanceof ForeignTrustDomainError) return { code: status.PERMISSION_DENIED, details: error.message };
  if (
    error instanceof BadCsrError ||
    error instanceof InvalidSpiffeIdError ||
    error instanceof InvalidTtlError ||
    error instanceof SpiffeMismatchError
  ) {
    return { code: status.INVALID_ARGUMENT, details: error.message };
  }
  // Anything else is our fault; its details stay in this process.
  return { code: status.INTERNAL, details: 'the CA failed to sign the request' };
}
