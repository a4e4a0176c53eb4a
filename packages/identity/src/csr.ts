import { Buffer } from 'node:buffer';
import { createPublicKey } from 'node:crypto';
import { BadCsrError, InvalidSpiffeIdError } from './errors.js';
import { parseSpiffeId } from './spiffe-id.js';
import type { WorkloadKey } from './workload-key.js';
import {
  ECDSA_P256_SHA256,
  Pkcs10CertificateRequest,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
  nodeCrypto,
} from './x509.js';

/**
 * A PKCS#10 request for `spiffeId`, signed by the workload's key. Like Istio's agent, the
 * identity travels only as the URI SAN; the subject is left empty.
 */
export async function createCsr(key: WorkloadKey, spiffeId: string): Promise<string> {
  if (parseSpiffeId(spiffeId) === null) {
    throw new InvalidSpiffeIdError(spiffeId, 'expected spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>');
  }
  const csr = await Pkcs10CertificateRequestGenerator.create(
    {
      keys: key.keyPair,
      signingAlgorithm: ECDSA_P256_SHA256,
      extensions: [new SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }])],
    },
    nodeCrypto,
  );
  return csr.toString('pem') + '\n';
}

const SUBJECT_ALT_NAME_OID = '2.5.29.17';

/** A CSR whose self-signature and key have been checked. */
export interface VerifiedCsr {
  readonly request: Pkcs10CertificateRequest;
  /** Every URI SAN the request asks for, in order. */
  readonly uriSans: readonly string[];
}

/**
 * Parses and checks a CSR. Throws `BadCsrError` when it is unreadable, its self-signature does not
 * verify (whoever sent it does not hold the key), or its key is weaker than the mesh accepts.
 */
export async function verifyCsr(csrPem: string): Promise<VerifiedCsr> {
  let request: Pkcs10CertificateRequest;
  let uriSans: string[];
  try {
    request = new Pkcs10CertificateRequest(csrPem);
    uriSans = request
      .getExtensions(SUBJECT_ALT_NAME_OID)
      .flatMap((extension) => new SubjectAlternativeNameExtension(extension.rawData).names.items)
      .filter((name) => name.type === 'url')
      .map((name) => name.value);
  } catch (cause) {
    throw new BadCsrError('not a PEM PKCS#10 request', { cause });
  }
  checkKeyStrength(request);
  let signatureValid: boolean;
  try {
    signatureValid = await request.verify(nodeCrypto);
  } catch (cause) {
    throw new BadCsrError('its signature could not be checked', { cause });
  }
  if (!signatureValid) throw new BadCsrError('its self-signature does not verify');
  return { request, uriSans };
}

function checkKeyStrength(request: Pkcs10CertificateRequest): void {
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(request.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new BadCsrError('its public key is unreadable', { cause });
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1' || details.namedCurve === 'secp384r1') return;
    throw new BadCsrError(`EC curve ${details.namedCurve ?? 'unknown'} is not accepted (use P-256 or P-384)`);
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) >= 2048) return;
    throw new BadCsrError(`RSA key of ${details.modulusLength ?? 0} bits is too short (need 2048)`);
  }
  throw new BadCsrError(`key type ${key.asymmetricKeyType ?? 'unknown'} is not accepted (use ECDSA or RSA)`);
}
