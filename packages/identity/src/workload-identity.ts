import { X509Certificate, createPrivateKey } from 'node:crypto';
import { spiffeIdsOfCertificate } from './certificate-spiffe-ids.js';
import { createCsr } from './csr.js';
import { BadCertificateChainError } from './errors.js';
import { normalizePem, pemBlocks } from './pem.js';
import { generateWorkloadKey } from './workload-key.js';

/** Turns a CSR into a certificate chain `[leaf, ..., root]`: a local CA, or a call to a remote one. */
export type CertificateSigner = (csrPem: string) => Promise<string[]>;

export interface WorkloadIdentityFields {
  readonly spiffeId: string;
  readonly certChainPem: readonly string[];
  readonly privateKeyPem: string;
  readonly rootCertPem: string;
}

/**
 * One workload's X.509-SVID: its SPIFFE ID, the certificate chain proving it, the private key
 * (which was generated here and never left the process), and the root it trusts peers by.
 */
export class WorkloadIdentity {
  readonly spiffeId: string;
  readonly certChainPem: string[];
  readonly privateKeyPem: string;
  readonly rootCertPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;

  /**
   * Checks the pieces fit together: the leaf carries `spiffeId`, belongs to the private key, and
   * chains to `rootCertPem`. Throws `BadCertificateChainError` otherwise.
   */
  constructor(fields: WorkloadIdentityFields) {
    const { spiffeId } = fields;
    const certChainPem = fields.certChainPem.flatMap((pem) => pemBlocks(pem));
    const rootCertPem = normalizePem(fields.rootCertPem);
    const leaf = checkChain(spiffeId, certChainPem, rootCertPem);
    let keyMatches: boolean;
    try {
      keyMatches = leaf.checkPrivateKey(createPrivateKey(fields.privateKeyPem));
    } catch (cause) {
      throw new BadCertificateChainError(spiffeId, 'the private key is unreadable', { cause });
    }
    if (!keyMatches) throw new BadCertificateChainError(spiffeId, 'the leaf certificate is for a different key');
    this.spiffeId = spiffeId;
    this.certChainPem = certChainPem;
    this.privateKeyPem = fields.privateKeyPem;
    this.rootCertPem = rootCertPem;
    this.notBefore = new Date(leaf.validFrom);
    this.notAfter = new Date(leaf.validTo);
  }

  /**
   * Generates a key, asks `signer` to certify it for `spiffeId`, and checks what comes back.
   * The signer only ever sees the CSR, never the key.
   */
  static async issue(spiffeId: string, signer: CertificateSigner, rootCertPem: string): Promise<WorkloadIdentity> {
    return issueWorkloadIdentity(spiffeId, signer, rootCertPem);
  }

  /** True once half the certificate's lifetime has passed, as istio-agent rotates. */
  shouldRotate(now: Date = new Date()): boolean {
    const start = this.notBefore.getTime();
    const halfway = start + (this.notAfter.getTime() - start) / 2;
    return now.getTime() >= halfway;
  }

  /** The leaf and any intermediates, without the root: what a TLS endpoint should send. */
  presentedChainPem(): string {
    return this.certChainPem.filter((pem) => pem !== this.rootCertPem).join('');
  }
}

/**
 * `WorkloadIdentity.issue`, except that when `rootCertPem` is omitted the last certificate of the
 * returned chain is taken as the root (trust on first use of the CA connection).
 */
export async function issueWorkloadIdentity(
  spiffeId: string,
  signer: CertificateSigner,
  rootCertPem?: string,
): Promise<WorkloadIdentity> {
  const key = await generateWorkloadKey();
  const certChainPem = await signer(await createCsr(key, spiffeId));
  const root = rootCertPem ?? certChainPem[certChainPem.length - 1];
  if (root === undefined) throw new BadCertificateChainError(spiffeId, 'the signer returned no certificates');
  return new WorkloadIdentity({ spiffeId, certChainPem, privateKeyPem: key.privateKeyPem, rootCertPem: root });
}

function checkChain(spiffeId: string, chainPem: readonly string[], rootCertPem: string): X509Certificate {
  const [leafPem] = chainPem;
  if (leafPem === undefined) throw new BadCertificateChainError(spiffeId, 'the chain is empty');
  let chain: X509Certificate[];
  let root: X509Certificate;
  try {
    chain = chainPem.filter((pem) => pem !== rootCertPem).map((pem) => new X509Certificate(pem));
    root = new X509Certificate(rootCertPem);
  } catch (cause) {
    throw new BadCertificateChainError(spiffeId, 'a certificate is not readable PEM', { cause });
  }
  const leaf = chain[0];
  if (leaf === undefined) throw new BadCertificateChainError(spiffeId, 'the chain holds only the root');
  chain.forEach((certificate, index) => {
    const issuer = chain[index + 1] ?? root;
    if (!certificate.checkIssued(issuer) || !certificate.verify(issuer.publicKey)) {
      throw new BadCertificateChainError(spiffeId, `${certificate.subject || 'a certificate with an empty subject'} is not signed by ${issuer.subject || 'its issuer'}`);
    }
  });
  const ids = spiffeIdsOfCertificate(leaf);
  if (ids.length !== 1 || ids[0] !== spiffeId) {
    throw new BadCertificateChainError(spiffeId, `the leaf certifies ${ids.length === 0 ? 'no SPIFFE ID' : ids.join(', ')}`);
  }
  return leaf;
}
